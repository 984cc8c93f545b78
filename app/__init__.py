"""The webhook receiver: verify, filter, dedupe, enqueue, answer 202, in milliseconds.

`create_app()` reads and validates the environment (`prguard.config.Settings`);
tests pass their own settings and Redis client. Gunicorn serves it
(`Procfile`: `web: gunicorn 'prguard.app:create_app()'`).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

import redis
from flask import Flask, Response, g, request
from prguard import metrics, tracing
from prguard.app.logs import configure_logging
from prguard.app.routing import _HANDLERS as ROUTED_EVENTS
from prguard.app.webhooks import Receiver
from prguard.config import Settings
from prguard.logs import log_context
from prguard.queue.celery_app import ANALYZE_QUEUE, WRITE_QUEUE, make_celery


def create_app(
    settings: Settings | None = None, *, redis_client: Any = None, dashboard: dict[str, Any] | None = None
) -> Flask:
    """Build the Flask app; raises `ConfigError` naming every bad variable when settings come from env.

    The dashboard (pages and JSON API) is mounted only when GITHUB_OAUTH_CLIENT_ID is set;
    `dashboard` passes test doubles to it (engine, github, clock).
    """
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    if redis_client is None:
        redis_client = redis.Redis.from_url(
            settings.redis_url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30
        )
    flask_app = Flask(__name__)
    # Werkzeug enforces this while reading the body: larger requests get 413 without being buffered.
    flask_app.config["MAX_CONTENT_LENGTH"] = settings.max_payload_bytes
    receiver = Receiver(settings, redis_client, make_celery(settings.redis_url))
    flask_app.extensions["prguard"] = receiver

    tracing.setup("prguard-web")
    flask_app.add_url_rule(settings.webhook_path, "webhook", _observed(receiver), methods=["POST"])

    @flask_app.get("/metrics")
    def metrics_endpoint() -> Response:
        _observe_queue_depth(redis_client, receiver)
        body, content_type = metrics.render()
        return Response(body, status=200, content_type=content_type)

    @flask_app.errorhandler(413)
    def too_large(_: Exception) -> Response:
        cap = settings.max_payload_bytes
        return Receiver.json({"status": "rejected", "reason": f"payload larger than {cap} bytes"}, 413)

    @flask_app.get("/livez")
    def livez() -> Response:
        """Liveness: the process answers (no dependency checked, so a Redis outage restarts nothing)."""
        return Receiver.json({"status": "ok"}, 200)

    @flask_app.get("/healthz")
    def healthz() -> Response:
        try:
            redis_client.ping()
        except redis.RedisError as exc:
            logging.getLogger("prguard.health").warning("redis unreachable: %s", type(exc).__name__)
            return Receiver.json({"status": "unavailable", "redis": "unreachable"}, 503)
        return Receiver.json({"status": "ok", "redis": "ok"}, 200)

    if settings.dashboard_enabled:
        from prguard.app.dashboard import register as register_dashboard

        register_dashboard(flask_app, settings, **(dashboard or {}))
    return flask_app


def _observe_queue_depth(redis_client: Any, receiver: Receiver) -> None:
    """prguard_queue_depth at scrape time (three Redis reads); a Redis that does not answer leaves the
    last values (/healthz reports the outage)."""
    try:
        pipe = redis_client.pipeline(transaction=False)
        pipe.llen(ANALYZE_QUEUE).llen(WRITE_QUEUE)
        analyze, write = pipe.execute()
        fair = receiver.fair.pending() if receiver.fair is not None else 0
    except redis.RedisError:
        return
    metrics.QUEUE_DEPTH.labels("analyze").set(analyze)
    metrics.QUEUE_DEPTH.labels("github-write").set(write)
    metrics.QUEUE_DEPTH.labels("fair").set(fair)


def _observed(receiver: Receiver) -> Callable[[], Response]:
    """The webhook view with its log context, trace span and metrics (webhooks by event and outcome)."""

    def webhook() -> Response:
        started = time.perf_counter()
        event = request.headers.get("X-GitHub-Event") or ""
        delivery = request.headers.get("X-GitHub-Delivery") or None
        with (
            log_context(delivery=delivery, event=event or None),
            tracing.span("webhook", event=event, delivery=delivery or ""),
        ):
            response = receiver.handle()
        # Only events prguard routes become label values: a caller cannot invent label values.
        label = event if event in ROUTED_EVENTS else "other"
        outcome = g.pop("webhook_outcome", None) or _outcome(response.status_code)
        if outcome.startswith("rejected-401"):
            label = "unverified"
        counted, timed = _webhook_series(label, outcome)
        counted.inc()
        timed.observe(time.perf_counter() - started)
        return response

    return webhook


@functools.cache
def _webhook_series(label: str, outcome: str) -> tuple[Any, Any]:
    """The counter and histogram children of one (event, outcome); both label sets are small and fixed."""
    return metrics.WEBHOOKS.labels(label, outcome), metrics.WEBHOOK_SECONDS.labels(label)


def _outcome(status_code: int) -> str:
    """The outcome of an answer the receiver did not name (it names every 202 and refusal)."""
    if status_code == 204:
        return "unhandled"
    if status_code == 202:
        return "accepted"
    if status_code == 503:
        return "unavailable"
    return f"rejected-{status_code}"
