"""Retries (PG-RETRY001): outbound calls in tasks or handlers with no retry policy."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from prguard.analyzers.instrumentation import rules as R
from prguard.analyzers.instrumentation.evaluator import kwarg, matches, tokens
from prguard.analyzers.instrumentation.facts import Call, Function
from prguard.analyzers.instrumentation.observability import ObservabilityChecks
from prguard.analyzers.instrumentation.timeouts import TimeoutChecks
from prguard.engine.model import Finding


class RetryChecks(ObservabilityChecks, TimeoutChecks):
    """The retries check (reads entry-point roles and session adapters)."""

    def retries(self, kinds: dict[int, list[tuple[str, str]]]) -> Iterator[Finding]:
        required = set(self.checks["retries"].get("require_in") or [])
        for function in self.facts.functions:
            kind = next((k for k in kinds[id(function.node)] if k[0] in required), None)
            if kind is None or self._has_retry(function):
                continue
            for call in function.calls:
                label = self.http_call(call)
                if not label or self._client_retries(call):
                    continue
                yield self.finding(
                    "PG-RETRY001",
                    call.node,
                    f"`{label}(...)` in `{function.qualname}()` ({kind[1]}) has no retry policy: one "
                    "transient network error fails the whole "
                    + ("task" if kind[0] == "tasks" else "request" if kind[0] == "handlers" else "call")
                    + ". Add a retry with backoff (tenacity `@retry`, Celery `autoretry_for=`, or an "
                    "`HTTPAdapter(max_retries=Retry(...))`).",
                    context=function.qualname,
                )

    def _has_retry(self, function: Function) -> bool:
        if function.retry_loop:
            return True
        for decorator in function.node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            dotted, text = self.facts.resolve(target) or "", self.facts.text_of(target) or ""
            if matches(dotted, R.RETRY_DECORATORS) or matches(dotted, self.retry_names):
                return True
            if "retry" in text.rsplit(".", 1)[-1].lower() or "retries" in tokens(text):
                return True
            if isinstance(decorator, ast.Call) and self._task_decorator(decorator):
                if kwarg(decorator, "autoretry_for", "retry"):
                    return True
                if (self._task_decorator(decorator) == "Dramatiq") and not _is_zero(
                    kwarg(decorator, "max_retries")
                ):
                    return True
            elif self._task_decorator(decorator) == "Dramatiq":
                return True  # Dramatiq actors retry with backoff by default
        return any((call.text or "").rsplit(".", 1)[-1] == "retry" for call in function.calls)

    def _client_retries(self, call: Call) -> bool:
        func = call.node.func
        if not isinstance(func, ast.Attribute):
            return False
        kind, ctor = self.client_kind(func.value, call.function, func.attr)
        if kind == "requests":
            return self.session_has(func.value, call.function, "retries")
        if ctor is not None and kind in ("httpx", "urllib3"):
            transport = kwarg(ctor, "transport", "retries")
            return transport is not None and (
                transport.arg == "retries" or "retries" in ast.unparse(transport.value)
            )
        return False


def _is_zero(keyword: ast.keyword | None) -> bool:
    return keyword is not None and isinstance(keyword.value, ast.Constant) and keyword.value.value == 0
