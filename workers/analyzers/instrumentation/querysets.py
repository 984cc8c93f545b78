"""When a Django queryset runs its query.

`Model.objects.filter(...)` (and `exclude`, `order_by`, `select_related`, `values_list`, ...) only
builds a `QuerySet`; the database is asked when the queryset is evaluated: iterated, passed to
`list()`/`len()`/`bool()`, tested in an `if`, indexed with an int, or through a method that runs the
query (`.get()`, `.first()`, `.count()`, `.exists()`, `.update()`, `.delete()`, `.iterator()`, ...).
A slice (`qs[:10]`) is still a queryset. `query_runs` answers, for the last call of a manager chain,
whether the query runs there (or, through the name the queryset is bound to, later in the same loop).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from prguard.analyzers.asttools import contains, loop_variables
from prguard.analyzers.instrumentation import rules as R

_MAX_DEPTH = 10


def is_queryset_method(method: str) -> bool:
    return method in R.QUERYSET_LAZY or method in R.QUERYSET_EVALUATING


def returns_queryset(
    call: ast.Call, outer: ast.Call | None, parents: dict[int, ast.AST], function: ast.AST | None
) -> bool:
    """Whether a manager method of unknown meaning (a custom `get_for_model(...)`) gives a queryset,
    by how its result is used: queryset methods chained on it, or on the name it is bound to."""
    if outer is not None:
        func = outer.func
        return isinstance(func, ast.Attribute) and is_queryset_method(func.attr)
    parent = parents.get(id(call))
    if isinstance(parent, ast.AugAssign | ast.BinOp) and isinstance(parent.op, ast.BitOr | ast.BitAnd):
        return True  # `pages |= Page.objects.descendant_of(p)`: querysets combined, still lazy
    target = _bound_name(call, parents)
    if target is None or function is None:
        return False
    for use in _uses(function, target, after=call):
        parent = parents.get(id(use))
        if isinstance(parent, ast.Attribute) and is_queryset_method(parent.attr):
            return True
    return False


def query_runs(
    node: ast.expr,
    loop: ast.AST | None,
    parents: dict[int, ast.AST],
    function: ast.AST | None,
    depth: int = 0,
) -> bool:
    """Whether the queryset `node` gives is evaluated where it stands, or (bound to a name) where
    that name is used inside `loop` (the loop the queryset is built in; else the function)."""
    if depth > _MAX_DEPTH:
        return True  # too deep to follow: keep the call a query, as before
    parent = parents.get(id(node))
    if isinstance(parent, ast.For | ast.AsyncFor | ast.comprehension):
        return parent.iter is node
    if isinstance(parent, ast.Call):
        if node in parent.args and isinstance(parent.func, ast.Name):
            return parent.func.id in R.EVALUATING_BUILTINS
        if node in parent.args and isinstance(parent.func, ast.Attribute):
            return parent.func.attr in R.CONSUMING_METHODS  # `ids.update(qs)`, `", ".join(qs)`
        return False  # handed to a function or as `pk__in=qs`: a subquery or evaluated elsewhere
    if isinstance(parent, ast.If | ast.While | ast.IfExp | ast.Assert):
        return parent.test is node
    if isinstance(parent, ast.UnaryOp):
        return isinstance(parent.op, ast.Not)
    if isinstance(parent, ast.BoolOp):
        if parent.values[-1] is not node:
            return True  # `qs or default`: truth-tested
        return query_runs(parent, loop, parents, function, depth + 1)
    if isinstance(parent, ast.Compare):
        return any(
            isinstance(op, ast.In | ast.NotIn) and right is node
            for op, right in zip(parent.ops, parent.comparators, strict=False)
        )
    if isinstance(parent, ast.Starred | ast.YieldFrom):
        return True
    if isinstance(parent, ast.Subscript) and parent.value is node:
        if isinstance(parent.slice, ast.Slice):
            return query_runs(parent, loop, parents, function, depth + 1)  # `qs[:10]`: still a queryset
        return True  # `qs[0]`: one row, fetched now
    if isinstance(parent, ast.Attribute) and parent.value is node:
        call = parents.get(id(parent))
        if not (isinstance(call, ast.Call) and call.func is parent):
            return False  # `qs.model`, `qs.query`: no query
        if parent.attr in R.QUERYSET_LAZY:
            return query_runs(call, loop, parents, function, depth + 1)
        return True  # `.count()`, `.exists()`, or a method of unknown meaning: counted as a query
    target = _bound_name(node, parents)
    if target is not None and function is not None:
        region = loop if loop is not None else function
        return any(
            contains(region, use) and query_runs(use, loop, parents, function, depth + 1)
            for use in _uses(function, target, after=node)
        )
    return False


def _bound_name(node: ast.expr, parents: dict[int, ast.AST]) -> str | None:
    """The local name `node` is assigned to (`qs = Model.objects.filter(...)`), else None."""
    parent = parents.get(id(node))
    if (
        isinstance(parent, ast.Assign)
        and parent.value is node
        and len(parent.targets) == 1
        and isinstance(parent.targets[0], ast.Name)
    ):
        return parent.targets[0].id
    if isinstance(parent, ast.AnnAssign) and parent.value is node and isinstance(parent.target, ast.Name):
        return parent.target.id
    return None


def _uses(function: ast.AST, name: str, *, after: ast.AST) -> Iterator[ast.Name]:
    """The loads of `name` in the function other than inside `after` itself."""
    for sub in ast.walk(function):
        if (
            isinstance(sub, ast.Name)
            and sub.id == name
            and isinstance(sub.ctx, ast.Load)
            and not contains(after, sub)
        ):
            yield sub


def batched_by_item(call: ast.Call, loop: ast.AST) -> bool:
    """`for kind, ids in groups.items(): Model.objects.filter(pk__in=ids)`: a query whose `__in`
    lookup takes the loop's own item, a collection: the loop runs over groups and fetches each group
    in one query (the batched form), not one query per row."""
    names = loop_variables(loop)
    node: ast.AST = call
    while isinstance(node, ast.Call | ast.Attribute | ast.Subscript):
        if isinstance(node, ast.Call):
            if any(
                kw.arg and kw.arg.endswith("__in") and isinstance(kw.value, ast.Name) and kw.value.id in names
                for kw in node.keywords
            ):
                return True
            node = node.func
        else:
            node = node.value
    return False
