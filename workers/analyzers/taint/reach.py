"""Which functions the taint interpreter must run up front, found without running any.

A function's run can report something only if it holds a sink (a sink call, an item
stored into a response's headers, a Flask view's return) or calls a changed-file function
that can; every other function only yields a summary for its callers. Those are run when
a caller asks, and give the same summary then as in the program's own order, unless a
recursive call is within their reach (the interpreter answers a call back into a running
function with an empty summary, so there the order of runs matters): such functions keep
their place. On real code this leaves most functions to be run only if called.

The call graph is built as the interpreter resolves calls, minus local variables shadowing
a function (so it has every edge the runs can take, and maybe more).
"""

from __future__ import annotations

import ast
from collections import defaultdict, deque
from typing import TYPE_CHECKING

from prguard.analyzers.base import node_fields
from prguard.analyzers.taint.modules import FunctionInfo, ModuleInfo

if TYPE_CHECKING:
    from prguard.analyzers.taint.interpreter import Program

Key = tuple[str, str]  # (module path, function qualname)

#: what the interpreter never runs as part of a function: nested definitions are runs of their own
#: (a lambda's body is run where the function calls it, so its sinks are the function's)
_NOT_RUN = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FIELDS: dict[type, tuple[str, ...]] = {}


def functions_to_run(program: Program) -> set[Key]:
    """Keys of the functions that may hold or reach a sink, or reach a recursive call."""
    calls: dict[Key, set[Key]] = {}
    with_sinks: list[Key] = []
    # a sink pattern matches only names ending with its last segment (see pyresolve.PatternIndex)
    sink_names = program.rules.sink_last_names()
    for mod in program.modules:
        for func in mod.functions.values():
            key = (mod.path, func.qualname)
            sink, callees = _scan(program, mod, func, sink_names)
            calls[key] = callees
            if sink:
                with_sinks.append(key)
    return _callers_of(with_sinks, calls) | _reaching_cycles(calls)


def _scan(
    program: Program, mod: ModuleInfo, func: FunctionInfo, sink_names: frozenset[str] | None
) -> tuple[bool, set[Key]]:
    """(whether the function holds a sink, the changed-file functions it may call).

    `sink_names`: the last name segments a sink call can end with (None: any name)."""
    callees: set[Key] = set()
    if func.flask_view or func.redirect_return:
        return True, callees  # its returned value is a sink
    rules = program.rules
    todo: list[ast.AST] = list(func.node.body)
    while todo:
        node = todo.pop()
        kind = type(node)
        if kind is ast.Call:
            node = mod.delegated_call(node) or node  # type: ignore[arg-type]  # `to_thread(f, x)` calls `f(x)`
            last = _last_name(mod, node.func)  # type: ignore[attr-defined]
            named = sink_names is None or last in sink_names
            names = mod.call_names(node) if named else ()  # type: ignore[arg-type]
            if named and type(node.func) is ast.Name and mod.resolver.star_imports:  # type: ignore[attr-defined]
                names = (*names, *mod.resolver.star_names(node))  # type: ignore[arg-type]
            if named and any(rules.sinks_for(name) for name in names):
                return True, callees
            # `(root / name).read_text()`: a sink judged by its receiver's value, as the interpreter does
            method = node.func.attr if named and not names and isinstance(node.func, ast.Attribute) else None  # type: ignore[attr-defined]
            if method is not None and rules.receiver_value_sinks(method):
                return True, callees
            target = program.resolve(mod, func.class_name, node.func)  # type: ignore[attr-defined]
            if target is not None:
                callees.add((target[0].path, target[1].qualname))
            elif type(node.func) is ast.Subscript:  # type: ignore[attr-defined]  # a dispatch table's
                for entry in mod.table_entries(node.func.value, func.class_name, func.node):  # type: ignore[attr-defined]
                    target = program.resolve(mod, func.class_name, entry)
                    if target is not None:
                        callees.add((target[0].path, target[1].qualname))
        elif kind is ast.Subscript and type(node.ctx) is ast.Store:  # type: ignore[attr-defined]
            if program.store_sink(mod, node.value) is not None:  # type: ignore[attr-defined]
                return True, callees
        elif kind in _NOT_RUN:
            continue
        fields = _FIELDS.get(kind)
        if fields is None:
            fields = _FIELDS[kind] = node_fields(kind, with_fieldless=False)
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                todo.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                todo.append(value)
    return False, callees


def _last_name(mod: ModuleInfo, func: ast.expr) -> str | None:
    """The last segment of the name `mod.qualname(func)` gives a called expression."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name | ast.Call):  # a name may be an alias (`run = os.system`, partial(...))
        qual = mod.qualname(func)
        return qual.rsplit(".", 1)[-1] if qual else None
    return None  # `table[k](x)`: no sink name ends like that


def _callers_of(keys: list[Key], calls: dict[Key, set[Key]]) -> set[Key]:
    """`keys` and every function that may call one of them, directly or not."""
    callers: dict[Key, list[Key]] = defaultdict(list)
    for caller, callees in calls.items():
        for callee in callees:
            callers[callee].append(caller)
    found = set(keys)
    todo = deque(keys)
    while todo:
        for caller in callers.get(todo.popleft(), ()):
            if caller not in found:
                found.add(caller)
                todo.append(caller)
    return found


def _reaching_cycles(calls: dict[Key, set[Key]]) -> set[Key]:
    """Functions on or leading to a call cycle: what is left after peeling off, again and
    again, the functions that call nothing left."""
    remaining = {key: {c for c in callees if c in calls} for key, callees in calls.items()}
    callers: dict[Key, list[Key]] = defaultdict(list)
    for caller, callees in remaining.items():
        for callee in callees:
            callers[callee].append(caller)
    left = {key: len(callees) for key, callees in remaining.items()}
    todo = deque(key for key, count in left.items() if count == 0)
    while todo:
        key = todo.popleft()
        del left[key]
        for caller in callers.get(key, ()):
            left[caller] -= 1
            if left[caller] == 0:
                todo.append(caller)
    return set(left)
