"""The assignment that reaches one read of a local name, found from the statements alone.

A name assigned twice (`f = request.files["f"]` ... `f = load(path)`) has no one type for the
whole function; where it is read between the two, only the first can have set it. This finds
that assignment when the statement order alone proves it: an assignment earlier in the block
that holds the read, or in a block around it, with nothing between that may bind the name, and
no loop around the read that binds it again (a later assignment could come round), unless that
loop is a `for` over the name itself: then each pass's element is what the read sees.
"""

from __future__ import annotations

import ast

_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")
_LOOPS = (ast.For, ast.AsyncFor, ast.While)

Level = tuple[ast.AST, list[ast.stmt], int]  # (owner of the block, the block, where the read is)


def reaching_binding(
    function: ast.FunctionDef | ast.AsyncFunctionDef, name: str, read: ast.Name
) -> tuple[str, ast.expr] | None:
    """The one binding of `name` that reaches `read`: ("value", v) for a plain assignment
    `name = v`, ("iter", seq) inside the body of the loop `for name in seq`; or None."""
    levels = _levels(function, function.body, read, [])
    if levels is None:
        return None
    _, block, index = levels[-1]
    if isinstance(block[index], _LOOPS) and _binds(block[index], name):
        return None  # `while x:` read again after the loop's body assigned it
    for owner, block, index in reversed(levels):
        for statement in reversed(block[:index]):
            if not _binds(statement, name):
                continue
            if (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and statement.targets[0].id == name
            ):
                return "value", statement.value
            return None  # bound some other way, or only on some paths
        if isinstance(owner, _LOOPS) and _binds(owner, name):
            looped = isinstance(owner, ast.For | ast.AsyncFor) and block is owner.body
            if looped and isinstance(owner.target, ast.Name) and owner.target.id == name:
                return "iter", owner.iter  # each pass binds it afresh before the body runs
            return None
    return None


def _levels(owner: ast.AST, block: list[ast.stmt], read: ast.Name, found: list[Level]) -> list[Level] | None:
    """The blocks from `block` down to the statement that holds `read`, innermost last."""
    line = read.lineno
    for index, statement in enumerate(block):
        if not statement.lineno <= line <= (statement.end_lineno or statement.lineno):
            continue
        here = [*found, (owner, block, index)]
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return None  # another scope
        for field in _BLOCK_FIELDS:
            for inner in _inner_blocks(statement, field):
                owner_of, statements = inner
                deeper = _levels(owner_of, statements, read, here)
                if deeper is not None:
                    return deeper
        return here
    return None


def _inner_blocks(statement: ast.stmt, field: str) -> list[tuple[ast.AST, list[ast.stmt]]]:
    value = getattr(statement, field, None)
    if not value:
        return []
    if field in ("handlers", "cases"):
        return [(part, part.body) for part in value]
    return [(statement, value)]


def _binds(node: ast.AST, name: str) -> bool:
    """Whether `node` may bind `name` anywhere within it."""
    for part in ast.walk(node):
        if isinstance(part, ast.Name) and part.id == name and not isinstance(part.ctx, ast.Load):
            return True
        if isinstance(part, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and part.name == name:
            return True
        if isinstance(part, ast.alias) and (part.asname or part.name.split(".")[0]) == name:
            return True
        if isinstance(part, ast.ExceptHandler) and part.name == name:
            return True
    return False
