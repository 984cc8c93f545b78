"""Code a library runs only when its caller opts in: `def load(f, allow_pickle=False)` that
refuses (`if not allow_pickle: raise ...`) or skips (`if allow_pickle: ...`) unless the flag is
passed. There the caller chose the unsafe thing, so the caller's argument reaching a sink in that
code is the caller's decision, not the library's flaw; the same code under a default of `True` is."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from prguard.analyzers.asttools import nodes_of, parameter_defaults

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
Span = tuple[int, int, str]  # first line, last line, the flag that turns it on


def opted_in_spans(function: FunctionNode, flags: frozenset[str]) -> tuple[Span, ...]:
    """Line spans of `function` that run only when one of its `flags` (see `off_by_default`) is true."""
    return tuple(_spans(function.body, flags)) if flags else ()


def gate_of(spans: tuple[Span, ...], lines: list[int]) -> str | None:
    """The flag whose span holds one of these lines, if any."""
    return next((flag for start, end, flag in spans for line in lines if start <= line <= end), None)


def off_by_default(function: FunctionNode) -> frozenset[str]:
    """Parameters whose default is `False` and that the function never rebinds."""
    flags = {
        name
        for name, default in parameter_defaults(function.args).items()
        if isinstance(default, ast.Constant) and default.value is False
    }
    if not flags:
        return frozenset()
    rebound = {
        node.id  # type: ignore[attr-defined]
        for node in nodes_of(function, ast.Name)
        if not isinstance(node.ctx, ast.Load)  # type: ignore[attr-defined]
    }
    return frozenset(flags - rebound)


def _spans(body: list[ast.stmt], flags: frozenset[str]) -> Iterator[Span]:
    for index, stmt in enumerate(body):
        if isinstance(stmt, ast.If):
            tested = _tested_flag(stmt.test, flags)
            if tested is not None and tested[1]:  # `if allow_pickle:` runs its body only when opted in
                yield (*_span(stmt.body), tested[0])
                yield from _spans(stmt.orelse, flags)
                continue
            if tested is not None and not stmt.orelse and _ends(stmt.body):
                rest = body[index + 1 :]  # `if not allow_pickle: raise`: what follows needs the flag
                if rest:
                    yield (*_span(rest), tested[0])
                return
        for block in _blocks(stmt):
            yield from _spans(block, flags)


def _tested_flag(test: ast.expr, flags: frozenset[str]) -> tuple[str, bool] | None:
    """(flag, True) for `flag` (or `flag is True`), (flag, False) for `not flag`, else None."""
    if isinstance(test, ast.Name) and test.id in flags:
        return test.id, True
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _tested_flag(test.operand, flags)
        return None if inner is None else (inner[0], not inner[1])
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Is | ast.Eq)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is True
    ):
        return _tested_flag(test.left, flags)
    return None


def _ends(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], ast.Raise | ast.Return)


def _span(body: list[ast.stmt]) -> tuple[int, int]:
    return body[0].lineno, max(getattr(s, "end_lineno", None) or s.lineno for s in body)


def _blocks(stmt: ast.stmt) -> Iterator[list[ast.stmt]]:
    """The statement blocks inside a compound statement (not nested definitions: their own flags)."""
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return
    for name in ("body", "orelse", "finalbody"):
        block = getattr(stmt, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            yield block
    for handler in getattr(stmt, "handlers", ()):
        yield handler.body
    for case in getattr(stmt, "cases", ()):
        yield case.body
