"""In-code suppressions: `# prguard: ignore[RULE] reason`, bandit's `# nosec` and Semgrep's `nosemgrep`.

- `# prguard: ignore[B602] reason` (or `ignore[B602, complexity]`) on the flagged line,
  or on the first line of the statement that contains it, suppresses findings whose
  rule id (or analyzer name) is listed. A bare `# prguard: ignore` names no rule and
  suppresses nothing: silencing must say what it silences. A rule may be named by its
  catalogue id or by the id it is reported as (`PG-TAINT001` or `taint-sql-injection`).
- bandit's `# nosec`, `# nosec B602`, `# nosec: B602,B603 reason` apply to security
  (bandit) findings, on the flagged line or any line of the flagged node, as bandit does.

- Semgrep's `nosemgrep` / `nosemgrep: rule-id, other-id` applies to semgrep findings, on the
  flagged line or the line above it, as Semgrep does (any comment syntax: `#`, `//`, `--` ...).

Comments are found with the tokenizer (a `#` inside a string is not a comment), and only
for files that mention `prguard` or `nosec` at all, so the common case costs nothing.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from functools import cached_property

from prguard.catalogue import same_rule
from prguard.engine.model import Finding, Suppression

_PRGUARD = re.compile(r"prguard:\s*ignore\b(?:\[(?P<rules>[^\]]*)\])?[\s:,-]*(?P<reason>.*)", re.IGNORECASE)
_NOSEC = re.compile(r"#\s*nosec\b:?(?P<rest>[^#]*)", re.IGNORECASE)
_NOSEMGREP = re.compile(r"\bnosem(?:grep)?\b(?::\s*(?P<ids>[^\s,]+(?:\s*,\s*[^\s,]+)*))?(?P<reason>.*)", re.I)
_BANDIT_ID = re.compile(r"^B\d{3}$", re.IGNORECASE)
_BANDIT_TEST_NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")

BANDIT_ANALYZER = "security"
SEMGREP_ANALYZER = "semgrep"


@dataclass(frozen=True, slots=True)
class IgnoreComment:
    rules: frozenset[str] | None  # None: a bare ignore that names no rule
    reason: str


@dataclass(frozen=True, slots=True)
class NosecComment:
    tests: frozenset[str]  # upper-cased ids / lower-case names; empty: every bandit test
    reason: str


class FileComments:
    """The suppression comments of one file, found lazily."""

    def __init__(self, text: str, *, is_python: bool, tree: ast.Module | None = None) -> None:
        self.text = text
        self.is_python = is_python
        self.tree = tree
        lowered = text.lower()
        self._might_suppress = "prguard" in lowered or "nosec" in lowered or "nosem" in lowered

    @cached_property
    def comments(self) -> dict[int, str]:
        """line -> comment text (for Python, real comment tokens only)."""
        if not self._might_suppress:
            return {}
        if self.is_python:
            found: dict[int, str] = {}
            try:
                for tok in tokenize.generate_tokens(io.StringIO(self.text).readline):
                    if tok.type == tokenize.COMMENT:
                        found[tok.start[0]] = tok.string
                return found
            except (tokenize.TokenError, SyntaxError, ValueError):
                pass  # fall back to reading lines
        return {
            number: line
            for number, line in enumerate(self.text.splitlines(), start=1)
            if "prguard" in line.lower() or "nosec" in line.lower() or "nosem" in line.lower()
        }

    def ignore_at(self, line: int) -> IgnoreComment | None:
        comment = self.comments.get(line)
        if not comment:
            return None
        match = _PRGUARD.search(comment)
        if not match:
            return None
        rules_text = match.group("rules")
        rules = frozenset(r.strip() for r in (rules_text or "").split(",") if r.strip())
        return IgnoreComment(rules or None, match.group("reason").strip())

    def nosec_at(self, line: int) -> NosecComment | None:
        comment = self.comments.get(line)
        if not comment or not self.is_python:
            return None
        match = _NOSEC.search(comment)
        if not match:
            return None
        tests: set[str] = set()
        reason_words: list[str] = []
        for word in re.split(r"[\s,]+", match.group("rest").strip()):
            if _BANDIT_ID.match(word):
                tests.add(word.upper())
            elif _BANDIT_TEST_NAME.match(word) and not reason_words:
                tests.add(word)
            elif word:
                reason_words.append(word)
        reason = " ".join(reason_words).lstrip("-:\u2013\u2014 ").strip()
        return NosecComment(frozenset(tests), reason)

    def statement_start(self, line: int) -> int | None:
        """First line of the innermost statement containing `line` (decorators included)."""
        if self.tree is None:
            return None
        body: list[ast.AST] = list(self.tree.body)
        start: int | None = None
        while body:
            container = next((node for node in body if _first_line(node) <= line <= _last_line(node)), None)
            if container is None:
                break
            if isinstance(container, ast.stmt):
                start = _first_line(container)
            body = [
                child
                for name in _STATEMENT_LISTS
                for child in getattr(container, name, ()) or ()
                if isinstance(child, ast.stmt | ast.ExceptHandler | ast.match_case)
            ]
            # an except handler / match case is not a statement: look inside it directly
            body = [inner for node in body for inner in _unwrap(node)]
        return start


def _unwrap(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.ExceptHandler | ast.match_case):
        return list(node.body)
    return [node]


def _first_line(node: ast.AST) -> int:
    decorators = getattr(node, "decorator_list", None) or ()
    return min([node.lineno, *(d.lineno for d in decorators)])


def _last_line(node: ast.AST) -> int:
    return getattr(node, "end_lineno", None) or node.lineno


@dataclass(slots=True)
class SuppressionOutcome:
    kept: list[Finding]
    used: list[Suppression]
    notes: list[str]


def apply_suppressions(findings: list[Finding], comments: FileComments) -> SuppressionOutcome:
    """Split one file's findings into kept and suppressed, recording each suppression used."""
    outcome = SuppressionOutcome([], [], [])
    bare_lines: set[int] = set()
    for finding in findings:
        used = _prguard_suppression(finding, comments, bare_lines)
        if used is None and finding.analyzer == BANDIT_ANALYZER:
            used = _nosec_suppression(finding, comments)
        if used is None and finding.analyzer == SEMGREP_ANALYZER:
            used = _nosemgrep_suppression(finding, comments)
        if used is None:
            outcome.kept.append(finding)
        else:
            outcome.used.append(used)
    for line in sorted(bare_lines):
        path = findings[0].path
        outcome.notes.append(
            f"{path}:{line}: `# prguard: ignore` names no rule, so it suppresses nothing; "
            "write `# prguard: ignore[RULE] reason`"
        )
    return outcome


def _prguard_suppression(
    finding: Finding, comments: FileComments, bare_lines: set[int]
) -> Suppression | None:
    candidates = [finding.start_line]
    statement = comments.statement_start(finding.start_line) if comments.comments else None
    if statement is not None and statement != finding.start_line:
        candidates.append(statement)
    for line in candidates:
        ignore = comments.ignore_at(line)
        if ignore is None:
            continue
        if ignore.rules is None:
            bare_lines.add(line)
            continue
        if (
            finding.rule_id in ignore.rules
            or finding.analyzer in ignore.rules
            or any(same_rule(named, finding.rule_id) for named in ignore.rules)
        ):
            return Suppression(
                finding.rule_id, finding.path, line, "prguard", ignore.reason, finding.fingerprint
            )
    return None


def _nosec_suppression(finding: Finding, comments: FileComments) -> Suppression | None:
    lines = [finding.start_line, *range(finding.start_line + 1, finding.end_line + 1)]
    for line in lines:
        nosec = comments.nosec_at(line)
        if nosec is None:
            continue
        if not nosec.tests or finding.rule_id.upper() in nosec.tests or (finding.title or "") in nosec.tests:
            return Suppression(
                finding.rule_id, finding.path, line, "nosec", nosec.reason, finding.fingerprint
            )
    return None


def _nosemgrep_suppression(finding: Finding, comments: FileComments) -> Suppression | None:
    for line in (finding.start_line, finding.start_line - 1):
        comment = comments.comments.get(line)
        match = _NOSEMGREP.search(comment) if comment else None
        if match is None:
            continue
        ids = [i.strip() for i in (match.group("ids") or "").split(",") if i.strip()]
        if ids and not any(finding.rule_id == i or i.endswith("." + finding.rule_id) for i in ids):
            continue
        reason = match.group("reason").strip(" -:\u2013\u2014*/").strip()
        return Suppression(finding.rule_id, finding.path, line, "nosemgrep", reason, finding.fingerprint)
    return None
