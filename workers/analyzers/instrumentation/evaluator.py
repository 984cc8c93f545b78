"""What every instrumentation check shares: policy, bindings, client kinds, what counts as
instrumentation, and how a call is classified (HTTP, paid API, database query).

`Evaluator` judges the scanner's facts (`facts.Scanner`) against the rule tables (`rules`) and the
policy, without walking the tree again; each check family is a mixin over it in its own module.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Iterable
from typing import Any

from prguard.analyzers.base import FileContext
from prguard.analyzers.instrumentation import rules as R
from prguard.analyzers.instrumentation.facts import Binding, Call, Function, Scanner
from prguard.engine.model import Finding, Severity, make_fingerprint

_LOGGERISH = re.compile(r"^_*(log|logger|logging|[a-z0-9_]*_log|[a-z0-9_]*_logger|[a-z0-9_]*logger)$", re.I)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEVERITIES = [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH]


def effective_settings(section: dict[str, Any] | None) -> dict[str, Any]:
    """The analyzer's policy section over the built-in defaults (tests may pass an empty section)."""
    merged = copy.deepcopy(R.DEFAULT_SETTINGS)
    for key, value in (section or {}).items():
        if key == "checks" and isinstance(value, dict):
            for check, options in value.items():
                merged["checks"].setdefault(check, {}).update(options or {})
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def tokens(name: str) -> set[str]:
    last = name.rsplit(".", 1)[-1].strip("_")
    return {part.lower() for part in re.split(r"_+", _CAMEL.sub("_", last)) if part}


def matches(dotted: str | None, names: Iterable[str]) -> bool:
    """`dotted` is one of `names` or lies under one (prefix by dotted segment, or a `x.` prefix)."""
    if not dotted:
        return False
    for name in names:
        if name.endswith("."):
            if dotted.startswith(name):
                return True
        elif dotted == name or dotted.startswith(name + ".") or dotted.startswith(name + "("):
            return True
    return False


def root(text: str | None) -> str:
    return (text or "").split(".")[0].split("(")[0]


def kwarg(call: ast.Call, *names: str) -> ast.keyword | None:
    return next((kw for kw in call.keywords if kw.arg in names), None)


def has_double_star(call: ast.Call) -> bool:
    return any(kw.arg is None for kw in call.keywords)


def is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


class Evaluator:
    """Judges the scanner's facts with the rule tables and the policy; yields Findings."""

    def __init__(self, ctx: FileContext, settings: dict[str, Any], facts: Scanner) -> None:
        self.ctx = ctx
        self.settings = settings
        self.facts = facts
        self.checks: dict[str, dict[str, Any]] = settings["checks"]
        self.policy_names: list[str] = [str(n) for n in settings.get("instrumentation_names") or []]
        self.retry_names: list[str] = [str(n) for n in settings.get("retry_names") or []]
        self.paid: list[str] = [str(n) for n in settings.get("paid_api_clients") or []]
        self.default_timeout = settings["checks"]["timeouts"].get("default_timeout", 10)
        self.instrument_names = self._instrument_names()
        self.logger_name = self._logger_expression()
        self._instrumented_cache: dict[int, bool] = {}
        self._by_node = {id(call.node): call for call in facts.calls}
        self._by_text: dict[str, list[Call]] = {}
        for call in facts.calls:
            if call.text:
                self._by_text.setdefault(call.text, []).append(call)

    def call_of(self, node: ast.Call) -> Call | None:
        return self._by_node.get(id(node))

    # --- policy ---------------------------------------------------------------------------------
    def enabled(self, check: str) -> bool:
        return bool(self.checks.get(check, {}).get("enabled", False))

    def severity(self, rule: R.Rule) -> Severity:
        configured = Severity(self.checks.get(rule.check, {}).get("severity", "medium"))
        return _SEVERITIES[max(0, _SEVERITIES.index(configured) - rule.severity_offset)]

    def finding(
        self,
        rule_id: str,
        node: ast.AST,
        message: str,
        *,
        anchor_end: int | None = None,
        context: str = "",
        snippet: str | None = None,
        suggestion: str | None = None,
        relevant: tuple[int, int] | None = None,
    ) -> Finding:
        rule = R.RULES[rule_id]
        start = node.lineno
        return Finding(
            rule_id=rule_id,
            analyzer="instrumentation",
            severity=self.severity(rule),
            path=self.ctx.path,
            start_line=start,
            end_line=anchor_end if anchor_end is not None else (node.end_lineno or start),
            message=message,
            fingerprint=make_fingerprint(
                rule_id,
                self.ctx.path,
                snippet if snippet is not None else self.ctx.head.segment(node),
                context,
            ),
            confidence=rule.confidence,
            cwe=rule.cwe,
            suggestion=suggestion,
            title=rule.title,
            start_column=getattr(node, "col_offset", None),
            relevant_lines=relevant,
        )

    # --- bindings -------------------------------------------------------------------------------
    def binding(self, text: str | None, function: Function | None) -> Binding | None:
        """The latest call bound to `text` visible from `function` (local, enclosing, class, module)."""
        if not text:
            return None
        scopes: list[str] = []
        if text.startswith(("self.", "cls.")):
            owner = function.top.class_name if function else None
            scopes.append(f"class:{owner}")
        else:
            walker = function
            while walker:
                scopes.append("def:" + walker.qualname)
                walker = walker.parent
            scopes.append("module")
        for scope in scopes:
            found = self.facts.bindings.get((scope, text))
            if found:
                return found[-1]
        return None

    def client_kind(self, receiver: ast.AST, function: Function | None) -> tuple[str | None, ast.Call | None]:
        """What client object a call's receiver is (requests/httpx/aiohttp/urllib3/boto3/paid), if known.

        `client.chat.completions` is looked up as itself, then `client.chat`, then `client`.
        """
        call: ast.Call | None = None
        node: ast.AST = receiver
        while call is None:
            if isinstance(node, ast.Call):
                call = node
            else:
                found = self.binding(self.facts.text_of(node), function)
                if found:
                    call = found.call
                elif isinstance(node, ast.Attribute):
                    node = node.value
                else:
                    return None, None
        ctor = self.facts.resolve(call.func)
        if not ctor:
            return None, None
        if ctor in R.CLIENT_KINDS:
            kind: str | None = R.CLIENT_KINDS[ctor]
        elif ctor.endswith((".client", ".resource")) and root(ctor) == "boto3":
            kind = "boto3"
        elif ctor in self.facts.classes:
            kind = self._subclass_kind(ctor)
        else:
            kind = None
        if kind is None and self._is_paid_module(ctor) and ctor.rsplit(".", 1)[-1] not in R.NOT_CLIENTS:
            kind = "paid"
        return kind, call

    def _subclass_kind(self, class_name: str) -> str | None:
        cls = self.facts.classes[class_name]
        for base in cls.bases:
            if base in R.CLIENT_KINDS:
                return R.CLIENT_KINDS[base]
        return None

    def _is_paid_module(self, dotted: str | None) -> bool:
        return matches(dotted, self.paid)

    # --- instrumentation ------------------------------------------------------------------------
    def _instrument_names(self) -> set[str]:
        """Names (and `self.x`) bound to a logger, metric, meter or tracer anywhere in the module."""
        names: set[str] = {
            alias for alias, target in self.facts.imports.items() if is_instrument_module(target)
        }
        changed = True
        while changed:
            changed = False
            for (_, text), found in self.facts.bindings.items():
                if text in names:
                    continue
                for bound in found:
                    receiver = root(self.facts.text_of(bound.call.func)) if bound.call else ""
                    method = bound.call.func.attr if isinstance(bound.call.func, ast.Attribute) else ""
                    if (
                        is_instrument_factory(bound.dotted)
                        or (receiver in names and method in R.INSTRUMENT_METHOD_FACTORIES)
                        or matches(bound.dotted, self.policy_names)
                    ):
                        names.add(text)
                        changed = True
                        break
        return names

    def _logger_expression(self) -> str | None:
        """What a suggested fix logs through: a module logger, else `logging.getLogger(__name__)`."""
        for (scope, text), found in self.facts.bindings.items():
            local_logger = scope == "module" and "." not in text and _LOGGERISH.match(text)
            if local_logger and any(is_instrument_factory(b.dotted) for b in found):
                return text
        for alias, target in self.facts.imports.items():
            if target == "loguru.logger":
                return alias
        for alias, target in self.facts.imports.items():
            if target == "logging":
                return f"{alias}.getLogger(__name__)"
        return None

    def is_instrumentation(self, call: Call) -> bool:
        dotted, text = call.dotted, call.text
        if is_instrument_module(dotted or "") or matches(dotted, self.policy_names):
            return True
        if matches(text, self.policy_names):
            return True
        if text:
            if any(is_instrument_module(part) for part in text.split(".")[:-1]):
                return True  # `self.sentry_sdk.capture_exception`, `app.structlog.get_logger`
            receiver, _, method = text.rpartition(".")
            if receiver and (receiver in self.instrument_names or root(receiver) in self.instrument_names):
                return True
            if receiver and method in R.LOG_METHODS and _LOGGERISH.match(receiver.rsplit(".", 1)[-1]):
                return True
            if (
                tokens(text) & R.INSTRUMENT_NAME_TOKENS
                and root(dotted) not in R.NUMERIC_MODULES
                and not is_local_uninstrumented(self, text)
            ):
                return True
        elif isinstance(call.node.func, ast.Attribute):
            chain = self.facts.text_of(chain_root(call.node.func))
            if chain and (chain in self.instrument_names or root(chain) in self.instrument_names):
                return True
        return False

    def decorator_instruments(self, decorator: ast.expr) -> bool:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        dotted, text = self.facts.resolve(target), self.facts.text_of(target)
        if is_instrument_module(dotted or "") or matches(dotted, self.policy_names):
            return True
        if text and (root(text) in self.instrument_names or tokens(text) & R.INSTRUMENT_NAME_TOKENS):
            return True
        if text in self.facts.module_functions:
            return self.instrumented_directly(self.facts.module_functions[text], deep=True)
        return False

    def instrumented_directly(self, function: Function, deep: bool = False) -> bool:
        key = id(function) * 2 + deep
        if key not in self._instrumented_cache:
            calls = function.calls + (function.nested_calls if deep else [])
            self._instrumented_cache[key] = any(self.is_instrumentation(c) for c in calls) or any(
                self.decorator_instruments(d) for d in function.node.decorator_list
            )
        return self._instrumented_cache[key]

    def instrumented(self, function: Function) -> bool:
        """Instrumentation on the function's path: itself, a decorator, or a same-module helper it calls."""
        if self.instrumented_directly(function, deep=True):
            return True
        for call in function.calls + function.nested_calls:
            helper = self.local_callee(call, function)
            if (
                helper is not None
                and helper is not function
                and self.instrumented_directly(helper, deep=True)
            ):
                return True
        return False

    def local_callee(self, call: Call, function: Function) -> Function | None:
        text = call.text or ""
        if text in self.facts.module_functions:
            return self.facts.module_functions[text]
        if text.startswith(("self.", "cls.")) and text.count(".") == 1 and function.top.class_name:
            cls = self.facts.classes.get(function.top.class_name)
            return cls.methods.get(text.split(".", 1)[1]) if cls else None
        return None

    # --- call classification --------------------------------------------------------------------
    def http_call(self, call: Call) -> str | None:
        """'requests.get'-style label when the call is an outbound HTTP request, else None."""
        if call.dotted in R.HTTP_FUNCTIONS:
            return call.dotted
        if isinstance(call.node.func, ast.Attribute):
            kind, _ = self.client_kind(call.node.func.value, call.function)
            if kind in R.CLIENT_METHODS and call.node.func.attr in R.CLIENT_METHODS[kind][0]:
                return f"{call.text or kind}"
        return None

    def paid_call(self, call: Call) -> str | None:
        """Label of a call to a paid API (LLM, cloud, SMS) per `paid_api_clients`, else None."""
        func = call.node.func
        if not isinstance(func, ast.Attribute):
            return None
        if func.attr in R.CLIENT_FACTORY_NAMES or func.attr[:1].isupper():
            return None
        kind, ctor = self.client_kind(func.value, call.function)
        if (
            ctor is not None
            and kind in ("paid", "boto3")
            and self._is_paid_module(self.facts.resolve(ctor.func))
        ):
            return call.text or call.dotted
        dotted = call.dotted or ""
        if self._is_paid_module(dotted) and "()" not in dotted and dotted.count(".") >= 2:
            return dotted
        return None

    def query_call(self, call: Call) -> str | None:
        """Label of an ORM / DB-API query, else None."""
        func = call.node.func
        if not isinstance(func, ast.Attribute):
            return None
        parts = (call.text or chain_text(func)).split(".")
        for index, part in enumerate(parts[:-1]):
            owner = parts[index - 1] if index else ""
            if part in R.ORM_DJANGO_MARKERS and owner[:1].isupper():
                return ".".join(parts[index - 1 :]).split("(")[0]
        receiver = self.facts.text_of(func.value)
        if receiver and func.attr in R.ORM_SESSION_METHODS:
            last = receiver.rsplit(".", 1)[-1].lower()
            if last in R.ORM_SESSION_NAMES or last.endswith(("_session", "_cursor", "_conn")):
                if func.attr == "get" and "session" not in last:
                    return None
                return f"{receiver}.{func.attr}"
        return None


def chain_root(node: ast.AST) -> ast.AST:
    """The receiver at the start of an attribute chain: `client` in `client.chat.completions.create`."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node


def chain_text(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{chain_text(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return chain_text(node.func) + "()"
    if isinstance(node, ast.Name):
        return node.id
    return "?"


def is_instrument_module(dotted: str) -> bool:
    return any(dotted == m or dotted.startswith(m + ".") for m in R.INSTRUMENTATION_MODULES)


def is_instrument_factory(dotted: str | None) -> bool:
    return bool(dotted) and any(
        dotted.startswith(f) if f.endswith(".") else dotted == f for f in R.INSTRUMENT_FACTORIES
    )


def is_local_uninstrumented(evaluator: Evaluator, text: str) -> bool:
    """A same-module function whose name sounds like logging but that does not log (`trace_path`)."""
    helper = evaluator.facts.module_functions.get(text)
    return helper is not None and not evaluator.instrumented_directly(helper, deep=True)
