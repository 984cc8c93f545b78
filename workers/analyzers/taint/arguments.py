"""Argument injection: data in a program's argument list that its option parser may take for an
option (`git clone <url>` with a url of `--upload-pack=touch /tmp/x`), even without a shell."""

from __future__ import annotations

import ast

from prguard.analyzers.taint.rules import OPTION_PROGRAMS, OPTION_SAFE_SUBCOMMANDS, VALUE_OPTIONS
from prguard.analyzers.taint.values import Value, merge

END_OF_OPTIONS = "--"


def argument_list(node: ast.Call, where: object, args: list[Value], kwargs: dict[str, Value]) -> Value | None:
    """The argument list a process call runs, its program first: the list argument at
    `(position, keyword)`, or the call's own positional arguments for `"*"`."""
    if where == "*":
        items: dict[int, Value] = {}
        for index, (arg, value) in enumerate(zip(node.args, args, strict=False)):
            if isinstance(arg, ast.Starred):  # the rest sits at positions unknown here
                return Value(merge(args[index:]).all_traces(), items=items, tags=frozenset({"list"}))
            items[index] = value
        return Value(items=items, tags=frozenset({"list"}))
    if not isinstance(where, tuple):
        return None
    position, keyword = where
    if position < len(node.args) and not isinstance(node.args[position], ast.Starred):
        return args[position]
    return kwargs.get(keyword)


def option_program(argv: Value) -> str | None:
    """The program an argument list runs, when it is a constant one whose options can run commands
    or write files (its directory and a `.exe` dropped)."""
    first = argv.items.get(0) if argv.items else None
    if first is None or not isinstance(first.const, str):
        return None
    name = first.const.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".exe")
    second = argv.items.get(1) if argv.items else None
    if second is not None and second.const in OPTION_SAFE_SUBCOMMANDS.get(name, ()):
        return None
    return name if name in OPTION_PROGRAMS else None


def may_be_options(argv: Value, *, unplaced: bool = True) -> list[Value]:
    """The items of `argv` the program may read as options: those before a `--`, that do not start
    with a constant, and that are not the value of an option that takes one. Items at unknown
    positions (`*args` spliced in) count unless a `--` comes first, or `unplaced` is False."""
    items = argv.items or {}
    out = []
    for position in sorted(k for k in items if isinstance(k, int) and k > 0):
        item = items[position]
        if item.const == END_OF_OPTIONS:
            return out
        before = items.get(position - 1)
        is_value = before is not None and before.const in VALUE_OPTIONS
        if not is_value and not item.has_const() and not item.prefix:
            out.append(item)
    if argv.traces and unplaced:
        out.append(Value(argv.traces))
    return out


def options_in_list(arguments: Value) -> Value:
    """What of an argument list a function splices in after a program's name (`["git", *args]`)
    the program may read as options: the items `may_be_options` keeps, as one value."""
    items = {k + 1: v for k, v in (arguments.items or {}).items() if isinstance(k, int)}
    kept = may_be_options(Value(arguments.traces, items=items))
    return Value(frozenset(trace for item in kept for trace in item.all_traces()))
