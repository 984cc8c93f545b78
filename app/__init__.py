"""The webhook receiver: verify, filter, dedupe, enqueue, answer 202, in milliseconds.

`create_app()` reads and validates the environment (`workers.config.Settings`);
tests pass their own settings and Redis client. Gunicorn serves it
(`Procfile`: `web: gunicorn 'app:create_app()'`).
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from flask import Flask, Response

from app.logs import configure_logging
from app.webhooks import Receiver
from workers.celery_app import make_celery
from workers.config import Settings


def create_app(settings: Settings | None = None, *, redis_client: Any = None) -> Flask:
    """Build the Flask app; raises `ConfigError` naming every bad variable when settings come from env."""
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

    flask_app.add_url_rule(settings.webhook_path, "webhook", receiver.handle, methods=["POST"])

    @flask_app.errorhandler(413)
    def too_large(_: Exception) -> Response:
        cap = settings.max_payload_bytes
        return Receiver.json({"status": "rejected", "reason": f"payload larger than {cap} bytes"}, 413)

    @flask_app.get("/healthz")
    def healthz() -> Response:
        try:
            redis_client.ping()
        except redis.RedisError as exc:
            logging.getLogger("prguard.health").warning("redis unreachable: %s", type(exc).__name__)
            return Receiver.json({"status": "unavailable", "redis": "unreachable"}, 503)
        return Receiver.json({"status": "ok", "redis": "ok"}, 200)

    return flask_app
