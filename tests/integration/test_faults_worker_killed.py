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
    BASE_APP,
    HEAD_APP,
    INSTALLATION,
    OWNER,
    REPO,
    assert_published_once,
    cleanup_redis,
    completed_runs,
    make_stack,
    pr_payload,
    wait_until,
)

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/11"
FILES = "/repos/{owner}/{repo}/pulls/{pull_number}/files"
REVIEWS = "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"


@pytest.fixture
def stack(fake_github, github_app_key, tmp_path):
    stack = make_stack(fake_github, github_app_key, tmp_path, REDIS_URL)
    cleanup_redis(stack)
    stack.start_web()
    stack.start_worker()
    try:
        yield stack
    finally:
        stack.close()
        cleanup_redis(stack)
    stack.assert_no_secret_logged()


def _seed(fake):
    return fake.seed_pull(
        installation_id=INSTALLATION, owner=OWNER, repo=REPO,
        base_files={"service/app.py": BASE_APP}, head_files={"service/app.py": HEAD_APP},
        title="Add archive helper",
    )  # fmt: skip


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
    pull = _seed(fake_github)
    fake_github.inject(method, route, fault)
    delivery = str(uuid.uuid4())
    answer = stack.post("pull_request", pr_payload(pull), delivery=delivery)
    assert answer.status_code == 202 and answer.json()["status"] == "queued"

    wait_until(lambda: _started(fake_github, method, route), 90, f"the job to be {phase}")
    killed = stack.kill_child()
    try:
        fake_github.wait_for(lambda f: completed_runs(f), timeout=60)
    except TimeoutError:
        pytest.fail(f"never completed after the kill; worker log:\n{stack.worker_log()[-5000:]}")

    log = stack.worker_log()
    assert "WorkerLostError" in log or "Worker exited prematurely" in log, "the child was not killed"
    assert killed not in stack.child_pids()
    run = assert_published_once(fake_github, pull.number, pull.head_sha)
    assert run["conclusion"] == "failure"  # shell=True: the engine's verdict, not a tool failure
    assert run["external_id"] == f"prguard:{pull.number}:{delivery}"
    [review] = fake_github.reviews(OWNER, REPO, pull.number)
    assert fake_github.review_comments(OWNER, REPO, pull.number), "the review carries inline comments"
    assert review["commit_id"] == pull.head_sha
    # The job really ran twice: two attempts created or found the same run.
    assert len(fake_github.calls(method, route)) >= 2 if phase == "analysing" else True
