"""Run the taint analyzer on in-memory files, the way the engine hands them over."""

from __future__ import annotations

import textwrap
from typing import Any

from prguard.analyzers.base import FileContext, SourceFile
from prguard.analyzers.taint import TaintAnalyzer
from prguard.engine.diffmap import FileDiff
from prguard.engine.model import Finding


def context(path: str, code: str, settings: dict[str, Any] | None = None) -> FileContext:
    text = textwrap.dedent(code).lstrip("\n")
    return FileContext(
        path=path,
        language="python",
        head=SourceFile(path, text),
        base=None,
        diff=FileDiff.all_added(len(text.splitlines())),
        settings=dict(settings or {}),
        policy=None,
    )


def taint(code: str | dict[str, str], settings: dict[str, Any] | None = None) -> list[Finding]:
    """Findings for one file (a string) or several ({path: code})."""
    files = {"app/views.py": code} if isinstance(code, str) else code
    return list(TaintAnalyzer().analyze([context(path, text, settings) for path, text in files.items()]))


def rules_of(findings: list[Finding]) -> list[str]:
    return sorted(f.rule_id for f in findings)


def reports(rule: str, code: str, path: str = "app/views.py") -> bool:
    """Whether the analyzer reports `rule` on one file of `code` at `path`."""
    return rule in rules_of(taint({path: code}))
