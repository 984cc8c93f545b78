"""Duplicate and out-of-order deliveries, and a PR closed mid-review: only the latest head is ever published.

Real receiver (gunicorn), real prefork worker, real Redis (DB 11), fake GitHub.
"""

from __future__ import annotations

import concurrent.futures
import uuid

import pytest

from tests.conftest import load_webhook
from tests.fake_github.server import Fault
from tests.integration.fault_stack import (
    HEAD_APP,
    INSTALLATION,
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
NEWER_APP = HEAD_APP + '\n\ndef cleanup(path):\n    return subprocess.call("rm -rf " + path, shell=True)\n'


@pytest.fixture
def stack(fake_github, github_app_key, tmp_path):
    yield from running_stack(fake_github, github_app_key, tmp_path, REDIS_URL, worker=False)


def _synchronize(pull, head_sha: str, updated_at: str) -> dict:
    payload = pr_payload(pull, "synchronize")
    payload["pull_request"]["head"]["sha"] = head_sha
    payload["pull_request"]["updated_at"] = updated_at
    return payload


def test_the_same_delivery_three_times_at_once_is_reviewed_once(stack, fake_github):
    pull = seed_service_pull(fake_github)
    delivery = str(uuid.uuid4())
    payload = pr_payload(pull)
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: stack.post("pull_request", payload, delivery=delivery), range(3)))
    statuses = sorted(a.json()["status"] for a in answers)
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert statuses == ["duplicate", "duplicate", "queued"]
    # GitHub's own duplicate (a new delivery id, the same PR and head) is not reviewed again either.
    again = stack.post("pull_request", pr_payload(pull, "reopened"))
    assert again.json()["status"] == "duplicate"

    stack.start_worker()
    stack.wait_for(completed_runs, "the review")
    stack.stop_worker()  # let anything wrongly queued run before counting
    assert_published_once(fake_github, pull.number, pull.head_sha)
    assert len(fake_github.reviews(OWNER, REPO, pull.number)) == 1


def test_an_older_synchronize_arriving_after_a_newer_one_publishes_nothing(stack, fake_github):
    pull = seed_service_pull(fake_github)
    older = pull.head_sha
    newer = fake_github.push(OWNER, REPO, pull.number, {"service/app.py": NEWER_APP})
    # GitHub sent them in order; they arrive newer first.
    first = stack.post("pull_request", _synchronize(pull, newer, "2026-11-26T10:00:05Z"))
    late = stack.post("pull_request", _synchronize(pull, older, "2026-11-26T10:00:01Z"))
    assert first.json()["status"] == "queued"
    assert late.status_code == 202

    stack.start_worker()
    stack.wait_for(completed_runs, "the review of the newer head")
    # an empty queue is not enough: the worker may hold the older job without having handled it yet
    wait_until(lambda: "review superseded" in stack.worker_log(), 60, "the older job to be handled")
    stack.stop_worker()

    runs = fake_github.check_runs(OWNER, REPO)
    published = [r for r in runs if r.get("conclusion") not in ("cancelled", None)]
    assert [r["head_sha"] for r in published] == [newer]
    # the older job did run, and stopped as superseded (so the check below is not about no job at all)
    assert f"review superseded: superseded by {newer}" in stack.worker_log()
    assert all(r["conclusion"] == "cancelled" for r in runs if r["head_sha"] == older)
    [review] = fake_github.reviews(OWNER, REPO, pull.number)
    assert review["commit_id"] == newer
    assert {c["commit_id"] for c in fake_github.review_comments(OWNER, REPO, pull.number)} == {newer}


def test_a_pull_request_closed_while_its_review_runs_gets_no_review(stack, fake_github):
    pull = seed_service_pull(fake_github)
    fake_github.inject("GET", FILES, Fault(delay=3.0))
    stack.start_worker()
    assert stack.post("pull_request", pr_payload(pull)).json()["status"] == "queued"
    wait_until(lambda: fake_github.calls("GET", FILES), 60, "the worker to be fetching the files")

    with fake_github.lock:
        fake_github.repo(OWNER, REPO).pulls[pull.number].state = "closed"
    closed = load_webhook("pull_request", "closed.payload.json")
    closed["installation"] = {"id": INSTALLATION}
    closed["pull_request"]["number"] = closed["number"] = pull.number
    closed["pull_request"]["head"]["sha"] = pull.head_sha
    assert stack.post("pull_request", closed).json()["status"] == "recorded"

    [run] = stack.wait_for(completed_runs, "the run to be closed")
    assert run["conclusion"] == "skipped"
    assert "closed" in run["output"]["title"].lower()
    assert fake_github.reviews(OWNER, REPO, pull.number) == []
    assert fake_github.review_comments(OWNER, REPO, pull.number) == []
    assert fake_github.labels(OWNER, REPO, pull.number) == []
