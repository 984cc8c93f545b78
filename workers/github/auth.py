"""GitHub App authentication: the app's JWT, and installation tokens cached in Redis.

An installation token is good for an hour; minting one costs an API call, so
it is cached in Redis (shared by every worker) under a key that names the
installation, until five minutes before it expires. A client made by
`InstallationTokens.client(id)` carries that installation's token and nothing
else, which is what keeps one customer's job from ever acting on another's.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

import jwt as pyjwt
import requests
from prguard.github.client import DEFAULT_API_VERSION, GitHubClient, _Secret
from prguard.github.errors import GitHubError

log = logging.getLogger("prguard.github.auth")

JWT_BACKDATE = 60  # GitHub: iat 60 s in the past against clock drift
JWT_LIFETIME = 600  # GitHub: exp at most 10 minutes after iat
TOKEN_MARGIN = 300  # stop using a cached token 5 minutes before it expires
TOKEN_KEY_PREFIX = "prguard:ghtoken:"  # noqa: S105 - a Redis key prefix, not a secret


def make_app_jwt(app_id: int | str, private_key: str | bytes, now: float | None = None) -> str:
    """An RS256 JWT that authenticates as the App (`iss` = app id or client id)."""
    issued = int(now if now is not None else time.time()) - JWT_BACKDATE
    claims = {"iat": issued, "exp": issued + JWT_LIFETIME, "iss": str(app_id)}
    try:
        return pyjwt.encode(claims, private_key, algorithm="RS256")
    except (ValueError, TypeError, pyjwt.exceptions.PyJWTError) as exc:
        # The library's message could quote key material; say only what is wrong.
        raise ValueError(
            f"GitHub App private key is not a usable RSA private key ({type(exc).__name__})"
        ) from None


def _parse_expiry(value: Any) -> float:
    if not isinstance(value, str):
        raise GitHubError("installation token answer has no expires_at")
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise GitHubError(f"installation token answer has an unreadable expires_at {value!r}") from None


class InstallationTokens:
    """Mints and caches installation access tokens; hands out per-installation clients."""

    def __init__(
        self,
        *,
        app_id: int | str,
        private_key: str | bytes,
        api_url: str,
        redis: Any,
        session: requests.Session | None = None,
        graphql_url: str | None = None,
        key_prefix: str = TOKEN_KEY_PREFIX,
        timeout: tuple[float, float] = (5, 30),
        api_version: str = DEFAULT_API_VERSION,
        clock: Callable[[], float] = time.time,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        self.app_id = str(app_id)
        self._private_key = _Secret(private_key.decode() if isinstance(private_key, bytes) else private_key)
        self.api_url = api_url
        self.graphql_url = graphql_url
        self.redis = redis
        self.session = session
        self.key_prefix = key_prefix
        self.timeout = timeout
        self.api_version = api_version
        self._clock = clock
        self._client_options = dict(client_options or {})
        self.minted = 0  # how many tokens this process asked GitHub for (cache misses)

    def __repr__(self) -> str:
        return f"InstallationTokens(app_id={self.app_id!r}, api_url={self.api_url!r})"

    def key(self, installation_id: int | str) -> str:
        return f"{self.key_prefix}{int(installation_id)}"

    def app_client(self) -> GitHubClient:
        """A client authenticated as the App itself (JWT), for /app endpoints."""
        app_jwt = make_app_jwt(self.app_id, self._private_key.reveal(), now=self._clock())
        return self._make_client(jwt=app_jwt)

    def token(self, installation_id: int | str) -> str:
        """The installation's token: from Redis while it has 5+ minutes left, else freshly minted."""
        key = self.key(installation_id)
        cached = self.redis.get(key)
        if cached:
            return cached.decode() if isinstance(cached, bytes) else str(cached)
        answer = self.app_client().post(
            "/app/installations/{installation_id}/access_tokens",
            url_vars={"installation_id": int(installation_id)},
            idempotent=True,  # minting twice only costs a token; no user-visible effect
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("token"), str):
            raise GitHubError(
                "installation token answer has no token", route="/app/installations/{id}/access_tokens"
            )
        token = answer["token"]
        ttl = int(_parse_expiry(answer.get("expires_at")) - self._clock() - TOKEN_MARGIN)
        if ttl > 0:
            self.redis.set(key, token, ex=ttl)
        self.minted += 1
        log.info(
            "minted an installation token for installation %s (cached %ss)", int(installation_id), max(ttl, 0)
        )
        return token

    def forget(self, installation_id: int | str) -> None:
        """Drop the cached token (uninstalled, suspended, or GitHub answered 401)."""
        self.redis.delete(self.key(installation_id))

    def client(self, installation_id: int | str) -> GitHubClient:
        """A client that carries this installation's token and no other credential."""
        return self._make_client(token=self.token(installation_id))

    def _make_client(self, **auth: str) -> GitHubClient:
        return GitHubClient(
            api_url=self.api_url,
            graphql_url=self.graphql_url,
            session=self.session,
            timeout=self.timeout,
            api_version=self.api_version,
            **self._client_options,
            **auth,
        )
