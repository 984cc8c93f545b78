"""From a finished review to what the ledger records: plain data, no database.

The worker calls `review_record(...)` with the job, the PR snapshot and the result.
Flagged code is read from the head contents only to compute its pattern key and masked
shape; the text itself is never kept.
"""

from __future__ import annotations

import ast
import bisect
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from prguard.ledger.patterns import masked_snippet, pattern_key

MAX_PARSE_BYTES = 1_000_000  # larger files: no enclosing-function names, no changed functions


@dataclass(frozen=True, slots=True)
class FindingRecord:
    rule_id: str
    analyzer: str
    severity: str
    path: str
    start_line: int
    end_line: int
    fingerprint: str
    pattern_key: str
    masked_snippet: str = ""
    function: str = ""
    cwe: int | None = None
    title: str = ""
    is_new: bool = True
    suppressed_kind: str | None = None


@dataclass(frozen=True, slots=True)
class ComplexityRecord:
    path: str
    function: str
    before: int | None
    after: int


@dataclass(frozen=True, slots=True)
class FunctionSpan:
    path: str
    function: str
    start_line: int
    end_line: int


@dataclass(slots=True)
class ReviewRecord:
    """One completed review, ready to write (`prguard.ledger.record.record_review`)."""

    installation_id: int
    account_login: str
    owner: str
    repo: str
    number: int
    head_sha: str
    conclusion: str
    title: str = ""
    author_login: str = ""
    base_sha: str = ""
    trigger: str = ""
    check_run_id: int | None = None
    policy_digest: str = ""
    reviewed_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    risk: int = 0
    ai_authored: bool = False
    agents: list[str] = field(default_factory=list)
    ai_confidence: str = ""
    waived_by: str | None = None
    findings: list[FindingRecord] = field(default_factory=list)
    complexity: list[ComplexityRecord] = field(default_factory=list)
    changed_functions: list[FunctionSpan] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    @property
    def idempotency_key(self) -> str:
        """installation + repo + PR + head + policy: a redelivery, retry or re-run is the same review."""
        basis = "\x1f".join(
            (
                str(self.installation_id),
                self.full_name.lower(),
                str(self.number),
                self.head_sha,
                self.policy_digest,
            )
        )
        return hashlib.sha256(basis.encode()).hexdigest()[:40]

    def pattern_keys(self) -> list[str]:
        return sorted({f.pattern_key for f in self.findings if f.suppressed_kind is None})


def review_record(
    *,
    installation_id: int,
    owner: str,
    repo: str,
    number: int,
    head_sha: str,
    result: Any,  # prguard.engine.model.ReviewResult
    files: Sequence[Any] = (),  # prguard.engine.model.ChangedFile (head contents)
    info: Any = None,  # prguard.engine.model.PullRequestInfo
    base_sha: str = "",
    trigger: str = "",
    check_run_id: int | None = None,
    waived_by: str | None = None,
    reviewed_at: dt.datetime | None = None,
    with_functions: bool = True,
) -> ReviewRecord:
    """Everything the ledger keeps of one review (see the issue's list: authorship, findings, functions).

    `with_functions=False` leaves the changed functions out (parsing every changed file is the
    costly part): the worker adds them with `add_changed_functions` after publishing.
    """
    heads = {f.path: f for f in files if getattr(f, "head", None) is not None}
    sources = _Sources(heads)
    authorship = result.authorship if isinstance(result.authorship, Mapping) else {}
    agents = [
        str(a.get("id")) for a in authorship.get("agents") or [] if isinstance(a, Mapping) and a.get("id")
    ]
    policy = getattr(result, "policy", None)
    findings = [_finding(f, sources) for f in result.findings]
    findings.extend(_suppression(s, sources) for s in result.suppressed)
    stats = result.stats if isinstance(result.stats, Mapping) else {}
    return ReviewRecord(
        installation_id=installation_id,
        account_login=owner,
        owner=owner,
        repo=repo,
        number=number,
        head_sha=head_sha,
        conclusion=str(result.conclusion),
        title=str(getattr(info, "title", "") or "")[:500],
        author_login=str(getattr(info, "author_login", "") or ""),
        base_sha=base_sha,
        trigger=trigger,
        check_run_id=check_run_id,
        policy_digest=str(getattr(policy, "digest", "") or ""),
        reviewed_at=reviewed_at or dt.datetime.now(dt.UTC),
        risk=int(result.risk or 0),
        ai_authored=bool(authorship.get("ai_authored")),
        agents=agents,
        ai_confidence=str(authorship.get("confidence") or ""),
        waived_by=waived_by,
        findings=findings,
        complexity=list(_complexity(stats.get("complexity_changes"))),
        changed_functions=list(_changed_functions(heads.values(), sources)) if with_functions else [],
    )


def add_changed_functions(record: ReviewRecord, files: Sequence[Any]) -> None:
    """Fill the record's changed functions from the head contents (see `review_record`)."""
    heads = {f.path: f for f in files if getattr(f, "head", None) is not None}
    record.changed_functions = list(_changed_functions(heads.values(), _Sources(heads)))


class _Sources:
    """Head text and parsed functions per path, computed once and only when asked."""

    def __init__(self, heads: Mapping[str, Any]) -> None:
        self.heads = heads
        self._lines: dict[str, list[str]] = {}
        self._functions: dict[str, list[tuple[int, int, str]]] = {}

    def lines(self, path: str) -> list[str]:
        if path not in self._lines:
            changed = self.heads.get(path)
            raw = changed.head if changed is not None else None
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
            self._lines[path] = text.splitlines()
        return self._lines[path]

    def snippet(self, path: str, start: int, end: int) -> str:
        lines = self.lines(path)
        return "\n".join(lines[max(start, 1) - 1 : max(end, start)])

    def functions(self, path: str) -> list[tuple[int, int, str]]:
        """(start, end, qualified name) of every function of a Python head, outermost first."""
        if path not in self._functions:
            self._functions[path] = _functions_of(self.heads.get(path), path)
        return self._functions[path]

    def enclosing(self, path: str, line: int) -> str:
        inside = [name for start, end, name in self.functions(path) if start <= line <= end]
        return inside[-1] if inside else ""


def _functions_of(changed: Any, path: str) -> list[tuple[int, int, str]]:
    raw = getattr(changed, "head", None)
    if not path.endswith(".py") or not isinstance(raw, bytes) or len(raw) > MAX_PARSE_BYTES:
        return []
    try:
        tree = ast.parse(raw)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: list[tuple[int, int, str]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    found.append((child.lineno, child.end_lineno or child.lineno, name))
                walk(child, name + ".")
            else:
                walk(child, prefix)

    try:
        walk(tree, "")
    except RecursionError:
        return []
    return found


def _finding(finding: Any, sources: _Sources) -> FindingRecord:
    snippet = sources.snippet(finding.path, finding.start_line, finding.end_line)
    analyzer = str(finding.analyzer)
    return FindingRecord(
        rule_id=str(finding.rule_id),
        analyzer=analyzer,
        severity=str(getattr(finding.severity, "value", finding.severity)),
        path=finding.path,
        start_line=int(finding.start_line),
        end_line=int(finding.end_line),
        fingerprint=str(finding.fingerprint),
        pattern_key=pattern_key(str(finding.rule_id), snippet, analyzer),
        masked_snippet=masked_snippet(snippet, analyzer),
        function=sources.enclosing(finding.path, int(finding.start_line)),
        cwe=finding.cwe,
        title=str(finding.title or "")[:300],
    )


def _suppression(suppression: Any, sources: _Sources) -> FindingRecord:
    """A finding someone silenced in the code: recorded, left out of the counts (`suppressed_kind`)."""
    snippet = sources.snippet(suppression.path, suppression.line, suppression.line)
    return FindingRecord(
        rule_id=str(suppression.rule_id),
        analyzer="",
        severity="info",
        path=suppression.path,
        start_line=int(suppression.line),
        end_line=int(suppression.line),
        fingerprint=str(suppression.fingerprint),
        pattern_key=pattern_key(str(suppression.rule_id), snippet),
        masked_snippet=masked_snippet(snippet),
        function=sources.enclosing(suppression.path, int(suppression.line)),
        suppressed_kind=str(suppression.kind),
    )


def _complexity(rows: Any) -> Iterable[ComplexityRecord]:
    for row in rows or []:
        if isinstance(row, Mapping) and row.get("function") and row.get("after") is not None:
            before = row.get("before")
            yield ComplexityRecord(
                str(row.get("path") or ""),
                str(row["function"]).split("#", 1)[0],
                int(before) if before is not None else None,
                int(row["after"]),
            )


def _changed_functions(files: Iterable[Any], sources: _Sources) -> Iterable[FunctionSpan]:
    """Functions at head that contain an added line."""
    from prguard.engine.diffmap import FileDiff

    for changed in files:
        functions = sources.functions(changed.path)
        if not functions:
            continue
        if changed.patch:
            added = sorted(FileDiff.parse(changed.patch).added_lines)
        elif changed.status == "added" or changed.base is None:
            added = None  # every line is new
        else:
            continue
        for start, end, name in functions:
            if added is None or _any_between(added, start, end):
                yield FunctionSpan(changed.path, name, start, end)


def _any_between(sorted_lines: list[int], start: int, end: int) -> bool:
    index = bisect.bisect_left(sorted_lines, start)
    return index < len(sorted_lines) and sorted_lines[index] <= end


def record_to_dict(record: ReviewRecord) -> dict[str, Any]:
    """JSON-safe form (a queued retry carries it): ids, locations, keys and masked shapes only."""
    data = asdict(record)
    data["reviewed_at"] = record.reviewed_at.isoformat()
    return data


def record_from_dict(data: Mapping[str, Any]) -> ReviewRecord:
    """The inverse of `record_to_dict`; raises KeyError/TypeError/ValueError on a malformed mapping."""
    values = dict(data)
    values["reviewed_at"] = dt.datetime.fromisoformat(str(values["reviewed_at"]))
    values["findings"] = [FindingRecord(**f) for f in values.get("findings") or []]
    values["complexity"] = [ComplexityRecord(**c) for c in values.get("complexity") or []]
    values["changed_functions"] = [FunctionSpan(**c) for c in values.get("changed_functions") or []]
    return ReviewRecord(**values)
