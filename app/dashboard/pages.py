"""The dashboard's HTML routes: sign-in with GitHub, sign-out, and the org, pattern and repository pages.

Pages are plain server-rendered HTML; the only form (sign out) carries a CSRF token.
An org is shown only to a signed-in user GitHub calls an active member of it;
everyone else gets the same 404 as for an org prguard never saw.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, g, make_response, redirect, render_template, request, url_for
from prguard.app.dashboard import charts
from prguard.app.dashboard.context import Dashboard, since_of, window_days
from prguard.app.dashboard.github_user import GitHubUnavailable, SignInFailed, TokenRejected
from prguard.app.dashboard.sessions import (
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    STATE_COOKIE,
    STATE_MAX_AGE,
    Session,
    SignInState,
    new_token,
    safe_next,
    same,
)
from prguard.ledger import figures
from prguard.ledger.models import org_key
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("prguard.dashboard")

PER_PAGE = 50


def pages_blueprint(dashboard: Dashboard) -> Blueprint:
    bp = Blueprint("dashboard", __name__, template_folder="templates")

    @bp.before_request
    def load_session() -> None:
        g.dashboard_session = dashboard.sealer.open_session(request.cookies.get(SESSION_COOKIE))

    @bp.after_request
    def protect(response: Response) -> Response:
        return security_headers(response)

    @bp.app_template_global("csrf_token")
    def csrf_token() -> str:
        session: Session | None = g.get("dashboard_session")
        return session.csrf if session else ""

    @bp.errorhandler(GitHubUnavailable)
    def github_down(exc: GitHubUnavailable) -> tuple[str, int]:
        log.warning("dashboard: GitHub unavailable (%s)", exc)
        return render_template(
            "dashboard/message.html",
            title="GitHub is not answering",
            message="prguard could not ask GitHub who you are or which orgs you are in. Try again shortly.",
        ), 503

    @bp.errorhandler(DBAPIError)
    def ledger_down(exc: DBAPIError) -> tuple[str, int]:
        log.warning("dashboard: the ledger database did not answer (%s)", type(exc.orig).__name__)
        return render_template(
            "dashboard/message.html",
            title="The review ledger is not answering",
            message="prguard could not read its database. Try again shortly.",
        ), 503

    @bp.errorhandler(TokenRejected)
    def token_rejected(_: TokenRejected) -> Response:
        response = redirect(url_for("dashboard.login", next=request.full_path.rstrip("?")))
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @bp.get("/")
    def home() -> Any:
        session: Session | None = g.dashboard_session
        if session is None:
            return render_template("dashboard/landing.html")
        with dashboard.db() as db:
            orgs = figures.known_orgs(db)
        member_of = dashboard.github.active_orgs(session.token)  # one call, not one per org
        mine = [org for org in orgs if org.lower() in member_of]
        response = make_response(render_template("dashboard/home.html", orgs=mine))
        response.headers["Cache-Control"] = "private, no-store"
        return response

    @bp.get("/login")
    def login() -> Response:
        state = new_token()
        next_path = safe_next(request.args.get("next"))
        target = dashboard.github.authorize_url(state=state, redirect_uri=_callback_url())
        response = redirect(target)
        state_cookie = dashboard.sealer.seal_state(SignInState(state, next_path))
        set_private_cookie(
            response, STATE_COOKIE, state_cookie, max_age=STATE_MAX_AGE, path="/oauth/callback"
        )
        return response

    @bp.get("/oauth/callback")
    def oauth_callback() -> Any:
        remembered = dashboard.sealer.open_state(request.cookies.get(STATE_COOKIE))
        if remembered is None or not same(remembered.state, request.args.get("state")):
            log.warning("dashboard: sign-in refused: OAuth state missing or not this browser's")
            return _message(
                400,
                "Sign-in could not be verified",
                "This sign-in was not started from this browser, or took longer than ten minutes.",
            )
        if request.args.get("error"):
            return _message(403, "Sign-in cancelled", "GitHub did not authorise the sign-in.")
        code = request.args.get("code", "")
        if not code:
            return _message(400, "Sign-in failed", "GitHub sent no authorisation code.")
        try:
            token = dashboard.github.exchange_code(code=code, redirect_uri=_callback_url())
            user = dashboard.github.user(token)
        except (SignInFailed, TokenRejected) as exc:
            log.warning("dashboard: sign-in failed: %s", type(exc).__name__)
            return _message(400, "Sign-in failed", "GitHub refused the sign-in; please try again.")
        session = Session(login=user.login, user_id=user.user_id, token=token, csrf=new_token())
        log.info("dashboard: signed in", extra={"github_login": user.login})
        response = redirect(remembered.next_path)
        delete_private_cookie(response, STATE_COOKIE, path="/oauth/callback")
        sealed = dashboard.sealer.seal_session(session)
        set_private_cookie(response, SESSION_COOKIE, sealed, max_age=SESSION_MAX_AGE, path="/")
        return response

    @bp.post("/logout")
    def logout() -> Any:
        session: Session | None = g.dashboard_session
        if session is not None and not same(session.csrf, request.form.get("csrf_token")):
            log.warning("dashboard: sign-out refused: CSRF token missing or wrong")
            return _message(400, "Form expired", "Reload the page and try again.")
        if session is not None:
            dashboard.membership.forget(session.token)
            dashboard.github.revoke(session.token)
        response = redirect(url_for("dashboard.home"))
        delete_private_cookie(response, SESSION_COOKIE, path="/")
        return response

    @bp.get("/orgs/<org>")
    @member_only(dashboard)
    def org_page(org: str) -> Any:
        days = window_days(request.args.get("days"))
        data = dashboard.overview(org_key(org), since_of(days))
        authors = data.authors()
        series = charts.series_for(authors)
        by_key = {s.key: s for s in series}
        return render_template(
            "dashboard/org.html",
            org=org,
            days=days,
            data=data,
            weekly_chart=weekly_chart(org, data.weeks, series),
            share_chart=charts.share_bar(
                "AI-authored and human findings", [(by_key[a], data.by_author[a]) for a in authors]
            ),
            severity_chart=charts.horizontal_bars("Findings by severity", data.by_severity),
            web_url=dashboard.settings.github_web_url,
        )

    @bp.get("/orgs/<org>/patterns/<key>")
    @member_only(dashboard)
    def pattern_page(org: str, key: str) -> Any:
        page = page_number(request.args.get("page"))
        with dashboard.db() as db:
            summary = figures.pattern_summary(db, org_key(org), key)
            found = figures.occurrences(db, org_key(org), key, page=page, per_page=PER_PAGE)
        if summary is None and not found.total:
            abort(404)
        return render_template(
            "dashboard/pattern.html",
            org=org,
            key=key,
            summary=summary,
            found=found,
            web_url=dashboard.settings.github_web_url,
        )

    @bp.get("/orgs/<org>/repos/<repo>")
    @member_only(dashboard)
    def repo_page(org: str, repo: str) -> Any:
        days = window_days(request.args.get("days"))
        with dashboard.db() as db:
            found = figures.repository(db, org_key(org), repo)
            if found is None:
                abort(404)
            data = figures.repository_page(db, org_key(org), found, since_of(days))
        series = charts.series_for(data.authors())
        return render_template(
            "dashboard/repo.html",
            org=org,
            days=days,
            data=data,
            weekly_chart=weekly_chart(data.repository.full_name, data.weeks, series),
            severity_chart=charts.horizontal_bars("Findings by severity", data.by_severity),
            web_url=dashboard.settings.github_web_url,
        )

    return bp


def member_only(dashboard: Dashboard) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed in (else to /login and back) and an active member of <org> (else 404)."""

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(org: str, **kwargs: Any) -> Any:
            session: Session | None = g.dashboard_session
            if session is None:
                return redirect(url_for("dashboard.login", next=request.full_path.rstrip("?")))
            if not dashboard.membership.is_member(session.token, org):
                abort(404)
            response = make_response(view(org, **kwargs))
            response.headers["Cache-Control"] = "private, no-store"
            return response

        guarded.__name__ = view.__name__
        guarded.__doc__ = view.__doc__
        return guarded

    return wrap


def weekly_chart(subject: str, weeks: list[figures.Week], series: list[charts.Series]) -> Any:
    """The org and repository pages' chart: findings introduced per week, stacked by author."""
    return charts.stacked_columns(
        f"Findings introduced per week in {subject}, by author",
        [(w.start.strftime("%d %b"), w.by_author) for w in weeks],
        series,
    )


def set_private_cookie(response: Response, name: str, value: str, *, max_age: int, path: str) -> None:
    """The dashboard's cookies: sent over HTTPS only, hidden from scripts, not on cross-site posts."""
    response.set_cookie(name, value, max_age=max_age, path=path, secure=True, httponly=True, samesite="Lax")


def delete_private_cookie(response: Response, name: str, *, path: str) -> None:
    response.delete_cookie(name, path=path, secure=True, httponly=True, samesite="Lax")


def page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def security_headers(response: Response) -> Response:
    """No scripts at all, no framing, no referrer leaking private paths to GitHub links."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _callback_url() -> str:
    return url_for("dashboard.oauth_callback", _external=True)


def _message(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("dashboard/message.html", title=title, message=message), status
