"""`prguard db upgrade`: create or migrate the change ledger's tables (DATABASE_URL, else SQLite)."""

from __future__ import annotations

import argparse

from prguard.cli import EXIT_OK, CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="migrate the change ledger's database")
    commands = parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = commands.add_parser(
        "upgrade",
        help="run the ledger's migrations up to the newest (run it before a new version serves)",
        description=(
            "Create or migrate the change ledger's tables in DATABASE_URL (default: a SQLite file in "
            "PRGUARD_DATA_DIR). Safe to run again: an up-to-date database is left as it is."
        ),
    )
    upgrade.add_argument("--url", metavar="URL", help="database URL (default: DATABASE_URL)")
    upgrade.add_argument("--revision", default="head", help="migrate to this revision (default: head)")
    upgrade.set_defaults(handler=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    from prguard.ledger.db import current_revision, database_url, make_engine, upgrade
    from sqlalchemy.exc import SQLAlchemyError

    url = args.url or database_url()
    try:
        shown = upgrade(url, args.revision)
        engine = make_engine(url)
        try:
            revision = current_revision(engine)
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        raise CliError(f"could not migrate the ledger: {type(exc).__name__}: {_first_line(exc)}") from exc
    print(f"ledger at {shown} is at revision {revision}")
    return EXIT_OK


def _first_line(exc: Exception) -> str:
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0][:300]
