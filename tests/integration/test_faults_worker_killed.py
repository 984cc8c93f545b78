"""A worker killed mid-job (SIGKILL of the prefork child) loses nothing and publishes nothing twice.

Late acks + reject-on-worker-lost leave the message to be delivered again; the
review task is idempotent (check run found again by its external id, GitHub's
state read before anything is posted). The slow moment is made deterministic
by the fake GitHub: a read (the PR's file list) or a write (the review) is held
open while the test kills the child.
"""

from __future__ import annotations

import uuid

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
    wait_until,
)

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/11"
FILES = "/repos/{owner}/{repo}/pulls/{pull_number}/files"
REVIEWS = "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"


@pytest.fixture
def stack(fake_github, github_app_key, tmp_path):
    yield from running_stack(fake_github, github_app_key, tmp_path, REDIS_URL)


def _started(fake, method: str, route: str) -> bool:
    return any(c.fault for c in fake.calls(method, route))


@pytest.mark.parametrize(
    ("phase", "method", "route", "fault"),
    [
        ("analysing", "GET", FILES, Fault(delay=4.0)),
        # GitHub applies the review, then the answer is held back while the worker dies.
        ("publishing", "POST", REVIEWS, Fault(after=True, delay=4.0)),
    ],
)
def test_sigkill_of_the_worker_child_reruns_the_job_and_publishes_once(
    stack, fake_github, phase, method, route, fault
):
    pull = seed_service_pull(fake_github, title="Add archive helper")
    fake_github.inject(method, route, fault)
    delivery = str(uuid.uuid4())
    answer = stack.post("pull_request", pr_payload(pull), delivery=delivery)
    assert answer.status_code == 202 and answer.json()["status"] == "queued"

    wait_until(lambda: _started(fake_github, method, route), 90, f"the job to be {phase}")
    killed = stack.kill_child()
    stack.wait_for(completed_runs, "the review after the kill")

    log = stack.worker_log()
    assert "WorkerLostError" in log or "Worker exited prematurely" in log, "the child was not killed"
    assert killed not in stack.child_pids()
    run = assert_published_once(fake_github, pull.number, pull.head_sha)
    assert run["conclusion"] == "failure"  # shell=True: the engine's verdict, not a tool failure
    assert run["external_id"] == f"prguard:{pull.number}:{delivery}"
    [review] = fake_github.reviews(OWNER, REPO, pull.number)
    assert fake_github.review_comments(OWNER, REPO, pull.number), "the review carries inline comments"
    assert review["commit_id"] == pull.head_sha
    if phase == "analysing":
        # The job really ran twice: the second attempt read the files again.
        assert len(fake_github.calls(method, route)) >= 2
    else:
        # GitHub applied the review before the kill: the second attempt found it, posted none.
        assert len(fake_github.calls(method, route)) == 1
