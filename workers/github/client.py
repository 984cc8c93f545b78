"""A small synchronous GitHub client: `requests` for transport, `gidgethub.sansio` for the protocol.

Why not gidgethub's own clients: they are all async, and the workers are plain
Celery tasks. Why `requests`: `responses` mocks it in unit tests. Every call
carries a pinned `X-GitHub-Api-Version` and (connect, read) timeouts; every
failure becomes one of `prguard.github.errors`. Waiting is bounded: the client
sleeps at most `max_wait` seconds inside one call (short Retry-After, a quick
5xx blip) and otherwise raises, so the Celery task can retry with a countdown
instead of holding a worker.
"""

from __future__ import annotations

import http.cookiejar
import json
import logging
import random
import re
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from gidgethub import BadRequest, GitHubBroken, HTTPException, InvalidField, ValidationError, sansio
from prguard import metrics
from prguard.github.errors import (
    GitHubError,
    GraphQLError,
    NotFound,
    RateLimited,
    TransientGitHubError,
    Unauthorized,
    UnprocessableEntity,
)
from prguard.github.ratelimit import (
    RateLimitState,
    backoff,
    is_rate_limit,
    parse_retry_after,
    rate_limit_delay,
)

log = logging.getLogger("prguard.github")

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_API_VERSION = "2022-11-28"
JSON_ACCEPT = "application/vnd.github+json"
RAW_ACCEPT = "application/vnd.github.raw"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

_URL_VARIABLE = re.compile(r"\{(\+?)([A-Za-z_][A-Za-z0-9_]*)\}")
_HEX_SHA = re.compile(r"^[0-9a-f]{40}$|^[0-9a-f]{64}$")


def graphql_url_for(api_url: str) -> str:
    """GitHub.com: https://api.github.com/graphql; Enterprise Server: https://HOST/api/v3 → /api/graphql."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


def expand_path(template: str, url_vars: Mapping[str, Any] | None) -> str:
    """Fill `{name}` (fully percent-encoded) and `{+name}` (keeps `/`, for file paths)."""

    def fill(match: re.Match[str]) -> str:
        reserved, name = match.groups()
        if url_vars is None or name not in url_vars:
            raise ValueError(f"URL template {template!r} needs a value for {name!r}")
        return urllib.parse.quote(str(url_vars[name]), safe="/" if reserved else "")

    return _URL_VARIABLE.sub(fill, template)


def route_template(path: str) -> str:
    """The route a path belongs to, for counting calls: templates as given, concrete paths generalised."""
    path = path.split("?", 1)[0]
    if "{" in path:
        return path.replace("{+", "{")
    parts = path.strip("/").split("/")
    if parts and parts[0] == "repos" and len(parts) >= 3:
        parts[1], parts[2] = "{owner}", "{repo}"
    for index, part in enumerate(parts):
        if part.isdigit():
            parts[index] = "{id}"
        elif _HEX_SHA.match(part):
            parts[index] = "{sha}"
    return "/" + "/".join(parts)


class _Secret:
    """Holds a credential so that repr(), str() and logging of the holder never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__


def _no_cookie_session() -> requests.Session:
    session = requests.Session()
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return session


@dataclass(frozen=True, slots=True)
class _Call:
    """One REST or GraphQL request as the retry loop sends it, again and again if need be."""

    method: str
    url: str
    route: str
    params: Mapping[str, Any] | None = None
    body: Any = None
    accept: str = JSON_ACCEPT
    raw: bool = False
    idempotent: bool = True
    extra_headers: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class GitHubResponse:
    status: int
    data: Any
    headers: Mapping[str, str]
    next_url: str | None


class RestVerbs:
    """`get/post/patch/put/delete(path, ...)` as `self.request(METHOD, path, ...)`, for the client and its
    wrappers alike (a wrapper that only changes `request` gets the verbs right for free)."""

    request: Callable[..., Any]

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)


class GitHubClient(RestVerbs):
    """One authenticated identity (an installation token, an app JWT, or anonymous) against one GitHub."""

    def __init__(
        self,
        *,
        api_url: str = DEFAULT_API_URL,
        graphql_url: str | None = None,
        token: str | None = None,
        jwt: str | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (5, 30),
        api_version: str = DEFAULT_API_VERSION,
        requester: str = "prguard",
        max_wait: float = 2.0,
        max_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        if token and jwt:
            raise ValueError("GitHubClient takes a token or a JWT, not both")
        if not api_url.startswith(("https://", "http://")):
            raise ValueError(f"api_url must be an http(s) URL, got {api_url!r}")
        self.api_url = api_url.rstrip("/")
        self.graphql_url = (graphql_url or graphql_url_for(self.api_url)).rstrip("/")
        self._token = _Secret(token) if token else None
        self._jwt = _Secret(jwt) if jwt else None
        self.session = session or _no_cookie_session()
        self.timeout = timeout
        self.api_version = api_version
        self.requester = requester
        self.max_wait = max_wait
        self.max_attempts = max(1, max_attempts)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.calls: Counter[tuple[str, str]] = Counter()
        self.rate_limit: RateLimitState | None = None
        self._origins = {_origin(self.api_url), _origin(self.graphql_url)}

    def __repr__(self) -> str:
        auth = "token" if self._token else "jwt" if self._jwt else "anonymous"
        return f"GitHubClient(api_url={self.api_url!r}, auth={auth})"

    # -- REST -------------------------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the REST API and return the decoded body (JSON, text, or bytes with raw=True)."""
        return self.request_full(method, path, **kwargs).data

    def request_full(
        self,
        method: str,
        path: str,
        *,
        url_vars: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        accept: str = JSON_ACCEPT,
        raw: bool = False,
        idempotent: bool | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> GitHubResponse:
        """Like `request`, with the status, headers and next-page URL."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        return self._send(
            _Call(
                method, self._resolve(path, url_vars), route_template(path), params=params, body=json,
                accept=accept, raw=raw, idempotent=idempotent, extra_headers=headers,
            )
        )  # fmt: skip

    def paginate(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        per_page: int = 100,
        max_items: int | None = None,
        *,
        url_vars: Mapping[str, Any] | None = None,
        items_key: str | None = None,
    ) -> Iterator[Any]:
        """Yield the items of every page, following `Link: rel="next"`; stop after max_items."""
        route = route_template(path)
        url: str | None = self._resolve(path, url_vars)
        query: dict[str, Any] | None = {**(params or {}), "per_page": per_page}
        seen = 0
        while url:
            response = self._send(_Call("GET", url, route, params=query))
            page = (
                response.data.get(items_key)
                if items_key and isinstance(response.data, dict)
                else response.data
            )
            if not isinstance(page, list):
                raise GitHubError("expected a JSON array page", method="GET", route=route)
            for item in page:
                if max_items is not None and seen >= max_items:
                    return
                seen += 1
                yield item
            if max_items is not None and seen >= max_items:
                return
            url, query = response.next_url, None  # the next link carries the whole query

    # -- GraphQL ----------------------------------------------------------------------------------

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run a GraphQL query or mutation and return `data`; `errors` raise (RATE_LIMITED → RateLimited)."""
        is_mutation = query.lstrip().startswith("mutation")
        response = self._send(
            _Call(
                "POST", self.graphql_url, "/graphql",
                body={"query": query, "variables": dict(variables or {})},
                accept="application/json", idempotent=not is_mutation,
            )
        )  # fmt: skip
        payload = response.data
        if not isinstance(payload, dict):
            raise GitHubError("GraphQL answer is not a JSON object", method="POST", route="/graphql")
        errors = payload.get("errors")
        if errors:
            types = {e.get("type") for e in errors if isinstance(e, dict)}
            if "RATE_LIMITED" in types:
                delay = rate_limit_delay(response.headers, now=self._clock(), rng=self._rng)
                raise RateLimited(
                    "GraphQL rate limit", retry_after=delay, method="POST", route="/graphql", status=200
                )
            messages = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]
            raise GraphQLError(
                "; ".join(messages[:3]),
                errors=errors,
                data=payload.get("data"),
                method="POST",
                route="/graphql",
            )
        data = payload.get("data")
        return data if isinstance(data, dict) else {}

    # -- transport --------------------------------------------------------------------------------

    def _resolve(self, path: str, url_vars: Mapping[str, Any] | None) -> str:
        return self._url(expand_path(path, url_vars) if "{" in path else path)

    def _url(self, path: str) -> str:
        absolute = path.startswith(("https://", "http://"))
        url = path if absolute else self.api_url + "/" + path.lstrip("/")
        if _origin(url) not in self._origins:
            # A Link header or caller pointing elsewhere must never receive our credentials.
            raise GitHubError(f"refusing to send credentials to another host ({_origin(url)})")
        return url

    def _headers(self, accept: str, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = sansio.create_headers(
            self.requester,
            accept=accept,
            oauth_token=self._token.reveal() if self._token else None,
            jwt=self._jwt.reveal() if self._jwt else None,
        )
        headers["x-github-api-version"] = self.api_version
        if extra:
            headers.update({k.lower(): v for k, v in extra.items() if k.lower() != "authorization"})
        return headers

    def _send(self, call: _Call) -> GitHubResponse:
        method, route = call.method, call.route
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            failure, retry_safe = self._attempt(call)
            metrics.observe_github_call(method, route, failure.status, self.rate_limit)
            if isinstance(failure, GitHubResponse):
                return failure
            delay = getattr(failure, "retry_after", None)  # only transient errors carry one
            if delay is None:
                delay = backoff(attempt - 1, base=0.25, cap=self.max_wait, rng=self._rng)
            if not retry_safe or attempt >= self.max_attempts or waited + delay > self.max_wait:
                raise failure
            log.info(
                "github %s %s: %s; retrying in %.2fs (attempt %d/%d)",
                method, route, type(failure).__name__, delay, attempt + 1, self.max_attempts,
            )  # fmt: skip
            self._sleep(delay)
            waited += delay

    def _attempt(self, call: _Call) -> tuple[GitHubResponse | GitHubError, bool]:
        """One HTTP exchange: a response, or (the error, whether repeating it cannot do harm)."""
        method, route, body, idempotent = call.method, call.route, call.body, call.idempotent
        where = {"method": method, "route": route}
        self.calls[(method, route)] += 1
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                call.url,
                params=call.params,
                data=json.dumps(body).encode() if body is not None else None,
                headers={
                    **self._headers(call.accept, call.extra_headers),
                    **({"content-type": "application/json"} if body is not None else {}),
                },
                timeout=self.timeout,
            )
        except requests.exceptions.ConnectTimeout:
            return TransientGitHubError("connect timeout", **where), True
        except requests.exceptions.Timeout:
            return TransientGitHubError("read timeout", **where), idempotent
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            return TransientGitHubError(f"connection failed ({type(exc).__name__})", **where), idempotent
        headers = {k.lower(): v for k, v in response.headers.items()}
        state = RateLimitState.from_headers(headers)
        if state is not None:
            self.rate_limit = state
        status = response.status_code
        log.debug(
            "github %s %s -> %d in %.0f ms (remaining %s)",
            method, route, status, (time.monotonic() - started) * 1000, state.remaining if state else "?",
        )  # fmt: skip
        if call.raw and status == 200:
            return GitHubResponse(status, response.content, headers, None), False
        try:
            data, _, next_url = sansio.decipher_response(status, headers, response.content)
        except HTTPException as exc:
            return self._classify(exc, status, headers, where, idempotent)
        except (ValueError, UnicodeDecodeError):
            # A 2xx whose body does not decode: cut off on the way (proxy, reset mid-body).
            return TransientGitHubError("unreadable response body", status=status, **where), idempotent
        if next_url is not None:
            next_url = self._url(next_url)
        return GitHubResponse(status, data, headers, next_url), False

    def _classify(
        self,
        exc: HTTPException,
        status: int,
        headers: Mapping[str, str],
        where: dict[str, str],
        idempotent: bool,
    ) -> tuple[GitHubError, bool]:
        message = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
        if isinstance(exc, BadRequest) and is_rate_limit(status, headers, message):
            guided = "retry-after" in headers or headers.get("x-ratelimit-remaining") == "0"
            delay = rate_limit_delay(headers, now=self._clock(), rng=self._rng)
            limited = RateLimited(message, retry_after=delay, guided=guided, status=status, **where)
            return limited, True  # GitHub refused it before doing anything: repeating is harmless
        if isinstance(exc, GitHubBroken):
            retry_after = parse_retry_after(headers.get("retry-after"), now=self._clock())
            return TransientGitHubError(message, retry_after=retry_after, status=status, **where), idempotent
        if status == 404:
            return NotFound(message, status=status, **where), False
        if status == 401:
            return Unauthorized(message, status=status, **where), False
        if isinstance(exc, InvalidField | ValidationError) or status == 422:
            errors = getattr(exc, "errors", None)
            return UnprocessableEntity(message, status=status, errors=errors, **where), False
        return GitHubError(message, status=status, **where), False


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
