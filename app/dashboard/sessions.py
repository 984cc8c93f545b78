"""The dashboard's cookies: a session and a short-lived OAuth sign-in state, both sealed with Fernet.

Fernet (AES-128-CBC + HMAC-SHA256, with a timestamp) both signs and encrypts, so
the GitHub user token inside a session is never readable in the cookie and a
tampered or expired cookie is simply "no session". The keys are derived from
PRGUARD_SESSION_SECRET with HKDF, one per purpose, so a state cookie can never be
replayed as a session.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SESSION_COOKIE = "prguard_session"
STATE_COOKIE = "prguard_oauth_state"
SESSION_MAX_AGE = 8 * 3600  # a signed-in session lasts a working day; GitHub's token may live longer
STATE_MAX_AGE = 10 * 60  # GitHub's authorization codes expire after ten minutes too


@dataclass(frozen=True, slots=True)
class Session:
    """Who is signed in: GitHub login and id, their OAuth token, and the CSRF token of their forms."""

    login: str
    user_id: int
    token: str
    csrf: str

    def __repr__(self) -> str:  # the token never reaches a log line through a repr
        return f"Session(login={self.login!r}, user_id={self.user_id})"


@dataclass(frozen=True, slots=True)
class SignInState:
    """What /login remembers until GitHub sends the browser back: the OAuth state and where to go next."""

    state: str
    next_path: str


class CookieSealer:
    """Seals and opens the dashboard's cookies with keys derived from the session secret."""

    def __init__(self, secret: str) -> None:
        self._session = Fernet(_derive(secret, b"prguard dashboard session"))
        self._state = Fernet(_derive(secret, b"prguard dashboard oauth state"))

    def seal_session(self, session: Session) -> str:
        return self._session.encrypt(json.dumps(asdict(session)).encode()).decode()

    def open_session(self, cookie: str | None) -> Session | None:
        data = _open(self._session, cookie, SESSION_MAX_AGE)
        try:
            return Session(
                login=str(data["login"]),
                user_id=int(data["user_id"]),
                token=str(data["token"]),
                csrf=str(data["csrf"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def seal_state(self, state: SignInState) -> str:
        return self._state.encrypt(json.dumps(asdict(state)).encode()).decode()

    def open_state(self, cookie: str | None) -> SignInState | None:
        data = _open(self._state, cookie, STATE_MAX_AGE)
        try:
            return SignInState(state=str(data["state"]), next_path=str(data["next_path"]))
        except (KeyError, TypeError, ValueError):
            return None


def new_token() -> str:
    """A random, URL-safe value for OAuth states and CSRF tokens."""
    return secrets.token_urlsafe(32)


def same(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a secret value with what a request brought (None never matches)."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def safe_next(path: str | None) -> str:
    """Where to go after sign-in: a local path only (no scheme, no host, no '//'), else the home page."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    if any(ord(c) < 0x20 for c in path):
        return "/"
    return path


def _derive(secret: str, purpose: bytes) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret.encode())
    return base64.urlsafe_b64encode(key)


def _open(fernet: Fernet, cookie: str | None, max_age: int) -> dict[str, Any]:
    if not cookie:
        return {}
    try:
        data = json.loads(fernet.decrypt(cookie.encode("ascii", "replace"), ttl=max_age))
    except (InvalidToken, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
