-- wrk: single transfers between random pairs of distinct load users, unique idempotency keys.
-- env: BENCH_USERS (at least 2), BENCH_PREFIX, BENCH_WAIT (Prefer: wait)
dofile("bench/common.lua")
local wait = os.getenv("BENCH_WAIT")

function request()
  local sender = math.random(1, users)
  local receiver = 1 + (sender + math.random(0, users - 2)) % users -- never the sender
  local body = string.format(
    '{"fromAccount":"USR-LOAD-%06d","toAccount":"USR-LOAD-%06d","assetCode":"GOLD_COINS",' ..
    '"amount":"1.00","idempotencyKey":"%s"}',
    sender, receiver, next_key())
  local extra = wait and {["Prefer"] = "wait=" .. wait} or nil
  return wrk.format("POST", "/api/wallet/transfer", headers(extra), body)
end
