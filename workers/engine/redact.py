"""Keeping detected secrets out of every finding, whoever reported it.

An analyzer that finds secrets exposes the values in a `redact` set after its run (the
secrets analyzer does). The engine then

- masks them in every finding's message, title and flow, and in suppression reasons, and
  drops a suggestion that would repeat one (`redact_findings`): a bandit message quoting a
  password must not reach a check run, a comment or a SARIF file;
- recomputes the fingerprint of every finding whose lines (with its `relevant_lines`) hold
  one or overlap a line where one was found (`mask_fingerprints`): fingerprints are published in hidden
  PR-comment markers, and a hash over a line with a weak password can be brute-forced
  offline. The new basis is rule id + path + the finding's anchor lines with every secret masked
  + the enclosing scope, so it is the same whatever the secret is, and stays stable across
  runs and unrelated edits (no line numbers).

Where a secret occurs: in its own spelling and JSON-escaped (a notebook cell's source). In
messages a purely alphabetic value is masked only as a whole word (`secret` is not masked in
`secretary`); any other value wherever it occurs (a credential with a digit or a symbol
does not occur inside other text by chance, and `-phunter22` repeats `hunter22`). In a
fingerprint's basis every occurrence is masked: nobody reads it, so over-masking costs nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prguard.engine.model import Finding, FlowStep, Suppression, make_fingerprint, normalise_code

if TYPE_CHECKING:
    from prguard.engine.plugin import Analyzer

MASK = "[secret masked]"  # what a reader sees in place of a secret
FINGERPRINT_MASK = "[secret]"  # what a fingerprint is computed over in its place
MAX_CONTEXT_LINE = 120  # characters of an enclosing line kept as context (non-Python files)

_PYTHON_SCOPE = re.compile(r"\s*(?:async\s+)?(?:def|class)\s+(\w+)")
_COMMENT_STARTS = ("#", "//", "/*", "*", "--", ";")  # comment lines say nothing about the scope


@dataclass(frozen=True, slots=True)
class Secrets:
    """The secret values found in one review, with the two ways of finding them in text."""

    values: frozenset[str]
    _whole: re.Pattern[str] | None  # occurrences a reader must not see
    _any: re.Pattern[str] | None  # every occurrence, inside anything

    @classmethod
    def of(cls, values: Iterable[str]) -> Secrets:
        found = frozenset(v for v in values if v)
        if not found:
            return cls(found, None, None)
        forms = sorted({f for v in found for f in _forms(v)}, key=len, reverse=True)
        whole = "|".join(_whole_pattern(form) for form in forms)
        anywhere = "|".join(re.escape(form) for form in forms)
        return cls(found, re.compile(whole), re.compile(anywhere))

    @classmethod
    def from_analyzers(cls, analyzers: Iterable[Analyzer]) -> Secrets:
        """Every value in any analyzer's `redact` set (filled by its last run)."""
        return cls.of(s for a in analyzers for s in a.redact if isinstance(s, str))

    def __bool__(self) -> bool:
        return bool(self.values)

    def mask(self, text: str) -> str:
        """The text as a reader may see it: every whole occurrence replaced by MASK."""
        return self._whole.sub(MASK, text) if self._whole is not None and text else text

    def shows_any(self, text: str) -> bool:
        return self._whole is not None and bool(text) and self._whole.search(text) is not None

    def occurs_in(self, text: str) -> bool:
        """Whether any secret occurs anywhere in the text (the fingerprint test)."""
        return self._any is not None and bool(text) and self._any.search(text) is not None

    def mask_everywhere(self, text: str) -> str:
        return self._any.sub(FINGERPRINT_MASK, text) if self._any is not None and text else text


def _forms(value: str) -> tuple[str, ...]:
    """The value as written and JSON-escaped (`"` → `\\"`, a notebook cell's source)."""
    escaped = json.dumps(value, ensure_ascii=False)[1:-1]
    return (value, escaped) if escaped != value else (value,)


def _whole_pattern(form: str) -> str:
    """A purely alphabetic value only as a whole word; anything else wherever it occurs."""
    if form.isalpha():
        return rf"(?<!\w){re.escape(form)}(?!\w)"
    return re.escape(form)


def redact_findings(findings: Iterable[Finding], suppressed: Iterable[Suppression], secrets: Secrets) -> None:
    """Mask the secrets in every finding's text and every suppression reason (in place);
    a suggestion that would write a secret into a comment is dropped."""
    if not secrets:
        return
    for finding in findings:
        finding.message = secrets.mask(finding.message)
        if finding.title:
            finding.title = secrets.mask(finding.title)
        if finding.suggestion and secrets.shows_any(finding.suggestion):
            finding.suggestion = None
        if finding.flow:
            finding.flow = tuple(FlowStep(step.line, secrets.mask(step.description)) for step in finding.flow)
    for used in suppressed:
        used.reason = secrets.mask(used.reason)


def mask_fingerprints(
    findings: Iterable[Finding],
    lines: Sequence[str],
    secrets: Secrets,
    *,
    python: bool,
    secret_lines: Collection[int] = (),
) -> int:
    """Recompute (in place) the fingerprint of each finding whose lines could have entered its
    basis with a secret in them; returns how many were recomputed.

    A finding's lines are start..end and its `relevant_lines` (an analyzer may hash the whole
    function it reports on its `def` line), in `lines`, the version it was reported on. They
    could hold a secret when one occurs in them or they overlap `secret_lines` (where one was
    reported). The new basis is the anchor lines (start..end) with every secret masked and
    the enclosing scope: stable, and free of any secret.
    """
    if not secrets and not secret_lines:
        return 0
    changed = 0
    for finding in findings:
        start = max(1, finding.start_line)
        end = max(start, finding.end_line)
        first, last = start, end
        if finding.relevant_lines:
            first, last = min(first, finding.relevant_lines[0]), max(last, finding.relevant_lines[1])
        overlaps = any(first <= number <= last for number in secret_lines)
        if not overlaps and not secrets.occurs_in("\n".join(lines[max(0, first - 1) : last])):
            continue
        anchor = "\n".join(lines[start - 1 : end])
        finding.fingerprint = make_fingerprint(
            finding.rule_id,
            finding.path,
            secrets.mask_everywhere(anchor),
            enclosing_context(lines, start, secrets, python=python),
        )
        changed += 1
    return changed


def enclosing_context(lines: Sequence[str], line: int, secrets: Secrets, *, python: bool) -> str:
    """Where the line sits, from indentation alone (no parse; works on any file): in Python the
    enclosing `def`/`class` names (`Client.connect`), elsewhere the enclosing lines themselves,
    secrets masked (YAML's `aws:` above `access_key_id: …`)."""
    if not 0 < line <= len(lines):
        return ""
    indent = _indent(lines[line - 1])
    parts: list[str] = []
    for text in reversed(lines[: line - 1]):
        if indent == 0:
            break
        stripped = text.strip()
        if not stripped or stripped.startswith("#" if python else _COMMENT_STARTS):
            continue
        level = _indent(text)
        if level >= indent:
            continue
        indent = level
        if python:
            match = _PYTHON_SCOPE.match(text)
            if match:
                parts.append(match.group(1))
        else:
            parts.append(normalise_code(secrets.mask_everywhere(stripped))[:MAX_CONTEXT_LINE])
    return ("." if python else " > ").join(reversed(parts))


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())
