"""Python functions of a source file: qualified names (Class.method, outer.inner) and line spans.

Used to name the function behind a stack frame (`prguard trace`) and the functions a merged change
touched (the merge record and change events).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FunctionSpan:
    name: str  # qualified: Class.method, outer.inner
    start: int
    end: int


def enclosing_function(source: str, line: int) -> FunctionSpan | None:
    """The innermost function (or method) whose lines hold `line`, else None (module level)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return None
    best: FunctionSpan | None = None

    def visit(node: ast.AST, prefix: str) -> None:
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                end = child.end_lineno or child.lineno
                if start <= line <= end:
                    if not isinstance(child, ast.ClassDef):
                        best = FunctionSpan(name, start, end)
                    visit(child, name + ".")
            elif hasattr(child, "body"):
                visit(child, prefix)

    visit(tree, "")
    return best


def functions_in(source: str) -> list[FunctionSpan]:
    """Every function and method of a module, qualified, with its line span."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    out: list[FunctionSpan] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                    out.append(FunctionSpan(name, start, child.end_lineno or child.lineno))
                visit(child, name + ".")

    visit(tree, "")
    return out


def changed_functions(source: str, lines: Iterable[int]) -> list[FunctionSpan]:
    """The innermost functions holding any of `lines` (each once, in source order)."""
    wanted = set(lines)
    spans = functions_in(source)
    out = []
    for span in spans:
        inner = [s for s in spans if s is not span and span.start <= s.start and s.end <= span.end]
        own = set(range(span.start, span.end + 1)) - {n for s in inner for n in range(s.start, s.end + 1)}
        if own & wanted:
            out.append(span)
    return out
