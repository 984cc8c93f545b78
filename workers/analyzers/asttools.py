"""The AST toolkit prguard's analyzers share: fast statement walks and node visitors.

Apart from the plugin contract (prguard.engine.plugin): an analyzer needs none of this.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any, ClassVar
from weakref import WeakKeyDictionary

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


class _NodeIndex:
    """Every node below the root of one tree in `ast.walk` order, and by class: the walk analyzers
    share. The root itself is left out so that the index, kept in a weak mapping keyed by the
    root, does not keep the tree alive."""

    __slots__ = ("__weakref__", "by_kind", "order")

    def __init__(self, tree: ast.AST) -> None:
        order: list[ast.AST] = []
        by_kind: dict[type, list[ast.AST]] = {}
        todo: deque[ast.AST] = deque([tree])
        fields_of = _WALK_FIELDS
        while todo:
            node = todo.popleft()
            kind = type(node)
            if node is not tree:
                order.append(node)
                same = by_kind.get(kind)
                if same is None:
                    by_kind[kind] = [node]
                else:
                    same.append(node)
            fields = fields_of.get(kind)
            if fields is None:
                fields = fields_of[kind] = node_fields(kind, with_fieldless=False)
            for name in fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    todo.extend(item for item in value if isinstance(item, ast.AST))
                elif isinstance(value, ast.AST):
                    todo.append(value)
        self.order = order
        self.by_kind = by_kind


_WALK_FIELDS: dict[type, tuple[str, ...]] = {}  # node_fields(kind, with_fieldless=False) by class
_INDEXES: WeakKeyDictionary[ast.AST, _NodeIndex] = WeakKeyDictionary()
_EMPTY: list[ast.AST] = []


def _index(tree: ast.AST) -> _NodeIndex:
    found = _INDEXES.get(tree)
    if found is None:
        found = _INDEXES[tree] = _NodeIndex(tree)
    return found


@cache
def _concrete(kinds: tuple[type, ...]) -> frozenset[type]:
    """The node classes a node of one of `kinds` can have (`ast.stmt` stands for all statements)."""
    out: set[type] = set()
    todo = list(kinds)
    while todo:
        kind = todo.pop()
        out.add(kind)
        todo.extend(kind.__subclasses__())
    return frozenset(out)


def nodes_of(tree: ast.AST, *kinds: type) -> list[ast.AST]:
    """The nodes under `tree` (itself included) that are instances of `kinds`, in `ast.walk`
    order. The tree is walked once, on the first ask, and kept for as long as the tree lives:
    several analyzers look for calls, assignments or names in the same module, and each used to
    walk all of it again. The tree must not change afterwards (analyzers only read trees);
    the list returned is shared, so callers do not change it either. Field-less nodes (`Load`,
    `Add` ...) are not indexed.
    """
    index = _index(tree)
    if len(kinds) == 1 and not kinds[0].__subclasses__():
        found = index.by_kind.get(kinds[0], _EMPTY)
    else:
        wanted = _concrete(kinds)
        present = [kind for kind in wanted if kind in index.by_kind]
        if len(present) <= 1:
            found = index.by_kind[present[0]] if present else _EMPTY
        else:
            found = [node for node in index.order if type(node) in wanted]
    return [tree, *found] if isinstance(tree, kinds) else found


def parameter(args: ast.arguments, name: str) -> ast.arg | None:
    """The named parameter (positional or keyword-only), or None."""
    return next((arg for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs) if arg.arg == name), None)


def parameter_defaults(args: ast.arguments) -> dict[str, ast.expr]:
    """Each parameter that has a default, by name, with its default (positional and keyword-only)."""
    positional = [*args.posonlyargs, *args.args]
    with_defaults = positional[len(positional) - len(args.defaults) :]
    defaults = {arg.arg: default for arg, default in zip(with_defaults, args.defaults, strict=True)}
    kw_defaults = zip(args.kwonlyargs, args.kw_defaults, strict=True)
    defaults.update((arg.arg, default) for arg, default in kw_defaults if default is not None)
    return defaults


def assignment_of(tree: ast.AST, value: ast.expr) -> ast.Assign | None:
    """The `x = value` statement under `tree` that assigns exactly this node (None: it is used
    some other way): where a call's result goes, for checks of what is done with it next."""
    return next((a for a in nodes_of(tree, ast.Assign) if a.value is value), None)  # type: ignore[attr-defined]


def contains(outer: ast.AST, inner: ast.AST) -> bool:
    """Whether `inner` is `outer` or lies inside it, by source position: no walk of `outer`.
    Both must come from one parse of one file, with positions (statements and expressions)."""
    if outer is inner:
        return True
    start = (outer.lineno, outer.col_offset)  # type: ignore[attr-defined]
    for decorator in getattr(outer, "decorator_list", ()):  # above a definition's own start
        start = min(start, (decorator.lineno, decorator.col_offset))
    end = (outer.end_lineno, outer.end_col_offset)  # type: ignore[attr-defined]
    return start <= (inner.lineno, inner.col_offset) and (inner.end_lineno, inner.end_col_offset) <= end  # type: ignore[attr-defined]


def loop_variables(loop: ast.AST) -> set[str]:
    """The names a `for` loop or a comprehension's first `for` binds per item (none for a `while`)."""
    if isinstance(loop, ast.For | ast.AsyncFor):
        target: ast.expr | None = loop.target
    elif isinstance(loop, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
        target = loop.generators[0].target
    else:
        target = None
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} if target is not None else set()


def own_statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Statements of a block and its nested blocks, not of nested functions or classes."""
    todo: list[ast.AST] = list(body)
    while todo:
        stmt = todo.pop(0)
        yield stmt
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for name in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(stmt, name, None)
            if isinstance(block, list):
                todo.extend(block)
        if isinstance(stmt, ast.Match):
            for case in stmt.cases:
                todo.extend(case.body)


def own_nodes(roots: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Every node under these (themselves included), nested functions, classes and lambdas left
    out: they run apart from the code around them."""
    todo: list[ast.AST] = list(roots)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        yield node
        todo.extend(ast.iter_child_nodes(node))


def const_str(node: ast.AST | None) -> str | None:
    """The text of a string literal (None for anything else)."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def is_name(node: ast.AST, name: str) -> bool:
    """`node` is the plain name `name`."""
    return isinstance(node, ast.Name) and node.id == name


def added_operands(node: ast.BinOp) -> list[ast.expr]:
    """The operands of a sum written `a + b + c`, left to right."""
    operands: list[ast.expr] = []
    todo: ast.expr = node
    while isinstance(todo, ast.BinOp) and isinstance(todo.op, ast.Add):
        operands.append(todo.right)
        todo = todo.left
    operands.append(todo)
    return operands[::-1]


def keyword_value(call: ast.Call, name: str) -> ast.expr | None:
    """The expression a call passes for keyword `name` (None when it passes none)."""
    return next((k.value for k in call.keywords if k.arg == name), None)
