-- wrk: POST /api/wallet/batch with BENCH_BATCH top-ups per call, each with its own key.
dofile("bench/common.lua")
local size = tonumber(os.getenv("BENCH_BATCH") or "1000")

function request()
  local ops = {}
  for i = 1, size do
    ops[i] = string.format(
      '{"type":"topup","accountNumber":"%s","assetCode":"GOLD_COINS","amount":"1.00",' ..
      '"idempotencyKey":"%s"}', random_user(), next_key())
  end
  local body = '{"operations":[' .. table.concat(ops, ",") .. ']}'
  return wrk.format("POST", "/api/wallet/batch", headers(), body)
end
