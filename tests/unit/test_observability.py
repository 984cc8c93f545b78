"""Structured logs, /metrics on the web process, the worker's task signals, tracing off by default."""

from __future__ import annotations

import io
import json
import logging
import re
import uuid

import pytest
import redis
from prguard import logs, metrics, observability, tracing

from tests.conftest import load_webhook
from tests.spine_helpers import UNREACHABLE_REDIS_URL, make_settings, unreachable_redis, webhook_headers

REDIS_URL = "redis://127.0.0.1:6379/14"


def _capture(logger_name: str = "prguard.test") -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger(logger_name)
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, stream


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _sample(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{re.escape(name)}(?:\{{(.*)\}})? (\S+)$", line)
        if match and labels.items() <= dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or "")).items():
            total += float(match.group(2))
    return total


def test_every_line_in_a_job_context_carries_the_job_and_is_json():
    logger, stream = _capture()
    logger.info("before")
    with logs.log_context(delivery="d-1", installation=7, repo="o/r", pr=3, head_sha="a" * 40):
        logger.info("fetching %s files", 12)
        logs.bind(event="pull_request")
        logger.warning("slow", extra={"stage": "fetch", "duration_ms": 1200})
        with logs.log_context(pr=4):
            logger.info("inner")
    logger.info("after")
    before, fetching, slow, inner, after = _lines(stream)
    assert set(before) == {"ts", "level", "logger", "msg"}
    assert fetching["msg"] == "fetching 12 files"
    for entry in (fetching, slow):
        assert (entry["delivery"], entry["installation"], entry["repo"], entry["pr"]) == ("d-1", 7, "o/r", 3)
        assert entry["head_sha"] == "a" * 40
    assert slow["event"] == "pull_request" and slow["stage"] == "fetch" and slow["level"] == "WARNING"
    assert inner["pr"] == 4
    assert "delivery" not in after and "event" not in after  # the context ends with its block


def test_credentials_never_reach_a_log_line():
    logger, stream = _capture()
    token = "ghs_" + "A1b2" * 9
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiI0MiJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"
    logger.info("token %s and Authorization: Bearer %s", token, jwt)
    logger.info("key loaded: %s", pem)
    try:
        raise ValueError(f"github_pat_{'x' * 30} rejected")
    except ValueError:
        logger.exception("failed")
    text = stream.getvalue()
    for secret in (token, jwt, "MIIEpAIBAAKCAQEA", "github_pat_" + "x" * 30):
        assert secret not in text
    assert text.count("[redacted]") >= 4
    assert all(isinstance(entry, dict) for entry in _lines(stream))


def test_the_worker_signals_set_the_context_and_count_the_job():
    logger, stream = _capture("prguard.pipeline-test")

    class Request:
        retries = 0
        prguard_enqueued_at = __import__("time").time() - 2.0

    class Task:
        name = "workers.tasks.review_pull_request"
        request = Request()

    kwargs = {
        "installation_id": 5, "owner": "acme", "repo": "api", "number": 9, "head_sha": "b" * 40,
        "delivery_id": "d-9", "trigger": "pull_request.opened",
    }  # fmt: skip
    before = metrics.QUEUE_WAIT_SECONDS.labels("review_pull_request")._sum.get()
    jobs_before = metrics.JOBS.labels("review_pull_request", "superseded")._value.get()
    observability._task_started(task_id="t-1", task=Task(), kwargs=kwargs)
    logger.info("inside the task")
    observability._task_finished(task_id="t-1", task=Task(), retval={"status": "superseded"}, state="SUCCESS")
    logger.info("after the task")
    inside, after = _lines(stream)
    assert inside["repo"] == "acme/api" and inside["pr"] == 9 and inside["delivery"] == "d-9"
    assert (
        inside["installation"] == 5 and inside["task"] == "review_pull_request" and inside["task_id"] == "t-1"
    )
    assert "repo" not in after
    assert metrics.QUEUE_WAIT_SECONDS.labels("review_pull_request")._sum.get() - before >= 2.0
    assert metrics.JOBS.labels("review_pull_request", "superseded")._value.get() == jobs_before + 1
    assert "prguard_jobs_superseded_total" in metrics.render()[0].decode()


@pytest.fixture
def web():
    from prguard.app import create_app

    rds = redis.Redis.from_url(REDIS_URL)
    settings = make_settings(REDIS_URL, redis_key_prefix=f"obs-{uuid.uuid4().hex[:8]}:")
    app = create_app(settings, redis_client=rds)
    yield app.test_client()
    keys = list(rds.scan_iter(f"{settings.redis_key_prefix}*"))
    if keys:
        rds.delete(*keys)
    rds.delete("analyze", "github-write")


def test_metrics_count_webhooks_by_event_and_outcome(web):
    def count(**labels: str) -> float:
        return _sample(web.get("/metrics").get_data(as_text=True), "prguard_webhooks_total", **labels)

    queued, unhandled, unverified = (
        count(event="pull_request", outcome="queued"),
        count(event="ping", outcome="unhandled"),
        count(event="unverified", outcome="rejected-401"),
    )
    body = json.dumps(load_webhook("pull_request", "opened.payload.json")).encode()
    assert web.post("/webhooks", data=body, headers=webhook_headers("pull_request", body)).status_code == 202
    ping = json.dumps(load_webhook("ping", "payload.json")).encode()
    assert web.post("/webhooks", data=ping, headers=webhook_headers("ping", ping)).status_code == 204
    forged = {**webhook_headers("made-up-event", body), "X-Hub-Signature-256": "sha256=" + "0" * 64}
    assert web.post("/webhooks", data=body, headers=forged).status_code == 401
    response = web.get("/metrics")
    assert response.status_code == 200 and response.content_type.startswith("text/plain")
    assert count(event="pull_request", outcome="queued") == queued + 1
    assert count(event="ping", outcome="unhandled") == unhandled + 1
    assert count(event="unverified", outcome="rejected-401") == unverified + 1
    assert "made-up-event" not in response.get_data(as_text=True)  # callers cannot invent label values


def test_liveness_does_not_depend_on_redis():
    from prguard.app import create_app

    client = create_app(make_settings(UNREACHABLE_REDIS_URL), redis_client=unreachable_redis()).test_client()
    assert client.get("/livez").status_code == 200
    assert client.get("/healthz").status_code == 503


def test_tracing_is_a_no_op_without_an_endpoint(monkeypatch):
    monkeypatch.delenv(tracing.ENDPOINT_ENV, raising=False)
    assert tracing.setup("prguard-test") is False
    with tracing.span("job", repo="o/r") as span:
        assert span is None
    assert tracing.inject({"a": 1}) == {"a": 1}
    assert tracing.extract({"traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"}) is None
    assert "traceparent" not in observability.message_headers()
