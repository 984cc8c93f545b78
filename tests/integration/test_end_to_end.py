"""The real thing: gunicorn + a real Celery worker process + the real Redis + the fake GitHub.

A signed real `pull_request.opened` payload (adapted only in ids, SHAs and
numbers) goes in; the check run must be created `in_progress` and completed on
the fake GitHub with the engine's own conclusion, and every request body the
workers sent must have passed validation against GitHub's OpenAPI description.
"""

from __future__ import annotations

import time
import uuid

import pytest

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

REDIS_URL = "redis://127.0.0.1:6379/12"


@pytest.fixture
def stack(fake_github, github_app_key, tmp_path):
    """gunicorn + a solo Celery worker pointed at the fake GitHub, on Redis DB 12 with a unique key prefix."""
    yield from running_stack(fake_github, github_app_key, tmp_path, REDIS_URL, pool="solo", LOG_LEVEL="INFO")


def _engine_result(fake_github, pull):
    """What the engine concludes on the same PR, computed in-process from the same fake data."""
    from prguard.engine.review import review
    from prguard.github.client import GitHubClient
    from prguard.github.pulls import fetch_pull_request
    from prguard.policies.loader import load_effective_policy

    client = GitHubClient(api_url=fake_github.api_url, token=fake_github.issue_token(INSTALLATION))
    snapshot = fetch_pull_request(client, OWNER, REPO, pull.number)
    return review(snapshot.files, load_effective_policy(), snapshot.info)


def test_signed_pull_request_opened_is_reviewed_on_the_fake_github(stack, fake_github):
    started = time.monotonic()
    pull = seed_service_pull(fake_github, title="Add archive helper")
    payload = pr_payload(pull)
    delivery = str(uuid.uuid4())
    response = stack.post("pull_request", payload, delivery=delivery)
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["status"] == "queued"
    assert answer["job"] == {
        "installation_id": INSTALLATION, "owner": OWNER, "repo": REPO, "number": pull.number,
        "head_sha": pull.head_sha, "delivery_id": delivery, "trigger": "pull_request.opened",
    }  # fmt: skip

    stack.wait_for(completed_runs, "the check run's completion", timeout=45)

    [run] = fake_github.check_runs(OWNER, REPO)
    created = [c for c in fake_github.calls("POST", "/repos/{owner}/{repo}/check-runs")]
    assert len(created) == 1
    assert created[0].body["status"] == "in_progress"
    assert created[0].body["head_sha"] == pull.head_sha
    assert created[0].installation_id == INSTALLATION  # the job used its own installation's token

    expected = _engine_result(fake_github, pull)
    assert expected.findings, "the head adds a shell=True call: the engine must find it"
    assert run["name"] == "prguard" and run["head_sha"] == pull.head_sha
    assert run["conclusion"] == expected.conclusion
    assert run["output"]["title"]
    from prguard.report.markdown import render_summary

    first_line = render_summary(expected).splitlines()[0]
    assert first_line in run["output"]["summary"]
    assert run["output"]["annotations_count"] == len(expected.findings)

    # A duplicate delivery is not reviewed twice.
    again = stack.post("pull_request", payload, delivery=delivery)
    assert again.json()["status"] == "duplicate"
    assert fake_github.validation_failures == []
    assert time.monotonic() - started < 60
