"""The taint interpreter: runs each function once over its AST with abstract values.

Each function is run with its parameters bound to symbolic parameter traces (or
to user input, for request handlers). The run yields sink hits of real sources
(findings) and a summary: which parameters flow to the return value and which
reach a sink inside. Callers apply the summary instead of re-running the callee,
across the functions of a module and across the changed files.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from prguard.analyzers.asttools import nodes_of, walk_statements
from prguard.analyzers.taint.modules import FunctionInfo, ModuleInfo
from prguard.analyzers.taint.reach import functions_to_run
from prguard.analyzers.taint.regex_proof import proven_kinds
from prguard.analyzers.taint.rules import (
    ALL,
    CALLER_SINK_KINDS,
    CLEAN_RESULTS,
    GUARD_CALLS,
    GUARD_METHODS,
    HARDENED_PARSERS,
    KINDS,
    NON_PROPAGATING_METHODS,
    NON_TEXT_SOURCES,
    ONLY_KINDS,
    OPAQUE_RESULTS,
    PATH_OBJECTS,
    PATH_RESOLVERS,
    RELATED_CWES,
    SAFE_YAML_LOADERS,
    SOURCE_KINDS,
    STR_METHODS,
    TERMINATORS,
    TYPED_SOURCE_CALLS,
    TYPED_SOURCES,
    URL_PARSERS,
    URL_PATH_SOURCES,
    RuleSet,
    Sink,
    matches_any,
    name_matches,
)
from prguard.analyzers.taint.values import (
    CLEAN,
    NOCONST,
    OPAQUE,
    PARAM,
    Step,
    Trace,
    Value,
    join,
    join_states,
    merge,
)

State = dict[str, Value]

_FIXED_HOST = re.compile(r"^[a-zA-Z][\w+.-]*://[^/?#{}%]+[/?#]")
_LOCAL_PATH = re.compile(r"^/[\w\-.~%]")
_NEWLINE_STRIPS = ("\n", "\r", "\r\n")
_TEXT_KEEPING_CALLS = frozenset({"str", "os.path.join", "urllib.parse.urljoin", "posixpath.join"})
_MUTATORS = frozenset({"append", "extend", "insert", "add", "update", "setdefault", "appendleft"})
_FLASK_RETURN = Sink("return", "xss", (0,), 79, 79, "medium")
_MAX_LOOP_PASSES = 2
_MEMBER_NAME_ATTRS = frozenset(n.rsplit(".", 1)[-1] for n in TYPED_SOURCES if n not in TYPED_SOURCE_CALLS)
_MEMBER_NAME_CALLS = frozenset(n.rsplit(".", 1)[-1] for n in TYPED_SOURCE_CALLS)
_BUILTIN_NAMES = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__", "__path__"}
_NORMPATHS = frozenset({"os.path.normpath", "posixpath.normpath"})
#: `commonpath([root, p]) == root` confines a resolved `p` (commonprefix as `p.startswith(root)`).
_COMMON_PATH_CALLS = frozenset({"os.path.commonpath", "os.path.commonprefix", "posixpath.commonpath"})
_DOTTED_TERMINATORS = frozenset(t for t in TERMINATORS if "." in t)


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


def _text(mod: ModuleInfo, node: ast.AST, limit: int = 60) -> str:
    line = getattr(node, "lineno", None)
    end = getattr(node, "end_lineno", None)
    if line is not None and line == end and line <= len(mod.lines):
        text = mod.lines[line - 1][node.col_offset : node.end_col_offset]
    else:
        try:
            text = ast.unparse(node)
        except Exception:
            text = type(node).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _key(node: ast.AST) -> str | None:
    """State key of a Name, attribute chain or constant subscript of one (`x`, `self.path`,
    `data["next"][0]`): what a guard's proof about the expression attaches to."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _key(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        index = node.slice.value
        if isinstance(index, str | int) and not isinstance(index, bool):
            base = _key(node.value)
            return f"{base}[{index!r}]" if base else None
    return None


def _forget_parts(key: str, state: State, *, attributes: bool = True) -> None:
    """Drop what is known of `key`'s items (`key["a"]`) and attributes (`key.x`): it changed."""
    prefixes = (key + "[", key + ".") if attributes else (key + "[",)
    for stale in [k for k in state if k.startswith(prefixes)]:
        del state[stale]


def _url_path(value: Value) -> Value:
    """A requested URL path: it starts with `/`, and its traces say so (a `//` guard reads it)."""
    return replace(value, prefix="/").map_traces(lambda t: replace(t, urlpath=True))


def _only_url_path(value: Value) -> bool:
    """Whether every user trace of a value is a requested URL path (none can hold `\\`)."""
    traces = [t for t in value.all_traces() if t.is_source]
    return bool(traces) and all(t.urlpath for t in traces)


def _fixes_host(value: Value) -> bool:
    """A start of a URL the server chose: data after it cannot name another host. It holds data,
    and all of it is the server's (a setting, the caller's argument) or proven local already."""
    traces = value.all_traces()
    return bool(traces) and all(t.kind in (OPAQUE, "caller") or not t.reaches("redirect") for t in traces)


def _after_head(head: Value, rest: Value) -> Value:
    """`head + rest` for a redirect: user data after a host-fixing head is a path or a query."""
    return rest.sanitize(frozenset({"redirect"})) if _fixes_host(head) else rest


def _const(node: ast.AST) -> Any:
    return node.value if isinstance(node, ast.Constant) else NOCONST


class Program:
    """All changed modules of a review, their globals and function summaries."""

    def __init__(self, rules: RuleSet, modules: list[ModuleInfo]) -> None:
        self.rules = rules
        self.modules = modules
        self._by_name = {m.name: m for m in modules}
        self._found: dict[str, ModuleInfo | None] = {}
        self._globals: dict[str, State] = {}
        self._summaries: dict[tuple[str, str], Summary] = {}
        self._running: set[tuple[str, str]] = set()
        self.module_hits: list[SinkHit] = []
        self.cleared: dict[str, set[tuple[int, int]]] = {}
        self._called: frozenset[str] | None = None
        #: names of the methods the changed classes define (the calls worth typing)
        self._method_names = frozenset(n for m in modules for methods in m.classes.values() for n in methods)
        self._attribute_origins: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
        #: (path, helper, sink line, kind) -> whether some call's argument can reach that sink
        self.helper_sink_reached: dict[tuple[str, str, int, str], bool] = {}

    def run(self) -> list[SinkHit]:
        """Every hit from a real source, in all modules.

        Only the functions that can report something (or whose summary could depend on the
        order summaries are made in) are run up front: see `reach`. The others are run when
        a caller needs their summary, which is then the same whenever it is made.
        """
        wanted = functions_to_run(self)
        hits: list[SinkHit] = []
        for mod in self.modules:
            self.globals_of(mod)
            for func in mod.functions.values():
                if (mod.path, func.qualname) in wanted:
                    self.summary(mod, func)
        for (path, qualname), summary in self._summaries.items():
            hits.extend(summary.hits)
            self.cleared.setdefault(path, set()).update(summary.cleared)
            self._clear_private_helper_sinks(path, qualname, summary)
            if not self.rules.trust_parameters:
                hits.extend(self._caller_hits(path, qualname, summary))
        hits.extend(self.module_hits)
        return hits

    def _clear_private_helper_sinks(self, path: str, qualname: str, summary: Summary) -> None:
        """A private helper's sink fed only by its parameters is proven safe when every call in
        the change passes data that cannot reach it (the check stayed in the caller)."""
        mod = next((m for m in self.modules if m.path == path), None)
        func = mod.functions.get(qualname) if mod is not None else None
        if func is None or func.is_public:
            return  # a public function may have callers outside the change
        for (line, kind), cwes in summary.param_only.items():
            use = (path, qualname, line, kind)
            uses = [reached for key, reached in self.helper_sink_reached.items() if key == use]
            if uses and not any(uses):
                self.cleared.setdefault(path, set()).update((line, cwe) for cwe in cwes)

    def attribute_origins(self, mod: ModuleInfo, klass: str) -> dict[str, tuple[str, str]]:
        """attr -> (method, parameter): the first `self.attr = parameter` in a public method of the
        class (methods in order, statements in `ast.walk` order). Built once per class: every
        `self.x` read asked for it and walked every method again."""
        key = (mod.path, klass)
        origins = self._attribute_origins.get(key)
        if origins is None:
            origins = {}
            for name, method in mod.classes.get(klass, {}).items():
                if not method.is_public:
                    continue
                params = set(method.params[1:])
                for sub in walk_statements(method.node):
                    if not isinstance(sub, ast.Assign) or not isinstance(sub.value, ast.Name):
                        continue
                    if sub.value.id not in params:
                        continue
                    for target in sub.targets:
                        if (
                            isinstance(target, ast.Attribute)
                            and isinstance(target.value, ast.Name)
                            and target.value.id == "self"
                        ):
                            origins.setdefault(target.attr, (name, sub.value.id))
            self._attribute_origins[key] = origins
        return origins

    def called_names(self) -> frozenset[str]:
        """Last name segments of every call in the changed files (`f(...)`, `obj.f(...)`, `Cls()`),
        except calls into an imported module outside them (`builtins.eval(x)` calls no `eval`
        defined here)."""
        if self._called is None:
            names: set[str] = set()
            changed = tuple(m.name for m in self.modules)
            for mod in self.modules:
                for node in nodes_of(mod.tree, ast.Call):
                    func = node.func  # type: ignore[attr-defined]
                    if isinstance(func, ast.Attribute):
                        if _calls_elsewhere(mod, func, changed):
                            continue
                        names.add(func.attr)
                    elif isinstance(func, ast.Name):
                        names.add(func.id)
            self._called = frozenset(names)
        return self._called

    def _caller_hits(self, path: str, qualname: str, summary: Summary) -> Iterator[SinkHit]:
        """A public function's parameters reaching a code, deserialisation or shell sink: in a
        library, those arguments are the caller's data (policy `trust_parameters: false`)."""
        mod = next((m for m in self.modules if m.path == path), None)
        func = mod.functions.get(qualname) if mod is not None else None
        if func is None or not func.is_public or func.source_params or func.flask_view or _is_test(path):
            return
        if func.node.name in self.called_names():
            return  # called in the change: its callers' real arguments are followed instead
        for hit in summary.param_hits:
            if (
                hit.sink.kind not in CALLER_SINK_KINDS
                or hit.program_only
                or hit.sink.conditions.get("no_caller")
            ):
                continue
            index = hit.trace.param
            if not 0 <= index < len(func.params) or func.params[index] in ("self", "cls"):
                continue
            name = func.params[index]
            where = f"`{func.node.name}()`"
            description = f"parameter `{name}` of {where}"
            first = replace(hit.trace.steps[0], description=f"`{name}` (the caller's argument to {where})")
            trace = replace(hit.trace, kind="caller", source=name, steps=(first, *hit.trace.steps[1:]))
            yield replace(hit, trace=trace, arg_text=hit.arg_text if hit.arg_text != description else name)

    def globals_of(self, mod: ModuleInfo) -> State:
        if mod.path not in self._globals:
            self._globals[mod.path] = {}
            runner = Runner(self, mod, None, {})
            state = runner.run_module()
            self._globals[mod.path] = state
            self.module_hits.extend(runner.summary.hits)
            self.cleared.setdefault(mod.path, set()).update(runner.summary.cleared)
        return self._globals[mod.path]

    def summary(self, mod: ModuleInfo, func: FunctionInfo) -> Summary:
        key = (mod.path, func.qualname)
        if key in self._summaries:
            return self._summaries[key]
        if key in self._running:
            return Summary()  # recursion: no summary yet, assume nothing flows
        self._running.add(key)
        try:
            runner = Runner(self, mod, func, self.globals_of(mod))
            summary = runner.run_function()
        finally:
            self._running.discard(key)
        self._summaries[key] = summary
        return summary

    def find_module(self, name: str) -> ModuleInfo | None:
        if name not in self._found:
            found = self._by_name.get(name)
            if found is None:
                matches = [m for m in self.modules if m.name.endswith("." + name)]
                found = matches[0] if len(matches) == 1 else None
            self._found[name] = found
        return self._found[name]

    def resolve(
        self, mod: ModuleInfo, class_name: str | None, func: ast.expr
    ) -> tuple[ModuleInfo, FunctionInfo, bool] | None:
        """The changed-file function a call in `mod` (in a method of `class_name`) runs, and
        whether `self` is bound; local variables aside (the runner checks those)."""
        if isinstance(func, ast.Name):
            local = mod.by_name.get(func.id)
            if local is not None and func.id not in mod.imports:
                return mod, local, False
            found = self.lookup(mod.imports[func.id]) if func.id in mod.imports else None
            return (found[0], found[1], False) if found else None
        if isinstance(func, ast.Attribute):
            if isinstance(func.value, ast.Name) and func.value.id in ("self", "cls") and class_name:
                method = mod.classes.get(class_name, {}).get(func.attr)
                if method is not None:
                    return mod, method, method.binds_self
                inherited = self._inherited(mod, class_name, func.attr)
                if inherited is None:
                    return None
                return inherited[0], inherited[1], inherited[1].binds_self
            qual = mod.qualname(func)
            if qual and isinstance(func.value, ast.Name) and func.value.id in mod.imports:
                found = self.lookup(qual)
                return (found[0], found[1], False) if found else None
            return self._typed_method(mod, func)
        return None

    def _typed_method(
        self, mod: ModuleInfo, func: ast.Attribute
    ) -> tuple[ModuleInfo, FunctionInfo, bool] | None:
        """`obj.method(...)` on an object of one type a changed module defines: its type when
        known, else the one type every value that reaches it has (`self.store` set from the
        constructor argument `Interface(FileStore(...))`)."""
        if func.attr not in self._method_names:
            return None  # no changed class defines it: nothing to follow, no type to work out
        types = mod.resolver.possible_types(func.value)
        if len(types) != 1:
            return None
        for base in mod.resolver.supertypes(types[0]):
            found = self.lookup(f"{base}.{func.attr}")
            if found is not None:
                return found[0], found[1], found[1].binds_self
        return None

    def _inherited(
        self, mod: ModuleInfo, class_name: str, method: str
    ) -> tuple[ModuleInfo, FunctionInfo] | None:
        """A method a class inherits from a base class in a changed module (nearest base first)."""
        own = f"{mod.name}.{class_name}" if mod.name else class_name
        for base in mod.resolver.supertypes(own)[1:]:
            found = self.lookup(f"{base}.{method}")
            if found is not None:
                return found
        return None

    def store_sink(self, mod: ModuleInfo, container: ast.expr) -> tuple[dict[str, Any], str] | None:
        """The store-sink row (`response.headers[k] = v`) an item assignment into `container`
        matches, with the container's text; None for an ordinary container."""
        qual = mod.qualname(container) or ""
        text = _text(mod, container, 200)
        for row in self.rules.store_sinks:
            pattern = row["name"]
            if pattern != "*" and not (qual == pattern or name_matches(qual, pattern)):
                continue
            if "types" in row and not _is_a(mod, container, row["types"]):
                continue
            if "owner_types" in row and not (
                isinstance(container, ast.Attribute) and _is_a(mod, container.value, row["owner_types"])
            ):
                continue
            return row, text
        return None

    def lookup(self, qual: str) -> tuple[ModuleInfo, FunctionInfo] | None:
        """A function of a changed module by its qualified name (`app.utils.build_cmd`)."""
        parts = qual.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            mod = self.find_module(".".join(parts[:cut]))
            if mod is None:
                continue
            rest = parts[cut:]
            if len(rest) == 1 and rest[0] in mod.by_name:
                return mod, mod.by_name[rest[0]]
            if len(rest) == 2 and rest[1] in mod.classes.get(rest[0], {}):
                return mod, mod.classes[rest[0]][rest[1]]
            return None
        return None


class Runner:
    """One run of one function (or a module's top level)."""

    def __init__(self, program: Program, mod: ModuleInfo, func: FunctionInfo | None, globals_: State) -> None:
        self.program = program
        self.rules = program.rules
        self.mod = mod
        self.func = func
        self.globals = globals_
        self.summary = Summary()
        self.ret: Value | None = None
        self.loop_exits: list[list[State]] = []
        self.scope = func.qualname if func else "<module>"
        self.class_name = func.class_name if func else None
        self._stmt: ast.stmt | None = None
        self._guarded: dict[str, Value] = {}  # sources a guard proved something of (`self.request.path`)

    # -- entry points ------------------------------------------------------------------------------

    def run_module(self) -> State:
        state = self.exec_block(self.mod.tree.body, {})
        return state or {}

    def run_function(self) -> Summary:
        func = self.func
        assert func is not None
        state: State = {}
        line = func.node.lineno
        for index, name in enumerate(func.params):
            if name in func.source_params:
                state[name] = self.source_value("web", func.source_params[name], line, text=True)
            elif index == 0 and name in ("self", "cls") and func.class_name is not None:
                state[name] = CLEAN
                if func.view_class and name == "self":
                    for attr in ("kwargs", "args"):
                        state[f"self.{attr}"] = self.source_value("web", f"self.{attr}", line, text=False)
            else:
                step = Step(self.mod.path, line, f"parameter `{name}` of `{func.node.name}()`")
                state[name] = Value(frozenset({Trace(PARAM, name, (step,), param=index)}))
        self.exec_block(func.node.body, state)
        self.summary.ret = self.ret or CLEAN
        return self.summary

    def source_value(self, kind: str, description: str, line: int, *, text: bool) -> Value:
        label = SOURCE_KINDS.get(kind, {}).get("label", "input")
        step = Step(self.mod.path, line, f"`{description}` ({label})")
        trace = Trace(kind, description, (step,), fresh=True)
        return Value(frozenset({trace}), tags=frozenset({"text"}) if text else frozenset())

    # -- statements --------------------------------------------------------------------------------

    def exec_block(self, stmts: list[ast.stmt], state: State | None) -> State | None:
        for stmt in stmts:
            if state is None:
                return None
            self._stmt = stmt
            state = self.exec_stmt(stmt, state)
        return state

    def exec_stmt(self, stmt: ast.stmt, state: State) -> State | None:
        match stmt:
            case ast.FunctionDef() | ast.AsyncFunctionDef() | ast.ClassDef():
                state[stmt.name] = CLEAN
                return state
            case ast.Assign():
                value = self.ev(stmt.value, state)
                for target in stmt.targets:
                    self.bind(target, value, state, stmt.lineno)
                return state
            case ast.AnnAssign(value=value) if value is not None:
                self.bind(stmt.target, self.ev(value, state), state, stmt.lineno)
                return state
            case ast.AugAssign():
                current = self.ev(stmt.target, state)
                added = self.ev(stmt.value, state)
                if isinstance(stmt.op, ast.Add):
                    added = _after_head(current, added)
                value = merge([current, added])
                if isinstance(stmt.op, ast.Add) and (
                    "text" in current.tags or isinstance(current.const, str)
                ):
                    value = replace(value, tags=value.tags | {"text"}, prefix=current.prefix)
                if isinstance(stmt.target, ast.Name) and current.items is not None and added.items is None:
                    value = replace(value, items=None)
                self.bind(stmt.target, value, state, stmt.lineno)
                return state
            case ast.Expr():
                self.ev(stmt.value, state)
                if isinstance(stmt.value, ast.Call) and self._terminates_call(stmt.value):
                    return None
                return state
            case ast.Return():
                value = self.ev(stmt.value, state) if stmt.value is not None else CLEAN
                if self.func is not None and self.func.flask_view and stmt.value is not None:
                    self._check_flask_return(stmt.value, value)
                self.ret = join(self.ret, value) if self.ret is not None else value
                return None
            case ast.If():
                return self.exec_if(stmt, state)
            case ast.While():
                return self.exec_loop(stmt, state, None)
            case ast.For() | ast.AsyncFor():
                iterable = self.ev(stmt.iter, state)
                return self.exec_loop(stmt, state, iterable)
            case ast.With() | ast.AsyncWith():
                for item in stmt.items:
                    value = self.ev(item.context_expr, state)
                    if item.optional_vars is not None:
                        self.bind(item.optional_vars, value, state, stmt.lineno)
                return self.exec_block(stmt.body, state)
            case ast.Try() | ast.TryStar():
                return self.exec_try(stmt, state)
            case ast.Raise():
                if stmt.exc is not None:
                    self.ev(stmt.exc, state)
                return None
            case ast.Assert():
                self.ev(stmt.test, state)
                when_true, _ = self.guards(stmt.test, state)
                return self.apply_guards(when_true, state)
            case ast.Delete():
                for target in stmt.targets:
                    key = _key(target)
                    if key is not None:
                        state.pop(key, None)
                return state
            case ast.Break() | ast.Continue():
                if self.loop_exits:
                    self.loop_exits[-1].append(dict(state))
                return None
            case ast.Match():
                subject = self.ev(stmt.subject, state)
                out: State | None = None
                for case in stmt.cases:
                    branch = dict(state)
                    for node in ast.walk(case.pattern):
                        name = getattr(node, "name", None)
                        if isinstance(name, str):
                            branch[name] = subject.element()
                    out = join_states(out, self.exec_block(case.body, branch))
                return join_states(out, state)
            case _:
                return state

    def exec_if(self, stmt: ast.If, state: State) -> State | None:
        test = self.ev(stmt.test, state)
        if test.has_const():
            return self.exec_block(stmt.body if test.const else stmt.orelse, state)
        when_true, when_false = self.guards(stmt.test, state)
        body = self.exec_block(stmt.body, self.apply_guards(when_true, dict(state)))
        orelse = self.exec_block(stmt.orelse, self.apply_guards(when_false, dict(state)))
        return join_states(body, orelse)

    def exec_loop(
        self, stmt: ast.While | ast.For | ast.AsyncFor, state: State, iterable: Value | None
    ) -> State | None:
        forever = False
        if isinstance(stmt, ast.While):
            test = self.ev(stmt.test, state)
            if test.has_const() and not test.const:
                return self.exec_block(stmt.orelse, state)
            forever = test.has_const() and bool(test.const)
        self.loop_exits.append([])
        current: State | None = dict(state)
        for _ in range(_MAX_LOOP_PASSES):
            entry = dict(current) if current is not None else dict(state)
            if iterable is not None:
                self.bind(stmt.target, iterable.element(), entry, stmt.lineno)
            after = self.exec_block(stmt.body, entry)
            for exit_state in self.loop_exits[-1]:
                after = join_states(after, exit_state) if not forever else after
            current = join_states(current, after)
        breaks = self.loop_exits.pop()
        if forever:
            out: State | None = None
            for exit_state in breaks:
                out = join_states(out, exit_state)
            return out
        end = self.exec_block(stmt.orelse, current) if stmt.orelse else current
        for exit_state in breaks:
            end = join_states(end, exit_state)
        return end

    def exec_try(self, stmt: ast.Try | ast.TryStar, state: State) -> State | None:
        body = self.exec_block(stmt.body, dict(state))
        if body is not None:
            body = self.apply_guards(self._relative_to_proofs(stmt.body, body), body)
        entry = join_states(state, body) or dict(state)
        out = self.exec_block(stmt.orelse, body) if body is not None else None
        for handler in stmt.handlers:
            branch = dict(entry)
            if handler.name:
                branch[handler.name] = CLEAN
            out = join_states(out, self.exec_block(handler.body, branch))
        if stmt.finalbody:
            if out is None:
                self.exec_block(stmt.finalbody, dict(entry))
                return None
            out = self.exec_block(stmt.finalbody, out)
        return out

    def _relative_to_proofs(self, block: list[ast.stmt], state: State) -> dict[str, frozenset[str]]:
        """`resolved.relative_to(root)` raises ValueError unless the path lies under root: a try
        body that ran to its end proves the path confined (Python < 3.9's `is_relative_to`).
        `walk_up=True` accepts paths outside root, so it proves nothing."""
        proven: dict[str, frozenset[str]] = {}
        for stmt in block:
            call = stmt.value if isinstance(stmt, ast.Expr | ast.Assign) else None
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                continue
            if call.func.attr != "relative_to" or _keyword(call, "walk_up") is not None:
                continue
            proven.update(self._confinement(call.func.value, state))
        return proven

    def _terminates_call(self, call: ast.Call) -> bool:
        qual = self.mod.qualname(call.func) or ""
        return qual in TERMINATORS or matches_any(qual, _DOTTED_TERMINATORS)

    # -- binding -----------------------------------------------------------------------------------

    def bind(self, target: ast.expr, value: Value, state: State, line: int) -> None:
        if isinstance(target, ast.Name):
            self._assign_key(target.id, value, state, line)
        elif isinstance(target, ast.Tuple | ast.List):
            self._unpack(target.elts, value, state, line)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, Value(value.all_traces(), tags=frozenset({"list"})), state, line)
        elif isinstance(target, ast.Attribute):
            key = _key(target)
            self.ev(target.value, state)
            if key is not None:
                self._assign_key(key, value, state, line)
        elif isinstance(target, ast.Subscript):
            self._store_item(target, value, state, line)

    def _assign_key(self, key: str, value: Value, state: State, line: int) -> None:
        _forget_parts(key, state)
        if value.tainted:
            value = value.then(Step(self.mod.path, line, f"`{key}`"))
        state[key] = value

    def _unpack(self, targets: list[ast.expr], value: Value, state: State, line: int) -> None:
        starred = any(isinstance(t, ast.Starred) for t in targets)
        for index, target in enumerate(targets):
            if value.items is not None and not starred and index in value.items:
                part = value.items[index]
            else:
                part = value.element()
            self.bind(target, part, state, line)

    def _store_item(self, target: ast.Subscript, value: Value, state: State, line: int) -> None:
        container_node = target.value
        self._check_store_sink(target, value, state)
        key = _key(container_node)
        index = self.ev(target.slice, state)
        if key is None:
            self.ev(container_node, state)
            return
        _forget_parts(key, state)
        container = state.get(key) or self.ev(container_node, state)
        marked = value.map_traces(lambda t: replace(t, indirect=True)) if value.tainted else value
        if index.has_const() and not isinstance(target.slice, ast.Slice):
            try:
                hash(index.const)
            except TypeError:
                state[key] = replace(container, traces=container.traces | marked.all_traces())
                return
            items = dict(container.items or {})
            items[index.const] = marked
            state[key] = replace(container, items=items, const=NOCONST)
        else:
            state[key] = replace(container, traces=container.traces | marked.all_traces(), const=NOCONST)

    # -- guards ------------------------------------------------------------------------------------

    def guards(
        self, test: ast.expr, state: State
    ) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
        """What a condition proves about variables when it holds, and when it does not."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            when_true, when_false = self.guards(test.operand, state)
            return when_false, when_true
        if isinstance(test, ast.BoolOp):
            parts = [self.guards(v, state) for v in test.values]
            if isinstance(test.op, ast.And):
                return _union(p[0] for p in parts), {}
            return {}, _union(p[1] for p in parts)
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            return self._compare_guards(test, state)
        if isinstance(test, ast.Call):
            return self._call_guards(test, state), self._call_refutes(test, state)
        return {}, {}

    def _call_refutes(self, test: ast.Call, state: State) -> dict[str, frozenset[str]]:
        """What `x.startswith("//")` proves when false: a path on this site (`/...`) that does not
        start with `//` is no protocol-relative URL, so a redirect to it stays here. A browser turns
        `\\` into `/`, so `/\\host` must be refused too, unless `x` is the requested URL path."""
        func = test.func
        if not (isinstance(func, ast.Attribute) and func.attr == "startswith" and test.args):
            return {}
        arg = test.args[0]
        items = arg.elts if isinstance(arg, ast.Tuple) else [arg]
        prefixes = {e.value for e in items if isinstance(e, ast.Constant) and isinstance(e.value, str)}
        key = _key(func.value)
        if "//" not in prefixes or key is None:
            return {}
        value = self.ev(func.value, state)
        rooted = (value.prefix or "").startswith("/")
        if not rooted or not (_only_url_path(value) or "/\\" in prefixes):
            return {}
        if key not in state and key not in self.globals:
            self._guarded[key] = value
        return {key: frozenset({"redirect"})}

    def _compare_guards(self, test: ast.Compare, state: State):
        left, op, right = test.left, test.ops[0], test.comparators[0]
        positive = isinstance(op, ast.In | ast.Eq | ast.Is)
        negative = isinstance(op, ast.NotIn | ast.NotEq | ast.IsNot)
        if not (positive or negative):
            return {}, {}
        proven: dict[str, frozenset[str]] = {}
        for subject, other in ((left, right), (right, left)):
            other_value = self.ev(other, state)
            if isinstance(other, ast.Constant) and other.value is None:
                continue
            if isinstance(subject, ast.Call) and self._qual(subject) in _COMMON_PATH_CALLS:
                # the root may be the server's own (a registry, a setting): only user data fails
                if not any(t.kind != OPAQUE for t in other_value.all_traces()):
                    proven.update(self._confined(subject, state))
                continue
            if other_value.tainted:
                continue
            if isinstance(op, ast.In | ast.NotIn) and subject is not left:
                continue
            host = self._host_of(subject, state)
            if host:
                for name in host:
                    proven[name] = frozenset({"redirect", "ssrf"})
                continue
            key = _key(subject)
            if key is not None:
                proven[key] = frozenset({ALL})
        return (proven, {}) if positive else ({}, proven)

    def _confinement(self, receiver: ast.expr, state: State) -> dict[str, frozenset[str]]:
        """The path variable a prefix check on `receiver` confines: `receiver` itself when it
        holds a resolved path, the path inside `os.path.realpath(p)` / `p.resolve()`."""
        key = _key(receiver)
        if key is not None and "resolved" in state.get(key, CLEAN).tags:
            return {key: frozenset({"path"})}
        if isinstance(receiver, ast.Call) and self._matches(self._qual(receiver), PATH_RESOLVERS):
            inner = receiver.args[0] if receiver.args else None
            inner_key = _key(inner) if inner is not None else None
            if inner_key is None and isinstance(receiver.func, ast.Attribute):
                inner_key = _key(receiver.func.value)
            return {inner_key: frozenset({"path"})} if inner_key else {}
        return {}

    @staticmethod
    def _confined(common: ast.Call, state: State) -> dict[str, frozenset[str]]:
        """Resolved paths whose common path with a root is compared to that root."""
        proven: dict[str, frozenset[str]] = {}
        for arg in common.args:
            for elt in getattr(arg, "elts", []):
                k = _key(elt)
                if k is not None and "resolved" in state.get(k, CLEAN).tags:
                    proven[k] = frozenset({"path"})
        return proven

    def _host_of(self, node: ast.expr, state: State) -> list[str]:
        """Variables whose host `node` is (`urlparse(url).netloc`, `parsed.hostname`)."""
        if not (isinstance(node, ast.Attribute) and node.attr in ("netloc", "hostname")):
            return []
        base = node.value
        if isinstance(base, ast.Call) and self._qual(base) in URL_PARSERS and base.args:
            key = _key(base.args[0])
            return [key] if key else []
        key = _key(base)
        if key is not None:
            origin = state.get(key, CLEAN).origin
            return [k for k in (origin, key) if k]
        return []

    def _call_guards(self, test: ast.Call, state: State) -> dict[str, frozenset[str]]:
        func = test.func
        if isinstance(func, ast.Attribute):
            receiver = func.value
            if func.attr in ("startswith", "is_relative_to"):
                return self._confinement(receiver, state)
            if func.attr in GUARD_METHODS:
                key = _key(receiver)
                return {key: GUARD_METHODS[func.attr]} if key else {}
        qual = self._qual(test)
        regex = self._regex_check(test, qual)
        if regex is not None:
            key, kinds = regex
            return {key: kinds} if key and kinds else {}
        for pattern, (index, kinds) in GUARD_CALLS.items():
            if qual == pattern or name_matches(qual, pattern):
                arg = test.args[index] if len(test.args) > index else None
                key = _key(arg) if arg is not None else None
                return {key: kinds} if key and kinds else {}
        return {}

    def _regex_check(self, test: ast.Call, qual: str) -> tuple[str | None, frozenset[str]] | None:
        """`re.fullmatch(P, x)`, `re.match(P, x)`, `PATTERN.fullmatch(x)` with a constant P: the
        variable checked and the sink families the pattern really proves it safe for
        (regex_proof: anchored allow-lists only); None when the call is no regex check."""
        mode = qual.rsplit(".", 1)[-1]
        if mode not in ("fullmatch", "match", "search"):
            return None
        if qual in ("re.fullmatch", "re.match", "re.search"):
            if len(test.args) < 2:
                return None, frozenset()
            pattern, subject = test.args[0], test.args[1]
            flags = self._flags(test.args[2] if len(test.args) > 2 else _keyword(test, "flags"))
        elif isinstance(test.func, ast.Attribute) and test.args:
            compiled = self._compiled_pattern(test.func.value)
            if compiled is None:
                return None
            pattern, flags = compiled
            subject = test.args[0]
        else:
            return None
        if not (isinstance(pattern, ast.Constant) and isinstance(pattern.value, str)):
            return _key(subject), frozenset()
        return _key(subject), proven_kinds(pattern.value, mode, flags)

    def _flags(self, node: ast.expr | None) -> int:
        if node is None:
            return 0
        total = 0
        for part in ast.walk(node):
            if isinstance(part, ast.Attribute | ast.Name):
                name = (self.mod.qualname(part) or "").rsplit(".", 1)[-1]
                total |= int(getattr(re, name, 0)) if name.isupper() else 0
        return total

    def _compiled_pattern(self, node: ast.expr) -> tuple[ast.expr, int] | None:
        """The constant pattern of a module- or function-level `NAME = re.compile("...")`."""
        if not isinstance(node, ast.Name):
            return None
        scopes = [self.func.node.body] if self.func is not None else []
        scopes.append(self.mod.tree.body)
        for body in scopes:
            for stmt in body:
                if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)):
                    continue
                if not any(isinstance(t, ast.Name) and t.id == node.id for t in stmt.targets):
                    continue
                if self.mod.qualname(stmt.value.func) == "re.compile" and stmt.value.args:
                    flags = stmt.value.args[1] if len(stmt.value.args) > 1 else _keyword(stmt.value, "flags")
                    return stmt.value.args[0], self._flags(flags)
        return None

    def apply_guards(self, proven: dict[str, frozenset[str]], state: State) -> State:
        for key, kinds in proven.items():
            if key in state:
                state[key] = state[key].sanitize(kinds)
            elif key in self.globals:
                state[key] = self.globals[key].sanitize(kinds)
            elif key in self._guarded:
                state[key] = self._guarded[key].sanitize(kinds)
        return state

    # -- expressions -------------------------------------------------------------------------------

    def _qual(self, node: ast.AST) -> str:
        target = node.func if isinstance(node, ast.Call) else node
        return self.mod.qualname(target) or ""

    @staticmethod
    def _matches(qual: str, patterns: frozenset[str]) -> bool:
        return matches_any(qual, patterns)

    def _source(self, qual: str, node: ast.AST) -> Value | None:
        kind = self.rules.source(qual)
        if kind is None:
            return None
        text = not matches_any(qual, NON_TEXT_SOURCES)
        value = self.source_value(kind, _text(self.mod, node), node.lineno, text=text)
        return _url_path(value) if matches_any(qual, URL_PATH_SOURCES) else value

    def ev(self, node: ast.expr | None, state: State) -> Value:
        if node is None:
            return CLEAN
        method = getattr(self, "ev_" + type(node).__name__, None)
        if method is None:
            return merge(
                self.ev(child, state) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)
            )
        return method(node, state)

    def ev_Constant(self, node: ast.Constant, state: State) -> Value:
        is_text = isinstance(node.value, str)
        return Value(
            const=node.value,
            tags=frozenset({"text"}) if is_text else frozenset(),
            prefix=node.value if is_text else None,
        )

    def ev_Name(self, node: ast.Name, state: State) -> Value:
        if node.id in state:
            return state[node.id]
        qual = self.mod.imports.get(node.id, node.id)
        source = self._source(qual, node)
        if source is not None:
            return source
        if node.id in self.globals:
            return self.globals[node.id]
        if qual == "typing.TYPE_CHECKING" or node.id == "TYPE_CHECKING":
            return Value(const=False)
        if node.id not in _BUILTIN_NAMES and node.id not in self.mod.bound_names:
            # bound nowhere in the module (a star import, a name left out): unknown, never proven
            return Value(frozenset({Trace(OPAQUE, node.id, (Step(self.mod.path, node.lineno, node.id),))}))
        return CLEAN

    def ev_Attribute(self, node: ast.Attribute, state: State) -> Value:
        key = _key(node)
        if key is not None and key in state:
            return state[key]
        qual = self.mod.qualname(node)
        if qual:
            source = self._source(qual, node)
            if source is not None:
                return source
        if node.attr in _MEMBER_NAME_ATTRS:
            typed = self._typed_source(node.value, node.attr, node)
            if typed is not None:
                return typed
        if self._is_own_attribute(node):
            return self._own_attribute(node)
        base = self.ev(node.value, state)
        if not base.tainted:
            return CLEAN
        value = Value(base.all_traces(), tags=base.tags & {"text", "pathobj"})
        if node.attr in ("name", "stem", "suffix") and "pathobj" in base.tags:
            value = value.sanitize(frozenset({"path"}))
        return self._widen(value, node)

    def _typed_source(self, receiver: ast.expr, member: str, node: ast.AST) -> Value | None:
        """`zf.namelist()`, `info.filename` on an object of a known archive type: a source."""
        found = self.mod.receiver_type(receiver)
        if found is None:
            return None
        for type_name in self.mod.resolver.supertypes(found):
            kind = TYPED_SOURCES.get(f"{type_name}.{member}")
            if kind is not None:
                value = self.source_value(kind, _text(self.mod, node), node.lineno, text=True)
                return _url_path(value) if f"{type_name}.{member}" in URL_PATH_SOURCES else value
        return None

    def _is_own_attribute(self, node: ast.Attribute) -> bool:
        """`self.x` read in a method before this run assigned it."""
        return (
            self.func is not None
            and self.class_name is not None
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
            and "self" in self.func.params[:1]
        )

    def _own_attribute(self, node: ast.Attribute) -> Value:
        """What `self.x` holds when the method did not set it: never proven clean.

        Set from a parameter of a public method or constructor (`self.expr = expr` in
        `__init__`), it is the caller's data (unless the policy trusts parameters);
        otherwise unknown (an opaque value keeps pattern findings alive).
        """
        step = Step(self.mod.path, node.lineno, f"`self.{node.attr}`")
        origin = self._attribute_origin(node.attr)
        if origin is not None and not self.rules.trust_parameters:
            method, param = origin
            where = f"`{self.class_name}()`" if method == "__init__" else f"`{self.class_name}.{method}()`"
            description = f"self.{node.attr} (parameter `{param}` of {where})"
            first = Step(self.mod.path, node.lineno, f"`{description}` (the caller's argument)")
            trace = Trace("caller", description, (first,))
            return Value(frozenset({trace}))
        return Value(frozenset({Trace(OPAQUE, f"self.{node.attr}", (step,))}))

    def _attribute_origin(self, attr: str) -> tuple[str, str] | None:
        """(method, parameter) when a public method of the class assigns `self.attr = parameter`."""
        klass = self.class_name or ""
        if klass.startswith("_") or klass in self.program.called_names():
            return None  # private, or constructed in the change: its real arguments are followed
        return self.program.attribute_origins(self.mod, klass).get(attr)

    def _widen(self, value: Value, node: ast.AST) -> Value:
        """A bare source read further (`request.args` -> `request.args["q"]`) is described whole."""
        if not any(t.fresh for t in value.traces):
            return value
        text = _text(self.mod, node)

        def widen(trace: Trace) -> Trace:
            if not trace.fresh:
                return trace
            first = trace.steps[0]
            label = first.description.split(" (", 1)[1] if " (" in first.description else "input)"
            step = replace(first, description=f"`{text}` ({label}")
            return replace(trace, source=text, steps=(step, *trace.steps[1:]))

        return value.map_traces(widen)

    def ev_Subscript(self, node: ast.Subscript, state: State) -> Value:
        key = _key(node)
        if key is not None:
            if key in state:
                return state[key]
            # kept, so that a guard's proof about `data["next"]` holds where it is read again
            value = state[key] = self._subscript(node, state)
            return value
        return self._subscript(node, state)

    def _subscript(self, node: ast.Subscript, state: State) -> Value:
        container = self.ev(node.value, state)
        if isinstance(node.slice, ast.Slice):
            for part in (node.slice.lower, node.slice.upper, node.slice.step):
                self.ev(part, state)
            return self._widen(Value(container.all_traces(), tags=container.tags & {"text"}), node)
        index = self.ev(node.slice, state)
        if index.has_const():
            try:
                value = container.at(index.const)
            except TypeError:
                value = container.element()
        else:
            value = container.element()
        if value.tainted and "text" not in value.tags and not container.items:
            value = value.with_tags("text")
        return self._widen(value, node)

    def ev_JoinedStr(self, node: ast.JoinedStr, state: State) -> Value:
        parts = []
        prefix = ""
        prefix_open = True
        consts: list[str] = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                value = self.ev(part.value, state)
                self.ev(part.format_spec, state)
                parts.append(value)
                if prefix_open and value.has_const() and part.conversion == -1 and part.format_spec is None:
                    prefix += str(value.const)
                    consts.append(str(value.const))
                else:
                    prefix_open = False
                    consts = []
            else:
                const = str(_const(part))
                parts.append(CLEAN)
                if prefix_open:
                    prefix += const
                    consts.append(const)
        value = merge(parts).with_tags("text")
        if not value.tainted and prefix_open:
            return replace(value, const=prefix, prefix=prefix)
        return replace(value, prefix=prefix or None)

    def ev_BinOp(self, node: ast.BinOp, state: State) -> Value:
        left = self.ev(node.left, state)
        right = self.ev(node.right, state)
        if isinstance(node.op, ast.Add):
            if left.const == "/" and "unrooted" in right.tags and _only_url_path(right):
                right = right.sanitize(frozenset({"redirect"}))  # `/` + a path without its slashes
            right = _after_head(left, right)
        value = merge([left, right])
        if left.has_const() and right.has_const() and not value.tainted:
            folded = _fold(node.op, left.const, right.const)
            if folded is not NOCONST:
                return Value(
                    const=folded,
                    tags=frozenset({"text"}) if isinstance(folded, str) else frozenset(),
                    prefix=folded if isinstance(folded, str) else None,
                )
        if isinstance(node.op, ast.Add):
            if "text" in left.tags or "text" in right.tags:
                prefix = left.const + (right.prefix or "") if isinstance(left.const, str) else left.prefix
                value = replace(value, tags=value.tags | {"text"}, prefix=prefix or None)
            elif left.items is not None and right.items is not None and "text" not in value.tags:
                items = dict(left.items)
                offset = len(left.items)
                for index, item in right.items.items():
                    if isinstance(index, int):
                        items[offset + index] = item
                value = Value(frozenset(), items=items, tags=frozenset({"list"}))
        elif isinstance(node.op, ast.Mod) and isinstance(left.const, str):
            prefix = left.const.split("%", 1)[0]
            value = replace(value, tags=value.tags | {"text"}, prefix=prefix or None)
        elif isinstance(node.op, ast.Div) and "pathobj" in (left.tags | right.tags):
            value = value.with_tags("pathobj")
        else:
            value = replace(value, tags=value.tags - {"pathobj"})
        return value

    def ev_BoolOp(self, node: ast.BoolOp, state: State) -> Value:
        values = []
        branch = dict(state)
        for operand in node.values:
            values.append(self.ev(operand, branch))
            if isinstance(node.op, ast.And):
                branch = self.apply_guards(self.guards(operand, branch)[0], dict(branch))
        if all(v.has_const() for v in values):
            result: Any = values[0].const
            for v in values[1:]:
                result = (result and v.const) if isinstance(node.op, ast.And) else (result or v.const)
            return replace(join(values[0], values[-1]), const=result)
        if isinstance(node.op, ast.And):
            return values[-1] if not values[-1].tainted else join(CLEAN, values[-1])
        out = values[0]
        for value in values[1:]:
            out = join(out, value)
        return out

    def ev_UnaryOp(self, node: ast.UnaryOp, state: State) -> Value:
        operand = self.ev(node.operand, state)
        if operand.has_const():
            try:
                if isinstance(node.op, ast.Not):
                    return Value(const=not operand.const)
                if isinstance(node.op, ast.USub):
                    return Value(const=-operand.const)
            except TypeError:
                return CLEAN
        return CLEAN

    def ev_Compare(self, node: ast.Compare, state: State) -> Value:
        values = [self.ev(node.left, state)] + [self.ev(c, state) for c in node.comparators]
        if len(node.ops) == 1 and all(v.has_const() for v in values):
            folded = _compare(node.ops[0], values[0].const, values[1].const)
            if folded is not NOCONST:
                return Value(const=folded)
        return CLEAN

    def ev_IfExp(self, node: ast.IfExp, state: State) -> Value:
        test = self.ev(node.test, state)
        if test.has_const():
            return self.ev(node.body if test.const else node.orelse, state)
        when_true, when_false = self.guards(node.test, state)
        body = self.ev(node.body, self.apply_guards(when_true, dict(state)))
        orelse = self.ev(node.orelse, self.apply_guards(when_false, dict(state)))
        return join(body, orelse)

    def ev_Dict(self, node: ast.Dict, state: State) -> Value:
        items: dict[Any, Value] = {}
        bulk: list[Value] = []
        all_const = True
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            value = self.ev(value_node, state)
            if key_node is None:
                bulk.append(value)
                all_const = False
                continue
            key = self.ev(key_node, state)
            if key.has_const() and _hashable(key.const):
                items[key.const] = value
                all_const = all_const and value.has_const()
            else:
                bulk.append(merge([key, value]))
                all_const = False
        const = {k: v.const for k, v in items.items()} if all_const else NOCONST
        return Value(merge(bulk).all_traces(), items=items, const=const)

    def _sequence(self, elts: list[ast.expr], state: State, kind: type) -> Value:
        items: dict[Any, Value] = {}
        bulk: list[Value] = []
        for index, elt in enumerate(elts):
            if isinstance(elt, ast.Starred) or bulk:
                bulk.append(self.ev(elt, state))
            else:
                items[index] = self.ev(elt, state)
        const: Any = NOCONST
        if not bulk and all(v.has_const() for v in items.values()):
            const = kind(v.const for v in items.values())
        return Value(merge(bulk).all_traces(), items=items, const=const, tags=frozenset({"list"}))

    def ev_List(self, node: ast.List, state: State) -> Value:
        return self._sequence(node.elts, state, list)

    def ev_Tuple(self, node: ast.Tuple, state: State) -> Value:
        return self._sequence(node.elts, state, tuple)

    def ev_Set(self, node: ast.Set, state: State) -> Value:
        values = [self.ev(e, state) for e in node.elts]
        const: Any = NOCONST
        if all(v.has_const() and _hashable(v.const) for v in values):
            const = frozenset(v.const for v in values)
        return replace(merge(values), const=const, tags=frozenset())

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, state: State
    ):
        inner = dict(state)
        for generator in node.generators:
            iterable = self.ev(generator.iter, inner)
            self.bind(generator.target, iterable.element(), inner, node.lineno)
            for condition in generator.ifs:
                self.ev(condition, inner)
                inner = self.apply_guards(self.guards(condition, inner)[0], inner)
        return inner

    def ev_ListComp(self, node: ast.ListComp, state: State) -> Value:
        inner = self._comprehension(node, state)
        element = self.ev(node.elt, inner)
        return Value(element.all_traces(), tags=frozenset({"list"}))

    ev_SetComp = ev_ListComp
    ev_GeneratorExp = ev_ListComp

    def ev_DictComp(self, node: ast.DictComp, state: State) -> Value:
        inner = self._comprehension(node, state)
        return Value(merge([self.ev(node.key, inner), self.ev(node.value, inner)]).all_traces())

    def ev_Lambda(self, node: ast.Lambda, state: State) -> Value:
        return CLEAN

    def ev_NamedExpr(self, node: ast.NamedExpr, state: State) -> Value:
        value = self.ev(node.value, state)
        self.bind(node.target, value, state, node.lineno)
        return value

    def ev_Await(self, node: ast.Await, state: State) -> Value:
        return self.ev(node.value, state)

    def ev_Starred(self, node: ast.Starred, state: State) -> Value:
        return self.ev(node.value, state)

    def ev_Yield(self, node: ast.Yield, state: State) -> Value:
        value = self.ev(node.value, state)
        self.ret = join(self.ret, value) if self.ret is not None else value
        return CLEAN

    ev_YieldFrom = ev_Yield

    # -- calls -------------------------------------------------------------------------------------

    def ev_Call(self, node: ast.Call, state: State) -> Value:
        func = node.func
        qual = self.mod.qualname(func) or ""
        receiver: Value | None = None
        method = func.attr if isinstance(func, ast.Attribute) else None
        source = self._source(qual, func) if qual else None
        if source is None and isinstance(func, ast.Attribute) and func.attr in _MEMBER_NAME_CALLS:
            typed = self._typed_source(func.value, func.attr, node)
            if typed is not None:
                return typed
        if isinstance(func, ast.Attribute):
            receiver = source if source is not None else self.ev(func.value, state)
            receiver_key = _key(func.value)
            if receiver_key is not None:  # a method may change the object's items (`update`, `pop`)
                _forget_parts(receiver_key, state, attributes=False)
            callee = receiver
        else:
            callee = self.ev(func, state)
        args = [self.ev(a, state) for a in node.args]
        kwargs = {kw.arg or f"**{i}": self.ev(kw.value, state) for i, kw in enumerate(node.keywords)}
        shadowed = isinstance(func, ast.Name) and func.id in state and qual == func.id
        if shadowed and not self.program.lookup(qual):
            return merge([callee, *args, *kwargs.values()])
        for sink in self._sinks(node, qual):
            self.check_sink(sink, node, receiver, args, kwargs)
        target = self._resolve(func, state)
        if target is not None:
            return self._apply(target, node, args, kwargs)
        result = self._result(node, qual, method, callee, receiver, args, kwargs, state)
        if self._project_call(func, qual):
            step = Step(self.mod.path, node.lineno, f"`{_text(self.mod, func)}()`")
            if not result.tainted:
                return replace(result, traces=frozenset({Trace(OPAQUE, qual, (step,))}))
            # project code outside the change may sanitise what it is given: still a flow (no
            # proof of safety), but one of low confidence, hidden at the default min_confidence
            return self._widen(result.map_traces(lambda t: replace(t, unseen=True)), node)
        return self._widen(result, node)

    def _sinks(self, node: ast.Call, qual: str) -> list[Sink]:
        """Sinks a call matches by its qualified name or, for a method, by its receiver's type."""
        found: list[Sink] = list(self.rules.sinks_for(qual)) if qual else []
        if isinstance(node.func, ast.Attribute) and self.rules.is_sink_method(node.func.attr):
            for name in self.mod.call_names(node)[1:]:
                found.extend(s for s in self.rules.sinks_for(name) if s not in found)
        return found

    def _project_call(self, func: ast.expr, qual: str) -> bool:
        """A call into this project's code we cannot see: its result is unknown, not clean."""
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            return True
        package = self.mod.name.split(".")[0]
        return bool(package) and "." in qual and qual.split(".")[0] == package and qual != self.mod.name

    def _result(
        self,
        node: ast.Call,
        qual: str,
        method: str | None,
        callee: Value,
        receiver: Value | None,
        args: list[Value],
        kwargs: dict[str, Value],
        state: State,
    ) -> Value:
        everything = [callee, *args, *kwargs.values()]
        kinds = self.rules.sanitizer(qual) if qual else None
        if kinds is not None:
            return merge(args + list(kwargs.values())).sanitize(kinds)
        if self._matches(qual, CLEAN_RESULTS):
            return CLEAN
        if self._matches(qual, OPAQUE_RESULTS):
            return Value(frozenset({Trace(OPAQUE, qual, (Step(self.mod.path, node.lineno, "database"),))}))
        if qual in HARDENED_PARSERS:
            wanted = HARDENED_PARSERS[qual]
            hardened = all(kwargs.get(k, CLEAN).const == v for k, v in wanted.items())
            return Value(tags=frozenset({"hardened"})) if hardened else CLEAN
        if self._matches(qual, PATH_RESOLVERS):
            resolved = merge(everything).with_tags("resolved", "text")
            if qual in _NORMPATHS and node.args and _rooted(node.args[0], self._qual):
                return resolved.sanitize(frozenset({"path"}))  # normpath("/" + p) cannot climb above "/"
            return resolved
        if qual in PATH_OBJECTS:
            return merge(everything).with_tags("pathobj")
        if qual in URL_PARSERS:
            origin = _key(node.args[0]) if node.args else None
            return replace(merge(args), origin=origin, tags=frozenset())
        if qual == "shlex.split" and args:
            return self._split_command(args[0])
        if method is not None and receiver is not None:
            return self._method_result(node, method, callee, receiver, args, kwargs, state)
        value = merge(everything)
        if qual not in _TEXT_KEEPING_CALLS:
            value = replace(value, tags=value.tags - {"text"})
        return value

    def _split_command(self, command: Value) -> Value:
        traces = command.all_traces()
        words = (command.prefix or "").split()
        if words and (command.prefix or "").startswith(words[0] + " "):
            return Value(traces, items={0: Value(const=words[0])}, tags=frozenset({"list"}))
        return Value(traces, tags=frozenset({"list"}))

    def _method_result(
        self,
        node: ast.Call,
        method: str,
        callee: Value,
        receiver: Value,
        args: list[Value],
        kwargs: dict[str, Value],
        state: State,
    ) -> Value:
        if method in NON_PROPAGATING_METHODS:
            return CLEAN
        func = node.func
        assert isinstance(func, ast.Attribute)
        key = _key(func.value)
        if method in _MUTATORS and key is not None:
            added = merge(args + list(kwargs.values()))
            if added.tainted:
                added = added.map_traces(lambda t: replace(t, indirect=True))
                current = state.get(key, receiver)
                if method in ("update", "setdefault") and len(args) == 1 and args[0].items is not None:
                    items = dict(current.items or {})
                    items.update(
                        {
                            k: v.map_traces(lambda t: replace(t, indirect=True))
                            for k, v in args[0].items.items()
                        }
                    )
                    state[key] = replace(
                        current, items=items, traces=current.traces | args[0].traces, const=NOCONST
                    )
                elif method == "setdefault" and args and args[0].has_const() and _hashable(args[0].const):
                    items = dict(current.items or {})
                    items.setdefault(args[0].const, added)
                    state[key] = replace(current, items=items, const=NOCONST)
                else:
                    state[key] = replace(current, traces=current.traces | added.all_traces(), const=NOCONST)
            if method == "setdefault" and args:
                return receiver.at(args[0].const) if args[0].has_const() else receiver.element()
            return CLEAN
        if method in ("get", "pop", "getlist") and args:
            found = (
                receiver.at(args[0].const)
                if args[0].has_const() and _hashable(args[0].const)
                else receiver.element()
            )
            default = args[1] if len(args) > 1 else kwargs.get("default", CLEAN)
            value = join(found, default) if default.tainted else found
            return value.with_tags("text") if value.tainted and method != "getlist" else value
        if (
            method == "replace"
            and args
            and isinstance(args[0].const, str)
            and args[0].const in _NEWLINE_STRIPS
        ):
            return replace(receiver, items=None).sanitize(frozenset({"log", "header"})).with_tags("text")
        if method == "format" and isinstance(receiver.const, str):
            value = merge([receiver, *args, *kwargs.values()])
            return replace(value, tags=value.tags | {"text"}, prefix=receiver.const.split("{", 1)[0] or None)
        if method == "join":
            parts = [a.element() for a in args]
            items = args[0].items if args else None
            if items and 0 in items and not receiver.tainted:
                head = items[0]
                rest = [v for k, v in items.items() if k != 0] + [Value(args[0].traces)]
                parts = [head, *(_after_head(head, v) for v in rest)]
            value = merge([receiver, *parts])
            return replace(value, tags=value.tags | {"text"})
        if method in ("copy", "items", "values", "keys"):
            return receiver if method == "copy" else Value(receiver.all_traces())
        if method in ("resolve", "absolute"):
            return receiver.with_tags("resolved")
        value = merge([receiver, *args, *kwargs.values()])
        if method in STR_METHODS and "text" in receiver.tags:
            if method in ("strip", "lstrip") and args and "/" in str(args[0].const):
                return value.with_tags("text", "unrooted")  # no leading `/` left
            return value.with_tags("text")
        return replace(value, tags=value.tags - {"text"}) if "pathobj" not in receiver.tags else value

    def _resolve(self, func: ast.expr, state: State) -> tuple[ModuleInfo, FunctionInfo, bool] | None:
        """The changed-file function a call runs, and whether `self` is bound (a local name
        shadows any function)."""
        if isinstance(func, ast.Name) and func.id in state:
            return None
        return self.program.resolve(self.mod, self.class_name, func)

    def _apply(
        self,
        target: tuple[ModuleInfo, FunctionInfo, bool],
        node: ast.Call,
        args: list[Value],
        kwargs: dict[str, Value],
    ) -> Value:
        """A helper's summary applied to this call's arguments."""
        mod, func, bound = target
        summary = self.program.summary(mod, func)
        by_param: dict[int, Value] = {}
        offset = 1 if bound else 0
        for index, value in enumerate(args):
            if index + offset < len(func.params):
                by_param[index + offset] = value
        for name, value in kwargs.items():
            if name in func.params:
                by_param[func.params.index(name)] = value
        name = f"{func.node.name}()"
        into = Step(self.mod.path, node.lineno, f"passed to `{name}`")
        back = Step(self.mod.path, node.lineno, f"returned by `{name}`")

        def expand(trace: Trace) -> Iterator[Trace]:
            if trace.kind != PARAM:
                yield replace(trace.then(back), indirect=True)
                return
            argument = by_param.get(trace.param)
            if argument is None:
                return
            for outer in argument.all_traces():
                yield _compose(outer, into, trace).then(back)

        result = _flat_map(summary.ret, expand)
        for hit in summary.param_hits:
            argument = by_param.get(hit.trace.param)
            use = (mod.path, func.qualname, hit.line, hit.sink.kind)
            if argument is None:
                self.program.helper_sink_reached[use] = True  # a default value: not followed
                continue
            reaching = any(_compose(o, into, hit.trace).reaches(hit.sink.kind) for o in argument.all_traces())
            self.program.helper_sink_reached[use] = (
                self.program.helper_sink_reached.get(use, False) or reaching
            )
            for outer in argument.all_traces():
                composed = _compose(outer, into, hit.trace)
                if composed.reaches(hit.sink.kind) and (
                    composed.kind == PARAM or _reportable(composed, hit.sink.kind, hit.sink)
                ):
                    self._record(replace(hit, trace=composed))
        return result

    # -- sinks -------------------------------------------------------------------------------------

    def check_sink(
        self, sink: Sink, node: ast.Call, receiver: Value | None, args: list[Value], kwargs: dict[str, Value]
    ) -> None:
        cond = sink.conditions
        if "unknown_receiver" in cond and not self._unknown_receiver_counts(node, receiver, cond):
            return
        if cond.get("module_receiver") and not self._module_argument(node):
            return
        if "receiver_tag" in cond and (receiver is None or cond["receiver_tag"] not in receiver.tags):
            return
        if cond.get("html_only"):
            for name in ("mimetype", "content_type"):
                given = kwargs.get(name)
                if given is not None and isinstance(given.const, str) and "html" not in given.const:
                    return
        if cond.get("safe_loader"):
            loader = (
                node.args[1]
                if len(node.args) > 1
                else next((k.value for k in node.keywords if k.arg == "Loader"), None)
            )
            if loader is not None and (self.mod.qualname(loader) or "").split(".")[-1] in SAFE_YAML_LOADERS:
                return
        if "xml_parser" in cond:
            position, keyword = cond["xml_parser"]
            parser = args[position] if len(args) > position else kwargs.get(keyword)
            if parser is not None and "hardened" in parser.tags:
                return
        checked = self._sink_arguments(sink, node, receiver, args, kwargs)
        program_only = False
        if cond.get("shell_flag"):
            shell = kwargs.get("shell")
            if shell is None or (shell.has_const() and not shell.const):
                checked = [(self._program_of(v), text) for v, text in checked[:1]]
                program_only = True
        reached = False
        only_parameters = True
        for value, text in checked:
            if not self._dangerous_shape(sink.kind, value):
                continue
            for trace in value.all_traces():
                if not trace.reaches(sink.kind):
                    continue
                reached = True
                only_parameters = only_parameters and trace.kind == PARAM
                if not _reportable(trace, sink.kind, sink):
                    continue  # unknown data: no finding, but no proof either
                self._record(self._hit(sink, node, text, trace, program_only))
        cwes = frozenset({sink.report_cwe, sink.cwe} | RELATED_CWES.get(sink.kind, frozenset()))
        if not reached:
            for cwe in cwes:
                self.summary.cleared.add((node.lineno, cwe))
        elif only_parameters:
            self.summary.param_only[(node.lineno, sink.kind)] = cwes

    def _unknown_receiver_counts(self, node: ast.Call, receiver: Value | None, cond: Any) -> bool:
        """A `*.method` row stands for a typed sink whose receiver's type is unknown here.

        It counts only when the type really is unknown (a known type has its own rows), the
        receiver is an object (not an imported module or a string) and the module imports
        the library the typed sink belongs to: the API shape, never the variable's name.
        """
        func = node.func
        if not isinstance(func, ast.Attribute):
            return False
        if self.mod.receiver_type(func.value) is not None:
            return False
        root = func.value
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in self.mod.imports:
            return False
        if receiver is not None and ("text" in receiver.tags or isinstance(receiver.const, str)):
            return False
        return self.mod.imports_any(tuple(cond["unknown_receiver"]))

    def _module_argument(self, node: ast.Call) -> bool:
        """`getattr(os, name)`: the first argument is an imported module or object, not data."""
        first = node.args[0] if node.args else None
        while isinstance(first, ast.Attribute):
            first = first.value
        return isinstance(first, ast.Name) and first.id in self.mod.imports

    def _sink_arguments(
        self, sink: Sink, node: ast.Call, receiver: Value | None, args: list[Value], kwargs: dict[str, Value]
    ) -> list[tuple[Value, str]]:
        out = []
        for spec in sink.args:
            if spec == "*":
                out.extend((v, _text(self.mod, n)) for v, n in zip(args, node.args, strict=False))
                out.extend(
                    (kwargs[k.arg], _text(self.mod, k.value)) for k in node.keywords if k.arg in kwargs
                )
            elif spec == "*args":  # the positional arguments only (a log message and its % values)
                out.extend((v, _text(self.mod, n)) for v, n in zip(args, node.args, strict=False))
            elif spec == "receiver":
                if receiver is not None and isinstance(node.func, ast.Attribute):
                    out.append((receiver, _text(self.mod, node.func.value)))
            elif isinstance(spec, int):
                if spec < len(args) and not isinstance(node.args[spec], ast.Starred):
                    out.append((args[spec], _text(self.mod, node.args[spec])))
            else:
                for keyword in node.keywords:
                    if keyword.arg == spec:
                        out.append((kwargs[spec], _text(self.mod, keyword.value)))
        return out

    @staticmethod
    def _program_of(command: Value) -> Value:
        """The program a process call runs: the first element of a list, or the whole string."""
        if command.items is not None and 0 in command.items:
            return command.items[0]
        if "text" in command.tags or isinstance(command.const, str):
            return command
        return command.element()

    @staticmethod
    def _dangerous_shape(kind: str, value: Value) -> bool:
        """False when the string's constant start already pins what the sink cares about."""
        prefix = value.prefix or ""
        if kind == "ssrf":
            return not _FIXED_HOST.match(prefix)
        if kind == "redirect":
            return not (_FIXED_HOST.match(prefix) or _LOCAL_PATH.match(prefix))
        return True

    def _check_store_sink(self, target: ast.Subscript, value: Value, state: State) -> None:
        found = self.program.store_sink(self.mod, target.value)
        if found is None:
            return
        row, text = found
        kind = row["kind"]
        sink = Sink(f"{text}[…] =", kind, (), _cwe(kind), _cwe(kind), _severity(kind))
        reached = False
        for trace in value.all_traces():
            if trace.reaches(kind):
                reached = True
                if _reportable(trace, kind):
                    self._record(
                        self._hit(sink, target, _text(self.mod, self._stmt_value(target)), trace, False)
                    )
        if not reached:
            self.summary.cleared.add((target.lineno, _cwe(kind)))

    def _stmt_value(self, target: ast.AST) -> ast.AST:
        stmt = self._stmt
        return stmt.value if isinstance(stmt, ast.Assign) else target

    def _check_flask_return(self, node: ast.expr, value: Value) -> None:
        body_node, body = node, value
        if isinstance(node, ast.Tuple) and node.elts:
            body_node = node.elts[0]
            body = value.items.get(0, CLEAN) if value.items else value
            for extra in node.elts[1:]:
                if isinstance(extra, ast.Dict) and _declares_non_html(extra):
                    return
        if "text" not in body.tags:
            return
        for trace in body.all_traces():
            if trace.reaches("xss") and _reportable(trace, "xss"):
                self._record(self._hit(_FLASK_RETURN, node, _text(self.mod, body_node), trace, False))

    def _hit(self, sink: Sink, node: ast.AST, arg_text: str, trace: Trace, program_only: bool) -> SinkHit:
        if sink is _FLASK_RETURN:
            call_text = "the response of this Flask view"
        elif isinstance(node, ast.Call):
            call_text = f"{_text(self.mod, node.func)}(…)"
            if program_only:
                call_text += " (as the program to run)"
            elif sink.conditions.get("shell_flag"):
                call_text = f"{_text(self.mod, node.func)}(…, shell=True)"
        else:
            call_text = sink.name
        stmt = self._stmt or node
        step = Step(self.mod.path, node.lineno, f"reaches `{call_text}`")
        return SinkHit(
            sink=sink,
            path=self.mod.path,
            line=node.lineno,
            end_line=getattr(node, "end_lineno", node.lineno) or node.lineno,
            column=node.col_offset,
            call_text=call_text,
            arg_text=arg_text,
            trace=trace.then(step),
            scope=self.scope,
            snippet="\n".join(self.mod.lines[stmt.lineno - 1 : (stmt.end_lineno or stmt.lineno)]),
            program_only=program_only,
        )

    def _record(self, hit: SinkHit) -> None:
        if hit.trace.kind == PARAM:
            self.summary.param_hits.append(hit)
        elif hit.trace.is_source:
            self.summary.hits.append(hit)


def _reportable(trace: Trace, kind: str, sink: Sink | None = None) -> bool:
    """Whether a trace reaching a sink of `kind` is a finding: opaque data never is, and a
    caller's argument only for code, deserialisation and shell sinks (elsewhere it is
    unknown data: no finding, and no proof of safety)."""
    if trace.kind == OPAQUE:
        return False
    if trace.kind in ONLY_KINDS:
        return kind in ONLY_KINDS[trace.kind]
    if trace.kind != "caller":
        return True
    return kind in CALLER_SINK_KINDS and not (sink is not None and sink.conditions.get("no_caller"))


def _calls_elsewhere(mod: ModuleInfo, func: ast.Attribute, changed: tuple[str, ...]) -> bool:
    """`module.f(...)` where `module` is an import from outside the changed files."""
    if not isinstance(func.value, ast.Name) or func.value.id not in mod.imports:
        return False
    target = mod.imports[func.value.id]
    return not any(
        target == name or target.startswith(name + ".") or name.startswith(target + ".") for name in changed
    )


def _rooted(node: ast.expr, qual: Callable[[ast.expr], str | None]) -> bool:
    """An expression that always starts with "/": `"/" + p`, `f"/{p}"`, `os.path.join("/", p)`."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _rooted(node.left, qual)
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.startswith("/")
    if isinstance(node, ast.JoinedStr):
        return bool(node.values) and _rooted(node.values[0], qual)
    if isinstance(node, ast.Call) and qual(node) in ("os.path.join", "posixpath.join") and node.args:
        return _rooted(node.args[0], qual)
    return False


def _is_test(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or "/tests/" in f"/{path}"
        or "/test/" in f"/{path}"
    )


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_a(mod: ModuleInfo, node: ast.expr, types: tuple[str, ...]) -> bool:
    """Whether the resolver infers `node` to be of one of `types` (or a subtype)."""
    found = mod.receiver_type(node)
    if found is None:
        return False
    return any(t in types for t in mod.resolver.supertypes(found))


def _compose(outer: Trace, into: Step, inner: Trace) -> Trace:
    """The caller's trace continued into a callee along the callee's parameter trace."""
    trace = outer.then(into)
    steps = trace.steps + inner.steps
    return replace(
        trace,
        steps=steps if len(steps) <= 14 else steps[:3] + steps[-11:],
        sanitized=outer.sanitized | inner.sanitized,
        indirect=True,
    )


def _flat_map(value: Value, change: Callable[[Trace], Iterable[Trace]]) -> Value:
    items = None if value.items is None else {k: _flat_map(v, change) for k, v in value.items.items()}
    traces = frozenset(t2 for t in value.traces for t2 in change(t))
    return Value(merge([Value(traces)]).traces, items=items, tags=value.tags, prefix=value.prefix)


def _union(parts: Iterable[dict[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for part in parts:
        for key, kinds in part.items():
            out[key] = out.get(key, frozenset()) | kinds
    return out


def _declares_non_html(headers: ast.Dict) -> bool:
    for key, value in zip(headers.keys, headers.values, strict=True):
        if isinstance(key, ast.Constant) and str(key.value).lower() == "content-type":
            return isinstance(value, ast.Constant) and "html" not in str(value.value)
    return False


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _fold(op: ast.operator, left: Any, right: Any) -> Any:
    try:
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Mod) and isinstance(left, str):
            return left % right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult) and not (isinstance(left, str | list) or isinstance(right, str | list)):
            return left * right
    except Exception:
        return NOCONST
    return NOCONST


def _compare(op: ast.cmpop, left: Any, right: Any) -> Any:
    try:
        match op:
            case ast.Eq():
                return left == right
            case ast.NotEq():
                return left != right
            case ast.Is():
                return left is right
            case ast.IsNot():
                return left is not right
            case ast.Lt():
                return left < right
            case ast.Gt():
                return left > right
            case ast.In():
                return left in right
            case ast.NotIn():
                return left not in right
    except Exception:
        return NOCONST
    return NOCONST


def _cwe(kind: str) -> int:
    return KINDS[kind].cwe


def _severity(kind: str) -> str:
    return KINDS[kind].severity
