"""One rate-limit policy for every GitHub answer: when is it a limit, and how long to wait.

GitHub signals a limit with 403 or 429. The order of what to trust follows
GitHub's guidance: `Retry-After` first; else, when `x-ratelimit-remaining` is
0, the `x-ratelimit-reset` epoch; else wait at least a minute and back off
exponentially with jitter. A 403 that is none of these (e.g. "Resource not
accessible by integration") is a permission error, not a limit.
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import Mapping
from dataclasses import dataclass

from prguard.github.errors import RateLimited, TransientGitHubError

SECONDARY_BACKOFF_BASE = 60.0  # GitHub: "wait at least one minute" without other guidance
SECONDARY_BACKOFF_CAP = 900.0
TRANSIENT_BACKOFF_BASE = 5.0
TRANSIENT_BACKOFF_CAP = 300.0
JITTER = 0.2  # up to +20 %, so many workers do not come back in lockstep

_RATE_LIMIT_WORDS = ("rate limit", "abuse detection")


@dataclass(frozen=True, slots=True)
class RateLimitState:
    """The `x-ratelimit-*` figures of the last answer (reset is epoch seconds)."""

    limit: int
    remaining: int
    used: int | None
    reset: float
    resource: str | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitState | None:
        try:
            limit = int(headers["x-ratelimit-limit"])
            remaining = int(headers["x-ratelimit-remaining"])
            reset = float(headers["x-ratelimit-reset"])
        except (KeyError, TypeError, ValueError):
            return None
        used_raw = headers.get("x-ratelimit-used")
        used = int(used_raw) if used_raw and used_raw.isdigit() else None
        return cls(limit, remaining, used, reset, headers.get("x-ratelimit-resource"))


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """`Retry-After` as seconds from now: either delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def is_rate_limit(status: int, headers: Mapping[str, str], message: str | None) -> bool:
    """True for 429, and for a 403 that carries a limit signal (header or GitHub's wording)."""
    if status == 429:
        return True
    if status != 403:
        return False
    if "retry-after" in headers:
        return True
    if headers.get("x-ratelimit-remaining") == "0":
        return True
    text = (message or "").lower()
    return any(word in text for word in _RATE_LIMIT_WORDS)


def backoff(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """base·2^attempt capped, plus up to 20 % jitter (never below base)."""
    rng = rng or random
    delay = min(cap, base * (2 ** max(0, attempt)))
    return delay * (1.0 + JITTER * rng.random())


def rate_limit_delay(
    headers: Mapping[str, str], *, now: float, attempt: int = 0, rng: random.Random | None = None
) -> float:
    """How long to wait after a rate-limited answer, in seconds."""
    retry_after = parse_retry_after(headers.get("retry-after"), now=now)
    if retry_after is not None:
        return retry_after
    state = RateLimitState.from_headers(headers)
    if state is not None and state.remaining == 0:
        return max(1.0, state.reset - now + 1.0)  # +1 s: the reset second itself may still be limited
    return backoff(attempt, base=SECONDARY_BACKOFF_BASE, cap=SECONDARY_BACKOFF_CAP, rng=rng)


def retry_countdown(exc: TransientGitHubError, retries: int, rng: random.Random | None = None) -> float:
    """The Celery countdown for a job that failed with `exc` after `retries` earlier retries.

    A wait GitHub asked for is honoured as given (plus a little jitter); a
    secondary limit without guidance backs off from 60 s; other transient
    failures back off from 5 s.
    """
    rng = rng or random
    if isinstance(exc, RateLimited):
        if exc.guided and exc.retry_after is not None:
            return exc.retry_after + rng.random()
        floor = exc.retry_after or 0.0
        return max(floor, backoff(retries, base=SECONDARY_BACKOFF_BASE, cap=SECONDARY_BACKOFF_CAP, rng=rng))
    floor = exc.retry_after or 0.0
    return max(floor, backoff(retries, base=TRANSIENT_BACKOFF_BASE, cap=TRANSIENT_BACKOFF_CAP, rng=rng))
