"""Helpers for the instrumentation analyzer tests: run it on a snippet, apply its suggestions."""

from __future__ import annotations

import ast
import difflib
import textwrap
from typing import Any

from prguard.analyzers.base import FileContext, SourceFile
from prguard.analyzers.instrumentation import InstrumentationAnalyzer
from prguard.engine.diffmap import FileDiff
from prguard.engine.model import ChangedFile, Finding
from prguard.engine.review import review
from prguard.policies.loader import load_policy

from tests.unit.engine_helpers import make_policy


def analyze(code: str, *, path: str = "svc/app.py", settings: dict[str, Any] | None = None) -> list[Finding]:
    """Findings of the analyzer on `code` as a new file (every line added)."""
    text = textwrap.dedent(code)
    ctx = FileContext(
        path=path,
        language="python",
        head=SourceFile(path, text),
        base=None,
        diff=FileDiff.all_added(len(text.splitlines())),
        settings=settings if settings is not None else load_policy().analyzer("instrumentation"),
        policy=None,
    )
    return list(InstrumentationAnalyzer().analyze_file(ctx))


def rules(findings: list[Finding]) -> list[str]:
    return sorted(f.rule_id for f in findings)


def only(findings: list[Finding], rule_id: str) -> Finding:
    matching = [f for f in findings if f.rule_id == rule_id]
    assert len(matching) == 1, [(f.rule_id, f.start_line, f.message) for f in findings]
    return matching[0]


def apply_suggestion(code: str, finding: Finding) -> str:
    """The file with the finding's suggestion replacing exactly its lines; must still parse."""
    assert finding.suggestion is not None, finding.message
    lines = textwrap.dedent(code).splitlines()
    fixed = lines[: finding.start_line - 1] + finding.suggestion.split("\n") + lines[finding.end_line :]
    result = "\n".join(fixed) + "\n"
    ast.parse(result)
    return result


def changed_file(path: str, base: str, head: str) -> ChangedFile:
    """A modified file with a real unified diff between two versions."""
    base_text, head_text = textwrap.dedent(base), textwrap.dedent(head)
    patch = "".join(
        difflib.unified_diff(
            base_text.splitlines(keepends=True), head_text.splitlines(keepends=True), f"a/{path}", f"b/{path}"
        )
    )
    return ChangedFile(path, "modified", head_text.encode(), base_text.encode(), patch)


def review_instrumentation(
    files: list[ChangedFile], cache: Any = None, repository: Any = None, *, ai_authored: bool = False
) -> Any:
    """The engine's review of `files` with only the instrumentation analyzer, as a human change (or
    an AI-authored one, whose policy also asks request handlers for instrumentation), with an
    optional analysis cache and repository snapshot (for helpers in other files)."""
    return review(
        files,
        make_policy(),
        ai_authored=ai_authored,
        analyzers=[InstrumentationAnalyzer()],
        cache=cache,
        repository=repository,
    )
