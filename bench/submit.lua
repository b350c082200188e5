-- wrk: single-operation top-ups with unique idempotency keys.
-- env: BENCH_USERS (users to spread over; 1 = one hot user), BENCH_PREFIX, BENCH_WAIT (Prefer: wait)
dofile("bench/common.lua")
local wait = os.getenv("BENCH_WAIT")

function request()
  local body = string.format(
    '{"accountNumber":"%s","assetCode":"GOLD_COINS","amount":"1.00","idempotencyKey":"%s"}',
    random_user(), next_key())
  local extra = wait and {["Prefer"] = "wait=" .. wait} or nil
  return wrk.format("POST", "/api/wallet/topup", headers(extra), body)
end
