"""prguard's one-pass cyclomatic complexity equals radon's ComplexityVisitor, field by field."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from prguard.analyzers.cyclomatic import cyclomatic
from radon.visitors import ComplexityVisitor

ROOT = Path(__file__).resolve().parents[2]

QUIRKS = '''
import re

@decorator(x if y else z)
def decorated(a=b or c, *, d=e and f):
    """Decorators and defaults are not the function's complexity."""
    assert a and b, "neither is the assert's expression"
    return [i for i in a if i if not i] or {k: v for k, v in d.items()}


def ends_with_assert(x):
    if x:
        y = [
            1,
        ]
    assert x


def closures(x):
    def inner(y):
        while y:
            y -= 1
        else:
            return 0
    class Local:
        def method(self):
            return 1 if self else 2
    return inner, lambda q: q if q else None


class Outer(Base):
    attr = 1 if flag else 2

    class Inner:
        def deep(self):
            try:
                pass
            except ValueError:
                pass
            except TypeError:
                pass
            else:
                pass

    def method(self, command):
        match command:
            case ["go", direction] if direction:
                return 1
            case {"x": x}:
                return x
            case _:
                return 0
        async def nested():
            async for item in self:
                async with item:
                    pass
        for a in b:
            continue
        else:
            pass


if __name__ == "__main__":
    try:
        main()
    except* OSError:
        pass
    match sys.argv:
        case [name]:
            pass
        case other:
            pass
'''


def _radon(tree: ast.AST):
    visitor = ComplexityVisitor.from_ast(tree)
    return visitor.functions, visitor.classes, visitor.total_complexity


def _ours(tree: ast.AST):
    result = cyclomatic(tree)
    return result.functions, result.classes, result.total_complexity


def test_radon_quirks_are_reproduced():
    tree = ast.parse(QUIRKS)
    assert _ours(tree) == _radon(tree)
    functions, classes, _total = _ours(tree)
    assert [f.name for f in functions] == ["decorated", "ends_with_assert", "closures"]
    assert [m.name for m in classes[0].methods] == ["method"]


@pytest.mark.parametrize("no_assert", [True, False])
def test_no_assert_as_radon(no_assert):
    tree = ast.parse("def f(x):\n    assert x\n    assert not x\n")
    theirs = ComplexityVisitor.from_ast(tree, no_assert=no_assert)
    assert cyclomatic(tree, no_assert=no_assert).functions == theirs.functions
