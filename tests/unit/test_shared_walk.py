"""The one shared walk of a tree (prguard.analyzers.asttools.nodes_of) and position containment:
analyzers ask it instead of walking the module again, so it must answer as `ast.walk` would."""

from __future__ import annotations

import ast
import gc

from prguard.analyzers import asttools
from prguard.analyzers.asttools import contains, nodes_of

SOURCE = """
import os, sys as system
from pkg import name as alias

@decorate(option=call_in_decorator())
def handler(request, *args, **kw):
    value = request.args.get("q")
    if value == "x":
        os.system(value)
    return [f(v) for v in value if v]

class Thing(Base):
    attr: int = 3

    async def run(self):
        try:
            await self.client.fetch()
        except (OSError, ValueError) as error:
            raise RuntimeError(error) from None
        match self.attr:
            case [first, *rest]:
                pass
"""


def _walked(tree: ast.AST, *kinds: type) -> list[ast.AST]:
    return [node for node in ast.walk(tree) if isinstance(node, kinds)]


def test_each_kind_matches_ast_walk_in_order() -> None:
    tree = ast.parse(SOURCE)
    kinds = {type(node) for node in ast.walk(tree)} - asttools.FIELDLESS_NODES
    for kind in kinds:
        assert nodes_of(tree, kind) == _walked(tree, kind), kind.__name__


def test_several_kinds_and_abstract_bases_keep_walk_order() -> None:
    tree = ast.parse(SOURCE)
    assert nodes_of(tree, ast.Call, ast.Compare, ast.Return) == _walked(
        tree, ast.Call, ast.Compare, ast.Return
    )
    assert nodes_of(tree, ast.stmt) == _walked(tree, ast.stmt)
    assert nodes_of(tree, ast.FunctionDef, ast.AsyncFunctionDef) == _walked(
        tree, ast.FunctionDef, ast.AsyncFunctionDef
    )
    assert nodes_of(tree, ast.Yield) == []


def test_a_subtree_is_indexed_on_its_own() -> None:
    tree = ast.parse(SOURCE)
    method = nodes_of(tree, ast.AsyncFunctionDef)[0]
    assert nodes_of(method, ast.Call) == _walked(method, ast.Call)
    assert all(call in nodes_of(tree, ast.Call) for call in nodes_of(method, ast.Call))


def test_the_walk_is_done_once_and_dropped_with_the_tree() -> None:
    gc.collect()  # trees other tests left unreachable go first, so the count below is this tree's
    before = len(asttools._INDEXES)
    tree = ast.parse(SOURCE)
    first = nodes_of(tree, ast.Name)
    assert nodes_of(tree, ast.Name) is first  # kept, not walked again
    assert len(asttools._INDEXES) == before + 1
    del tree, first
    gc.collect()
    assert len(asttools._INDEXES) == before


def test_contains_by_position() -> None:
    tree = ast.parse(SOURCE)
    handler, klass = tree.body[2], tree.body[3]
    system_call = next(c for c in nodes_of(tree, ast.Call) if ast.unparse(c.func) == "os.system")
    in_decorator = next(c for c in nodes_of(tree, ast.Call) if ast.unparse(c.func) == "call_in_decorator")
    assert contains(handler, system_call)
    assert contains(handler, in_decorator)  # decorators sit above the definition's own line
    assert not contains(klass, system_call)
    assert not contains(system_call, handler)
    assert contains(system_call, system_call)
    if_stmt = next(s for s in handler.body if isinstance(s, ast.If))
    assert contains(if_stmt, system_call) and not contains(handler.body[0], system_call)
