"""Abstract values of the taint interpreter: where a value's data came from and how.

A value carries a set of traces (one per origin: a source, a parameter of the
function being summarised, or opaque data such as a database row), and for
containers the values at known keys, so `d["safe"]` stays clean while
`d["name"]` is tainted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from prguard.analyzers.taint.rules import ALL

MAX_TRACES = 6
MAX_STEPS = 12

#: Trace kinds that are not sources: a parameter (summaries) and opaque data.
PARAM = "param"
OPAQUE = "opaque"
#: the mark a parameter's trace gets when it names a file that is read: what the file holds came
#: from wherever the file did, which a library's caller does not write
READ_FROM_FILE = frozenset({"read-from-file"})


class _NoConst:
    def __repr__(self) -> str:
        return "NOCONST"


NOCONST: Any = _NoConst()


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a flow; `path` is the file it happened in."""

    path: str
    line: int
    description: str


#: tag of a parameter's own value, as the caller passed it: every operation on it (a merge, an
#: item, a call) drops the tag, so data still so tagged is the caller's argument unchanged
WHOLE_ARGUMENT = "whole-argument"
#: tag of text with no path separator left in it (`re.sub("[^a-z0-9.-]", "_", name)`): one path
#: component, maybe `..`; a constant name part beside it in its component makes it a file's name
ONE_COMPONENT = "one-component"
#: what a trace is sanitized with when a check refused any `/` in it (`if "/" in name: abort`):
#: one path component, as `ONE_COMPONENT` text is (a fact, not a tag: checks speak of traces)
NO_SEPARATOR = "path:no-separator"
#: tag of the bound form a Django form view's `form_valid(form)` is handed: the client's data is in
#: its data attributes (`FORM_DATA_ATTRIBUTES`), the rest is what the project's form class set
BOUND_FORM = "bound-form"
FORM_DATA_ATTRIBUTES = frozenset(
    {"cleaned_data", "data", "files", "instance", "changed_data", "errors", "save"}
)


@dataclass(frozen=True, slots=True)
class Trace:
    """One origin of a value and the steps its data took since."""

    kind: str  # web | cli | env | param | opaque
    source: str  # the source expression, e.g. request.args["file"]
    steps: tuple[Step, ...]  # the first step is the source itself
    sanitized: frozenset[str] = frozenset()
    indirect: bool = False  # went through a helper's summary or a container
    param: int = -1  # for kind == param: the parameter's index
    fresh: bool = False  # still the bare source expression (its description can be widened)
    unseen: bool = False  # went through project code outside the change (it may sanitise)
    urlpath: bool = False  # the URL path a browser requested (starts with `/`, no backslashes)
    #: for kind == param: sink kinds the data is safe from if the caller's argument already starts
    #: past a URL's host (`self.base + path` with `_get(f"/users/{uid}")`): see `text_fold.after_head`
    past_host: frozenset[str] = frozenset()
    #: for kind == param: sink kinds the data is safe from if the caller's argument is one path
    #: component (`join(root, name + ".md")` called with a URL part of one segment): see
    #: `expressions.Expressions._names_in_folders`
    if_one_segment: frozenset[str] = frozenset()

    @property
    def is_source(self) -> bool:
        return self.kind not in (PARAM, OPAQUE)

    def reaches(self, kind: str) -> bool:
        return kind not in self.sanitized

    def then(self, step: Step) -> Trace:
        """This trace continued by one step (consecutive steps on one line merge)."""
        last = self.steps[-1] if self.steps else None
        if last is not None and last.line == step.line and last.path == step.path:
            return self if not self.fresh else self._with(self.steps)
        steps = (*self.steps, step)
        if len(steps) > MAX_STEPS:
            steps = steps[:2] + steps[-(MAX_STEPS - 2) :]
        return self._with(steps)

    def _with(self, steps: tuple[Step, ...]) -> Trace:
        """This trace with these steps, no longer fresh (`then` runs on every step of every flow:
        built directly, not through `dataclasses.replace`)."""
        return Trace(
            self.kind,
            self.source,
            steps,
            self.sanitized,
            self.indirect,
            self.param,
            False,
            self.unseen,
            self.urlpath,
            self.past_host,
            self.if_one_segment,
        )

    def sanitize(self, kinds: Iterable[str]) -> Trace:
        return replace(self, sanitized=self.sanitized | frozenset(kinds), fresh=False)

    def rank(self) -> tuple[Any, ...]:
        """Order for choosing what to show: real sources first, shortest flow first.

        A total order: two flows as short as each other are told apart by their steps and the
        rest, so the flow shown (and which traces a full value keeps) never depends on set
        iteration order, which changes from one interpreter run to the next.
        """
        return (
            0 if self.is_source else 1,
            len(self.steps),
            self.steps[0].line if self.steps else 0,
            self.source,
            tuple((step.line, step.path, step.description) for step in self.steps),
            self.kind,
            sorted(self.sanitized),
            self.indirect,
            self.param,
            self.fresh,
            self.unseen,
            self.urlpath,
            sorted(self.past_host),
            sorted(self.if_one_segment),
        )


def _cap(traces: frozenset[Trace]) -> frozenset[Trace]:
    if len(traces) <= MAX_TRACES:
        return traces
    return frozenset(sorted(traces, key=Trace.rank)[:MAX_TRACES])


_SCALARS = (str, bytes, int, float)


@dataclass(frozen=True, slots=True)
class Value:
    """What the interpreter knows of one value."""

    traces: frozenset[Trace] = frozenset()
    items: dict[Any, Value] | None = None  # known keys/positions of a container
    const: Any = NOCONST  # the Python constant, when known
    tags: frozenset[str] = frozenset()  # text | pathobj | resolved | hardened | list
    prefix: str | None = None  # known constant start of a string
    origin: str | None = None  # the variable x of urlparse(x), or of x.split("/")
    extra: dict[str, Any] = field(default_factory=dict)

    def all_traces(self) -> frozenset[Trace]:
        if not self.items:
            return self.traces
        out = set(self.traces)
        for item in self.items.values():
            out.update(item.all_traces())
        return frozenset(out)

    @property
    def tainted(self) -> bool:
        return bool(self.all_traces())

    def has_const(self) -> bool:
        return self.const is not NOCONST

    def element(self) -> Value:
        """An element read at an unknown key: anything the container holds; of a sequence of
        rows of one shape (`(("head", theirs), ("base", base))`), a row whose positions each hold
        what that position holds in some row."""
        in_order = bool(self.items) and all(type(k) is int for k in self.items)  # a list or a tuple
        rows = list(self.items.values()) if in_order and self.items else []
        shape = rows[0].items.keys() if rows and rows[0].items else None
        if shape and all(r.items is not None and r.items.keys() == shape and not r.traces for r in rows):
            items = {k: merge([r.items[k] for r in rows]) for k in shape}  # type: ignore[index]
            return Value(self.traces, items=items, tags=self.tags & {"text"})
        return Value(self.all_traces(), tags=self.tags & {"text"})

    def at(self, key: Any) -> Value:
        """The element at a known key (unknown keys hold only what was added in bulk)."""
        if self.items is not None:
            if key in self.items:
                return self.items[key]
            return Value(self.traces, tags=self.tags & {"text"})
        if self.has_const() and isinstance(self.const, dict | list | tuple | str | bytes):
            try:
                found = self.const[key]
            except (LookupError, TypeError):
                return Value()
            # `"ABC"[1]` is "B": a branch comparing it with a constant is decided
            return Value(const=found) if isinstance(found, _SCALARS) or found is None else Value()
        return Value(self.traces, tags=self.tags & {"text"})

    def map_traces(self, change) -> Value:
        """The same value with every trace (also inside items) transformed."""
        items = None if self.items is None else {k: v.map_traces(change) for k, v in self.items.items()}
        traces = frozenset(t2 for t in self.traces if (t2 := change(t)) is not None)
        return replace(self, traces=_cap(traces), items=items)

    def then(self, step: Step) -> Value:
        return self.map_traces(lambda t: t.then(step))

    def sanitize(self, kinds: frozenset[str]) -> Value:
        if ALL in kinds:
            return Value(tags=self.tags - {"text"}, const=self.const)
        return self.map_traces(lambda t: t.sanitize(kinds))

    def with_tags(self, *tags: str) -> Value:
        return replace(self, tags=self.tags | frozenset(tags))


CLEAN = Value()


def merge(values: Iterable[Value], *, keep_items: bool = False) -> Value:
    """One value made of several (an f-string of its parts, a call's result of its arguments)."""
    traces: set[Trace] = set()
    tags: set[str] = set()
    for value in values:
        traces.update(value.all_traces())
        tags.update(value.tags)
    return Value(_cap(frozenset(traces)), tags=frozenset(tags & {"text", "pathobj"}))


def join(a: Value | None, b: Value | None) -> Value:
    """The value after two branches meet: anything either may hold."""
    if a is None:
        return b if b is not None else CLEAN
    if b is None or a is b:
        return a
    traces = _cap(a.traces | b.traces)
    items = None
    if a.items is not None and b.items is not None:
        items = {}
        for key in a.items.keys() | b.items.keys():
            items[key] = join(a.items.get(key), b.items.get(key))
    elif a.items is not None or b.items is not None:
        traces = _cap(a.all_traces() | b.all_traces())
    const = a.const if a.has_const() and b.has_const() and _same(a.const, b.const) else NOCONST
    prefix = a.prefix if a.prefix == b.prefix else _common_prefix(a.prefix, b.prefix)
    return Value(
        traces,
        items=items,
        const=const,
        tags=(a.tags & b.tags) | ((a.tags | b.tags) & {"text", "pathobj"}),
        prefix=prefix,
        origin=a.origin if a.origin == b.origin else None,
    )


def _same(x: Any, y: Any) -> bool:
    try:
        return type(x) is type(y) and bool(x == y)
    except Exception:
        return False


def _common_prefix(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return None
    n = 0
    for ca, cb in zip(a, b, strict=False):
        if ca != cb:
            break
        n += 1
    return a[:n] or None


def join_states(a: dict[str, Value] | None, b: dict[str, Value] | None) -> dict[str, Value] | None:
    """Two program states meeting after a branch; None is a state that never gets here."""
    if a is None:
        return None if b is None else dict(b)
    if b is None:
        return dict(a)
    out = dict(a)
    for key, value in b.items():
        out[key] = join(out.get(key), value)
    return out


def positional(value: Value) -> bool:
    """A list whose every position is known (`[]`, `["a", x]`, then appends): indexing it is exact."""
    items = value.items
    return (
        "list" in value.tags
        and items is not None
        and not value.traces
        and all(key == index for index, key in enumerate(items))
    )


def as_list(items: list[Value], tags: frozenset[str]) -> Value:
    """A positional list of these items (its constant when every item has one)."""
    const: Any = list(v.const for v in items) if all(v.has_const() for v in items) else NOCONST
    return Value(items=dict(enumerate(items)), const=const, tags=tags)
