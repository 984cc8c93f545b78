"""complexity: cyclomatic complexity per function and maintainability index per file, base versus head.

Flags only what the change did: a new function above `max_function_complexity`, or a
changed function whose complexity rose by more than `max_increase` ("`handle()` went
from 8 (B) to 17 (C)"). Functions the change did not touch are never flagged, however
complex. Functions are matched by qualified name (`Class.method`, `outer.inner`).
Radon's numbers, computed from the trees the engine already parsed (`cyclomatic`,
`rawmetrics`: radon's rules in single passes); nothing is parsed twice.

The maintainability index (radon's formula, multi-line strings counted as comments like
`radon mi`) is computed at base and head; a low finding only when its rank drops to C.

The base version's numbers (every function's score and the index) depend on its content alone,
so they are kept on disk by content, next to the repository index's facts: the base of a pull
request's files is the same from one push to the next, and parsing and measuring it was half of
this analyzer's work.

Policy (`analyzers.complexity`): `enabled`, `max_function_complexity`, `max_increase`,
`report_maintainability`, `severity`.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prguard.analyzers.base import Analyzer, FileContext, SourceFile
from prguard.analyzers.cyclomatic import Complexity, cyclomatic
from prguard.analyzers.rawmetrics import analyze as raw_metrics
from prguard.analyzers.rawmetrics import halstead_volume
from prguard.analyzers.testpaths import is_test_path
from prguard.engine.addedlines import AddedLines
from prguard.engine.model import Confidence, Finding, Severity, make_fingerprint
from prguard.index.snapshot import BlobCache, versioned_cache
from radon.complexity import cc_rank
from radon.metrics import mi_compute, mi_rank

RULE_NEW = "complexity-new-function"
RULE_INCREASE = "complexity-increase"
RULE_MAINTAINABILITY = "maintainability-drop"
CWE_COMPLEXITY = 1121  # Excessive McCabe Cyclomatic Complexity


@dataclass(frozen=True, slots=True)
class FunctionScore:
    qualname: str
    complexity: int
    lineno: int  # the `def` line
    endline: int


@dataclass(frozen=True, slots=True)
class _Settings:
    max_function_complexity: int
    max_increase: int
    report_maintainability: bool
    severity: Severity

    @classmethod
    def from_policy(cls, settings: dict[str, Any]) -> _Settings:
        def number(key: str, default: int) -> int:
            value = settings.get(key, default)
            return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default

        try:
            severity = Severity(str(settings.get("severity", "medium")).lower())
        except ValueError:
            severity = Severity.MEDIUM
        return cls(
            max_function_complexity=number("max_function_complexity", 10),
            max_increase=number("max_increase", 5),
            report_maintainability=bool(settings.get("report_maintainability", True)),
            severity=severity,
        )


class ComplexityAnalyzer(Analyzer):
    """Complexity deltas of the functions a change touched."""

    name = "complexity"
    languages = frozenset({"python"})
    compare_with_base = False  # it compares base and head itself
    order = 20
    precedence = 50
    report_order = 50

    def analyze_file(self, ctx: FileContext) -> Iterator[Finding]:
        settings = _Settings.from_policy(ctx.settings)
        if is_test_path(ctx.path) and settings.severity.rank > Severity.LOW.rank:
            settings = dataclasses.replace(settings, severity=Severity.LOW)  # tests are not production code
        head_visitor = cyclomatic(ctx.head.tree)
        head = function_scores(head_visitor, ctx.head.tree)
        added = AddedLines(ctx.diff)
        touched = [f for f in head if added.touches(f.lineno, f.endline)]
        wanted = bool(touched) or settings.report_maintainability
        before, before_mi = base_summary(ctx.base) if wanted else ({}, None)

        changes: list[dict[str, Any]] = []
        for function in touched:
            previous = before.get(function.qualname)
            finding = _judge(function, previous, settings, ctx.path)
            if finding is not None:
                yield finding
            if _worth_listing(function, previous):
                changes.append(_change_row(ctx.path, function, previous))
        metrics: dict[str, list[Any]] = {"complexity_changes": changes}

        if settings.report_maintainability:
            after = maintainability(ctx.head, head_visitor)
            metrics["maintainability"] = [
                {
                    "path": ctx.path,
                    "before": round(before_mi, 1) if before_mi is not None else None,
                    "after": round(after, 1),
                    "rank": mi_rank(after),
                }
            ]
            if before_mi is not None and mi_rank(before_mi) != "C" and mi_rank(after) == "C":
                yield _maintainability_finding(ctx, before_mi, after)
        ctx.extra["metrics"] = metrics


#: what makes a base summary: bump when a summary holds something else (the modules' sources are
#: part of the key as well, so a change to how the numbers are computed never reads an old one)
BASE_SUMMARY_VERSION = 1
_SUMMARY_MODULES = ("complexity", "cyclomatic", "rawmetrics", "asttools")  # and what they walk with


def base_summary(base: SourceFile | None) -> tuple[dict[str, FunctionScore], float | None]:
    """The base version's function scores by qualified name, and its maintainability index (None
    when it has no base, does not parse or is too deeply nested), through the on-disk cache."""
    if base is None:
        return {}, None
    cache = _summaries()
    key = hashlib.sha1(base.text.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()
    kept = _decode(cache.get_plain(key)) if cache is not None else None
    if kept is not None:
        return kept
    tree = _tree(base)
    visitor = _visit(tree)
    scores = function_scores(visitor, tree)
    index = _base_maintainability(base, visitor)
    if cache is not None:
        cache.put_plain(key, (index, [(f.qualname, f.complexity, f.lineno, f.endline) for f in scores]))
    return {f.qualname: f for f in scores}, index


@functools.cache
def _summaries() -> BlobCache | None:
    """The cache of base summaries: a folder named by everything a summary depends on."""
    import radon

    here = Path(__file__).parent
    sources = [here / f"{module}.py" for module in _SUMMARY_MODULES]
    return versioned_cache("complexity", f"{BASE_SUMMARY_VERSION}:{radon.__version__}", sources)


def _decode(data: Any) -> tuple[dict[str, FunctionScore], float | None] | None:
    """A kept summary, or None when there is none or it is not one."""
    try:
        index, rows = data
        scores = [FunctionScore(str(q), int(c), int(first), int(last)) for q, c, first, last in rows]
    except (TypeError, ValueError):
        return None
    if index is not None and not isinstance(index, float | int):
        return None
    return {f.qualname: f for f in scores}, index


def _tree(source: SourceFile | None) -> ast.Module | None:
    if source is None:
        return None
    try:
        return source.tree
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # an unreadable base: every function counts as new


def _visit(tree: ast.Module | None) -> Complexity | None:
    """radon's visitor on the base tree; a base too deeply nested to walk counts as no base."""
    if tree is None:
        return None
    try:
        return cyclomatic(tree)
    except (RecursionError, MemoryError):
        return None


def _base_maintainability(base: SourceFile | None, visitor: Complexity | None) -> float | None:
    if base is None or visitor is None:
        return None
    try:
        return maintainability(base, visitor)
    except (RecursionError, MemoryError):
        return None


def function_scores(visitor: Complexity | None, tree: ast.Module | None) -> list[FunctionScore]:
    """Every function and method with its qualified name; repeated names get `#2`, `#3`."""
    if visitor is None or tree is None:
        return []
    ends = visitor.function_ends
    scores: list[FunctionScore] = []
    seen: dict[str, int] = {}

    def add_functions(functions: list, prefix: str) -> None:
        for function in functions:
            name = prefix + function.name
            seen[name] = seen.get(name, 0) + 1
            qualname = name if seen[name] == 1 else f"{name}#{seen[name]}"
            end = max(function.endline, ends.get((function.lineno, function.col_offset), function.endline))
            scores.append(FunctionScore(qualname, function.complexity, function.lineno, end))
            add_functions(function.closures, name + ".")

    def add_classes(classes: list, prefix: str) -> None:
        for cls in classes:
            add_functions(cls.methods, prefix + cls.name + ".")
            add_classes(cls.inner_classes, prefix + cls.name + ".")

    add_functions(visitor.functions, "")
    add_classes(visitor.classes, "")
    return scores


def maintainability(source: SourceFile, visitor: Complexity) -> float:
    """radon's maintainability index from the parsed tree (no re-parse) and radon's raw line counts."""
    raw = raw_metrics(source.text)
    comments = (raw.comments + raw.multi) / raw.sloc * 100 if raw.sloc else 0
    volume = halstead_volume(source.tree)
    return mi_compute(volume, visitor.total_complexity, raw.lloc, comments)


def _judge(
    function: FunctionScore, previous: FunctionScore | None, settings: _Settings, path: str
) -> Finding | None:
    after = function.complexity
    if previous is None:
        if after <= settings.max_function_complexity:
            return None
        name = _display(function.qualname)
        message = (
            f"New function `{name}` has cyclomatic complexity {after} ({cc_rank(after)}), "
            f"above the limit of {settings.max_function_complexity}; split it into smaller functions."
        )
        return _function_finding(RULE_NEW, function, message, settings, path)
    increase = after - previous.complexity
    if increase <= settings.max_increase:
        return None
    message = (
        f"`{_display(function.qualname)}` went from {previous.complexity} ({cc_rank(previous.complexity)}) "
        f"to {after} ({cc_rank(after)}), more than the allowed increase of {settings.max_increase}."
    )
    return _function_finding(RULE_INCREASE, function, message, settings, path)


def _function_finding(
    rule: str, function: FunctionScore, message: str, settings: _Settings, path: str
) -> Finding:
    return Finding(
        rule_id=rule,
        analyzer="complexity",
        severity=settings.severity,
        confidence=Confidence.HIGH,
        path=path,
        start_line=function.lineno,
        end_line=function.lineno,
        message=message,
        fingerprint=make_fingerprint(rule, path, function.qualname),
        cwe=CWE_COMPLEXITY,
        title=f"complexity of {_display(function.qualname)}",
        relevant_lines=(function.lineno, function.endline),
    )


def _maintainability_finding(ctx: FileContext, before: float, after: float) -> Finding:
    last_line = max(1, len(ctx.head.lines))
    return Finding(
        rule_id=RULE_MAINTAINABILITY,
        analyzer="complexity",
        severity=Severity.LOW,
        confidence=Confidence.MEDIUM,
        path=ctx.path,
        start_line=1,
        end_line=1,
        message=(
            f"Maintainability index of `{ctx.path}` dropped from {before:.1f} ({mi_rank(before)}) "
            f"to {after:.1f} ({mi_rank(after)})."
        ),
        fingerprint=make_fingerprint(RULE_MAINTAINABILITY, ctx.path, "module"),
        title="maintainability index",
        relevant_lines=(1, last_line),
    )


def _worth_listing(function: FunctionScore, previous: FunctionScore | None) -> bool:
    """Rows for the check run's table: changed complexities, and new functions above rank A."""
    if previous is None:
        return cc_rank(function.complexity) != "A"
    return previous.complexity != function.complexity


def _change_row(path: str, function: FunctionScore, previous: FunctionScore | None) -> dict[str, Any]:
    return {
        "path": path,
        "function": function.qualname,
        "before": previous.complexity if previous else None,
        "before_rank": cc_rank(previous.complexity) if previous else None,
        "after": function.complexity,
        "after_rank": cc_rank(function.complexity),
    }


def _display(qualname: str) -> str:
    return qualname.split("#", 1)[0] + "()"
