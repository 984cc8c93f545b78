"""Fair dispatch with a real receiver and worker: every review still runs, including a job the receiver's
own dispatch never moved (the worker's periodic dispatch picks it up)."""

from __future__ import annotations

import pytest
from prguard.queue.celery_app import ANALYZE_QUEUE, REVIEW_TASK, make_celery, wire_message
from prguard.queue.fair import FairQueue
from prguard.queue.jobs import ReviewJob

from tests.integration.fault_stack import (
    INSTALLATION,
    OWNER,
    REPO,
    completed_runs,
    pr_payload,
    running_stack,
    seed_service_pull,
)

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/4"


@pytest.fixture
def stack(fake_github, github_app_key, tmp_path):
    yield from running_stack(fake_github, github_app_key, tmp_path, REDIS_URL, LOG_LEVEL="INFO")


def test_reviews_pass_through_the_fair_queue(stack, fake_github):
    pull = seed_service_pull(fake_github)
    assert stack.post("pull_request", pr_payload(pull)).json()["status"] == "queued"
    run = stack.wait_for(completed_runs, "the review")[0]
    assert run["head_sha"] == pull.head_sha
    assert '"queue_wait_ms"' in stack.worker_log()


def test_a_job_left_in_the_intake_is_dispatched_by_the_worker(stack, fake_github):
    """As if Redis failed between the receiver's enqueue and its dispatch: the job sits in the intake."""
    pull = seed_service_pull(fake_github)
    job = ReviewJob(
        installation_id=INSTALLATION, owner=OWNER, repo=REPO, number=pull.number, head_sha=pull.head_sha,
        delivery_id="left-in-intake", trigger="pull_request.opened",
    )  # fmt: skip
    fair = FairQueue(stack.redis, stack.prefix, ANALYZE_QUEUE)
    stack.redis.lpush(
        fair.intake, wire_message(make_celery(REDIS_URL), REVIEW_TASK, job.to_kwargs(), ANALYZE_QUEUE)
    )
    run = stack.wait_for(completed_runs, "the review of the job left in the intake", timeout=30)[0]
    assert run["head_sha"] == pull.head_sha
    assert stack.redis.llen(fair.intake) == 0
