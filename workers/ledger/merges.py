"""The merge record: at each merge, the functions the pull request changed, where they are at the
merge commit, how much of each an agent wrote, and what the review left open.

One row per changed function (`ledger_merged_functions`, migration 0002; written by
prguard.ledger.merge_record). `prguard trace` and
`POST /api/v1/orgs/<org>/trace` read it back newest first: which merged change last touched the
function that is failing, whether an agent wrote it, and what the review said then. Rows are
scoped by org like every other ledger table; they hold names and line numbers, never code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from prguard.ledger.models import Base, BigId, UtcDateTime, utcnow
from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

MAX_FUNCTIONS = 500
MAX_FINDINGS = 50


class MergedFunction(Base):
    """One function a merged pull request changed, at the merge commit."""

    __tablename__ = "ledger_merged_functions"
    __table_args__ = (
        Index("ix_ledger_merged_functions_lookup", "org", "repository_id", "path", "function"),
        Index("ix_ledger_merged_functions_merge", "pull_request_id", "merge_commit_sha"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    installation_id: Mapped[int] = mapped_column(BigInteger, index=True)
    org: Mapped[str] = mapped_column(String(100))
    repository_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_repositories.id", ondelete="CASCADE")
    )
    pull_request_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_pull_requests.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500), default="")
    merge_commit_sha: Mapped[str] = mapped_column(String(64))
    merged_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    path: Mapped[str] = mapped_column(String(1000))
    function: Mapped[str] = mapped_column(String(500))  # qualified name
    start_line: Mapped[int] = mapped_column(Integer)
    end_line: Mapped[int] = mapped_column(Integer)
    ai_authored: Mapped[bool] = mapped_column(Boolean, default=False)  # the pull request's verdict
    agents: Mapped[list[str]] = mapped_column(JSON, default=list)  # agents that wrote lines of this function
    ai_line_share: Mapped[float] = mapped_column(Float, default=0.0)  # of the function's lines at merge
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # open at merge, in it
    risk: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(slots=True)
class FunctionAtMerge:
    path: str
    function: str
    start_line: int
    end_line: int
    ai_line_share: float = 0.0
    agents: list[str] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class MergeRecord:
    installation_id: int
    account_login: str
    owner: str
    repo: str
    number: int
    title: str
    merge_commit_sha: str
    merged_at: dt.datetime | None
    ai_authored: bool
    risk: int
    functions: list[FunctionAtMerge]


def function_history(
    session: Session, org: str, full_name: str, path: str, line: int, function: str | None, limit: int = 5
) -> tuple[str | None, list[dict[str, Any]]]:
    """(function name, its merged changes newest first) for a frame at `path:line` of a repository.

    The function is the one whose span at its latest merge holds the line (the frame's own name
    decides when several do or none does)."""
    from prguard.ledger.models import Repository

    repository = session.scalar(
        select(Repository).where(Repository.org == org.lower(), Repository.full_name_key == full_name.lower())
    )
    if repository is None:
        return None, []
    rows = session.scalars(
        select(MergedFunction)
        .where(
            MergedFunction.org == org.lower(),
            MergedFunction.repository_id == repository.id,
            MergedFunction.path == path,
        )
        .order_by(MergedFunction.merged_at.desc(), MergedFunction.id.desc())
        .limit(2000)
    ).all()
    name = _function_at(rows, line, function)
    if name is None:
        return None, []
    changes = []
    for row in rows:
        if row.function != name:
            continue
        changes.append(
            {
                "pull": row.number,
                "commit": row.merge_commit_sha,
                "title": row.title,
                "date": row.merged_at.isoformat() if row.merged_at else None,
                "ai_authored": row.ai_authored,
                "agents": list(row.agents or ()),
                "ai_line_share": round(float(row.ai_line_share or 0.0), 4),
                "findings": list(row.findings or ()),
            }
        )
        if len(changes) >= limit:
            break
    return name, changes


def _function_at(rows: Sequence[MergedFunction], line: int, function: str | None) -> str | None:
    latest: dict[str, MergedFunction] = {}
    for row in rows:  # newest first: the first row of a name is its latest span
        latest.setdefault(row.function, row)
    holding = [r for r in latest.values() if r.start_line <= line <= r.end_line]
    if function:
        short = function.rsplit(".", 1)[-1]
        named = [r for r in holding if r.function.rsplit(".", 1)[-1] == short] or [
            r for r in latest.values() if r.function == function or r.function.rsplit(".", 1)[-1] == short
        ]
        if named:
            return named[0].function
    if holding:
        return min(holding, key=lambda r: r.end_line - r.start_line).function
    return None


def paths_of(session: Session, org: str, full_name: str) -> list[str]:
    """The paths the repository's merge records name (to match deployed frame paths against)."""
    from prguard.ledger.models import Repository

    repository = session.scalar(
        select(Repository).where(Repository.org == org.lower(), Repository.full_name_key == full_name.lower())
    )
    if repository is None:
        return []
    return list(
        session.scalars(
            select(MergedFunction.path)
            .where(MergedFunction.repository_id == repository.id)
            .distinct()
            .limit(20000)
        )
    )
