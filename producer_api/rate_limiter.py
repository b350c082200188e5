"""The rate limit budgets in Redis: every budget of a call checked and charged in one round
trip (one Lua script), each a sliding window counter.

A sliding window counter adds this window's count to the previous window's, weighted by how
much of it the sliding window still covers: within a few percent of an exact moving window,
for two small keys per budget. Nothing is charged when any budget is spent.
"""

import logging
import math
import time

import redis
from limits import parse

log = logging.getLogger(__name__)
FAIL_OPEN_SECONDS = 1.0

# KEYS: one prefix per budget; ARGV: amount and window (ms) per budget. Returns 0 and charges
# every budget, or the milliseconds until the fullest budget has room again (charging none).
SLIDING_WINDOWS = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local wait, current = 0, {}
for i, key in ipairs(KEYS) do
  local amount, window = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local start = now - now % window
  local elapsed = now - start
  current[i] = key .. ':' .. start
  local cur = tonumber(redis.call('GET', current[i]) or '0')
  local prev = tonumber(redis.call('GET', key .. ':' .. (start - window)) or '0')
  if prev * (window - elapsed) / window + cur + 1 > amount then
    local ms
    if cur + 1 > amount then
      ms = window - elapsed + window * (1 - (amount - 1) / cur)
    else
      ms = window - elapsed - (amount - 1 - cur) * window / prev
    end
    wait = math.max(wait, ms)
  end
end
if wait > 0 then return math.ceil(wait) end
for i, key in ipairs(current) do
  redis.call('INCR', key)
  redis.call('PEXPIRE', key, 2 * tonumber(ARGV[2 * i]))
end
return 0
"""


class RateLimiter:
    def __init__(self, redis_url: str, *, per_key: str, per_account: str) -> None:
        client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._client = client
        self._script = client.register_script(SLIDING_WINDOWS)
        self._budgets = {"key": _budget(per_key), "account": _budget(per_account)}
        self._open_until = 0.0

    def close(self) -> None:
        self._client.close()

    def retry_after(self, **identities: str) -> int | None:
        """Charge each named budget (``key=..., account=...``) if all have room; else the
        seconds to wait. None when allowed, or when Redis is unreachable (fail open)."""
        if time.monotonic() < self._open_until:
            return None
        keys = [f"wallet:rate:{kind}:{who}" for kind, who in identities.items()]
        budgets = [n for kind in identities for n in self._budgets[kind]]
        try:
            wait_ms = int(self._script(keys=keys, args=budgets))
        except redis.RedisError as error:
            self._open_until = time.monotonic() + FAIL_OPEN_SECONDS
            log.warning("rate limits fail open for %ss: %s", FAIL_OPEN_SECONDS, error)
            return None
        return max(1, math.ceil(wait_ms / 1000)) if wait_ms else None


def _budget(limit: str) -> tuple[int, int]:
    item = parse(limit)
    return item.amount, item.get_expiry() * 1000
