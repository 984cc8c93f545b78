"""Helpers shared by the receiver/worker tests and the webhook benchmark: signing, settings, queue reading."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from typing import Any

from prguard.config import Settings

UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

WEBHOOK_SECRET = "It's a Secret to Everybody"
APP_ID = 29310  # the app id of the check_suite/check_run fixtures (GitHub's examples)


def sign(body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_headers(
    event: str, body: bytes, *, delivery: str | None = None, secret: str = WEBHOOK_SECRET
) -> dict:
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(body, secret),
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/test",
    }


@functools.cache
def private_key_pem() -> str:
    """A throwaway RSA key (generated once per process) standing in for the App's .pem."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def make_settings(redis_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "github_app_id": APP_ID,
        "github_private_key": private_key_pem(),
        "github_webhook_secret": WEBHOOK_SECRET,
        "redis_url": redis_url,
        "redis_key_prefix": f"test-{uuid.uuid4().hex[:8]}:",
    }
    values.update(overrides)
    return Settings(**values)


def queued_messages(redis_client: Any, queue: str) -> list[dict[str, Any]]:
    """Celery messages waiting in a Redis queue, decoded: {'task', 'kwargs', 'id'} (oldest first).

    For `analyze`, also the review jobs still waiting for their turn in the fair dispatch
    (prguard.queue.fair: the intake and the per-installation lists, under any prefix of this DB)."""
    out = []
    raws = list(reversed(redis_client.lrange(queue, 0, -1)))
    if queue == "analyze":
        waiting = sorted(redis_client.scan_iter("*fair:q:*")) + sorted(redis_client.scan_iter("*fair:intake"))
        for key in waiting:
            if redis_client.type(key) == b"list":
                raws.extend(reversed(redis_client.lrange(key, 0, -1)))
    for raw in raws:
        message = json.loads(raw)
        args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        out.append(
            {
                "task": message["headers"]["task"],
                "args": args,
                "kwargs": kwargs,
                "id": message["headers"]["id"],
            }
        )
    return out


def unreachable_redis() -> Any:
    """A Redis client that fails at once: nothing listens on its port, and redis-py's own retries with
    backoff (seconds per call) are off, so a test of "Redis is down" does not wait on them."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        UNREACHABLE_REDIS_URL, socket_connect_timeout=0.2, socket_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )


def redis_under_prefix(db: int, label: str) -> Iterator[tuple[Any, str]]:
    """A fixture body: the local Redis (DB `db`) and a fresh key prefix; skips when Redis is not running,
    deletes the prefix's keys afterwards."""
    import pytest
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=db)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"{label}{uuid.uuid4().hex}:"
    yield client, prefix
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
