"""The AST toolkit prguard's analyzers share: fast statement walks and node visitors.

Apart from the plugin contract (prguard.engine.plugin): an analyzer needs none of this.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from functools import cache
from typing import Any, ClassVar

#: the fields that hold blocks of statements (or of handlers and match cases holding them)
_BLOCK_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})


def walk_statements(tree: ast.AST) -> Iterator[ast.stmt]:
    """Every statement under `tree`, in `ast.walk` order, without visiting expressions.

    Statements only live in those blocks, so imports, definitions and the like are found
    walking a tenth of the nodes a full `ast.walk` visits.
    """
    todo: deque[ast.AST] = deque([tree])
    while todo:
        node = todo.popleft()
        if isinstance(node, ast.stmt):
            yield node
        for name in node._fields:
            if name in _BLOCK_FIELDS:
                block = getattr(node, name, None)
                if isinstance(block, list):
                    todo.extend(block)


_FIELDLESS_BASES = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
#: nodes with no fields (expression contexts, operators): a visit of one does nothing
FIELDLESS_NODES = frozenset(kind for base in _FIELDLESS_BASES for kind in base.__subclasses__())


def _holds_nodes(annotation: Any, skip: tuple[type, ...]) -> bool:
    """Whether a field annotated so can hold AST nodes (other than the `skip` kinds)."""
    if isinstance(annotation, type):
        return issubclass(annotation, ast.AST) and not issubclass(annotation, skip)
    return any(_holds_nodes(arg, skip) for arg in getattr(annotation, "__args__", ()))


@cache
def node_fields(kind: type[ast.AST], *, with_fieldless: bool = True) -> tuple[str, ...]:
    """The fields of a node class that can hold nodes: `Name` has none (`id` is a string,
    `ctx` a field-less `Load`/`Store` when `with_fieldless` is False), `Call` has `func`,
    `args` and `keywords`. A walk reading only these skips most `getattr` calls. Without
    the grammar's field types (Python < 3.13) every field is kept.
    """
    types = getattr(kind, "_field_types", None)
    if types is None:
        return tuple(kind._fields)
    skip = () if with_fieldless else _FIELDLESS_BASES
    return tuple(name for name in kind._fields if name not in types or _holds_nodes(types[name], skip))


_NODE_FIELDS: dict[type, tuple[str, ...]] = {}  # node_fields(kind), looked up without a call


class FastNodeVisitor(ast.NodeVisitor):
    """`ast.NodeVisitor` with the same traversal, at about half the cost per node.

    The `visit_<Class>` method is looked up once per node class instead of once per node,
    `generic_visit` reads only the fields that can hold nodes (`node_fields`), and field-less
    nodes (`Load`, `Add` ...), a third of a tree, are skipped unless the subclass defines a
    `visit_` method for them.
    """

    _handlers: ClassVar[dict[type, Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}

    def visit(self, node: ast.AST) -> Any:
        kind = type(node)
        handler = self._handlers.get(kind)
        if handler is None:
            handler = self._handlers[kind] = self._handler(kind)
        return handler(self, node)

    @classmethod
    def _handler(cls, kind: type) -> Any:
        """What visiting a node of this class does: its `visit_` method, else the generic visit,
        or nothing at all when the generic visit could not reach any node with a `visit_`
        method (a `Name` holds only its `Load`; a `Constant` holds no node)."""
        handler = getattr(cls, "visit_" + kind.__name__, None)
        if handler is ast.NodeVisitor.visit_Constant and not any(
            hasattr(cls, "visit_" + legacy) for legacy in ("Num", "Str", "Bytes", "NameConstant", "Ellipsis")
        ):
            handler = None  # ast.NodeVisitor's shim for the pre-3.8 visit_Num & co.: a generic visit
        if handler is not None:
            return handler
        if cls.generic_visit is not FastNodeVisitor.generic_visit:
            return cls.generic_visit  # a subclass's own generic visit must see every node
        sees_fieldless = any(hasattr(cls, "visit_" + fieldless.__name__) for fieldless in FIELDLESS_NODES)
        if kind in FIELDLESS_NODES or not node_fields(kind, with_fieldless=sees_fieldless):
            return _skip
        return cls.generic_visit

    def generic_visit(self, node: ast.AST) -> None:
        visit = self.visit
        fields = _NODE_FIELDS.get(type(node))
        if fields is None:
            fields = _NODE_FIELDS[type(node)] = node_fields(type(node))
        for name in fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        visit(item)
            elif isinstance(value, ast.AST):
                visit(value)


def _skip(visitor: ast.NodeVisitor, node: ast.AST) -> None:
    return None
