"""Engine and sessions from DATABASE_URL; migrations through Alembic (`prguard db upgrade`).

Default: a SQLite file under PRGUARD_DATA_DIR (embedded: one host and the CLI need no
server). Production: PostgreSQL (`postgresql://…` is read as `postgresql+psycopg://…`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

CONNECT_TIMEOUT_SECONDS = 3  # a database that is down must not hold a review up
MIGRATION_LOCK_KEY = 0x70726775  # PostgreSQL advisory lock id of `prguard db upgrade`


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    explicit = env.get("PRGUARD_DATA_DIR", "").strip()
    if explicit:
        return Path(explicit)
    base = env.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local" / "share")
    return Path(base) / "prguard"


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """DATABASE_URL, normalised for SQLAlchemy; else a SQLite file `ledger.sqlite3` in the data dir."""
    env = os.environ if environ is None else environ
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{data_dir(env) / 'ledger.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(
    url: str, *, schema: str | None = None, statement_timeout_ms: int | None = None, **kwargs: Any
) -> Engine:
    """An engine with short connect timeouts; SQLite gets its directory, WAL and foreign keys.

    `schema` (PostgreSQL) puts the ledger's tables in that schema (tests use one per run);
    `statement_timeout_ms` (PostgreSQL) caps every statement of the engine's connections. Both join
    any `options` the URL already carries.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": CONNECT_TIMEOUT_SECONDS}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    target: Any = url
    if url.startswith("postgresql"):
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        parsed = make_url(url)
        options = [parsed.query.get("options") or ""]
        if schema:
            options.append(f"-csearch_path={schema}")
        if statement_timeout_ms:
            options.append(f"-cstatement_timeout={int(statement_timeout_ms)}")
        joined = " ".join(o for o in options if isinstance(o, str) and o)
        if joined:  # in the URL, so an engine derived from this one's URL keeps them
            target = parsed.update_query_dict({"options": joined})
    return create_engine(target, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@functools.cache
def engine_for(url: str) -> Engine:
    """One engine (one pool) per URL per process."""
    return make_engine(url)


@functools.cache
def lookup_engine_for(url: str, timeout_ms: int) -> Engine:
    """For read-only look-ups on a review's path: autocommit connections whose statement timeout is set
    when they connect, so a look-up costs one round trip per statement (no BEGIN, SET, COMMIT)."""
    if not url.startswith("postgresql"):
        return engine_for(url)
    return make_engine(url, statement_timeout_ms=timeout_ms, isolation_level="AUTOCOMMIT")


def default_engine() -> Engine:
    return engine_for(database_url())


@functools.cache
def _factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session committed on success and rolled back on error."""
    session = _factory(engine or default_engine())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head", *, schema: str | None = None) -> str:
    """Run the migrations up to `revision`; returns the URL (password hidden) it ran against."""
    from alembic import command

    target = url or database_url()
    engine = make_engine(target, schema=schema)
    try:
        config = alembic_config(target)
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # pods starting together (Kubernetes init containers) migrate one after the other
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
    return engine.url.render_as_string(hide_password=True)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
