"""Tracing switched on: a webhook's trace continues into the worker, through the Celery message.

The real receiver (gunicorn) and a real prefork worker export OTLP/HTTP to a local receiver; the test
finds the receiver's `webhook` span by delivery id and checks that the worker's task span is its child
in the same trace (the `traceparent` header crossed Redis), that both name the delivery, the repository
and the PR, and that the review's stages and its GitHub calls are spans of that trace too.
"""

from __future__ import annotations

import importlib.util
import uuid

import pytest

from tests.integration.fault_stack import (
    OWNER,
    REPO,
    completed_runs,
    pr_payload,
    running_stack,
    seed_service_pull,
)
from tests.otlp_receiver import OtlpReceiver

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        importlib.util.find_spec("opentelemetry.sdk") is None, reason="the otel extra is not installed"
    ),
]

REDIS_URL = "redis://127.0.0.1:6379/4"


@pytest.fixture
def otlp():
    receiver = OtlpReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def stack(fake_github, github_app_key, tmp_path, otlp):
    yield from running_stack(
        fake_github,
        github_app_key,
        tmp_path,
        REDIS_URL,
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp.endpoint,
        OTEL_BSP_SCHEDULE_DELAY="100",  # export within 0.1 s of a span's end, not 5 s
    )


def test_webhook_trace_continues_into_the_worker_with_delivery_repo_and_pr(stack, fake_github, otlp):
    pull = seed_service_pull(fake_github)
    delivery = str(uuid.uuid4())
    answer = stack.post("pull_request", pr_payload(pull), delivery=delivery)
    assert answer.json()["status"] == "queued", answer.text
    stack.wait_for(completed_runs, "the review")

    def webhook_span(spans):
        return next(
            (s for s in spans if s.name == "webhook" and s.attributes.get("prguard.delivery") == delivery),
            None,
        )

    web = otlp.wait_for(webhook_span)
    assert web.service == "prguard-web"
    assert web.attributes["prguard.repo"] == f"{OWNER}/{REPO}"
    assert web.attributes["prguard.pr"] == pull.number
    assert web.attributes["prguard.event"] == "pull_request"

    def task_span(spans):
        return next((s for s in spans if s.trace_id == web.trace_id and s.name.startswith("task ")), None)

    task = otlp.wait_for(task_span)
    assert task.service == "prguard-worker"
    assert task.parent_id == web.span_id  # the receiver's span is the parent: context crossed the queue
    assert task.attributes["prguard.delivery"] == delivery
    assert task.attributes["prguard.repo"] == f"{OWNER}/{REPO}"
    assert task.attributes["prguard.pr"] == pull.number
    assert task.attributes["prguard.head_sha"] == pull.head_sha
    assert task.start_ns >= web.start_ns

    def stages_and_calls(spans):
        mine = [s for s in spans if s.trace_id == web.trace_id]
        names = {s.name for s in mine}
        wanted = {"stage check_run", "stage fetch", "stage engine", "stage publish"}
        calls = [
            s for s in mine if s.attributes.get("http.method") or s.attributes.get("http.request.method")
        ]
        return (mine, calls) if wanted <= names and calls else None

    mine, calls = otlp.wait_for(stages_and_calls)
    by_id = {s.span_id: s for s in mine}
    for span in mine:  # every span of the trace hangs off the receiver's webhook span
        seen = span
        while seen.parent_id and seen.parent_id in by_id:
            seen = by_id[seen.parent_id]
        assert seen.span_id == web.span_id, f"{span.name} is not under the webhook span"
    assert all(c.service == "prguard-worker" for c in calls)
    paths = " ".join(str(c.attributes.get("http.url") or c.attributes.get("url.full") or "") for c in calls)
    assert "/check-runs" in paths
