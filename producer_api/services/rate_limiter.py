"""The rate limit budgets in Redis, each a sliding window counter, taken in leases.

A sliding window counter adds this window's count to the previous window's, weighted by how
much of it the sliding window still covers: within a few percent of an exact moving window,
for two small keys per budget.

A process does not ask Redis on every call: it takes a lease of ``1 / lease_parts`` of a
budget's amount (at least 1: a budget of under ``2 * lease_parts`` a window is leased a call
or so at a time) and spends it locally until it runs out or its window ends. The lease is
charged in Redis when taken, so all processes together never pass a limit; a lease left
unspent at the end of its window only makes the limit stricter (by at most one lease per
process and window, and by that lease's weight in the next window's estimate). Threads of
a process that renew a lease at once add their grants to one lease of the window. A hot
account under the default limits costs a round trip every 4 calls instead of every call,
and a lifted limit one per window; the round trip per call was about a third of the API's
CPU a submit.

A process keeps at most ``MAX_LEASES`` leases (dropping one only makes its limit stricter),
and an identity longer than ``MAX_IDENTITY`` characters (no account number is) is hashed,
so that hostile strings cost neither Redis nor the process more than a short key.

All budgets a call lacks a lease for are leased in one round trip (one Lua script), and
nothing is charged when any of them is spent.
"""

import hashlib
import logging
import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import redis
from limits import parse

log = logging.getLogger(__name__)
FAIL_OPEN_SECONDS = 1.0
PRUNE_ABOVE = 4096  # leases a process keeps before it drops the expired ones
MAX_LEASES = 16_384  # past this, the oldest are dropped too
MAX_IDENTITY = 64

# KEYS: one prefix per budget; ARGV: amount, window (ms) and lease size per budget. Returns
# {0, ms} charging none when a budget has no room for one call (ms: until the fullest has),
# else {1, granted, ms left in its window, window start, granted, ...}: each budget charged
# min(lease, its room).
LEASE_SLIDING_WINDOWS = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local wait, current, granted, left, starts = 0, {}, {}, {}, {}
for i, key in ipairs(KEYS) do
  local amount, window = tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i - 1])
  local start = now - now % window
  local elapsed = now - start
  current[i] = key .. ':' .. start
  local cur = tonumber(redis.call('GET', current[i]) or '0')
  local prev = tonumber(redis.call('GET', key .. ':' .. (start - window)) or '0')
  local room = amount - prev * (window - elapsed) / window - cur
  if room < 1 then
    local ms
    if cur + 1 > amount then
      ms = window - elapsed + window * (1 - (amount - 1) / cur)
    else
      ms = window - elapsed - (amount - 1 - cur) * window / prev
    end
    wait = math.max(wait, ms)
  end
  granted[i] = math.min(tonumber(ARGV[3 * i]), math.floor(room))
  left[i] = window - elapsed
  starts[i] = start
end
if wait > 0 then return {0, math.ceil(wait)} end
local answer = {1}
for i, key in ipairs(current) do
  redis.call('INCRBY', key, granted[i])
  redis.call('PEXPIRE', key, 2 * tonumber(ARGV[3 * i - 1]))
  answer[3 * i - 1] = granted[i]
  answer[3 * i] = left[i]
  answer[3 * i + 1] = starts[i]
end
return answer
"""


@dataclass
class Lease:
    """Calls a process may still make on a budget in the window that started at ``window``
    (Redis's clock, ms), until ``until`` (time.monotonic)."""

    calls: int
    until: float
    window: int


@dataclass(frozen=True)
class Budget:
    amount: int
    window_ms: int
    lease: int


class RateLimiter:
    def __init__(
        self,
        redis_url: str,
        *,
        per_key: str,
        per_account: str,
        failed_auth_per_address: str,
        lease_parts: int,
    ) -> None:
        client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._client = client
        self._script = client.register_script(LEASE_SLIDING_WINDOWS)
        self._budgets = {
            "key": _budget(per_key, lease_parts),
            "account": _budget(per_account, lease_parts),
            "failed_auth": _budget(failed_auth_per_address, lease_parts),
        }
        self._leases: dict[str, Lease] = {}
        self._prune_above = PRUNE_ABOVE
        self._lock = threading.Lock()
        self._open_until = 0.0

    def close(self) -> None:
        self._client.close()

    def retry_after(self, **identities: str) -> int | None:
        """Charge each named budget (``key=..., account=..., failed_auth=...``) if all have
        room; else the seconds to wait. None when allowed, or when Redis is unreachable
        (fail open)."""
        if time.monotonic() < self._open_until:
            return None
        budgets = {
            f"wallet:rate:{kind}:{_short(who)}": self._budgets[kind]
            for kind, who in identities.items()
        }
        taken, lacking = self._take_leased(budgets)
        if not lacking:
            return None
        sent = time.monotonic()
        try:
            answer = self._script(keys=lacking, args=_arguments(budgets[k] for k in lacking))
        except redis.RedisError as error:
            self._open_until = time.monotonic() + FAIL_OPEN_SECONDS
            log.warning("rate limits fail open for %ss: %s", FAIL_OPEN_SECONDS, error)
            return None
        if not answer[0]:
            self._give_back(taken)
            return max(1, math.ceil(int(answer[1]) / 1000))
        self._keep_leased(lacking, [int(n) for n in answer[1:]], sent)
        return None

    def _take_leased(self, budgets: dict[str, Budget]) -> tuple[dict[str, Lease], list[str]]:
        """One call from each budget's lease where one is left; the budgets with none."""
        now, taken, lacking = time.monotonic(), {}, []
        with self._lock:
            for key in budgets:
                lease = self._leases.get(key)
                if lease is not None and lease.calls > 0 and lease.until > now:
                    lease.calls -= 1
                    taken[key] = lease
                else:
                    lacking.append(key)
        return taken, lacking

    def _give_back(self, taken: dict[str, Lease]) -> None:
        with self._lock:
            for lease in taken.values():
                lease.calls += 1

    def _keep_leased(self, keys: list[str], granted: list[int], sent: float) -> None:
        """What Redis granted, less the call being made, until the end of its window (as
        seen when the request was sent: never later than Redis's). A grant for the window
        of the lease held adds to it; one for an older window (a late answer) is dropped."""
        with self._lock:
            if len(self._leases) > self._prune_above:
                self._prune()
            for i, key in enumerate(keys):
                calls, left_ms, window = granted[3 * i : 3 * i + 3]
                held, until = self._leases.get(key), sent + left_ms / 1000
                if held is not None and held.window == window:
                    held.calls += calls - 1
                    held.until = max(held.until, until)  # both end before the window does
                elif held is None or held.window < window:
                    self._leases.pop(key, None)  # to the end: the table is oldest first
                    self._leases[key] = Lease(calls - 1, until, window)

    def _prune(self) -> None:
        """Drop the expired leases and, past half of MAX_LEASES, the least recently renewed;
        the next prune comes when the table has doubled (at most to MAX_LEASES), so pruning
        costs O(1) a call."""
        now = time.monotonic()
        live = [(k, v) for k, v in self._leases.items() if v.until > now]
        self._leases = dict(live[-(MAX_LEASES // 2) :])
        self._prune_above = min(MAX_LEASES, max(PRUNE_ABOVE, 2 * len(self._leases)))


def _budget(limit: str, lease_parts: int) -> Budget:
    item = parse(limit)
    return Budget(item.amount, item.get_expiry() * 1000, max(1, item.amount // lease_parts))


def _short(identity: str) -> str:
    if len(identity) <= MAX_IDENTITY:
        return identity
    return "sha256:" + hashlib.sha256(identity.encode(errors="surrogatepass")).hexdigest()


def _arguments(budgets: Iterable[Budget]) -> list[int]:
    return [n for b in budgets for n in (b.amount, b.window_ms, b.lease)]
