"""The policy's `rules:` entries as compiled, typed rules (data the rules analyzer applies).

The policy loader has validated every entry (and vetted every regex against
catastrophic backtracking); this module only compiles them once per policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from prguard.analyzers.pyresolve.matching import matches
from prguard.engine.globs import matches_any
from prguard.engine.model import Severity
from prguard.policies.patterns import PatternError, check_regex

PYTHON_KINDS = frozenset({"forbidden_call", "forbidden_import", "required_kwarg", "required_decorator"})
KINDS = PYTHON_KINDS | {"regex"}
DEFAULT_PYTHON_PATHS = ("**/*.py", "**/*.pyi")
#: a required `timeout` is bandit B113's problem: same CWE so the engine merges the two findings
DEFAULT_CWE_BY_KWARG = {"timeout": 400}


class RuleError(ValueError):
    """An effective-policy rule prguard cannot apply (the loader normally prevents this)."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: str
    message: str
    severity: Severity
    source: str
    call: str | None = None
    exclude_calls: tuple[str, ...] = ()
    module: str | None = None
    kwarg: str | None = None
    decorator: str | None = None
    applies_to: str = "handlers"
    function: re.Pattern[str] | None = None
    route: re.Pattern[str] | None = None
    pattern: re.Pattern[str] | None = None
    fix: str | None = None
    paths: tuple[str, ...] = ()
    exclude_paths: tuple[str, ...] = ()
    cwe: int | None = None

    @property
    def is_python(self) -> bool:
        return self.kind in PYTHON_KINDS

    def applies_to_path(self, path: str) -> bool:
        paths = self.paths or (DEFAULT_PYTHON_PATHS if self.is_python else ())
        if paths and not matches_any(path, paths):
            return False
        return not matches_any(path, self.exclude_paths)

    def matches_call(self, names: tuple[str, ...]) -> str | None:
        """The name a call resolves to that matches `call` (and no `exclude_calls`), if any."""
        if self.call is None:
            return None
        return next(
            (
                n
                for n in names
                if dotted_match(self.call, n) and not any(dotted_match(x, n) for x in self.exclude_calls)
            ),
            None,
        )


def dotted_match(pattern: str, name: str) -> bool:
    """The shared syntax (prguard.analyzers.pyresolve.matching): `requests.get` exactly,
    `requests.*` any name below it; a `*` inside a segment keeps its shell-style reading."""
    return matches(name, pattern)


def module_match(pattern: str, module: str) -> bool:
    """A module matches its pattern, and so does anything below it (`xml` covers `xml.etree`)."""
    return dotted_match(pattern, module) or module.startswith(pattern.rstrip(".*") + ".")


def compile_rules(entries: Any) -> list[Rule]:
    """Compile the effective policy's `rules:` (RuleError names the rule that cannot be used)."""
    return [_compile(entry) for entry in entries or () if isinstance(entry, dict)]


def _compile(entry: dict[str, Any]) -> Rule:
    rule_id = str(entry.get("id") or "?")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise RuleError(f"rule {rule_id}: unknown kind {kind!r}")
    try:
        severity = Severity(str(entry.get("severity", "medium")))
    except ValueError:
        raise RuleError(f"rule {rule_id}: unknown severity {entry.get('severity')!r}") from None
    required = {
        "forbidden_call": "call",
        "forbidden_import": "module",
        "required_kwarg": "kwarg",
        "required_decorator": "decorator",
        "regex": "pattern",
    }[kind]
    if not entry.get(required) or (kind == "required_kwarg" and not entry.get("call")):
        raise RuleError(f"rule {rule_id}: kind {kind} needs `{required}`")
    flags = re.IGNORECASE if entry.get("ignore_case") else 0
    kwarg = entry.get("kwarg")
    return Rule(
        id=rule_id,
        kind=kind,
        message=str(entry.get("message") or rule_id),
        severity=severity,
        source=str(entry.get("source") or "policy"),
        call=entry.get("call"),
        exclude_calls=tuple(entry.get("exclude_calls") or ()),
        module=entry.get("module"),
        kwarg=kwarg,
        decorator=entry.get("decorator"),
        applies_to=str(entry.get("applies_to") or "handlers"),
        function=_regex(rule_id, entry.get("function")),
        route=_regex(rule_id, entry.get("route")),
        pattern=_regex(rule_id, entry.get("pattern"), flags),
        fix=entry.get("fix"),
        paths=tuple(entry.get("paths") or ()),
        exclude_paths=tuple(entry.get("exclude_paths") or ()),
        cwe=entry.get("cwe") or (DEFAULT_CWE_BY_KWARG.get(kwarg) if kind == "required_kwarg" else None),
    )


def _regex(rule_id: str, pattern: str | None, flags: int = 0) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        check_regex(pattern)  # the policy validator's own check: no catastrophic backtracking
    except PatternError as error:
        raise RuleError(f"rule {rule_id}: {error}") from None
    return re.compile(pattern, flags)
