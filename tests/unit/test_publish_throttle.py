"""The GitHub write throttle on the real Redis (DB 13): spacing, per-minute and per-hour budgets."""

from __future__ import annotations

import time

import pytest
from prguard.github.errors import RateLimited
from prguard.publish.throttle import ThrottledClient, WriteBudget, WriteThrottle

from tests.spine_helpers import redis_under_prefix


@pytest.fixture
def redis_db():
    yield from redis_under_prefix(13, "test-throttle-")


def test_mutations_are_spaced_by_one_second(redis_db):
    client, prefix = redis_db
    throttle = WriteThrottle(client, prefix=prefix)
    assert throttle.try_acquire(1) == 0.0
    wait = throttle.try_acquire(1)
    assert 0.9 <= wait <= 1.0
    assert throttle.try_acquire(2) == 0.0  # another installation has its own budget


def test_acquire_sleeps_a_short_wait_and_raises_a_long_one(redis_db):
    client, prefix = redis_db
    throttle = WriteThrottle(client, prefix=prefix, budget=WriteBudget(spacing_seconds=0.05))
    throttle.acquire(1)
    started = time.monotonic()
    throttle.acquire(1)  # sleeps ~50 ms for the spacing, then goes
    assert time.monotonic() - started >= 0.04
    strict = WriteThrottle(client, prefix=prefix, budget=WriteBudget(spacing_seconds=30), max_sleep=3)
    with pytest.raises(RateLimited) as raised:
        strict.acquire(1)
    assert 29 <= raised.value.retry_after <= 30


def test_per_minute_budget(redis_db):
    client, prefix = redis_db
    throttle = WriteThrottle(client, prefix=prefix, budget=WriteBudget(spacing_seconds=0, per_minute=80))
    assert all(throttle.try_acquire(7) == 0.0 for _ in range(80))
    wait = throttle.try_acquire(7)
    assert 59 <= wait <= 60
    with pytest.raises(RateLimited) as raised:
        throttle.acquire(7)
    assert raised.value.retry_after > 50


def test_per_hour_budget(redis_db):
    client, prefix = redis_db
    budget = WriteBudget(spacing_seconds=0, per_minute=10_000, per_hour=500)
    throttle = WriteThrottle(client, prefix=prefix, budget=budget)
    assert all(throttle.try_acquire(9) == 0.0 for _ in range(500))
    assert 3590 <= throttle.try_acquire(9) <= 3600


class _Recorder:
    def __init__(self):
        self.calls = []

    def request(self, method, path, **kwargs):
        self.calls.append((method, path))
        return {}

    def get(self, path, **kwargs):
        self.calls.append(("GET", path))
        return {}

    def graphql(self, query, variables=None):
        self.calls.append(("GRAPHQL", query.split("(")[0].strip()))
        return {}


def test_throttled_client_spaces_mutations_only(redis_db):
    client, prefix = redis_db
    waits: list[float] = []
    throttle = WriteThrottle(client, prefix=prefix, sleep=waits.append, max_sleep=5)
    throttle._sleep = lambda seconds: (waits.append(seconds), client.delete(f"{prefix}throttle:3:last"))
    inner = _Recorder()
    gh = ThrottledClient(inner, throttle, 3)
    gh.get("/a")
    gh.graphql("query { viewer { login } }")
    assert waits == []
    gh.post("/b")
    gh.patch("/c")
    gh.graphql("mutation($id: ID!) { x }")
    assert len(waits) == 2  # the 2nd and 3rd mutation each waited for the 1 s spacing
    assert [c[0] for c in inner.calls] == ["GET", "GRAPHQL", "POST", "PATCH", "GRAPHQL"]
