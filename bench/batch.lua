-- wrk: POST /api/wallet/batch with BENCH_BATCH top-ups per call, each with its own key.
local users = tonumber(os.getenv("BENCH_USERS") or "1")
local size = tonumber(os.getenv("BENCH_BATCH") or "1000")
local prefix = os.getenv("BENCH_PREFIX") or "batch"
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
  local ops = {}
  for i = 1, size do
    counter = counter + 1
    ops[i] = string.format(
      '{"type":"topup","accountNumber":"USR-LOAD-%06d","assetCode":"GOLD_COINS","amount":"1.00",' ..
      '"idempotencyKey":"%s-%d-%d"}', math.random(1, users), prefix, tid, counter)
  end
  local body = '{"operations":[' .. table.concat(ops, ",") .. ']}'
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
  return wrk.format("POST", "/api/wallet/batch", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"socket_errors":%d,"http_errors":%d,' ..
    '"p50_ms":%.3f,"p95_ms":%.3f,"p99_ms":%.3f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
