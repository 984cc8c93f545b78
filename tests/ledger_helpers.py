"""Shared fixtures of the ledger tests: a migrated store on SQLite and on PostgreSQL.

PostgreSQL tests run in a schema of their own (dropped afterwards) and are skipped, with
the reason, only when the server does not answer on LEDGER_TEST_PG_URL.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from prguard.engine.model import ChangedFile, Finding, ReviewResult, Severity
from prguard.ledger.db import make_engine, upgrade
from prguard.ledger.models import Base
from sqlalchemy import Engine, text

PG_URL = os.environ.get("LEDGER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/prguard_test")
_PG_PROBLEM: list[str] = []


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used (None when it answers); asked once per test run."""
    if not _PG_PROBLEM:
        try:
            engine = make_engine(PG_URL)
            with engine.connect() as connection:
                connection.execute(text("select 1"))
            engine.dispose()
            _PG_PROBLEM.append("")
        except Exception as exc:  # any failure to connect means: skip, saying why
            _PG_PROBLEM.append(f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}")
    return _PG_PROBLEM[0] or None


@pytest.fixture(scope="session", autouse=True)
def ledger_data_dir(tmp_path_factory: Any) -> Iterator[None]:
    """Workers and CLIs started by tests keep their embedded SQLite ledger in a temporary directory,
    never in the user's data directory (subprocesses inherit the variable)."""
    if os.environ.get("PRGUARD_DATA_DIR") or os.environ.get("DATABASE_URL"):
        yield
        return
    os.environ["PRGUARD_DATA_DIR"] = str(tmp_path_factory.mktemp("prguard-data"))
    try:
        yield
    finally:
        os.environ.pop("PRGUARD_DATA_DIR", None)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def migrated_store(request: Any, tmp_path_factory: Any) -> Iterator[Engine]:
    """One migrated database per test module and backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'ledger.sqlite3'}"
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()
        return
    problem = postgres_problem()
    if problem:
        pytest.skip(problem)
    schema = f"ledger_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'create schema "{schema}"'))
    try:
        upgrade(PG_URL, schema=schema)
        engine = make_engine(PG_URL, schema=schema)
        yield engine
        engine.dispose()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture
def store(migrated_store: Engine) -> Iterator[Engine]:
    """The module's store, emptied before each test."""
    with migrated_store.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    yield migrated_store


NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
POST_NO_TIMEOUT = "import requests\n\n\ndef send(url, body):\n    return requests.post(url, json=body)\n"


def timeout_finding(path: str = "app/client.py", line: int = 5, fingerprint: str = "fp-post") -> Finding:
    return Finding(
        rule_id="PG-TIMEOUT001",
        analyzer="instrumentation",
        severity=Severity.MEDIUM,
        path=path,
        start_line=line,
        end_line=line,
        message="requests.post without a timeout",
        fingerprint=fingerprint,
        cwe=400,
        title="HTTP call without a timeout",
    )


def review_result(findings: list[Finding], *, ai: bool = True, agent: str = "claude-code") -> ReviewResult:
    authorship = {
        "ai_authored": ai,
        "confidence": "high" if ai else None,
        "agents": [{"id": agent}] if ai else [],
    }
    return ReviewResult(
        conclusion="neutral" if findings else "success",
        findings=findings,
        skipped=[],
        suppressed=[],
        stats={"complexity_changes": []},
        authorship=authorship,
        risk=20,
    )


def head_file(path: str = "app/client.py", text_: str = POST_NO_TIMEOUT) -> ChangedFile:
    return ChangedFile(path=path, status="added", head=text_.encode(), base=None, patch=None)
