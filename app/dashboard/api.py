"""`/api/v1/orgs/<org>/...`: the dashboard's data as JSON, for a GitHub user token of an org member.

Authorization: `Bearer <GitHub user token>` (or `token <...>`, as GitHub accepts).
No token or a token GitHub rejects: 401. Not an active member: 404, exactly as for an
org prguard never saw. Lists are paginated (`page`, `per_page` <= 100) in an
envelope `{"page", "per_page", "total", "items"}` with a GitHub-style Link header.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, request
from prguard.app.dashboard.context import Dashboard, since_of, window_days
from prguard.app.dashboard.github_user import GitHubUnavailable, TokenRejected
from prguard.ledger import figures
from prguard.ledger.models import org_key
from sqlalchemy.exc import DBAPIError

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
PULL_STATES = ("open", "closed", "merged")
MAX_TRACE_BODY = 1_000_000


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def api_blueprint(dashboard: Dashboard) -> Blueprint:
    bp = Blueprint("dashboard_api", __name__, url_prefix="/api/v1/orgs/<org>")

    @bp.url_value_preprocessor
    def authorise(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        org = (values or {}).get("org", "")
        token = bearer_token(request.headers.get("Authorization", ""))
        if token is None:
            raise ApiError(401, "Requires authentication: Authorization: Bearer <GitHub user token>")
        if not dashboard.membership.is_member(token, org):
            raise ApiError(404, "Not Found")
        g.api_org = org_key(org)

    @bp.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        response = as_json({"message": exc.message}, exc.status)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="prguard"'
        return response

    @bp.errorhandler(TokenRejected)
    def token_rejected(_: TokenRejected) -> Response:
        return api_error(ApiError(401, "Bad credentials"))

    @bp.errorhandler(GitHubUnavailable)
    def github_down(_: GitHubUnavailable) -> Response:
        return api_error(ApiError(503, "GitHub is not answering; membership could not be checked"))

    @bp.errorhandler(DBAPIError)
    def ledger_down(_: DBAPIError) -> Response:
        return api_error(ApiError(503, "The review ledger is not answering; try again shortly"))

    @bp.get("/summary")
    def summary(org: str) -> Response:
        days = window_days(request.args.get("days"))
        data = dashboard.overview(g.api_org, since_of(days))
        web_url = dashboard.settings.github_web_url
        return as_json(
            {
                "org": org,
                "window_days": days,
                "since": data.since.isoformat(),
                "findings": {
                    "total": data.total,
                    "ai_authored": data.ai_total,
                    "human": data.total - data.ai_total,
                },
                "by_author": {a: data.by_author[a] for a in data.authors()},
                "by_severity": dict(data.by_severity),
                "weeks": [
                    {"start": w.start.isoformat(), "total": w.total, "by_author": w.by_author}
                    for w in data.weeks
                ],
                "top_patterns": [p.to_dict() for p in data.top_patterns],
                "repositories": [r.to_dict() for r in data.repositories],
                "accepted_risk": [p.to_dict(web_url) for p in data.accepted_risk],
            }
        )

    @bp.get("/patterns")
    def patterns(org: str) -> Response:
        page, per_page = paging()
        days = window_days(request.args.get("days"))
        recurring = flag(request.args.get("recurring"))
        since = since_of(days)
        with dashboard.db() as db:
            total = figures.count_patterns(db, g.api_org, since, recurring_only=recurring)
            items = figures.top_patterns(
                db,
                g.api_org,
                since,
                limit=per_page,
                offset=(page - 1) * per_page,
                recurring_only=recurring,
            )
        return paginated([p.to_dict() for p in items], total, page, per_page)

    @bp.get("/patterns/<key>")
    def pattern(org: str, key: str) -> Response:
        page, per_page = paging()
        with dashboard.db() as db:
            summary = figures.pattern_summary(db, g.api_org, key)
            found = figures.occurrences(db, g.api_org, key, page=page, per_page=per_page)
        if summary is None and not found.total:
            raise ApiError(404, "Not Found")
        web_url = dashboard.settings.github_web_url
        return paginated(
            [o.to_dict(web_url) for o in found.items],
            found.total,
            page,
            per_page,
            extra={"pattern": summary.to_dict() if summary else {"pattern_key": key}},
        )

    @bp.get("/pulls")
    def pulls(org: str) -> Response:
        page, per_page = paging()
        state = request.args.get("state") or None
        if state is not None and state not in PULL_STATES:
            raise ApiError(400, f"state must be one of {', '.join(PULL_STATES)}")
        accepted = flag(request.args.get("accepted_risk"))
        with dashboard.db() as db:
            found = figures.pulls(
                db, g.api_org, state=state, merged_with_open_findings=accepted, page=page, per_page=per_page
            )
        web_url = dashboard.settings.github_web_url
        return paginated([p.to_dict(web_url) for p in found.items], found.total, page, per_page)

    @bp.post("/trace")
    def trace(org: str) -> Response:
        """A failure's frames → the merged changes behind them (docs/users/provenance-and-trace.md).

        Body: JSON `{"repository": "owner/name", "input": <traceback text | Sentry event |
        OpenTelemetry exception>, "limit": n}`; or the Sentry / OpenTelemetry JSON itself with
        `?repository=owner/name`; or a traceback as text/plain with `?repository=`.
        """
        from prguard.ledger.frames import FrameError, parse_frames
        from prguard.ledger.trace import trace_session

        if request.content_length and request.content_length > MAX_TRACE_BODY:
            raise ApiError(413, f"body larger than {MAX_TRACE_BODY} bytes")
        raw = request.get_data(cache=False, as_text=True)
        repository = request.args.get("repository") or ""
        limit_text = request.args.get("limit") or "5"
        text = raw
        if (request.mimetype or "").endswith("json"):
            try:
                body = json.loads(raw or "null")
            except ValueError:
                raise ApiError(400, "body is not JSON") from None
            if isinstance(body, dict) and "input" in body:
                repository = str(body.get("repository") or repository)
                limit_text = str(body.get("limit") or limit_text)
                given = body["input"]
                text = given if isinstance(given, str) else json.dumps(given)
        owner, _, name = repository.partition("/")
        if not owner or not name or "/" in name:
            raise ApiError(400, "repository must be owner/name")
        if org_key(owner) != g.api_org:
            raise ApiError(404, "Not Found")
        try:
            limit = int(limit_text)
        except ValueError:
            raise ApiError(400, "limit must be an integer") from None
        if not 1 <= limit <= 100:
            raise ApiError(400, "limit must be between 1 and 100")
        try:
            kind, frames = parse_frames(text)
        except FrameError as exc:
            raise ApiError(422, str(exc)) from None
        with dashboard.db() as db:
            answer = trace_session(db, g.api_org, repository, frames, limit=limit)
        return as_json({"org": org, "input": kind, "source": "ledger", **answer})

    return bp


def bearer_token(header: str) -> str | None:
    scheme, _, credential = header.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() not in ("bearer", "token") or not credential or " " in credential:
        return None
    return credential


def flag(raw: str | None) -> bool:
    return (raw or "").strip().lower() in ("1", "true", "yes")


def paging() -> tuple[int, int]:
    try:
        page = int(request.args.get("page") or 1)
        per_page = int(request.args.get("per_page") or DEFAULT_PER_PAGE)
    except ValueError:
        raise ApiError(400, "page and per_page must be integers") from None
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ApiError(400, f"page must be >= 1 and per_page between 1 and {MAX_PER_PAGE}")
    return page, per_page


def paginated(
    items: list[dict[str, Any]], total: int, page: int, per_page: int, extra: dict[str, Any] | None = None
) -> Response:
    last = max(1, -(-total // per_page))
    response = as_json({**(extra or {}), "page": page, "per_page": per_page, "total": total, "items": items})
    links = []

    def link(number: int, rel: str) -> str:
        query = urlencode({**request.args.to_dict(), "page": number, "per_page": per_page})
        return f'<{request.base_url}?{query}>; rel="{rel}"'

    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links += [link(1, "first"), link(min(page - 1, last), "prev")]
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


def as_json(body: dict[str, Any], status: int = 200) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "private, no-store"
    return response
