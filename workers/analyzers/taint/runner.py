"""Running a function's statements: blocks, branches, loops, try, and binding values to names."""

from __future__ import annotations

import ast
import functools
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from prguard.analyzers.asttools import keyword_value, parameter
from prguard.analyzers.pyresolve.known import PATH_CLASSES
from prguard.analyzers.taint.calls import Calls
from prguard.analyzers.taint.exceptions import caught_names, quoted_operands
from prguard.analyzers.taint.expressions import Expressions, added_lists
from prguard.analyzers.taint.guards import Guards, KeptCheck, one_segment
from prguard.analyzers.taint.hits import Summary
from prguard.analyzers.taint.keys import State, forget_parts, node_text, state_key
from prguard.analyzers.taint.modules import FunctionInfo, ModuleInfo, call_name, gives_nothing
from prguard.analyzers.taint.regex_proof import checked_kinds
from prguard.analyzers.taint.rules import (
    PATH_JOINS,
    SOURCE_KINDS,
    SUPPRESSING_MANAGERS,
    TERMINATORS,
    matches_any,
)
from prguard.analyzers.taint.sinks import Sinks
from prguard.analyzers.taint.text_fold import concat
from prguard.analyzers.taint.values import (
    BOUND_FORM,
    CLEAN,
    NOCONST,
    PARAM,
    WHOLE_ARGUMENT,
    Step,
    Trace,
    Value,
    join,
    join_states,
    merge,
)

_MAX_LOOP_PASSES = 2
#: what data a verifier accepted is proven fit for
_VERIFIED = frozenset({"trust-boundary"})

_DOTTED_TERMINATORS = frozenset(t for t in TERMINATORS if "." in t)
#: what a repr in an exception's message is safe for: its control characters are escaped
_QUOTED_BY_REPR = frozenset({"log", "header"})

if TYPE_CHECKING:
    from prguard.analyzers.taint.interpreter import Program


class Runner(Calls, Expressions, Guards, Sinks):
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
        #: a check's outcome kept in a name (`ok = is_safe(url)`): the name -> what `if ok:` proves
        self._checks: dict[str, KeptCheck] = {}
        #: a path joined from a component before the component is checked (`f = ROOT / name`):
        #: the path's name -> the component's, the expression, and both values then
        self._joins: dict[str, tuple[str, ast.expr, Value, Value]] = {}
        self.lambdas_running: set[int] = set()  # lambdas whose body is being run (they may recurse)
        self._self_keys: set[str] = set()  # the `self.x` a method assigns
        self._exits: list[State] = []  # a method's states where it returns
        self.inlined: list[int] = []  # the nested functions being run where they are called

    def run_module(self) -> State:
        state = self.exec_block(self.mod.tree.body, {}) or {}
        for name in self.mod.rebound_globals & state.keys():
            # `_available = False`, set to True by `init()` through `global`: no constant to fold
            state[name] = replace(state[name], const=NOCONST)
        return state

    def _matched(self, value: Value, pattern: ast.expr, state: State) -> Value:
        """A parameter the framework let through only when `re.search(pattern, value)` found it
        (see `modules._Handler.patterns`): what the pattern proves, when the code fixes it."""
        text = self.ev(pattern, state).const
        return value.sanitize(checked_kinds(text, "search")) if isinstance(text, str) else value

    def run_function(self, decided: dict[int, Any] | None = None, called: bool = False) -> Summary:
        """The function's summary, its parameters standing for what callers pass (`decided`:
        those bound to one call's constants; `called`: also those a framework fills)."""
        func = self.func
        assert func is not None
        state: State = {}
        line = func.node.lineno
        for index, name in enumerate(func.params):
            if decided and index in decided:
                const = decided[index]
                state[name] = Value(
                    const=const, tags=frozenset({"text"}) if isinstance(const, str) else frozenset()
                )
            elif name in func.source_params and not called:
                state[name] = self.source_value("web", func.source_params[name], line, text=True)
                if name in func.one_segment_params:
                    state[name] = one_segment(state[name])
                if name in func.param_patterns:
                    state[name] = self._matched(state[name], func.param_patterns[name], state)
                if name in func.bound_forms:
                    state[name] = state[name].with_tags(BOUND_FORM)
            elif name in func.validated_params and not called:
                state[name] = CLEAN
            elif index == 0 and name in ("self", "cls") and func.class_name is not None:
                state[name] = CLEAN
                if (func.view_class or func.django_view) and name == "self":
                    for attr in ("kwargs", "args"):
                        state[f"self.{attr}"] = self.source_value("web", f"self.{attr}", line, text=False)
            else:
                step = Step(self.mod.path, line, f"parameter `{name}` of `{func.node.name}()`")
                # a parameter annotated as a `pathlib` path is a path object (`source.name` is a name)
                tags = frozenset({"pathobj"}) if self._annotated_path(func, name) else frozenset()
                trace = Trace(PARAM, name, (step,), param=index)
                state[name] = Value(frozenset({trace}), tags=tags | {WHOLE_ARGUMENT})
        for name, description in func.source_params.items():
            # `*path` or `**params` the framework fills: a tuple or a dict of it
            if name not in state and not called:
                state[name] = self.source_value("web", description, line, text=False)
        end = self.exec_block(func.node.body, state)
        if end is not None and func.may_check_by_raising:
            self.note_exit(end)
        if end is not None and func.reports_errors:
            self.note_nothing(end)
        self.summary.ret = self.ret or CLEAN
        self._keep_self_sets(self._exits + ([end] if end is not None else []))
        return self.summary

    def _annotated_path(self, func: FunctionInfo, name: str) -> bool:
        arg = parameter(func.node.args, name)
        if arg is None or arg.annotation is None:
            return False
        found = self.mod.resolver.annotation_types(arg.annotation)
        return bool(found) and all(kind in PATH_CLASSES for kind in found)

    def _keep_self_sets(self, exits: list[State]) -> None:
        """What the method leaves in `self.x` (`self.url = request.get("url")` in a `setup()`
        the view calls before the method that fetches `self.url`)."""
        for key in self._self_keys:
            values = [state[key] for state in exits if key in state]
            if values:
                kept = functools.reduce(join, values)
                self.summary.self_sets[key.removeprefix("self.")] = (kept, len(values) == len(exits))

    def source_value(self, kind: str, description: str, line: int, *, text: bool) -> Value:
        label = SOURCE_KINDS.get(kind, {}).get("label", "input")
        step = Step(self.mod.path, line, f"`{description}` ({label})")
        trace = Trace(kind, description, (step,), fresh=True)
        return Value(frozenset({trace}), tags=frozenset({"text"}) if text else frozenset())

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
            case ast.Assign() if self.mod.resolver.is_import_placeholder(stmt):
                return state  # `except ImportError: markdown = None`: where the code runs, the import
            case ast.Assign():
                value = self.ev(stmt.value, state)
                checked = self._check_kept(stmt, state)
                confined = self._relative_to_proofs(stmt, state)
                if isinstance(stmt.value, ast.Call):  # `full = validate(p, ...)` returned: its check held
                    confined = {**self.checked_by_procedure(stmt.value, state), **confined}
                for target in stmt.targets:
                    self.bind(target, value, state, stmt.lineno)
                    confined.pop(state_key(target) or "", None)  # `p = p.relative_to(root)`: a new `p`
                self._note_join(stmt, state)
                if checked is not None:
                    self._checks[checked[0]] = checked[1]
                return self.apply_guards(confined, state) if confined else state
            case ast.AnnAssign(value=value) if value is not None:
                made = self.ev(value, state)
                checked = self.checked_by_procedure(value, state) if isinstance(value, ast.Call) else {}
                self.bind(stmt.target, made, state, stmt.lineno)
                checked.pop(state_key(stmt.target) or "", None)
                return self.apply_guards(checked, state)
            case ast.AugAssign():
                current = self.ev(stmt.target, state)
                added = self.ev(stmt.value, state)
                text = "text" in current.tags or "text" in added.tags or isinstance(current.const, str)
                listed = added_lists(current, added) if isinstance(stmt.op, ast.Add) else None
                if listed is not None:
                    value = listed  # `cmd += ["--title", title]`: the program stays where it was
                elif isinstance(stmt.op, ast.Add) and text and "list" not in current.tags:
                    value = concat(current, added)  # `url += "/" + name`: as `url = url + ...`
                else:
                    value = merge([current, added])
                if (
                    listed is None
                    and isinstance(stmt.target, ast.Name)
                    and current.items is not None
                    and added.items is None
                ):
                    value = replace(value, items=None)
                self.bind(stmt.target, value, state, stmt.lineno)
                return state
            case ast.Expr():
                self.ev(stmt.value, state)
                if isinstance(stmt.value, ast.Call) and self._terminates_call(stmt.value):
                    return None
                if isinstance(stmt.value, ast.Call):
                    self._verified(stmt.value, state)
                    self.apply_guards(self.checked_by_procedure(stmt.value, state), state)
                return self.apply_guards(self._relative_to_proofs(stmt, state), state)
            case ast.Return():
                value = self.ev(stmt.value, state) if stmt.value is not None else CLEAN
                self.ret = join(self.ret, value) if self.ret is not None else value
                if self.inlined:
                    return None  # a nested function's return, run where it is called
                if self.func is not None and self.func.flask_view and stmt.value is not None:
                    self._check_flask_return(stmt.value, value)
                if self.func is not None and self.func.redirect_return and stmt.value is not None:
                    text = node_text(self.mod, stmt.value)
                    name = f"return of {self.func.node.name}()"
                    self._check_location(stmt.value, value, name, text, stmt.value)
                if self.func is not None and self.func.is_predicate:
                    self.note_answer(stmt.value, state)
                if self.func is not None and self.func.may_check_by_raising:
                    self.note_exit(state)
                if self.func is not None and self.func.reports_errors and gives_nothing(stmt.value):
                    self.note_nothing(state)
                if self.func is not None and self.func.binds_self:
                    # what it has set so far (an attribute it sets later is not set on this path)
                    self._exits.append({k: v for k, v in state.items() if k in self._self_keys})
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
                if not any(self._suppresses(item.context_expr) for item in stmt.items):
                    return self.exec_block(stmt.body, state)
                # `with suppress(KeyError): return cache[key]`: the body may stop anywhere and the
                # code after it run, as after a `try` whose handler passes
                body = self.exec_block(stmt.body, dict(state))
                return join_states(state, body) or dict(state)
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
                    key = state_key(target)
                    if key is not None:
                        state.pop(key, None)
                return state
            case ast.Break() | ast.Continue():
                if self.loop_exits:
                    self.loop_exits[-1].append(dict(state))
                return None
            case ast.Match():
                return self.exec_match(stmt, state)
            case _:
                return state

    def exec_match(self, stmt: ast.Match, state: State) -> State | None:
        """The cases that may run; with a constant subject, the one that does (`match "ABC"[1]:`)."""
        subject = self.ev(stmt.subject, state)
        out: State | None = None
        for case in stmt.cases:
            matched = _case_matches(subject.const, case) if subject.has_const() else None
            if matched is False:
                continue
            branch = dict(state)
            for node in ast.walk(case.pattern):
                name = getattr(node, "name", None)
                if isinstance(name, str):
                    branch[name] = subject.element()
            out = join_states(out, self.exec_block(case.body, branch))
            if matched or (case.guard is None and _irrefutable(case.pattern)):
                return out  # no later case, and no falling through, can follow this one
        return join_states(out, state)

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
        # a loop over a sequence known not to be empty has no path that skips its body
        current: State | None = None if self._never_empty(stmt) else dict(state)
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

    def _never_empty(self, stmt: ast.While | ast.For | ast.AsyncFor) -> bool:
        """`for _ in range(3)`, `for x in ("a", "b")`: the body runs at least once."""
        if not isinstance(stmt, ast.For):
            return False
        it = stmt.iter
        if isinstance(it, ast.List | ast.Tuple):
            return bool(it.elts) and not any(isinstance(e, ast.Starred) for e in it.elts)
        if not (isinstance(it, ast.Call) and not it.keywords and 1 <= len(it.args) <= 3):
            return False
        bounds = [a.value for a in it.args if isinstance(a, ast.Constant) and type(a.value) is int]
        if len(bounds) != len(it.args) or self._qual(it) != "range" or (len(bounds) == 3 and not bounds[2]):
            return False
        return len(range(*bounds)) > 0

    def exec_try(self, stmt: ast.Try | ast.TryStar, state: State) -> State | None:
        body = self.exec_block(stmt.body, dict(state))
        entry = join_states(state, body) or dict(state)
        out = self.exec_block(stmt.orelse, body) if body is not None else None
        for handler in stmt.handlers:
            branch = dict(entry)
            if handler.name:
                branch[handler.name] = self._caught(stmt.body, handler, entry)
            out = join_states(out, self.exec_block(handler.body, branch))
        if stmt.finalbody:
            if out is None:
                self.exec_block(stmt.finalbody, dict(entry))
                return None
            out = self.exec_block(stmt.finalbody, out)
        return out

    def _caught(self, body: list[ast.stmt], handler: ast.ExceptHandler, entry: State) -> Value:
        """The exception a handler names: the text its message quotes (`int(x)`'s ValueError
        quotes `x`), as the try body read it; else nothing of the client's."""
        caught = caught_names(handler, self.mod.qualname)
        quoted = [
            self.ev(operand, dict(entry)) for operand in quoted_operands(body, caught, self.mod.qualname)
        ]
        tainted = [value for value in quoted if value.tainted]
        if not tainted:
            return CLEAN
        step = Step(self.mod.path, handler.lineno, f"`{handler.name}`, an exception quoting it")
        message = Value(merge(tainted).all_traces(), tags=frozenset({"text"}))
        return message.then(step).sanitize(_QUOTED_BY_REPR)

    def _relative_to_proofs(self, stmt: ast.stmt, state: State) -> dict[str, frozenset[str]]:
        """`resolved.relative_to(root)` raises ValueError unless the path lies under root: once
        the statement ran, the path is confined (Python < 3.9's `is_relative_to`), in a try body
        (`try: p.relative_to(root); return True`) as anywhere. `walk_up=True` accepts paths
        outside root, so it proves nothing."""
        call = stmt.value if isinstance(stmt, ast.Expr | ast.Assign) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            return {}
        if call.func.attr != "relative_to" or keyword_value(call, "walk_up") is not None:
            return {}
        return self._confinement(call.func.value, state)

    def _verified(self, call: ast.Call, state: State) -> None:
        """`verify_request(consumers, url, params)` as a statement: a verifier whose answer is
        not read raises when the check fails, so what it was handed is verified data from here
        on (a signed launch's parameters): fit for the session, not proven for any other sink."""
        name = call_name(call).lstrip("_")
        if not name.startswith("verify"):
            return
        for argument in [*call.args, *(k.value for k in call.keywords)]:
            key = state_key(argument)
            if key is None:
                continue
            for held in [k for k in state if k == key or k.startswith((key + "[", key + "."))]:
                state[held] = state[held].sanitize(_VERIFIED)  # and what is known of its items

    def _suppresses(self, manager: ast.expr) -> bool:
        """A context manager that swallows the exceptions its body raises: `contextlib.suppress`,
        an `ExitStack` (its callbacks may), a test's `pytest.raises`."""
        qual = self.mod.qualname(manager.func) if isinstance(manager, ast.Call) else None
        return qual in SUPPRESSING_MANAGERS

    def _terminates_call(self, call: ast.Call) -> bool:
        qual = self.mod.qualname(call.func) or ""
        return qual in TERMINATORS or matches_any(qual, _DOTTED_TERMINATORS)

    def _note_join(self, stmt: ast.Assign, state: State) -> None:
        """`f = ROOT / name`, `os.path.join(ROOT, name)`: a path made of a folder of the server's
        and one variable, last. A check of that variable afterwards holds of the path too (see
        `rejoin`), as long as neither is assigned again."""
        target = stmt.targets[0] if len(stmt.targets) == 1 else None
        part = _joined_name(stmt.value, self._qual)
        if not isinstance(target, ast.Name) or part is None or part not in state or target.id not in state:
            return
        folder = stmt.value.left if isinstance(stmt.value, ast.BinOp) else stmt.value.args[0]  # type: ignore[attr-defined]
        if any(isinstance(n, ast.Call) for n in ast.walk(folder)) or self.ev(folder, state).tainted:
            # a folder made by a call (read again, it would run again), or with the client's data
            # in it (the check of the name confines nothing there)
            return
        self._joins[target.id] = (part, stmt.value, state[part], state[target.id])

    def rejoin(self, part: str, before: Value, state: State) -> None:
        """A check just changed what `part` is known to be: the paths joined from it before are
        made again from what it is now."""
        for name, (joined_part, made, part_then, value_then) in list(self._joins.items()):
            if joined_part == part and part_then is before and state.get(name) is value_then:
                self._assign_key(name, self.ev(made, state), state, made.lineno)
                self._joins[name] = (part, made, state[part], state[name])

    def bind(self, target: ast.expr, value: Value, state: State, line: int) -> None:
        if isinstance(target, ast.Name):
            self._assign_key(target.id, value, state, line)
        elif isinstance(target, ast.Tuple | ast.List):
            self._unpack(target.elts, value, state, line)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, Value(value.all_traces(), tags=frozenset({"list"})), state, line)
        elif isinstance(target, ast.Attribute):
            key = state_key(target)
            self.ev(target.value, state)
            if key is not None:
                self._assign_key(key, value, state, line)
        elif isinstance(target, ast.Subscript):
            self._store_item(target, value, state, line)

    def _assign_key(self, key: str, value: Value, state: State, line: int) -> None:
        forget_parts(key, state)
        if key.startswith("self.") and key.count(".") == 1 and self.func is not None and self.func.binds_self:
            self._self_keys.add(key)
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
        index = self.ev(target.slice, state)
        self._check_store_sink(target, value, state, index)
        key = state_key(container_node)
        if key is None:
            self.ev(container_node, state)
            return
        forget_parts(key, state)
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


def _irrefutable(pattern: ast.pattern) -> bool:
    """`case _:` or `case name:`: matches whatever the subject is."""
    return isinstance(pattern, ast.MatchAs) and (pattern.pattern is None or _irrefutable(pattern.pattern))


def _case_matches(subject: Any, case: ast.match_case) -> bool | None:
    """Whether a case matches a constant subject: True, False, or None when it cannot be told."""
    if case.guard is not None:
        return None
    return _pattern_matches(subject, case.pattern)


def _pattern_matches(subject: Any, pattern: ast.pattern) -> bool | None:
    if isinstance(pattern, ast.MatchValue):
        value = pattern.value
        return subject == value.value if isinstance(value, ast.Constant) else None
    if isinstance(pattern, ast.MatchSingleton):
        return subject is pattern.value
    if isinstance(pattern, ast.MatchAs):
        return True if pattern.pattern is None else _pattern_matches(subject, pattern.pattern)
    if isinstance(pattern, ast.MatchOr):
        answers = [_pattern_matches(subject, p) for p in pattern.patterns]
        return True if True in answers else (False if None not in answers else None)
    return None


def _joined_name(node: ast.expr, qual: Any) -> str | None:
    """The variable a path expression joins last onto a folder: `ROOT / name`, `os.path.join(ROOT,
    name)` with two parts."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and isinstance(node.right, ast.Name):
        return node.right.id
    if (
        isinstance(node, ast.Call)
        and len(node.args) == 2
        and not node.keywords
        and isinstance(node.args[1], ast.Name)
        and qual(node) in PATH_JOINS
    ):
        return node.args[1].id
    return None
