"""`prguard trace` from the change ledger: each frame's function and its merged changes, newest
first, with the findings that were open when each merged (prguard.ledger.merges)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from prguard.ledger.frames import Frame

_GITHUB_REMOTE = re.compile(r"(?:github\.com|^[\w.-]+)[:/]+([\w.-]+)/([\w.-]+?)(?:\.git)?/?$")


class LedgerUnavailable(Exception):
    """The ledger database could not be reached or read."""


def github_name(remote_url: str) -> str | None:
    """`owner/name` of a GitHub remote URL (https or ssh), else None."""
    match = _GITHUB_REMOTE.search(remote_url.strip())
    return f"{match.group(1)}/{match.group(2)}" if match and "github" in remote_url else None


def _match_path(frame_path: str, known: Sequence[str]) -> str | None:
    normalized = frame_path.replace("\\", "/")
    best = None
    for path in known:
        tail = normalized == path or normalized.endswith("/" + path)
        if tail and (best is None or len(path) > len(best)):
            best = path
    return best


def trace_session(
    session: Any, org: str, full_name: str, frames: Sequence[Frame], *, limit: int = 5,
    tracked: Sequence[str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The trace answer for frames of one repository, read in one session."""
    from prguard.ledger.merges import function_history, paths_of

    known = list(tracked) if tracked else paths_of(session, org, full_name)
    out = []
    for frame in frames:
        path = _match_path(frame.path, known)
        if path is None:
            continue
        name, changes = function_history(session, org, full_name, path, frame.line, frame.function, limit)
        out.append(
            {
                "path": path,
                "line": frame.line,
                "function": name or frame.function or "<module>",
                "changes": changes,
            }
        )
    return {"repository": full_name, "frames": out}


def trace_frames(
    full_name: str, frames: Sequence[Frame], *, limit: int = 5, tracked: Sequence[str] | None = None,
    engine: Any = None,
) -> dict[str, Any]:  # fmt: skip
    """The trace answer from the ledger DATABASE_URL names (the CLI's `--source ledger`)."""
    from prguard.ledger.db import default_engine, session_scope
    from sqlalchemy.exc import SQLAlchemyError

    org = full_name.split("/", 1)[0].lower()
    try:
        with session_scope(engine or default_engine()) as session:
            return trace_session(session, org, full_name, frames, limit=limit, tracked=tracked)
    except SQLAlchemyError as exc:
        raise LedgerUnavailable(type(exc).__name__) from None
