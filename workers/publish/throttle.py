"""GitHub write throttling per installation, shared by every worker through Redis.

GitHub's secondary limits for content creation are 80 requests per minute and
500 per hour, and its best practice is one second between mutations. Every
worker asks the same Redis limiter before a write; a short wait (the 1 s
spacing) is slept in place, a long one raises `RateLimited(retry_after)` so the
Celery task retries later on the `github-write` queue instead of holding a
worker.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from prguard.github.client import RestVerbs
from prguard.github.errors import RateLimited

# KEYS: 1 log (sorted set of mutation times, ms), 2 last mutation time (ms)
# ARGV: 1 spacing ms, 2 per-minute budget, 3 per-hour budget, 4 member id
# Returns 0 when the mutation may go now (and records it), else the wait in ms.
_ACQUIRE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 3600000)
local wait = 0
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if now - last < tonumber(ARGV[1]) then
  wait = tonumber(ARGV[1]) - (now - last)
end
local per_minute = tonumber(ARGV[2])
local minute = redis.call('ZCOUNT', KEYS[1], now - 60000, '+inf')
if minute >= per_minute then
  local skip = minute - per_minute
  local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], now - 60000, '+inf', 'WITHSCORES', 'LIMIT', skip, 1)
  wait = math.max(wait, tonumber(oldest[2]) + 60000 - now)
end
local per_hour = tonumber(ARGV[3])
local hour = redis.call('ZCARD', KEYS[1])
if hour >= per_hour then
  local oldest = redis.call('ZRANGE', KEYS[1], hour - per_hour, hour - per_hour, 'WITHSCORES')
  wait = math.max(wait, tonumber(oldest[2]) + 3600000 - now)
end
if wait > 0 then
  return wait
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], 3600000)
redis.call('SET', KEYS[2], now, 'PX', 3600000)
return 0
"""


@dataclass(frozen=True, slots=True)
class WriteBudget:
    """GitHub's content-creation limits, with a little headroom kept by default."""

    spacing_seconds: float = 1.0
    per_minute: int = 80
    per_hour: int = 500


class WriteThrottle:
    """One Redis-backed limiter for all mutations of one GitHub App across workers.

    `acquire(installation_id)` returns once a mutation may be sent (after
    sleeping at most `max_sleep` seconds) or raises `RateLimited`.
    """

    def __init__(
        self,
        redis: Any,
        *,
        prefix: str = "prguard:",
        budget: WriteBudget | None = None,
        max_sleep: float = 3.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.budget = budget or WriteBudget()
        self.max_sleep = max_sleep
        self._sleep = sleep
        self._acquire = redis.register_script(_ACQUIRE_LUA)

    def _keys(self, installation_id: int) -> list[str]:
        base = f"{self.prefix}throttle:{installation_id}"
        return [f"{base}:log", f"{base}:last"]

    def try_acquire(self, installation_id: int) -> float:
        """0.0 when a mutation may go now (it is recorded), else the seconds to wait."""
        wait_ms = self._acquire(
            keys=self._keys(installation_id),
            args=[
                int(self.budget.spacing_seconds * 1000),
                self.budget.per_minute,
                self.budget.per_hour,
                uuid.uuid4().hex,
            ],
        )
        return int(wait_ms) / 1000.0

    def acquire(self, installation_id: int) -> None:
        slept = 0.0
        while True:
            wait = self.try_acquire(installation_id)
            if wait <= 0:
                return
            if slept + wait > self.max_sleep:
                raise RateLimited(
                    f"write budget of installation {installation_id} spent; retry in {wait:.1f}s",
                    retry_after=wait,
                    method="WRITE",
                    route="throttle",
                )
            self._sleep(wait)
            slept += wait


_MUTATING = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class ThrottledClient(RestVerbs):
    """A GitHubClient whose mutations (REST writes and GraphQL mutations) pass the write throttle first.

    Reads go straight through. Everything else is delegated, so `.calls` and
    `.rate_limit` are the wrapped client's.
    """

    def __init__(self, client: Any, throttle: WriteThrottle, installation_id: int) -> None:
        self._client = client
        self._throttle = throttle
        self._installation_id = installation_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        self._before(method)
        return self._client.request(method, path, **kwargs)

    def request_full(self, method: str, path: str, **kwargs: Any) -> Any:
        self._before(method)
        return self._client.request_full(method, path, **kwargs)

    def _before(self, method: str) -> None:
        if method.upper() in _MUTATING:
            self._throttle.acquire(self._installation_id)

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        if query.lstrip().startswith("mutation"):
            self._throttle.acquire(self._installation_id)
        return self._client.graphql(query, variables)
