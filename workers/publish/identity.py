"""prguard's bot login (`<app slug>[bot]`): how its own comments, reviews and replies are told
apart from people's. One resolver, one Redis key, whichever GitHub answer names the App."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

#: the slug only changes if the App is renamed; a day-old answer is fine
BOT_LOGIN_TTL = 24 * 3600


def login_of_app(app: Any) -> str | None:
    """`<slug>[bot]` from an App object GitHub returned (`GET /app`, or a check run's `app`)."""
    slug = app.get("slug") if isinstance(app, Mapping) else None
    return f"{slug}[bot]" if slug else None


def bot_login(redis: Any, prefix: str, discover: Callable[[], str | None]) -> str:
    """The bot login, cached under `<prefix>app:bot-login`; `discover` asks GitHub when it is not.

    The worker's tasks discover it with `GET /app` (App JWT); publishing from its own check
    run's `app` (no extra call): both land in the same key.
    """
    key = f"{prefix}app:bot-login"
    if redis is not None:
        cached = redis.get(key)
        if cached:
            return cached.decode() if isinstance(cached, bytes) else str(cached)
    login = discover()
    if not login:
        raise ValueError("GitHub's answer names no app: cannot tell prguard's own comments apart")
    if redis is not None:
        redis.set(key, login, ex=BOT_LOGIN_TTL)
    return login
