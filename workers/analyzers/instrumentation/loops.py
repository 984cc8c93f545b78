"""Loops (PG-LOOP001/002/003): a query, an HTTP call or a paid-API call per item of a loop."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from prguard.analyzers.asttools import contains, loop_variables
from prguard.analyzers.instrumentation import querysets
from prguard.analyzers.instrumentation import rules as R
from prguard.analyzers.instrumentation.evaluator import Evaluator
from prguard.analyzers.instrumentation.facts import Call, Function, Loop, loop_body_nodes
from prguard.engine.model import Finding

_PAID_HINT = (
    "each iteration is a billed request; batch the items into one request, cap the loop, or cache results"
)
_PROPERTIES = frozenset({"property", "functools.cached_property", "cached_property"})
_HTTP_HINT = (
    "one request per item is slow and multiplies failures; use a batch endpoint or run the requests "
    "concurrently with a bound"
)


class LoopChecks(Evaluator):
    """The loops check."""

    def loops(self) -> Iterator[Finding]:
        for call in self.facts.calls:
            loop = call.loop.item_loop() if call.loop else None
            if loop is None or (loop.kind != "comprehension" and _leaves_after(loop.node, call.node)):
                continue
            direct = self._loop_effect(call, loop)
            if direct is not None:
                rule_id, label, hint = direct
                yield self.loop_finding(rule_id, call, loop, label, hint)
                continue
            helper = self._helper_effect(call, loop)
            if helper is not None:
                rule_id, label, hint = helper
                yield self.loop_finding(rule_id, call, loop, label, hint)
        yield from self._property_reads()

    def _property_reads(self) -> Iterator[Finding]:
        """`for m in monitors: _ = m.data` where `data` is a `@property` of a class of this file
        that makes a request or a query: a call per item, written as an attribute read."""
        for loop, function in self.facts.loops:
            if function is None or loop.item_loop() is not loop or loop.fan_out:
                continue
            if not isinstance(loop.node, ast.For | ast.AsyncFor | ast.While) or not self.facts.classes:
                continue
            called = {id(c.node.func) for c in function.calls if c.loop is not None}
            for node in loop_body_nodes(loop.node.body):
                if (
                    not isinstance(node, ast.Attribute)
                    or not isinstance(node.ctx, ast.Load)
                    or id(node) in called
                ):
                    continue
                getter = self._property_getter(node)
                effect = self.outbound_effect(getter, 2, same_file=2) if getter is not None else None
                if effect is None or self._looped_inside(getter, effect[1]):  # type: ignore[arg-type]
                    continue
                kind, label, path = effect
                if kind != "paid" and loop.kind == "while" and not loop.per_item:
                    continue
                rule_id, hint = {
                    "query": ("PG-LOOP001", "one query per item (N+1); load what the loop needs before it"),
                    "paid": ("PG-LOOP003", _PAID_HINT),
                    "http": ("PG-LOOP002", _HTTP_HINT),
                }[kind]
                through = " → ".join(f"`{name}()`" for name in path)
                read = self.facts.text_of(node) or node.attr
                yield self.finding(
                    rule_id,
                    node,
                    f"reading `{read}` runs inside `{loop.header}` (line {loop.line}) in "
                    f"`{function.qualname}()`: the property calls `{label}(...)` through {through}; {hint}.",
                    context=f"{function.qualname}|{loop.header}",
                )

    def _property_getter(self, node: ast.Attribute) -> Function | None:
        """The `@property` of a class of this file an attribute read runs, when the object's type is known."""
        owner = self._local_class_names.get(self.type_of(node.value) or "")
        cls = self.facts.classes.get(owner) if owner is not None else None
        if cls is None:
            return None
        getter = next(  # the `@property` def, not a `@<name>.setter` of the same name after it
            (
                stmt
                for stmt in cls.node.body
                if isinstance(stmt, ast.FunctionDef)
                and stmt.name == node.attr
                and any(self.facts.resolve(d) in _PROPERTIES for d in stmt.decorator_list)
            ),
            None,
        )
        return next((f for f in self.facts.functions if f.node is getter), None) if getter else None

    def _loop_effect(self, call: Call, loop: Loop) -> tuple[str, str, str] | None:
        """(rule, label, hint) when the call itself is a query, paid call or HTTP call per item."""
        sequential = loop.kind != "while" or loop.per_item
        query = self.query_call(call)
        if query:
            if querysets.batched_by_item(call.node, loop.node):
                return None  # one query per group of rows, fetched with `pk__in=<the group>`
            if sequential and not self._outer_is_query(call):
                return "PG-LOOP001", query, self._n_plus_one_hint(query)
            return None
        paid = self.paid_call(call)
        if paid and (sequential or _unbounded(loop)):
            return "PG-LOOP003", paid, _PAID_HINT
        if paid:
            return None  # a service loop polling while a flag is set (`while self._running:`)
        http = self.http_call(call)
        if http and sequential and not loop.fan_out:
            return "PG-LOOP002", http, _HTTP_HINT
        return None

    def _helper_effect(self, call: Call, loop: Loop) -> tuple[str, str, str] | None:
        """The same through a function the loop calls, of this file or of another file of the
        repository (one or two calls deep): reported at the call in the loop, naming the helper
        and what it calls."""
        if call.function is None or loop.fan_out:
            return None
        callee = self.local_callee(call, call.function)
        if callee is call.function and self._recursion_is_retry(call, loop):
            return None
        if callee is None:
            remote = self.remote_effect(call, 2)
            if remote is None or remote.looped or (remote.coroutine and id(call.node) not in self.awaited):
                return None  # unknown, nothing outbound, its own loop's, or a coroutine made and gathered
            effect = (remote.kind, remote.label, list(remote.path))
        else:
            if isinstance(callee.node, ast.AsyncFunctionDef) and id(call.node) not in self.awaited:
                return None  # a coroutine made per item and awaited together (gather): concurrent
            effect = self.outbound_effect(callee, 2, same_file=2)
            if effect is not None and self._looped_inside(callee, effect[1]):
                return None  # the helper's own loop makes the call per item: reported there
        if effect is None:
            return None
        kind, label, path = effect
        sequential = loop.kind != "while" or loop.per_item
        if not sequential and not (kind == "paid" and _unbounded(loop)):
            return None
        rule_id, hint = {
            "query": (
                "PG-LOOP001",
                "one query per item (N+1); load what the loop needs before it, in one query",
            ),
            "paid": ("PG-LOOP003", _PAID_HINT),
            "http": ("PG-LOOP002", _HTTP_HINT),
        }[kind]
        through = " → ".join(f"`{name}()`" for name in path)
        # a call with no plain text (`Hook(row).deliver()`): named by the helper it reaches
        called = call.text or (callee.name if callee is not None else path[0].rsplit(".", 1)[-1])
        return rule_id, called, f"it calls `{label}(...)` through {through}; {hint}"

    @staticmethod
    def _recursion_is_retry(call: Call, loop: Loop) -> bool:
        """A function calling itself in its loop: per item when it recurses on the loop's item (a
        tree walked child by child, `for child in children: child.cancel()`), else a retry or a
        re-entry with the same arguments, which is not a loop over data."""
        names = loop_variables(loop.node)
        return not any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(call.node))

    def _looped_inside(self, helper: Function, label: str) -> bool:
        """Whether every call of the helper that makes its effect (`label`) sits in a loop over
        items of the helper itself, where the loops check reports it."""
        labelled = [
            c for c in helper.calls if label in (self.paid_call(c), self.query_call(c), self.http_call(c))
        ]
        return bool(labelled) and all(c.loop is not None and c.loop.item_loop() is not None for c in labelled)

    def _outer_is_query(self, call: Call) -> bool:
        """`Model.objects.filter(...).first()` is one query: report the outermost call only."""
        if call.outer is None:
            return False
        outer = self.call_of(call.outer)
        return outer is not None and self.query_call(outer) is not None

    @staticmethod
    def _n_plus_one_hint(query: str) -> str:
        receiver, _, method = query.rpartition(".")
        made = receiver.endswith("(...)")  # `Forecast(...).save()`: a row made then written
        if method in ("save", "delete") and ".objects" not in query and (made or not receiver[:1].isupper()):
            return (
                "one query per model instance (N+1); collect the rows and write them once after the loop "
                "(`bulk_create`/`bulk_update`, or a queryset's `.update()`/`.delete()`)"
            )
        if ".objects" in query or receiver[:1].isupper():
            return (
                "one query per item (N+1); fetch all rows before the loop (`filter(pk__in=...)`, "
                "`select_related`/`prefetch_related`, `in_bulk`) or use `bulk_create`/`bulk_update`"
            )
        if method == "execute" and receiver.rsplit(".", 1)[-1].lower() in {"cursor", "cur"}:
            return "one database round trip per item (N+1); use `executemany` or one set-based statement"
        if method not in R.ORM_SESSION_METHODS and ".query" not in query:  # a function returning a queryset
            return "one query per item (N+1); load what the loop needs before it, in one query"
        return (
            "one query per item (N+1); load all rows at once before the loop "
            "(`where(Model.id.in_(ids))`, `selectinload`/`joinedload`)"
        )

    def loop_finding(self, rule_id: str, call: Call, loop: Loop, label: str, hint: str) -> Finding:
        where = f" in `{call.function.qualname}()`" if call.function else ""
        loop_text = f"`{loop.header}`" if loop.kind != "comprehension" else f"a {loop.header}"
        return self.finding(
            rule_id,
            call.node,
            f"`{label}(...)` runs inside {loop_text} (line {loop.line}){where}: {hint}.",
            context=f"{call.function.qualname if call.function else ''}|{loop.header}",
        )


def _unbounded(loop: Loop) -> bool:
    """`while True:` (until an answer says stop): each pass a billed call, with no bound on the
    passes. A `while` on a flag (`while self._running:`) is a service loop that polls once per
    pass, as long as it is meant to run."""
    test = getattr(loop.node, "test", None)
    return isinstance(test, ast.Constant) and bool(test.value)


def _leaves_after(loop: ast.AST, call: ast.Call) -> bool:
    """The call sits in a block that then leaves the loop (`if code == c: mark_used(i); return True`,
    a `break` of this loop, a `raise`): it runs once per run of the loop, not once per item."""
    return _leaves(getattr(loop, "body", []), call, crossed=False)


def _leaves(block: list[ast.stmt], call: ast.Call, *, crossed: bool) -> bool:
    for stmt in block:
        if not contains(stmt, call):
            continue
        last = block[-1]
        if isinstance(last, ast.Return | ast.Raise) or (isinstance(last, ast.Break) and not crossed):
            return True
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            return False
        inner = crossed or isinstance(stmt, ast.For | ast.AsyncFor | ast.While)
        blocks = [getattr(stmt, name, None) for name in ("body", "orelse", "finalbody")]
        blocks += [handler.body for handler in getattr(stmt, "handlers", [])]
        blocks += [case.body for case in getattr(stmt, "cases", [])]
        return any(_leaves(sub, call, crossed=inner) for sub in blocks if isinstance(sub, list) and sub)
    return False
