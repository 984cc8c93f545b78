"""The fake GitHub's OAuth web flow and the user-token API routes the dashboard uses.

Web (not in the OpenAPI description, served before validation):
  GET  /login/oauth/authorize     the consent page: "Authorize" and "Cancel" buttons for the user the
                                  fake considers signed in at GitHub (or an auto-redirect when
                                  `auto_approve` is set)
  POST /login/oauth/authorize     the button: back to redirect_uri with code+state (or error=access_denied)
  POST /login/oauth/access_token  code -> user token (form or JSON body; JSON or form answer per Accept)
API (validated like every other route): GET /user, GET /user/memberships/orgs/{org}.

Tests seed it through `oauth_of(fake)`: `configure(client_id, client_secret)`, `add_user(login, orgs)`,
`sign_in(login)`, `issue_user_token(login)`.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from tests.fake_github.rest import Context, _page, handles
from tests.fake_github.server import FakeGitHub, _HTTPError, _Reply

WEB_PREFIX = "/login/oauth/"
CODE_LIFETIME = 600.0


@dataclass(slots=True)
class OAuthUser:
    login: str
    id: int
    memberships: dict[str, str] = field(default_factory=dict)  # org (lower-case) -> active | pending


@dataclass(slots=True)
class Grant:
    login: str
    client_id: str
    redirect_uri: str
    expires: float


@dataclass
class FakeOAuth:
    client_id: str = "Iv1.fakeclient"
    client_secret: str = "fake-client-secret"
    callback_url: str | None = None  # the App's registered callback; redirect_uri must start with it
    signed_in: str | None = None  # who GitHub's web session belongs to in the browser
    auto_approve: bool = False
    users: dict[str, OAuthUser] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    user_tokens: dict[str, str] = field(default_factory=dict)  # token -> login
    exchanged: list[str] = field(default_factory=list)  # logins whose code became a token
    revoked: int = 0  # tokens revoked through DELETE /applications/{client_id}/token

    def configure(self, client_id: str, client_secret: str, callback_url: str | None = None) -> None:
        self.client_id, self.client_secret, self.callback_url = client_id, client_secret, callback_url

    def add_user(
        self, login: str, orgs: dict[str, str] | None = None, *, user_id: int | None = None
    ) -> OAuthUser:
        """A GitHub user; `orgs` maps org -> membership state ("active" or "pending")."""
        user = OAuthUser(
            login, user_id or 5000 + len(self.users), {o.lower(): s for o, s in (orgs or {}).items()}
        )
        self.users[login] = user
        return user

    def sign_in(self, login: str) -> None:
        self.signed_in = login

    def issue_user_token(self, login: str) -> str:
        token = f"gho_{secrets.token_hex(18)}"
        self.user_tokens[token] = login
        return token

    def revoke(self, token: str) -> None:
        self.user_tokens.pop(token, None)


def oauth_of(fake: FakeGitHub) -> FakeOAuth:
    """The fake's OAuth state, created on first use (kept off FakeGitHub's own fields)."""
    with fake.lock:
        state = getattr(fake, "_oauth", None)
        if state is None:
            state = FakeOAuth()
            fake._oauth = state  # type: ignore[attr-defined]
        return state


def user_for_header(fake: FakeGitHub, authorization: str | None) -> str | None:
    """The login of a user token in an Authorization header (None for anything else)."""
    _, _, credential = (authorization or "").partition(" ")
    state = getattr(fake, "_oauth", None)
    if state is None or not credential:
        return None
    with fake.lock:
        return state.user_tokens.get(credential.strip())


def is_client_basic_auth(fake: FakeGitHub, authorization: str | None) -> bool:
    """Basic client_id:client_secret, as the OAuth application endpoints (/applications/...) take."""
    scheme, _, credential = (authorization or "").partition(" ")
    state = getattr(fake, "_oauth", None)
    if state is None or scheme.lower() != "basic":
        return False
    try:
        pair = base64.b64decode(credential.strip(), validate=True).decode()
    except ValueError:
        return False
    return pair == f"{state.client_id}:{state.client_secret}"


# -- web pages -----------------------------------------------------------------------------------


def serve_web(
    fake: FakeGitHub, method: str, path: str, query: dict[str, str], raw: bytes, headers: dict[str, str]
) -> _Reply:
    state = oauth_of(fake)
    form = _form(raw, headers)
    with fake.lock:
        if path == "/login/oauth/authorize" and method == "GET":
            return _authorize_page(state, query)
        if path == "/login/oauth/authorize" and method == "POST":
            return _authorize_answer(state, form)
        if path == "/login/oauth/access_token" and method == "POST":
            return _exchange(state, {**query, **form}, headers)
    return _html(404, "<h1>Not Found</h1>")


def _authorize_page(state: FakeOAuth, query: dict[str, str]) -> _Reply:
    client_id = query.get("client_id", "")
    redirect_uri = _redirect_uri(state, query.get("redirect_uri"))
    if client_id != state.client_id or redirect_uri is None:
        return _html(404, "<h1>The redirect_uri or client_id is not associated with this application.</h1>")
    user = state.users.get(state.signed_in or "")
    if user is None:
        return _html(200, "<h1>Sign in to GitHub</h1><p>Nobody is signed in to the fake GitHub.</p>")
    if state.auto_approve:
        return _redirect(_grant(state, user.login, client_id, redirect_uri, query.get("state", "")))
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(query.get(name, ""))}">'
        for name in ("client_id", "redirect_uri", "state")
    )
    body = (
        f"<h1>Authorize prguard</h1><p>Signed in as <b id='login'>{html.escape(user.login)}</b></p>"
        f'<form method="post" action="/login/oauth/authorize">{hidden}'
        '<button type="submit" name="authorize" value="1" id="authorize">Authorize</button> '
        '<button type="submit" name="authorize" value="0" id="cancel">Cancel</button></form>'
    )
    return _html(200, body)


def _authorize_answer(state: FakeOAuth, form: dict[str, str]) -> _Reply:
    client_id = form.get("client_id", "")
    redirect_uri = _redirect_uri(state, form.get("redirect_uri"))
    user = state.users.get(state.signed_in or "")
    if client_id != state.client_id or redirect_uri is None or user is None:
        return _html(422, "<h1>Bad authorization request</h1>")
    if form.get("authorize") != "1":
        params = {
            "error": "access_denied",
            "error_description": "The user has denied your application access.",
        }
        return _redirect(_with_query(redirect_uri, {**params, "state": form.get("state", "")}))
    return _redirect(_grant(state, user.login, client_id, redirect_uri, form.get("state", "")))


def _grant(state: FakeOAuth, login: str, client_id: str, redirect_uri: str, oauth_state: str) -> str:
    code = secrets.token_hex(10)
    state.grants[code] = Grant(login, client_id, redirect_uri, time.time() + CODE_LIFETIME)
    return _with_query(redirect_uri, {"code": code, "state": oauth_state})


def _exchange(state: FakeOAuth, form: dict[str, str], headers: dict[str, str]) -> _Reply:
    wants_json = "json" in headers.get("accept", "")
    if form.get("client_id") != state.client_id or form.get("client_secret") != state.client_secret:
        return _token_answer(wants_json, {"error": "incorrect_client_credentials"})
    grant = state.grants.pop(form.get("code", ""), None)  # a code works once
    if grant is None or grant.expires < time.time() or grant.client_id != state.client_id:
        return _token_answer(wants_json, {"error": "bad_verification_code"})
    if form.get("redirect_uri") and form["redirect_uri"] != grant.redirect_uri:
        return _token_answer(wants_json, {"error": "redirect_uri_mismatch"})
    token = f"gho_{secrets.token_hex(18)}"
    state.user_tokens[token] = grant.login
    state.exchanged.append(grant.login)
    return _token_answer(wants_json, {"access_token": token, "token_type": "bearer", "scope": ""})


def _token_answer(wants_json: bool, body: dict[str, str]) -> _Reply:
    if wants_json:
        return _Reply(200, body)
    encoded = urllib.parse.urlencode(body).encode()
    return _Reply(200, encoded, {"content-type": "application/x-www-form-urlencoded"})


def _redirect_uri(state: FakeOAuth, given: str | None) -> str | None:
    if not given:
        return state.callback_url
    if state.callback_url and not given.startswith(state.callback_url):
        return None
    return given


def _form(raw: bytes, headers: dict[str, str]) -> dict[str, str]:
    if not raw:
        return {}
    if "json" in headers.get("content-type", ""):
        try:
            body = json.loads(raw)
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else {}
    return {k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode("utf-8", "replace")).items()}


def _with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params)


def _redirect(location: str) -> _Reply:
    return _Reply(302, b"", {"location": location, "content-type": "text/html; charset=utf-8"})


def _html(status: int, body: str) -> _Reply:
    page = f"<!doctype html><html><head><title>GitHub</title></head><body>{body}</body></html>"
    return _Reply(status, page.encode(), {"content-type": "text/html; charset=utf-8"})


# -- API routes for user tokens ------------------------------------------------------------------


def _signed_in_user(ctx: Context) -> OAuthUser:
    if ctx.auth == "token" and not ctx.auth_error:
        raise _HTTPError(403, "Resource not accessible by integration")
    login = ctx.user_login
    state = oauth_of(ctx.fake)
    user = state.users.get(login or "")
    if user is None:
        raise _HTTPError(401, ctx.auth_error or "Requires authentication")
    return user


def _user_json(fake: FakeGitHub, user: OAuthUser) -> dict[str, Any]:
    return {
        "login": user.login,
        "id": user.id,
        "node_id": f"U_{user.id}",
        "type": "User",
        "site_admin": False,
        "url": f"{fake.url}/users/{user.login}",
        "html_url": f"https://github.com/{user.login}",
    }


@handles("users/get-authenticated")
def get_authenticated_user(ctx: Context) -> _Reply:
    return _Reply(200, _user_json(ctx.fake, _signed_in_user(ctx)))


def _membership_json(fake: FakeGitHub, user: OAuthUser, org: str, state: str) -> dict[str, Any]:
    return {
        "url": f"{fake.url}/orgs/{org}/memberships/{user.login}",
        "state": state,
        "role": "member",
        "organization_url": f"{fake.url}/orgs/{org}",
        "organization": {"login": org, "id": 7000 + len(org), "node_id": f"O_{org}"},
        "user": _user_json(fake, user),
    }


@handles("apps/delete-token")
def delete_token(ctx: Context) -> _Reply:
    """Revoke one user token of this OAuth client (GitHub: 204, or 404 for a token it does not know)."""
    state = oauth_of(ctx.fake)
    if ctx.auth != "oauth-client" or ctx.params["client_id"] != state.client_id:
        raise _HTTPError(404, "Not Found")
    if state.user_tokens.pop(str(ctx.json().get("access_token", "")), None) is None:
        raise _HTTPError(404, "Not Found")
    state.revoked += 1
    return _Reply(204)


@handles("orgs/list-memberships-for-authenticated-user")
def list_my_memberships(ctx: Context) -> _Reply:
    user = _signed_in_user(ctx)
    wanted = ctx.query.get("state")
    items = [
        _membership_json(ctx.fake, user, org, state)
        for org, state in sorted(user.memberships.items())
        if wanted is None or state == wanted
    ]
    return _page(ctx, items)


@handles("orgs/get-membership-for-authenticated-user")
def get_my_membership(ctx: Context) -> _Reply:
    user = _signed_in_user(ctx)
    org = ctx.params["org"]
    membership = user.memberships.get(org.lower())
    if membership is None:
        raise _HTTPError(404, "Not Found")
    return _Reply(200, _membership_json(ctx.fake, user, org, membership))
