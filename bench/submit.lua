-- wrk: single-operation top-ups with unique idempotency keys.
-- env: BENCH_USERS (users to spread over; 1 = one hot user), BENCH_PREFIX, BENCH_WAIT (Prefer: wait)
local users = tonumber(os.getenv("BENCH_USERS") or "1")
local prefix = os.getenv("BENCH_PREFIX") or "bench"
local wait = os.getenv("BENCH_WAIT")
local token = os.getenv("BENCH_TOKEN") or "dev-wallet-key"
local threads = 0
local counter = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  math.randomseed(tid * 7919 + os.time())
end

function request()
  counter = counter + 1
  local user = string.format("USR-LOAD-%06d", math.random(1, users))
  local body = string.format(
    '{"accountNumber":"%s","assetCode":"GOLD_COINS","amount":"1.00","idempotencyKey":"%s-%d-%d"}',
    user, prefix, tid, counter)
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
  if wait then headers["Prefer"] = "wait=" .. wait end
  return wrk.format("POST", "/api/wallet/topup", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"socket_errors":%d,"http_errors":%d,' ..
    '"p50_ms":%.3f,"p95_ms":%.3f,"p99_ms":%.3f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
