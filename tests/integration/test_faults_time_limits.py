"""A GitHub that hangs cannot hold a review beyond the task's time limit.

A real prefork Celery worker (concurrency 1) runs with TASK_SOFT_TIME_LIMIT=3 and
TASK_TIME_LIMIT=6 against the fake GitHub:

- soft limit: GitHub answers a read after a very long delay (one 20 s answer, under the
  client's 30 s read timeout), or answers a series of reads each a little slowly; the
  review stops at the soft limit and its check run ends `timed_out` with a summary that
  says to re-run, completed once, nothing reviewed or commented;
- hard limit: the soft limit's own closing PATCH hangs too, so the child is killed at the
  hard limit; Celery acks the message (no redelivery loop) and the worker's main process
  queues the closing of the run, which ends `timed_out`, once.

Each time the worker stays up and reviews the next pull request normally.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.fake_github.server import Fault
from tests.integration.fault_stack import (
    OWNER,
    REPO,
    assert_published_once,
    completed_runs,
    pr_payload,
    running_stack,
    seed_service_pull,
)

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/6"
SOFT, HARD = 3, 6
FILES = "/repos/{owner}/{repo}/pulls/{pull_number}/files"
CHECK_RUN = "/repos/{owner}/{repo}/check-runs/{check_run_id}"
PULL = "/repos/{owner}/{repo}/pulls/{pull_number}"


@pytest.fixture
def stack(fake_github, github_app_key, tmp_path):
    yield from running_stack(
        fake_github, github_app_key, tmp_path, REDIS_URL,
        TASK_SOFT_TIME_LIMIT=str(SOFT), TASK_TIME_LIMIT=str(HARD),
    )  # fmt: skip


def _received(log: str, task: str) -> int:
    """How many times the worker took a message for `task` off the queue (a redelivery counts again)."""
    return len(re.findall(rf"Task workers\.tasks\.{task}\[[0-9a-f-]+\] received", log))


def _run_on(fake, head_sha: str) -> dict | None:
    runs = [r for r in completed_runs(fake) if r["head_sha"] == head_sha]
    return runs[0] if runs else None


def _review_and_wait(stack, fake, pull, what: str, timeout: float = 20) -> tuple[dict, float]:
    started = time.monotonic()
    assert stack.post("pull_request", pr_payload(pull)).status_code == 202
    run = stack.wait_for(lambda f: _run_on(f, pull.head_sha), what, timeout=timeout)
    return run, time.monotonic() - started


def _assert_timed_out_once(stack, fake, pull, run: dict, elapsed: float, within: float) -> None:
    assert run["conclusion"] == "timed_out", run
    assert "ran out of time" in run["output"]["summary"] and "Re-run" in run["output"]["summary"]
    assert elapsed < within, f"the time-out outcome took {elapsed:.1f} s"
    time.sleep(1.5)  # anything late (a second completion, a redelivered job) would land by now
    assert_published_once(fake, pull.number, pull.head_sha)
    assert fake.reviews(OWNER, REPO, pull.number) == []
    assert fake.review_comments(OWNER, REPO, pull.number) == []
    assert stack.worker.poll() is None, "the worker process died"


def _assert_next_pull_reviewed(stack, fake) -> None:
    with fake.lock:  # faults the stuck review never reached must not slow the next one
        fake._faults.clear()
    pull = seed_service_pull(fake)
    run, _ = _review_and_wait(stack, fake, pull, "the next review")
    assert run["conclusion"] == "failure", run  # HEAD_APP's shell=True: a real verdict
    assert_published_once(fake, pull.number, pull.head_sha)
    assert len(fake.reviews(OWNER, REPO, pull.number)) == 1


@pytest.mark.parametrize("hang", ["one-very-slow-read", "many-slow-reads"])
def test_soft_limit_ends_the_run_timed_out_and_the_worker_goes_on(stack, fake_github, hang):
    fake = fake_github
    pull = seed_service_pull(fake)
    if hang == "one-very-slow-read":
        fake.inject("GET", FILES, Fault(delay=20))  # under the client's 30 s read timeout
    else:  # each answer 0.9 s late, well under any timeout; together far past the soft limit
        fake.inject("GET", PULL, *[Fault(delay=0.9)] * 3)
        fake.inject("GET", FILES, Fault(delay=0.9))
        fake.inject("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits", Fault(delay=0.9))
        fake.inject("POST", "/graphql", *[Fault(delay=0.9)] * 3)
    run, elapsed = _review_and_wait(stack, fake, pull, "the timed-out run")
    _assert_timed_out_once(stack, fake, pull, run, elapsed, within=HARD + 4)
    assert elapsed >= SOFT - 0.5, "the run ended before the time limit: not the limit that ended it"
    log = stack.worker_log()
    assert "review hit the soft time limit" in log
    assert _received(log, "review_pull_request") == 1, "the job was run again"
    _assert_next_pull_reviewed(stack, fake)


def test_hard_limit_kill_is_not_redelivered_and_the_run_is_closed(stack, fake_github):
    fake = fake_github
    pull = seed_service_pull(fake)
    fake.inject("GET", FILES, Fault(delay=20))
    # The soft limit's closing PATCH never gets an answer (and is never applied): the child is killed.
    fake.inject("PATCH", CHECK_RUN, Fault(delay=20, drop=True))
    run, elapsed = _review_and_wait(stack, fake, pull, "the run closed after the hard limit")
    # the pool first starts a replacement child (up to ~4 s on a loaded 2-core machine), then closes the run
    _assert_timed_out_once(stack, fake, pull, run, elapsed, within=HARD + 8)
    assert elapsed >= HARD - 0.5
    log = stack.worker_log()
    assert "Hard time limit (6" in log and "review killed at the hard time limit" in log
    time.sleep(1.0)
    log = stack.worker_log()
    assert _received(log, "review_pull_request") == 1, "the killed job came back"
    assert _received(log, "close_timed_out_review") == 1
    assert len(fake.calls("GET", FILES)) == 1, "the killed review ran again"
    _assert_next_pull_reviewed(stack, fake)
