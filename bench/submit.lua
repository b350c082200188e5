-- wrk: single-operation top-ups with unique idempotency keys.
-- env: BENCH_USERS (users to spread over; 1 = one hot user), BENCH_PREFIX, BENCH_WAIT (Prefer:
-- wait), BENCH_DELAY_MS (fixed rate: each connection pauses about this long between requests,
-- drawn uniformly from half to one and a half times it so connections do not march in step)
dofile("bench/common.lua")
local wait = os.getenv("BENCH_WAIT")
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

function request()
  local body = string.format(
    '{"accountNumber":"%s","assetCode":"GOLD_COINS","amount":"1.00","idempotencyKey":"%s"}',
    random_user(), next_key())
  local extra = wait and {["Prefer"] = "wait=" .. wait} or nil
  return wrk.format("POST", "/api/wallet/topup", headers(extra), body)
end

if pause > 0 then
  function delay()
    return math.random(math.floor(pause / 2), math.floor(pause * 3 / 2))
  end
end
