"""Loops (PG-LOOP001/002/003): a query, an HTTP call or a paid-API call per item of a loop."""

from __future__ import annotations

from collections.abc import Iterator

from prguard.analyzers.instrumentation.evaluator import Evaluator
from prguard.analyzers.instrumentation.facts import Call, Loop
from prguard.engine.model import Finding


class LoopChecks(Evaluator):
    """The loops check."""

    def loops(self) -> Iterator[Finding]:
        for call in self.facts.calls:
            loop = call.loop
            if loop is None or loop.bounded:
                continue
            query = self.query_call(call)
            if query:
                if loop.kind != "while" and not self._outer_is_query(call):
                    yield self.loop_finding("PG-LOOP001", call, loop, query, self._n_plus_one_hint(query))
                continue
            paid = self.paid_call(call)
            if paid:
                yield self.loop_finding(
                    "PG-LOOP003",
                    call,
                    loop,
                    paid,
                    "each iteration is a billed request; batch the items into one request, cap the loop, "
                    "or cache results",
                )
                continue
            http = self.http_call(call)
            if http and loop.kind != "while" and not loop.fan_out:
                yield self.loop_finding(
                    "PG-LOOP002",
                    call,
                    loop,
                    http,
                    "one request per item is slow and multiplies failures; use a batch endpoint or run "
                    "the requests concurrently with a bound",
                )

    def _outer_is_query(self, call: Call) -> bool:
        """`Model.objects.filter(...).first()` is one query: report the outermost call only."""
        if call.outer is None:
            return False
        outer = self.call_of(call.outer)
        return outer is not None and self.query_call(outer) is not None

    @staticmethod
    def _n_plus_one_hint(query: str) -> str:
        receiver, _, method = query.rpartition(".")
        if ".objects" in query or receiver[:1].isupper():
            return (
                "one query per item (N+1); fetch all rows before the loop (`filter(pk__in=...)`, "
                "`select_related`/`prefetch_related`, `in_bulk`) or use `bulk_create`/`bulk_update`"
            )
        if method == "execute" and receiver.rsplit(".", 1)[-1].lower() in {"cursor", "cur"}:
            return "one database round trip per item (N+1); use `executemany` or one set-based statement"
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
