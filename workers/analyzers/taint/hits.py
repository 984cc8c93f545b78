"""What the interpreter reports: a sink hit, and a function's summary."""

from __future__ import annotations

from dataclasses import dataclass, field

from prguard.analyzers.taint.rules import (
    Sink,
)
from prguard.analyzers.taint.values import (
    CLEAN,
    Trace,
    Value,
)


@dataclass
class SinkHit:
    """Tainted data reaching a sink: one flow, before it becomes a finding."""

    sink: Sink
    path: str
    line: int
    end_line: int
    column: int
    call_text: str
    arg_text: str
    trace: Trace
    scope: str
    snippet: str
    program_only: bool = False
    opted_in: bool = False  # reached only when a caller turns on a flag that is off by default
    embedded: bool = False  # the data was written into text that starts with a constant
    newlines_refused: bool = False  # a header set through a framework that refuses CR and LF in it
    back_to_referer: bool = False  # a redirect to the Referer, the page the user came from
    #: where the sink is when it lies in a file the change left alone (the hit is then placed on
    #: the changed code's call that hands the data over)
    sink_at: str = ""

    @property
    def key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.sink.kind)


@dataclass
class Summary:
    ret: Value = CLEAN
    param_hits: list[SinkHit] = field(default_factory=list)
    hits: list[SinkHit] = field(default_factory=list)
    cleared: set[tuple[int, int]] = field(default_factory=set)
    #: sinks reached only by this function's parameters: (line, kind) -> the CWEs a proof clears
    param_only: dict[tuple[int, str], frozenset[int]] = field(default_factory=dict)
    #: sinks an attribute of `self` reaches: checked again with the object a call binds
    receiver_hits: list[SinkHit] = field(default_factory=list)
    #: a predicate's parameters -> the sink kinds every "yes" it answers proves them safe for
    #: (None: it never answered yes)
    true_proofs: dict[str, frozenset[str]] | None = None
    #: a checker's parameters -> the sink kinds every normal return proves them safe for (None:
    #: it never returns normally); see `FunctionInfo.may_check_by_raising`
    exit_proofs: dict[str, frozenset[str]] | None = None
    #: an error reporter's parameters -> the sink kinds every return of nothing proves them safe
    #: for (None: it never returns nothing); see `FunctionInfo.reports_errors`
    none_proofs: dict[str, frozenset[str]] | None = None
    #: the attributes of `self` a method leaves set, by name: (their values at its exits, whether
    #: every exit sets them); the caller's object holds them after the call
    self_sets: dict[str, tuple[Value, bool]] = field(default_factory=dict)


def hit_lines(path: str, hit: SinkHit) -> list[int]:
    """The lines of `path` a hit passes: its sink's, and its flow's steps there."""
    lines = [hit.line] if hit.path == path else []
    return lines + [step.line for step in hit.trace.steps if step.path == path]
