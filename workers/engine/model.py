"""The shared types of the review engine: what goes in, what comes out.

Every analyzer, reporter and adapter uses these; nothing here is defined twice.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from prguard import ENGINE_VERSION as ENGINE_VERSION  # re-exported: the engine's callers read it here


class Severity(StrEnum):
    """How bad a finding is; ordered high > medium > low > info."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def at_least(self, other: Severity | str) -> bool:
        return self.rank >= Severity(other).rank


_SEVERITY_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}

#: what `gate.fail_on` may be: the lowest severity that blocks, or never
FAIL_ON_CHOICES = ("high", "medium", "low", "info", "never")


def gate_threshold(policy: Any) -> str:
    """The policy's `gate.fail_on` as the gate applies it: anything but a choice is "high"."""
    value = policy.get("gate", "fail_on", default="high") if policy is not None else "high"
    return value if value in FAIL_ON_CHOICES else "high"


class Confidence(StrEnum):
    """How sure the analyzer is that the finding is real."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"low": 1, "medium": 2, "high": 3}[self.value]

    def at_least(self, other: Confidence | str) -> bool:
        return self.rank >= Confidence(other).rank


_WHITESPACE = re.compile(r"\s+")
_LINE_END = re.compile(r"\r\n|\r|\n")


def decode_source(data: bytes, errors: str = "strict") -> str:
    """A source file's text from its UTF-8 bytes, without a leading byte-order mark: Python runs
    such a file, but `ast.parse` of the text with the mark kept refuses it."""
    return data.decode("utf-8-sig", errors)


def source_lines(text: str) -> list[str]:
    """A file's lines as Python and diffs number them: `str.splitlines` also breaks at form feeds
    and Unicode separators (U+2028 in a string literal), which would shift every line after."""
    lines = _LINE_END.split(text)
    return lines[:-1] if lines and not lines[-1] else lines


def normalise_code(snippet: str) -> str:
    """Collapse whitespace so re-indentation or line wrapping keeps a fingerprint."""
    return _WHITESPACE.sub(" ", snippet).strip()


def make_fingerprint(rule_id: str, path: str, snippet: str, context: str = "") -> str:
    """Stable identity of a finding: rule + path + normalised code (+ enclosing scope).

    Never includes a line number, so unrelated edits above the finding keep it.
    """
    basis = "\x1f".join((rule_id, path, normalise_code(snippet), context))
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class FlowStep:
    """One step of a data flow (taint): where the value went, and how."""

    line: int
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "description": self.description}


@dataclass(slots=True)
class Finding:
    """One problem an analyzer found in one place.

    `fingerprint` is computed by the analyzer with `make_fingerprint`; the engine
    makes repeated identical fingerprints in one file unique by occurrence.
    `suggestion` is replacement text for exactly lines start_line..end_line.
    `relevant_lines` widens the changed-lines filter (a function-level finding
    is relevant when any line of the function changed) without moving the anchor.
    """

    rule_id: str
    analyzer: str
    severity: Severity
    path: str
    start_line: int
    end_line: int
    message: str
    fingerprint: str
    confidence: Confidence | None = None
    cwe: int | None = None
    suggestion: str | None = None
    title: str | None = None
    start_column: int | None = None
    end_column: int | None = None
    flow: tuple[FlowStep, ...] = ()
    relevant_lines: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape of a finding (docs/users/json-and-sarif.md)."""
        out: dict[str, Any] = {
            "rule_id": self.rule_id,
            "analyzer": self.analyzer,
            "severity": self.severity.value,
            "confidence": self.confidence.value if self.confidence else None,
            "path": self.path,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "message": self.message,
            "fingerprint": self.fingerprint,
            "cwe": self.cwe,
            "suggestion": self.suggestion,
        }
        if self.title:
            out["title"] = self.title
        if self.flow:
            out["flow"] = [step.to_dict() for step in self.flow]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """The inverse of `to_dict` (missing optional keys take their defaults).

        Also reads `start_column`, `end_column` and `relevant_lines`, which `to_dict`
        leaves out of the public shape, so a cache can store a finding whole.
        Raises KeyError/ValueError/TypeError on a malformed mapping.
        """
        relevant = data.get("relevant_lines")
        return cls(
            rule_id=str(data["rule_id"]),
            analyzer=str(data["analyzer"]),
            severity=Severity(data["severity"]),
            path=str(data["path"]),
            start_line=int(data["start_line"]),
            end_line=int(data["end_line"]),
            message=str(data["message"]),
            fingerprint=str(data["fingerprint"]),
            confidence=Confidence(data["confidence"]) if data.get("confidence") else None,
            cwe=int(data["cwe"]) if data.get("cwe") is not None else None,
            suggestion=data.get("suggestion"),
            title=data.get("title"),
            start_column=int(data["start_column"]) if data.get("start_column") is not None else None,
            end_column=int(data["end_column"]) if data.get("end_column") is not None else None,
            flow=tuple(FlowStep(int(s["line"]), str(s["description"])) for s in data.get("flow") or ()),
            relevant_lines=(int(relevant[0]), int(relevant[1])) if relevant else None,
        )


@dataclass(frozen=True, slots=True)
class Hunk:
    """One hunk of a unified diff, in head (new) line numbers."""

    new_start: int
    new_count: int
    added: frozenset[int]

    @property
    def new_end(self) -> int:
        return self.new_start + max(self.new_count, 1) - 1

    def contains(self, line: int) -> bool:
        return self.new_count > 0 and self.new_start <= line <= self.new_end


@dataclass(frozen=True, slots=True)
class ChangedFile:
    """One file of a change: head and base contents (either may be absent) and its diff.

    `patch` is the unified diff of the file (hunks only or with headers); None when
    GitHub gave none (too large, binary), in which case nothing is commentable.
    """

    path: str
    status: str  # added | modified | removed | renamed | copied | changed
    head: bytes | None
    base: bytes | None
    patch: str | None = None
    previous_path: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    name: str = ""
    email: str = ""
    login: str | None = None


@dataclass(frozen=True, slots=True)
class CommitInfo:
    sha: str
    message: str
    author: Person = field(default_factory=Person)
    committer: Person = field(default_factory=Person)


@dataclass(frozen=True, slots=True)
class PullRequestInfo:
    """What GitHub tells about a pull request, independent of where it came from."""

    number: int | None = None
    title: str = ""
    body: str = ""
    author_login: str = ""
    author_type: str = ""  # "User" | "Bot"
    author_id: int | None = None
    head_ref: str = ""
    base_ref: str = ""
    labels: tuple[str, ...] = ()
    commits: tuple[CommitInfo, ...] = ()


@dataclass(slots=True)
class SkippedFile:
    path: str
    # short machine-readable reason: excluded, binary, generated, vendored, too-large, syntax-error, ...
    reason: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason, "detail": self.detail}


@dataclass(slots=True)
class Suppression:
    """A finding someone silenced in the code, with the reason they gave."""

    rule_id: str
    path: str
    line: int
    kind: str  # "prguard" | "nosec" | "nosemgrep"
    reason: str
    fingerprint: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "path": self.path,
            "line": self.line,
            "kind": self.kind,
            "reason": self.reason,
            "fingerprint": self.fingerprint,
        }


@dataclass(slots=True)
class ReviewResult:
    """What the engine concludes about one change."""

    conclusion: str  # success | neutral | failure | action_required
    findings: list[Finding]
    skipped: list[SkippedFile]
    suppressed: list[Suppression]
    stats: dict[str, Any]
    authorship: dict[str, Any] | None = None
    risk: int = 0
    notes: list[str] = field(default_factory=list)
    policy: Any = None  # the effective policies.Policy
    # what the org's change ledger knew of these findings' patterns (prguard.ledger.history.SeenBefore);
    # filled by the worker, never by the engine, and left out of the JSON shape
    seen_before: Any = None
    # top-level sections analyzers add to the JSON shape (`impact`); never replace a key above
    sections: dict[str, Any] = field(default_factory=dict)

    @property
    def fail_on(self) -> str:
        """The gate's threshold for this change (its effective policy's `gate.fail_on`)."""
        return gate_threshold(self.policy)

    def blocking(self) -> list[Finding]:
        """The findings that block this change (at or above `fail_on`), for every report and
        publisher alike."""
        threshold = self.fail_on
        if threshold == "never":
            return []
        return [f for f in self.findings if f.severity.at_least(threshold)]

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape (docs/users/json-and-sarif.md); keep it stable."""
        out = {
            "conclusion": self.conclusion,
            "findings": [f.to_dict() for f in self.findings],
            "authorship": self.authorship,
            "skipped": [s.to_dict() for s in self.skipped],
            "suppressed": [s.to_dict() for s in self.suppressed],
            "stats": self.stats,
            "risk": self.risk,
            "notes": list(self.notes),
        }
        out.update((k, v) for k, v in self.sections.items() if k not in out)
        return out
