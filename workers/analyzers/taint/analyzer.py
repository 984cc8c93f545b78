"""The taint analyzer: untrusted data followed from its source to a dangerous sink.

It looks at all changed Python files at once (helpers in one file, handlers in
another) and reports each sink once, with the shortest flow that reaches it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from prguard.analyzers.base import Analyzer, FileContext
from prguard.analyzers.project_sources import ProjectSources
from prguard.analyzers.pyresolve import Resolver
from prguard.analyzers.removed_guards import revive_in
from prguard.analyzers.taint.hits import SinkHit
from prguard.analyzers.taint.interpreter import Program
from prguard.analyzers.taint.modules import ModuleInfo
from prguard.analyzers.taint.rules import KINDS, SOURCE_KINDS, build_rules
from prguard.engine.model import Confidence, Finding, FlowStep, Severity, make_fingerprint

_SEVERITIES = [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH]


class TaintAnalyzer(Analyzer):
    """Flow-aware security analysis over one parse of each changed Python file."""

    name = "taint"
    cacheable = False  # a finding in one file can depend on a helper in another
    needs_all_files = True
    proves_safe = True  # `cleared`: sinks that receive no untrusted or unknown data
    order = 40
    precedence = 10  # a flow from source to sink is the most specific finding
    report_order = 20
    #: with `follow_helpers`, the helpers a changed file calls in files the change left alone are
    #: read from the repository (when the review has one) and followed as the change's own are
    reads_other_files = True
    runs_apart = True  # beside the per-file analyzers, on a second core (prguard.engine.apart)

    def __init__(self) -> None:
        #: (line, CWE) of sinks proven to receive no untrusted or unknown data, per path,
        #: from the last run: pattern findings there can be dropped as noise.
        self.cleared: dict[str, set[tuple[int, int]]] = {}
        self.project: ProjectSources | None = None

    def prepare(self, files: list[FileContext], repository: Any | None) -> None:
        """The repository's modules the change left alone, read when a changed file calls into one
        (policy `follow_helpers`)."""
        self.project = None
        if files and build_rules(files[0].settings).follow_helpers:
            project = ProjectSources.for_review(files, repository)
            self.project = project if project.paths - project.changed else None

    def revive_existing(self, findings: list[Finding], ctx: FileContext) -> list[Finding]:
        """Findings the engine would drop as pre-existing or unchanged whose guard the change
        removed (removed_guards): reported again, naming the removed guard."""
        return revive_in(findings, ctx)

    def analyze(self, files: list[FileContext]) -> Iterator[Finding]:
        """All changed files together; remembers the sinks it proved safe (`cleared`)."""
        self.cleared = {}
        yield from self._run(files, remember=True)

    def analyze_file(self, ctx: FileContext) -> Iterator[Finding]:
        """One file alone (the engine's base-version pass): only flows inside it."""
        yield from self._run([ctx], remember=False)

    def _run(self, files: list[FileContext], *, remember: bool) -> Iterator[Finding]:
        contexts = [ctx for ctx in files if ctx.is_python]
        if not contexts:
            return
        rules = build_rules(contexts[0].settings)
        resolvers = [Resolver.of_source(ctx.head) for ctx in contexts]
        for resolver in resolvers if len(resolvers) > 1 else ():
            resolver.learn_bases(resolvers)  # a handler's base class in another changed file
        modules = [
            ModuleInfo.build(ctx.path, ctx.head.tree, ctx.head.lines, resolver)
            for ctx, resolver in zip(contexts, resolvers, strict=True)
        ]
        program = Program(rules, modules, self.project)
        hits = program.run()
        if remember:
            self.cleared = program.cleared
        best: dict[tuple[str, int, int, str], tuple[SinkHit, Confidence]] = {}
        for hit in hits:
            confidence = _confidence(hit)
            current = best.get(hit.key)
            if current is None or _better(hit, confidence, *current):
                best[hit.key] = (hit, confidence)
        for hit, confidence in sorted(best.values(), key=lambda pair: pair[0].key):
            if confidence.at_least(rules.min_confidence):
                yield to_finding(hit, confidence)


def _confidence(hit: SinkHit) -> Confidence:
    cap = Confidence(SOURCE_KINDS.get(hit.trace.kind, {}).get("confidence", "medium"))
    if hit.trace.unseen:
        return Confidence.LOW
    if hit.trace.indirect or hit.program_only:
        return cap if cap.rank <= Confidence.MEDIUM.rank else Confidence.MEDIUM
    return cap


def _better(hit: SinkHit, confidence: Confidence, other: SinkHit, other_confidence: Confidence) -> bool:
    if confidence.rank != other_confidence.rank:
        return confidence.rank > other_confidence.rank
    return _order(hit) < _order(other)


def _order(hit: SinkHit) -> tuple:
    """Shortest flow first, then anything that tells two hits apart: the choice is deterministic."""
    return (
        hit.trace.kind == "caller",  # an outside source's flow says more than "a caller's argument"
        hit.trace.rank(),
        hit.arg_text,
        hit.call_text,
        hit.sink.name,
        hit.program_only,
        hit.scope,
        hit.snippet,
        hit.end_line,
    )


def _severity(hit: SinkHit) -> Severity:
    if hit.newlines_refused or hit.back_to_referer:
        return Severity.LOW  # no response splitting; a redirect back where the user came from
    base = Severity("medium" if hit.program_only and hit.sink.severity == "high" else hit.sink.severity)
    drop = int(SOURCE_KINDS.get(hit.trace.kind, {}).get("severity_drop", 0))
    return _SEVERITIES[max(base.rank - drop, 1)]


def _where(step_path: str, line: int, path: str) -> str:
    return f"line {line}" if step_path == path else f"{PurePosixPath(step_path).name}:{line}"


def to_finding(hit: SinkHit, confidence: Confidence) -> Finding:
    """A sink hit as the engine's Finding, its flow spelled out in the message."""
    meta = KINDS[hit.sink.kind]
    steps = hit.trace.steps
    lines: list[str] = []
    for step in steps:
        where = _where(step.path, step.line, hit.path)
        if not lines or lines[-1] != where:
            lines.append(where)
    route = lines[0] + "".join(" → " + (w[5:] if w.startswith("line ") else w) for w in lines[1:])
    source = hit.trace.source
    sink = f"`{hit.call_text}`" + (f" in {hit.sink_at}" if hit.sink_at else "")
    if hit.arg_text == source:
        label = SOURCE_KINDS.get(hit.trace.kind, {}).get("label", "input")
        message = f"`{source}` ({label}, {route}) reaches {sink}: {meta.title}."
    elif hit.trace.kind == "caller":
        message = (
            f"`{hit.arg_text}` is built from {_quoted(source)} (the caller's argument, {route}) "
            f"and reaches {sink}: {meta.title}."
        )
    else:
        message = (
            f"`{hit.arg_text}` is built from {_quoted(source)} ({route}) and reaches {sink}: {meta.title}."
        )
    custom = hit.sink.conditions.get("message")
    if custom:
        message += f" {custom}"
    if hit.newlines_refused:
        message += " The framework refuses CR and LF in header values, so this cannot split the response;"
        message += " the value still decides the header's content."
    if hit.back_to_referer:
        message += " The target is the Referer, the page the user came from: a page elsewhere can only"
        message += " have its visitors sent back to it."
    flow = tuple(
        FlowStep(step.line, step.description if step.path == hit.path else f"{step.path}: {step.description}")
        for step in steps
    )
    here = [step.line for step in steps if step.path == hit.path] + [hit.line, hit.end_line]
    return Finding(
        rule_id=meta.rule_id,
        analyzer="taint",
        severity=_severity(hit),
        path=hit.path,
        start_line=hit.line,
        end_line=hit.end_line,
        message=message,
        fingerprint=make_fingerprint(meta.rule_id, hit.path, hit.snippet, hit.scope),
        confidence=confidence,
        cwe=hit.sink.report_cwe,
        title=f"{meta.title[0].upper()}{meta.title[1:]} (CWE-{hit.sink.cwe})",
        start_column=hit.column + 1,
        flow=flow,
        relevant_lines=(min(here), max(here)),
    )


def _quoted(text: str) -> str:
    """Code in backticks, unless it is a description that quotes its own code (`URL part `x``)."""
    return text if "`" in text else f"`{text}`"
