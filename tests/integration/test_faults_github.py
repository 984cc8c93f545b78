"""GitHub misbehaving on every endpoint prguard uses: the job backs off as told, completes, publishes once.

The matrix runs the real review task body (`prguard.worker.tasks.review_pull_request`)
against the fake GitHub over HTTP and the real Redis (DB 10). Celery's broker is
the only thing emulated: when the task asks for a retry, the countdown it gives
is recorded and checked against what GitHub said (Retry-After, x-ratelimit-reset,
our backoff), then the task runs again with `retries + 1`, as Celery would.
Every (endpoint, fault) pair gets a fresh pull request; the routes are the ones
a clean review actually calls, discovered at the start, so a new endpoint is
covered without editing this file. A last test does the same through a real
Celery worker process, where the countdowns are really waited.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import redis as redis_lib
from prguard.github.auth import InstallationTokens
from prguard.publish import publisher as publisher_module
from prguard.publish.throttle import WriteBudget
from prguard.queue.celery_app import MAX_RETRY_COUNTDOWN, VISIBILITY_TIMEOUT
from prguard.queue.state import RedisKeys
from prguard.worker import tasks

from tests.fake_github.server import Fault
from tests.integration.fault_stack import (
    BASE_APP,
    HEAD_APP,
    INSTALLATION,
    OWNER,
    REPO,
    assert_published_once,
    completed_runs,
    delete_prefix,
    pr_payload,
    running_stack,
    seed_service_pull,
)

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/10"
READ_TIMEOUT = 0.3
SLOW = 0.6  # a delayed answer: longer than the read timeout


@dataclass(frozen=True)
class Kind:
    name: str
    make: Callable[[], Fault]  # a fresh fault per injection (a reset time is relative to now)
    expect_countdown: tuple[float, float] | None = None  # the countdown GitHub asked for (min, max)
    settle: float = 0.0  # how long GitHub keeps working on a request whose answer we gave up on


def _primary_limit() -> Fault:
    reset_at = int(time.time()) + 40
    return Fault(
        403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset_at)},
        body={"message": "API rate limit exceeded for installation ID 31337.", "documentation_url": ""},
    )


def _kinds() -> list[Kind]:
    return [
        Kind("502", lambda: Fault(502)),
        Kind("503", lambda: Fault(503)),
        Kind("504", lambda: Fault(504)),
        Kind("connection-reset", lambda: Fault(drop=True)),
        Kind("reset-after-applied", lambda: Fault(after=True, drop=True)),
        Kind("timeout-after-applied", lambda: Fault(delay=SLOW), settle=SLOW + 0.2),
        Kind(
            "secondary-403-retry-after",
            lambda: Fault(403, headers={"retry-after": "30"}),
            expect_countdown=(30, 31),
        ),
        Kind("429-retry-after", lambda: Fault(429, headers={"retry-after": "20"}), expect_countdown=(20, 21)),
        Kind("primary-403-reset", _primary_limit, expect_countdown=(30, 43)),
        Kind(
            "retry-after-of-a-day",
            lambda: Fault(429, headers={"retry-after": "86400"}),
            expect_countdown=(MAX_RETRY_COUNTDOWN, MAX_RETRY_COUNTDOWN),
        ),
    ]


KINDS = _kinds()
FIGURES: Counter[str] = Counter()


class Captured(Exception):
    def __init__(self, countdown: float) -> None:
        super().__init__(countdown)
        self.countdown = countdown


@pytest.fixture
def world(fake_github, github_app_key, monkeypatch):
    rds = redis_lib.Redis.from_url(REDIS_URL)
    monkeypatch.setattr(publisher_module, "WRITE_BUDGET", WriteBudget(spacing_seconds=0.01))

    def retry(*, exc, countdown):  # what Celery's retry receives, recorded instead of scheduled
        raise Captured(countdown)

    monkeypatch.setattr(tasks.review_pull_request, "retry", retry)
    fake_github.add_installation(INSTALLATION, OWNER)
    fake_github.add_repo(OWNER, REPO, {"service/app.py": BASE_APP})
    prefixes = []

    def runtime_for_case() -> tasks.Runtime:
        prefix = f"ghfault-{uuid.uuid4().hex[:8]}:"
        prefixes.append(prefix)
        from tests.spine_helpers import make_settings

        settings = make_settings(REDIS_URL, redis_key_prefix=prefix, github_api_url=fake_github.api_url)
        tokens = InstallationTokens(
            app_id=fake_github.app_id, private_key=github_app_key.private_pem,
            api_url=fake_github.api_url, graphql_url=fake_github.graphql_url, redis=rds,
            key_prefix=f"{prefix}ghtoken:", timeout=(2, READ_TIMEOUT),
        )  # fmt: skip
        return tasks.Runtime(settings, rds, RedisKeys(prefix), tokens)

    yield fake_github, runtime_for_case
    for prefix in prefixes:
        delete_prefix(rds, prefix)


def _open_pull(fake, n: int):
    return fake.open_pull(
        OWNER, REPO, {"service/app.py": HEAD_APP}, head_ref=f"feature-{n}", title=f"Change {n}"
    )


def _run_task(monkeypatch, rt, pull, delivery: str, kind: Kind | None = None) -> tuple[dict, list[float]]:
    """Run the task as Celery would: again after each retry, until it returns; the countdowns it asked."""
    monkeypatch.setattr(tasks, "runtime", lambda: rt)
    task = tasks.review_pull_request
    kwargs = {
        "installation_id": INSTALLATION, "owner": OWNER, "repo": REPO, "number": pull.number,
        "head_sha": pull.head_sha, "delivery_id": delivery, "trigger": "pull_request.opened",
    }  # fmt: skip
    countdowns: list[float] = []
    for retries in range(task.max_retries + 1):
        task.push_request(retries=retries, id=str(uuid.uuid4()))
        try:
            return task.run(**kwargs), countdowns
        except Captured as retry:
            countdowns.append(retry.countdown)
            FIGURES["retries"] += 1
            if kind is not None and kind.settle:
                time.sleep(kind.settle)  # the countdown passes; GitHub finishes what it was doing
        finally:
            task.pop_request()
    raise AssertionError(f"never finished: countdowns {countdowns}")


def test_every_endpoint_under_every_fault(world, monkeypatch):
    fake, runtime_for_case = world
    # A clean review first: the endpoints prguard uses, as (method, route).
    pull = _open_pull(fake, 0)
    outcome, countdowns = _run_task(monkeypatch, runtime_for_case(), pull, str(uuid.uuid4()))
    assert outcome["status"] == "completed" and not countdowns
    routes = sorted({(c.method, c.route) for c in fake.calls()})
    assert len(routes) >= 10, routes
    assert ("POST", "/repos/{owner}/{repo}/check-runs") in routes
    assert ("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews") in routes
    assert ("POST", "/app/installations/{installation_id}/access_tokens") in routes

    # Every route gets every kind of fault; a job carries the fault on a third of the routes at once
    # (each fault costs at most one retry, well inside the task's max_retries).
    groups = [routes[i::3] for i in range(3)]
    failures = []
    n = 0
    for kind in KINDS:
        for group in groups:
            n += 1
            pull = _open_pull(fake, n)
            for method, route in group:
                fake.inject(method, route, kind.make())
            started = time.monotonic()
            outcome, countdowns = _run_task(monkeypatch, runtime_for_case(), pull, str(uuid.uuid4()), kind)
            FIGURES["jobs"] += 1
            FIGURES["faults"] += len(group)
            where = f"{kind.name} on {', '.join(f'{m} {r}' for m, r in group)}"
            try:
                assert fake.pending_faults() == 0, "a fault was never hit"
                # "already-completed": the completing PATCH was applied, only its answer was lost.
                assert outcome["status"] in ("completed", "already-completed"), outcome
                assert outcome["conclusion"] == "failure"
                assert_published_once(fake, pull.number, pull.head_sha)
                assert len(fake.reviews(OWNER, REPO, pull.number)) == 1
                for countdown in countdowns:
                    assert 0 < countdown <= MAX_RETRY_COUNTDOWN < VISIBILITY_TIMEOUT
                    if kind.expect_countdown is not None:
                        low, high = kind.expect_countdown
                        assert low <= countdown <= high, countdowns
                if kind.expect_countdown is not None:
                    assert countdowns, "a rate limit GitHub asked to wait for was not waited for"
                assert time.monotonic() - started < 20, "a job waited in place for too long"
            except AssertionError as exc:
                failures.append(f"{where}: {exc}")
    FIGURES["routes"] = len(routes)
    assert not failures, "\n".join(failures)
    print(f"\nGitHub faults: {dict(FIGURES)}")


REAL_WORKER_REDIS = "redis://127.0.0.1:6379/9"


@pytest.fixture
def stack(fake_github, github_app_key, tmp_path):
    yield from running_stack(fake_github, github_app_key, tmp_path, REAL_WORKER_REDIS)


def test_a_real_worker_waits_as_github_asks_and_completes_once(stack, fake_github):
    """403 secondary limit (Retry-After 3) on the review, 429 (Retry-After 3) on the check run, 502 twice.

    Waits above the client's 2 s in-place budget go back to Celery as a retry countdown.
    """
    pull = seed_service_pull(fake_github)
    fake_github.inject("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
                       Fault(403, headers={"retry-after": "3"}))  # fmt: skip
    fake_github.inject("POST", "/repos/{owner}/{repo}/check-runs", Fault(429, headers={"retry-after": "3"}))
    fake_github.inject("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", Fault(502), Fault(502))
    started = time.monotonic()
    assert stack.post("pull_request", pr_payload(pull)).status_code == 202
    stack.wait_for(completed_runs)
    elapsed = time.monotonic() - started
    assert fake_github.pending_faults() == 0
    assert_published_once(fake_github, pull.number, pull.head_sha)
    log = stack.worker_log()
    assert log.count("Retry in 3") >= 2, "Celery retried with GitHub's Retry-After as the countdown"
    assert elapsed >= 6.0, "the worker did not wait as GitHub asked"
