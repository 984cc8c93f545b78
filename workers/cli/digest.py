"""`prguard digest --org ORG [--since DATE]`: print an org's ledger digest (Markdown)."""

from __future__ import annotations

import argparse
import datetime as dt

from prguard.cli import EXIT_OK, CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "digest",
        help="print an org's change-ledger digest (recurring patterns, AI share, risky merges)",
        description=(
            "Print the digest of one org from the change ledger (DATABASE_URL, else the SQLite file in "
            "PRGUARD_DATA_DIR): new recurring patterns, the AI-authored share and its trend, the riskiest "
            "merged pull requests. The same text the weekly digest issue carries."
        ),
    )
    parser.add_argument("--org", required=True, help="the org (login) whose digest to print")
    parser.add_argument("--since", metavar="DATE", help="start day, YYYY-MM-DD (default: seven days ago)")
    parser.add_argument("--until", metavar="DATE", help="end day, excluded, YYYY-MM-DD (default: tomorrow)")
    parser.add_argument("--url", metavar="URL", help="database URL (default: DATABASE_URL)")
    parser.add_argument(
        "--web-url", metavar="URL", help="GitHub's web URL for links (default: GITHUB_WEB_URL or github.com)"
    )
    parser.set_defaults(handler=run_digest)


def _day(value: str | None, name: str, default: dt.date) -> dt.datetime:
    if not value:
        day = default
    else:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise CliError(f"{name} {value!r} is not a date (YYYY-MM-DD)") from exc
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def run_digest(args: argparse.Namespace) -> int:
    import os

    from prguard.ledger.db import database_url, make_engine, session_scope, upgrade
    from prguard.ledger.digest import build_digest, render_digest
    from prguard.ledger.history import DEFAULT_WEB_URL
    from sqlalchemy.exc import SQLAlchemyError

    today = dt.datetime.now(dt.UTC).date()
    until = _day(args.until, "--until", today + dt.timedelta(days=1))
    since = _day(args.since, "--since", (until - dt.timedelta(days=7)).date())
    if since >= until:
        raise CliError("--since must be before --until")
    url = args.url or database_url()
    web_url = args.web_url or os.environ.get("GITHUB_WEB_URL", "").strip() or DEFAULT_WEB_URL
    try:
        if url.startswith("sqlite"):
            upgrade(url)  # the embedded ledger needs no separate step
        engine = make_engine(url)
        try:
            with session_scope(engine) as session:
                text = render_digest(build_digest(session, args.org, since=since, until=until), web_url)
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        detail = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0][:300]
        raise CliError(
            f"could not read the ledger ({type(exc).__name__}: {detail}); is DATABASE_URL right and "
            "`prguard db upgrade` run?"
        ) from exc
    print(text, end="")
    return EXIT_OK
