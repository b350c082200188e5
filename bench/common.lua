-- Shared by the wrk scripts: thread ids, unique keys, the auth header, and a JSON summary.
token = os.getenv("BENCH_TOKEN") or "dev-wallet-key"
users = tonumber(os.getenv("BENCH_USERS") or "1")
prefix = os.getenv("BENCH_PREFIX") or "bench"
local threads = 0
local all_threads = {}
counter = 0
answered = {ok = 0, accepted = 0, server_error = 0}  -- 200, 202, 5xx: this thread's counts

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
  table.insert(all_threads, thread)
end

function response(status, headers, body)
  if status == 200 then answered.ok = answered.ok + 1
  elseif status == 202 then answered.accepted = answered.accepted + 1
  elseif status >= 500 then answered.server_error = answered.server_error + 1 end
end

local function answered_in_all(name)
  local total = 0
  for _, thread in ipairs(all_threads) do total = total + thread:get("answered")[name] end
  return total
end

function init(args)
  math.randomseed(tid * 7919 + os.time())
end

function next_key()
  counter = counter + 1
  return string.format("%s-%d-%d", prefix, tid, counter)
end

function random_user()
  return string.format("USR-LOAD-%06d", math.random(1, users))
end

function headers(extra)
  local h = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
  for k, v in pairs(extra or {}) do h[k] = v end
  return h
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"socket_errors":%d,"http_errors":%d,' ..
    '"p50_ms":%.3f,"p95_ms":%.3f,"p99_ms":%.3f,"ok":%d,"accepted":%d,"server_errors":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    answered_in_all("ok"), answered_in_all("accepted"), answered_in_all("server_error")))
end
