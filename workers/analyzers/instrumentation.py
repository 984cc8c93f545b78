"""Instrumentation & safeguards: silent failures in new code (no logs, no timeout, no retry, swallowed
errors, queries and paid calls in loops), with mechanical fixes where one exists.

One AST pass per file (`Scanner`) records facts: imports, client objects, functions with their calls,
loops and `except` clauses. `_Evaluator` then judges those facts against the rule tables in
`instrumentation_rules` and the policy, without walking the tree again. Function-level findings are
anchored on the `def` line with the whole function as `relevant_lines`, so the engine's changed-lines
filter reports a function when any of its lines changed; call-level findings sit on the call.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from prguard.analyzers import instrumentation_fixes as fixes
from prguard.analyzers import instrumentation_rules as R
from prguard.analyzers.base import Analyzer, FileContext
from prguard.analyzers.instrumentation_facts import Binding, Call, ClassInfo, Function, Loop, Scanner
from prguard.engine.model import Finding, Severity, make_fingerprint

_LOGGERISH = re.compile(r"^_*(log|logger|logging|[a-z0-9_]*_log|[a-z0-9_]*_logger|[a-z0-9_]*logger)$", re.I)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEVERITIES = [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH]


# ---------------------------------------------------------------- judging the facts


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


def _tokens(name: str) -> set[str]:
    last = name.rsplit(".", 1)[-1].strip("_")
    return {part.lower() for part in re.split(r"_+", _CAMEL.sub("_", last)) if part}


def _matches(dotted: str | None, names: Iterable[str]) -> bool:
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


def _root(text: str | None) -> str:
    return (text or "").split(".")[0].split("(")[0]


def _kwarg(call: ast.Call, *names: str) -> ast.keyword | None:
    return next((kw for kw in call.keywords if kw.arg in names), None)


def _has_double_star(call: ast.Call) -> bool:
    return any(kw.arg is None for kw in call.keywords)


def _is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


class _Evaluator:
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
            analyzer=InstrumentationAnalyzer.name,
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
        elif ctor.endswith((".client", ".resource")) and _root(ctor) == "boto3":
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
        return _matches(dotted, self.paid)

    # --- instrumentation ------------------------------------------------------------------------
    def _instrument_names(self) -> set[str]:
        """Names (and `self.x`) bound to a logger, metric, meter or tracer anywhere in the module."""
        names: set[str] = {
            alias for alias, target in self.facts.imports.items() if _is_instrument_module(target)
        }
        changed = True
        while changed:
            changed = False
            for (_, text), found in self.facts.bindings.items():
                if text in names:
                    continue
                for bound in found:
                    receiver = _root(self.facts.text_of(bound.call.func)) if bound.call else ""
                    method = bound.call.func.attr if isinstance(bound.call.func, ast.Attribute) else ""
                    if (
                        _is_instrument_factory(bound.dotted)
                        or (receiver in names and method in R.INSTRUMENT_METHOD_FACTORIES)
                        or _matches(bound.dotted, self.policy_names)
                    ):
                        names.add(text)
                        changed = True
                        break
        return names

    def _logger_expression(self) -> str | None:
        """What a suggested fix logs through: a module logger, else `logging.getLogger(__name__)`."""
        for (scope, text), found in self.facts.bindings.items():
            local_logger = scope == "module" and "." not in text and _LOGGERISH.match(text)
            if local_logger and any(_is_instrument_factory(b.dotted) for b in found):
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
        if _is_instrument_module(dotted or "") or _matches(dotted, self.policy_names):
            return True
        if _matches(text, self.policy_names):
            return True
        if text:
            if any(_is_instrument_module(part) for part in text.split(".")[:-1]):
                return True  # `self.sentry_sdk.capture_exception`, `app.structlog.get_logger`
            receiver, _, method = text.rpartition(".")
            if receiver and (receiver in self.instrument_names or _root(receiver) in self.instrument_names):
                return True
            if receiver and method in R.LOG_METHODS and _LOGGERISH.match(receiver.rsplit(".", 1)[-1]):
                return True
            if (
                _tokens(text) & R.INSTRUMENT_NAME_TOKENS
                and _root(dotted) not in R.NUMERIC_MODULES
                and not _is_local_uninstrumented(self, text)
            ):
                return True
        elif isinstance(call.node.func, ast.Attribute):
            chain = self.facts.text_of(_chain_root(call.node.func))
            if chain and (chain in self.instrument_names or _root(chain) in self.instrument_names):
                return True
        return False

    def decorator_instruments(self, decorator: ast.expr) -> bool:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        dotted, text = self.facts.resolve(target), self.facts.text_of(target)
        if _is_instrument_module(dotted or "") or _matches(dotted, self.policy_names):
            return True
        if text and (_root(text) in self.instrument_names or _tokens(text) & R.INSTRUMENT_NAME_TOKENS):
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
        parts = (call.text or _chain_text(func)).split(".")
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


def _chain_root(node: ast.AST) -> ast.AST:
    """The receiver at the start of an attribute chain: `client` in `client.chat.completions.create`."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node


def _chain_text(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_chain_text(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _chain_text(node.func) + "()"
    if isinstance(node, ast.Name):
        return node.id
    return "?"


def _is_instrument_module(dotted: str) -> bool:
    return any(dotted == m or dotted.startswith(m + ".") for m in R.INSTRUMENTATION_MODULES)


def _is_instrument_factory(dotted: str | None) -> bool:
    return bool(dotted) and any(
        dotted.startswith(f) if f.endswith(".") else dotted == f for f in R.INSTRUMENT_FACTORIES
    )


def _is_local_uninstrumented(evaluator: _Evaluator, text: str) -> bool:
    """A same-module function whose name sounds like logging but that does not log (`trace_path`)."""
    helper = evaluator.facts.module_functions.get(text)
    return helper is not None and not evaluator.instrumented_directly(helper, deep=True)


# ---------------------------------------------------------------- the rules


class _Rules(_Evaluator):
    """One method per check; each yields the findings of its rules."""

    def run(self) -> Iterator[Finding]:
        if self.enabled("timeouts"):
            yield from self.timeouts()
        if self.enabled("swallowed_errors"):
            yield from self.swallowed_errors()
        if self.enabled("loops"):
            yield from self.loops()
        if not (self.enabled("observability") or self.enabled("retries")):
            return
        kinds = {id(f.node): self.function_kinds(f) for f in self.facts.functions}
        if self.enabled("observability"):
            yield from self.observability(kinds)
        if self.enabled("retries"):
            yield from self.retries(kinds)

    # --- timeouts -------------------------------------------------------------------------------
    def timeouts(self) -> Iterator[Finding]:
        long_defaults = bool(self.checks["timeouts"].get("long_defaults", True))
        for call in self.facts.calls:
            spec, label = self.timeout_spec(call)
            if spec is None or _has_double_star(call.node):
                continue
            given = _kwarg(call.node, *spec.kwargs)
            if given is None and spec.position is not None and len(call.node.args) > spec.position:
                continue
            if given is not None:
                if _is_none(given.value) and spec.none_is_forever:
                    yield self.timeout_finding(call, label, spec, none_value=given.value)
                continue
            if call.dotted in R.CLIENT_KINDS and self._every_use_has_timeout(call):
                continue
            if spec.default == "forever" or (spec.default == "long" and long_defaults):
                yield self.timeout_finding(call, label, spec)

    def _every_use_has_timeout(self, constructor: Call) -> bool:
        """A client made without a timeout whose every request passes one (`pool.request(..., timeout=5)`)."""
        uses = [
            c
            for c in self.facts.calls
            if isinstance(c.node.func, ast.Attribute)
            and c.node.func.attr in R.CLIENT_METHODS.get(R.CLIENT_KINDS[constructor.dotted or ""], ((),))[0]
            and self.client_kind(c.node.func.value, c.function)[1] is constructor.node
        ]
        return bool(uses) and all(_kwarg(u.node, "timeout") is not None for u in uses)

    def timeout_spec(self, call: Call) -> tuple[R.TimeoutSpec | None, str]:
        if call.dotted in R.TIMEOUT_CALLS:
            return self._connection_spec(call, R.TIMEOUT_CALLS[call.dotted]), call.dotted or ""
        if (
            call.dotted
            and call.dotted.split(".")[0] == "boto3"
            and call.dotted.endswith((".client", ".resource"))
        ):
            return R.TIMEOUT_CALLS["boto3.client"], call.dotted
        if isinstance(call.node.func, ast.Attribute):
            kind, _ = self.client_kind(call.node.func.value, call.function)
            methods, spec = R.CLIENT_METHODS.get(kind or "", (frozenset(), None))
            if spec is not None and call.node.func.attr in methods:
                if kind == "requests" and self.session_has(call.node.func.value, call.function, "timeout"):
                    return None, ""
                return spec, call.text or f"{kind}.{call.node.func.attr}"
        return None, ""

    @staticmethod
    def _connection_spec(call: Call, spec: R.TimeoutSpec) -> R.TimeoutSpec | None:
        """DB clients configured by a DSN/URI: a timeout may hide in the string, so judge only literals."""
        if call.dotted in {"psycopg2.connect", "psycopg.connect", "pymongo.MongoClient"} and call.node.args:
            dsn = call.node.args[0]
            if not (isinstance(dsn, ast.Constant) and isinstance(dsn.value, str)):
                return None
            if any(key.lower() in dsn.value.lower() for key in spec.kwargs):
                return None
        return spec

    def session_has(self, receiver: ast.AST, function: Function | None, feature: str) -> bool:
        """A requests session given a timeout or retries by a mounted adapter or a wrapped `request`."""
        text = self.facts.text_of(receiver)
        found = self.binding(text, function)
        if found is None:
            return False
        if found.dotted in self.facts.classes and _class_mentions(self.facts.classes[found.dotted], feature):
            return True
        for call in self._by_text.get(f"{text}.mount", []):
            if len(call.node.args) >= 2 and self._adapter_has(call.node.args[1], call.function, feature):
                return True
        if feature == "timeout":
            for _, target, value in self.facts.attribute_assigns:
                if target == f"{text}.request" and isinstance(value, ast.Call) and _kwarg(value, "timeout"):
                    return True
        return False

    def _adapter_has(self, adapter: ast.expr, function: Function | None, feature: str) -> bool:
        if isinstance(adapter, ast.Name):
            bound = self.binding(adapter.id, function)
            if bound is None:
                return False
            adapter = bound.call
        if not isinstance(adapter, ast.Call):
            return False
        ctor = self.facts.resolve(adapter.func) or ""
        if feature == "retries":
            given = _kwarg(adapter, "max_retries")
            return given is not None and not (isinstance(given.value, ast.Constant) and not given.value.value)
        if _kwarg(adapter, "timeout"):
            return True
        if ctor in self.facts.classes:
            return _class_mentions(self.facts.classes[ctor], "timeout")
        return "timeout" in ctor.rsplit(".", 1)[-1].lower()

    def timeout_finding(
        self, call: Call, label: str, spec: R.TimeoutSpec, none_value: ast.AST | None = None
    ) -> Finding:
        value = self.default_timeout
        lines = self.ctx.head.lines
        shown = f"`{call.text}(...)` ({label})" if call.text and call.text != label else f"`{label}(...)`"
        suggestion = None
        if none_value is not None:
            rule_id = "PG-TIMEOUT001"
            problem = f"{shown} passes `{spec.kwargs[0]}=None`, which disables the timeout"
            if spec.fix:
                suggestion = fixes.replace_node(
                    lines, call.node, none_value, spec.fix.split("=", 1)[1].format(t=value)
                )
        else:
            rule_id = "PG-TIMEOUT001" if spec.default == "forever" else "PG-TIMEOUT002"
            problem = f"{shown} has no `{spec.kwargs[0]}`" + (f" ({spec.note})" if spec.note else "")
            if spec.fix:
                suggestion = fixes.add_keyword(lines, call.node, spec.fix.format(t=value))
        where = f" in `{call.function.qualname}()`" if call.function else ""
        consequence = (
            "a stalled server holds this worker forever"
            if rule_id == "PG-TIMEOUT001"
            else "a stalled peer holds this code for minutes"
        )
        fix = f"add `{spec.fix.format(t=value)}`" if spec.fix else _manual_timeout_fix(label, value)
        return self.finding(
            rule_id,
            call.node,
            f"{problem}{where}: {consequence}; {fix}.",
            context=call.function.qualname if call.function else "",
            suggestion=suggestion,
        )

    # --- swallowed errors -----------------------------------------------------------------------
    def swallowed_errors(self) -> Iterator[Finding]:
        for handler in self.facts.excepts:
            node = handler.node
            if handler.optional_import or handler.best_effort_cleanup or self._acknowledged(node):
                continue  # an optional dependency, a best-effort close(), or a lint-waived broad except
            if handler.function and handler.function.name == "__del__":
                continue  # a destructor must not raise
            if not self._broad(node.type) or self._reports(node):
                continue
            rest = [s for s in node.body if not _is_trivial(s)]
            where = handler.function.qualname + "()" if handler.function else "module level"
            caught = "bare `except:`" if node.type is None else f"`except {ast.unparse(node.type)}`"
            if not rest:
                rule_id = "PG-ERR001"
                keep = [s for s in node.body if isinstance(s, ast.Continue | ast.Break)]
                action = "continue" if keep else "pass"
                message = (
                    f"{caught} in {where} swallows every error ({action}) without logging or re-raising: "
                    "failures vanish and bugs look like success. Log it (`logger.exception(...)`) or "
                    "catch only the exception you expect."
                )
                log_message = f"Ignored error in {where}" if not keep else f"Skipped after error in {where}"
            elif _is_default_fallback(rest):
                rule_id = "PG-ERR002"
                keep = [s for s in node.body if not isinstance(s, ast.Pass) and not _is_ellipsis(s)]
                message = (
                    f"{caught} in {where} falls back to a default value without logging: callers cannot "
                    "tell a failure from an empty result. Log the exception before falling back."
                )
                log_message = f"Falling back to a default after error in {where}"
            else:
                continue
            suggestion = None
            if self.logger_name:
                log_call = f"{self.logger_name}.exception({json.dumps(log_message)})"
                suggestion = fixes.log_in_handler(self.ctx.head.lines, node, log_call, keep)
            yield self.finding(
                rule_id,
                node,
                message,
                snippet=self.ctx.head.segment(node),
                context=handler.function.qualname if handler.function else "",
                suggestion=suggestion,
            )

    def _acknowledged(self, handler: ast.ExceptHandler) -> bool:
        """`except Exception:  # pylint: disable=broad-except` / `# noqa: BLE001`: a reviewed decision."""
        line = self.ctx.head.lines[handler.lineno - 1] if handler.lineno <= len(self.ctx.head.lines) else ""
        return bool(R.BROAD_EXCEPT_WAIVERS.search(line))

    def _broad(self, kind: ast.expr | None) -> bool:
        if kind is None:
            return True
        if isinstance(kind, ast.Tuple):
            return any(self._broad(e) for e in kind.elts)
        name = self.facts.resolve(kind) or ""
        return name.rsplit(".", 1)[-1] in {"Exception", "BaseException"}

    def _reports(self, handler: ast.ExceptHandler) -> bool:
        """The handler re-raises, logs, reports, exits, retries, or uses the exception it caught."""
        for node in _walk_body(handler.body):
            if isinstance(node, ast.Raise):
                return True
            if handler.name and isinstance(node, ast.Name) and node.id == handler.name:
                return True
            if isinstance(node, ast.Call):
                dotted, text = self.facts.resolve(node.func), self.facts.text_of(node.func)
                if dotted in {"print"} or _matches(dotted, R.ERROR_REPORTERS):
                    return True
                if text and text.rsplit(".", 1)[-1] == "retry":
                    return True
                if self.is_instrumentation(Call(node, dotted, text, None, None)):
                    return True
        return False

    # --- loops ----------------------------------------------------------------------------------
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

    # --- observability --------------------------------------------------------------------------
    def function_kinds(self, function: Function) -> list[tuple[str, str]]:
        """What the rules care about in a function: [("handlers"|"tasks", how), ("outbound_calls", what)]."""
        kinds = [
            ("handlers", role) if role.startswith("handler:") else ("tasks", role)
            for role in [self._role(function)]
            if role
        ]
        kinds = [(plural, role.split(":", 1)[1]) for plural, role in kinds]
        outbound = next((label for c in function.calls if (label := self._outbound(c))), None)
        if outbound:
            kinds.append(("outbound_calls", f"calls `{outbound}`"))
        return kinds

    def _role(self, function: Function) -> str | None:
        """ "handler:<how>" or "task:<framework> task" when the function is an entry point."""
        node = function.node
        for decorator in node.decorator_list:
            described = self._handler_decorator(decorator)
            if described:
                return "handler:" + described
            framework = self._task_decorator(decorator)
            if framework:
                return f"task:{framework} task"
        if function.parent is None and self._django_view(function):
            return "handler:Django view"
        if function.parent is None and function.class_name and self._view_method(function):
            return f"handler:view method of `{function.class_name}`"
        if function.parent is None and function.class_name is None and node.name in self._route_endpoints():
            return "handler:route endpoint"
        return None

    def _outbound(self, call: Call) -> str | None:
        return (
            self.http_call(call)
            or self.paid_call(call)
            or (
                call.dotted
                if call.dotted in R.TIMEOUT_CALLS
                and call.dotted.split(".")[0] in {"smtplib", "ftplib", "http"}
                else None
            )
        )

    def _handler_decorator(self, decorator: ast.expr) -> str | None:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        text = self.facts.text_of(target) or ""
        dotted = self.facts.resolve(target) or ""
        last = text.rsplit(".", 1)[-1]
        if dotted.endswith("api_view") or (last == "action" and _root(dotted) == "rest_framework"):
            return "DRF API view"
        if not isinstance(decorator, ast.Call) or "." not in text:
            return None
        given = _kwarg(decorator, "path", "rule")
        path = decorator.args[0] if decorator.args else (given.value if given else None)
        route = path.value if isinstance(path, ast.Constant) and isinstance(path.value, str) else None
        is_path = route is not None and (route.startswith("/") or route == "")
        if last in R.ROUTE_DECORATORS or (last in R.HTTP_VERB_DECORATORS and is_path):
            verb = last.upper() if last in R.HTTP_VERB_DECORATORS else "route"
            return f"`{verb} {route}`" if route is not None else "route"
        return None

    def _task_decorator(self, decorator: ast.expr) -> str | None:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        dotted = self.facts.resolve(target) or ""
        last = dotted.rsplit(".", 1)[-1]
        framework = R.TASK_DECORATORS.get(last)
        if framework is None or _root(dotted) in {"invoke", "fabric", "nox", "pytest"}:
            return None
        if framework == "rq" and "rq" not in dotted.split("."):
            return None
        if framework == "dramatiq" and _root(dotted) not in {"dramatiq", "remoulade"}:
            return None
        if framework == "celery" and _root(dotted) in {"huey"}:
            return "Huey"
        return {"celery": "Celery", "huey": "Huey", "dramatiq": "Dramatiq", "rq": "RQ"}[framework]

    def _django_module(self) -> bool:
        return any(_root(t) in {"django", "rest_framework"} for t in self.facts.imports.values())

    def _django_view(self, function: Function) -> bool:
        path = self.ctx.path.replace("\\", "/")
        in_views = path.endswith(("views.py", "viewsets.py")) or "/views/" in path
        args = function.node.args.posonlyargs + function.node.args.args
        return (
            in_views
            and function.class_name is None
            and self._django_module()
            and not function.name.startswith("_")
            and bool(args)
            and args[0].arg == "request"
        )

    def _view_method(self, function: Function) -> bool:
        cls = self.facts.classes.get(function.class_name or "")
        if cls is None or not any(b.rsplit(".", 1)[-1].endswith(R.VIEW_BASE_SUFFIXES) for b in cls.bases):
            return False
        decorated_action = any(
            (self.facts.resolve(d.func if isinstance(d, ast.Call) else d) or "").endswith("action")
            for d in function.node.decorator_list
        )
        return function.name in R.VIEW_METHODS or decorated_action

    def _route_endpoints(self) -> set[str]:
        endpoints: set[str] = set()
        for call in self.facts.calls:
            last = (call.dotted or "").rsplit(".", 1)[-1]
            target: ast.expr | None = None
            if last in {"Route", "WebSocketRoute"}:
                given = _kwarg(call.node, "endpoint")
                target = given.value if given else (call.node.args[1] if len(call.node.args) > 1 else None)
            elif last in {"add_url_rule", "add_api_route", "add_route"}:
                given = _kwarg(call.node, "view_func", "endpoint")
                target = given.value if given else (call.node.args[-1] if len(call.node.args) > 1 else None)
            if isinstance(target, ast.Name):
                endpoints.add(target.id)
        return endpoints

    def _module_covers(self, kind: str) -> bool:
        """App-wide instrumentation here: logging request hooks or Celery signals, instrumentors."""
        for function in self.facts.functions:
            for decorator in function.node.decorator_list:
                text = (
                    self.facts.text_of(decorator.func if isinstance(decorator, ast.Call) else decorator) or ""
                )
                parts = text.split(".")
                hook = (kind == "handlers" and parts[-1] in R.REQUEST_HOOK_DECORATORS) or (
                    kind == "tasks"
                    and len(parts) >= 2
                    and parts[-1] == "connect"
                    and parts[-2] in R.TASK_SIGNALS
                )
                if hook and self.instrumented_directly(function, deep=True):
                    return True
        if kind == "handlers":
            for call in self.facts.calls:
                last = (call.dotted or "").rsplit(".", 1)[-1]
                if last in {"instrument_app", "add_middleware"} and self._instrumenting_middleware(call):
                    return True
        return any(
            _matches(call.dotted, ("sentry_sdk.init", "logfire.configure")) for call in self.facts.calls
        )

    def _instrumenting_middleware(self, call: Call) -> bool:
        if (call.dotted or "").endswith("instrument_app"):
            return True
        names = " ".join(ast.unparse(a) for a in call.node.args).lower()
        return any(word in names for word in ("log", "trace", "metric", "prometheus", "sentry", "telemetry"))

    def _class_covers(self, function: Function) -> bool:
        cls = self.facts.classes.get(function.class_name or "")
        if cls is None:
            return False
        return any(
            name in R.VIEW_WRAPPERS and self.instrumented_directly(method, deep=True)
            for name, method in cls.methods.items()
        ) or any(self.decorator_instruments(d) for d in cls.node.decorator_list)

    def observability(self, kinds: dict[int, list[tuple[str, str]]]) -> Iterator[Finding]:
        required = set(self.checks["observability"].get("require_on") or [])
        rule_of = {"handlers": "PG-OBS001", "tasks": "PG-OBS002", "outbound_calls": "PG-OBS003"}
        covered: dict[str, bool] = {}
        for function in self.facts.functions:
            kind = next((k for k in kinds[id(function.node)] if k[0] in required), None)
            if kind is None:
                continue
            category, described = kind
            if category in ("handlers", "tasks"):
                if category not in covered:
                    covered[category] = self._module_covers(category)
                if covered[category]:
                    continue
            if self.instrumented(function) or (category == "handlers" and self._class_covers(function)):
                continue
            node = function.node
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            consequence = {
                "handlers": "when it fails or slows down in production nobody sees it",
                "tasks": "a failing or stuck task leaves no trace beyond the worker's own line",
                "outbound_calls": "when the remote side fails or slows down there is no record of it",
            }[category]
            yield self.finding(
                rule_of[category],
                node,
                f"`{function.qualname}()` ({described}) has no logging, metrics or tracing on its path: "
                f"{consequence}. Log the outcome (`logger.info`/`logger.exception`), add a metric or a span, "
                "or call a helper that does.",
                anchor_end=node.lineno,
                snippet=self.ctx.head.segment(node),
                context=function.qualname,
                relevant=(first, node.end_lineno or node.lineno),
            )

    # --- retries --------------------------------------------------------------------------------
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
            if _matches(dotted, R.RETRY_DECORATORS) or _matches(dotted, self.retry_names):
                return True
            if "retry" in text.rsplit(".", 1)[-1].lower() or "retries" in _tokens(text):
                return True
            if isinstance(decorator, ast.Call) and self._task_decorator(decorator):
                if _kwarg(decorator, "autoretry_for", "retry"):
                    return True
                if (self._task_decorator(decorator) == "Dramatiq") and not _is_zero(
                    _kwarg(decorator, "max_retries")
                ):
                    return True
            elif self._task_decorator(decorator) == "Dramatiq":
                return True  # Dramatiq actors retry with backoff by default
        return any((call.text or "").rsplit(".", 1)[-1] == "retry" for call in function.calls)

    def _client_retries(self, call: Call) -> bool:
        func = call.node.func
        if not isinstance(func, ast.Attribute):
            return False
        kind, ctor = self.client_kind(func.value, call.function)
        if kind == "requests":
            return self.session_has(func.value, call.function, "retries")
        if ctor is not None and kind in ("httpx", "urllib3"):
            transport = _kwarg(ctor, "transport", "retries")
            return transport is not None and (
                transport.arg == "retries" or "retries" in ast.unparse(transport.value)
            )
        return False


def _is_zero(keyword: ast.keyword | None) -> bool:
    return keyword is not None and isinstance(keyword.value, ast.Constant) and keyword.value.value == 0


def _class_mentions(cls: ClassInfo, word: str) -> bool:
    """The class's request/send overrides mention `word` (`kwargs.setdefault("timeout", ...)`)."""
    for name in ("request", "send", "__init__"):
        method = cls.methods.get(name)
        if method and word in ast.unparse(method.node):
            return True
    return False


def _walk_body(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a block, not descending into nested functions or classes."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))


def _is_ellipsis(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def _is_trivial(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Pass | ast.Continue | ast.Break) or _is_ellipsis(stmt)


def _is_default_value(node: ast.expr | None) -> bool:
    """None, False, 0, "" or an empty container: a value a caller reads as "nothing there".

    A non-empty constant ("<broken repr>", "unknown", -1) is a sentinel the caller can recognise.
    """
    if node is None:
        return True
    if isinstance(node, ast.Constant):
        return node.value is None or node.value is False or node.value in (0, "", b"")
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return not node.elts
    if isinstance(node, ast.Dict):
        return not node.keys
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.args and not node.keywords:
        return node.func.id in {"dict", "list", "set", "tuple", "frozenset", "str"}
    return False


def _is_default_fallback(statements: list[ast.stmt]) -> bool:
    """`return None` / `return []` / `result = {}` — the error becomes an ordinary-looking value."""
    for stmt in statements:
        if isinstance(stmt, ast.Return) and _is_default_value(stmt.value):
            continue
        if isinstance(stmt, ast.Assign | ast.AnnAssign) and _is_default_value(stmt.value):
            continue
        return False
    return True


def _manual_timeout_fix(label: str, value: int) -> str:
    if label.startswith("boto3"):
        return f"pass `config=botocore.config.Config(connect_timeout={value}, read_timeout={value})`"
    if label.startswith("aiohttp"):
        return f"pass `timeout=aiohttp.ClientTimeout(total={value})`"
    return "set a timeout"


class InstrumentationAnalyzer(Analyzer):
    """Flags missing instrumentation and safeguards in Python files (see module docstring)."""

    name = "instrumentation"

    def analyze_file(self, ctx: FileContext) -> Iterable[Finding]:
        settings = effective_settings(ctx.settings)
        if not settings.get("enabled", True):
            return []
        facts = Scanner(ctx.head).scan()
        return list(_Rules(ctx, settings, facts).run())
