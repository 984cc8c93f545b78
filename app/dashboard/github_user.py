"""GitHub, as the signed-in user sees it: the OAuth code exchange, who they are, which orgs they are in.

Plain `requests` with short timeouts: these calls sit in front of a page view. The
user's token travels only in the Authorization header and the code exchange's
form body, neither of which urllib3 logs, and no message here ever includes it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import requests

log = logging.getLogger("prguard.dashboard.github")

TIMEOUT = (3.05, 10)
API_VERSION = "2022-11-28"
USER_AGENT = "prguard-dashboard"


class GitHubUnavailable(Exception):
    """GitHub did not answer usefully (network error, 5xx, rate limit): said on the page, never cached."""


class TokenRejected(Exception):
    """GitHub no longer accepts the user's token (revoked or expired): sign in again."""


class SignInFailed(Exception):
    """The OAuth code could not be exchanged for a token (expired, reused, wrong client)."""


@dataclass(frozen=True, slots=True)
class GitHubUser:
    login: str
    user_id: int


class GitHubUserClient:
    """OAuth web flow endpoints under GITHUB_WEB_URL, REST calls under GITHUB_API_URL."""

    def __init__(
        self, *, web_url: str, api_url: str, client_id: str, client_secret: str, http: Any = None
    ) -> None:
        self.web_url = web_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self._http = http or requests.Session()

    def __repr__(self) -> str:
        return f"GitHubUserClient(web_url={self.web_url!r}, api_url={self.api_url!r})"

    def authorize_url(self, *, state: str, redirect_uri: str) -> str:
        """GitHub's consent page; GitHub Apps take their permissions from the App, so no scope is asked."""
        query = urlencode({"client_id": self.client_id, "redirect_uri": redirect_uri, "state": state})
        return f"{self.web_url}/login/oauth/authorize?{query}"

    def exchange_code(self, *, code: str, redirect_uri: str) -> str:
        """The user's access token for an authorization code (POST /login/oauth/access_token)."""
        try:
            response = self._http.post(
                f"{self.web_url}/login/oauth/access_token",
                data={
                    "client_id": self.client_id,
                    "client_secret": self._client_secret,
                    "code": code,
                    "redirect_uri": redirect_uri,
                },
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise GitHubUnavailable(f"token exchange failed: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise GitHubUnavailable(f"token exchange answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(token, str) or not token:
            # GitHub answers 200 with {"error": "bad_verification_code", ...} for a used or expired code.
            error = body.get("error") if isinstance(body, dict) else None
            raise SignInFailed(str(error or f"HTTP {response.status_code}"))
        return token

    def revoke(self, token: str) -> bool:
        """Revoke the user's token at GitHub (DELETE /applications/{client_id}/token, client credentials).

        Best effort, at sign-out: a copied session cookie then holds a token GitHub no longer accepts.
        Returns whether GitHub confirmed; never raises.
        """
        try:
            response = self._http.delete(
                f"{self.api_url}/applications/{quote(self.client_id, safe='')}/token",
                json={"access_token": token},
                auth=(self.client_id, self._client_secret),
                headers={
                    "Accept": "application/vnd.github+json",
                    "X-GitHub-Api-Version": API_VERSION,
                    "User-Agent": USER_AGENT,
                },
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            log.warning("dashboard: token revocation failed: %s", type(exc).__name__)
            return False
        if response.status_code not in (204, 404):  # 404: GitHub no longer knows the token
            log.warning("dashboard: token revocation answered %s", response.status_code)
        return response.status_code == 204

    def user(self, token: str) -> GitHubUser:
        """The token's user (GET /user); TokenRejected when GitHub no longer accepts the token."""
        response = self._get("/user", token)
        if response.status_code == 401:
            raise TokenRejected("GET /user answered 401")
        body = self._json(response)
        try:
            return GitHubUser(login=str(body["login"]), user_id=int(body["id"]))
        except (KeyError, TypeError, ValueError):
            raise GitHubUnavailable("GET /user answered without a login") from None

    def is_active_member(self, token: str, org: str) -> bool:
        """GET /user/memberships/orgs/{org}: True only for state "active" (not a pending invitation)."""
        response = self._get(f"/user/memberships/orgs/{quote(org, safe='')}", token)
        if response.status_code == 401:
            raise TokenRejected("membership look-up answered 401")
        if response.status_code in (403, 404):
            return False
        body = self._json(response)
        return body.get("state") == "active"

    def active_orgs(self, token: str, max_pages: int = 10) -> set[str]:
        """Lower-cased logins of the orgs the user is an active member of (GET /user/memberships/orgs)."""
        orgs: set[str] = set()
        for page in range(1, max_pages + 1):
            response = self._get(f"/user/memberships/orgs?state=active&per_page=100&page={page}", token)
            if response.status_code == 401:
                raise TokenRejected("membership list answered 401")
            if response.status_code == 403:
                return orgs
            for membership in self._json(response, list):
                login = (
                    (membership.get("organization") or {}).get("login")
                    if isinstance(membership, dict)
                    else None
                )
                if isinstance(login, str) and membership.get("state") == "active":
                    orgs.add(login.lower())
            if 'rel="next"' not in response.headers.get("link", ""):
                break
        return orgs

    def _get(self, path: str, token: str) -> Any:
        try:
            response = self._http.get(
                self.api_url + path,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Accept": "application/vnd.github+json",
                    "X-GitHub-Api-Version": API_VERSION,
                    "User-Agent": USER_AGENT,
                },
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise GitHubUnavailable(f"GET {path.split('/')[1]} failed: {type(exc).__name__}") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise GitHubUnavailable(f"GitHub answered {response.status_code}")
        if response.status_code == 403 and response.headers.get("x-ratelimit-remaining") == "0":
            raise GitHubUnavailable("GitHub rate limit reached")
        return response

    @staticmethod
    def _json(response: Any, shape: type = dict) -> Any:
        """The 200 answer's JSON body, of the `shape` expected (dict or list); anything else: unavailable."""
        if response.status_code != 200:
            raise GitHubUnavailable(f"GitHub answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise GitHubUnavailable("GitHub answered with something other than JSON") from None
        if not isinstance(body, shape):
            raise GitHubUnavailable("GitHub answered with an unexpected JSON shape")
        return body
