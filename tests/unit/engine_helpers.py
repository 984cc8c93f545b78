"""Helpers for the engine and analyzer tests: policies and changed files built like real ones."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from prguard.engine.model import ChangedFile
from prguard.policies.model import Policy, PolicyError, deep_merge

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POLICY = ROOT / "policies" / "presets" / "default.yml"


def make_policy(overrides: dict[str, Any] | None = None, errors: tuple[PolicyError, ...] = ()) -> Policy:
    """The built-in default policy with `overrides` merged on top."""
    data = yaml.safe_load(DEFAULT_POLICY.read_text())
    return Policy(deep_merge(data, overrides or {}), errors=errors)


def engine_review(files, policy: Policy | None = None, pull=None, **kwargs):
    """`review()` with only the security and complexity analyzers (others have their own tests)."""
    from prguard.analyzers.complexity import ComplexityAnalyzer
    from prguard.analyzers.security import SecurityAnalyzer
    from prguard.engine.review import review

    kwargs.setdefault("analyzers", [SecurityAnalyzer(), ComplexityAnalyzer()])
    return review(files, policy or make_policy(), pull, **kwargs)


def added(path: str, text: str | bytes, *, with_patch: bool = True) -> ChangedFile:
    """A new file; with its unified diff like GitHub sends it, or without (patch too large)."""
    head = text.encode() if isinstance(text, str) else text
    patch = None
    if with_patch and isinstance(text, str):
        patch = unified_diff("", text)
    return ChangedFile(path, "added", head, None, patch)


def modified(path: str, base: str, head: str, *, previous_path: str | None = None) -> ChangedFile:
    status = "renamed" if previous_path else "modified"
    return ChangedFile(path, status, head.encode(), base.encode(), unified_diff(base, head), previous_path)


def removed(path: str, base: str) -> ChangedFile:
    return ChangedFile(path, "removed", None, base.encode(), unified_diff(base, ""))


def unified_diff(base: str, head: str) -> str:
    lines = difflib.unified_diff(base.splitlines(keepends=True), head.splitlines(keepends=True), n=3)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
