"""The baseline for the webhook benchmark: the least a safe receiver can do (Flask + HMAC + Redis LPUSH)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os

import redis
from flask import Flask, Response, request


def create_app() -> Flask:
    secret = os.environ["GITHUB_WEBHOOK_SECRET"].encode()
    queue = os.environ.get("MINIMAL_QUEUE", "minimal-receiver")
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"))
    app = Flask(__name__)

    @app.post("/webhooks")
    def receive() -> Response:
        body = request.get_data(cache=False)
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Hub-Signature-256", "")):
            return Response(status=401)
        delivery = request.headers.get("X-GitHub-Delivery", "")
        client.lpush(
            queue, json.dumps({"delivery": delivery, "event": request.headers.get("X-GitHub-Event")})
        )
        return Response(
            json.dumps({"status": "queued", "delivery": delivery}), 202, mimetype="application/json"
        )

    return app
