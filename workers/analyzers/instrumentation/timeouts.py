"""Timeouts (PG-TIMEOUT001/002): network calls and clients that can block forever or for minutes."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from prguard.analyzers.asttools import contains, is_name
from prguard.analyzers.instrumentation import fixes
from prguard.analyzers.instrumentation import rules as R
from prguard.analyzers.instrumentation.connections import connection_spec
from prguard.analyzers.instrumentation.evaluator import Evaluator, is_none, kwarg
from prguard.analyzers.instrumentation.facts import Call, ClassInfo, Function
from prguard.engine.model import Finding


class TimeoutChecks(Evaluator):
    """The timeouts check, and what a requests session was given (timeout, retries)."""

    def timeouts(self) -> Iterator[Finding]:
        long_defaults = bool(self.checks["timeouts"].get("long_defaults", True))
        for call in self.facts.calls:
            spec, label = self.timeout_spec(call)
            keywords = call.keywords()
            if spec is None or any(
                kw.arg is None and self._may_carry(kw.value, spec.kwargs, call) for kw in keywords
            ):
                continue  # **options may carry the timeout
            given = next((kw for kw in keywords if kw.arg in spec.kwargs), None)
            if given is None and spec.position is not None and call.positional_count() > spec.position:
                continue
            if given is not None:
                if is_none(given.value) and spec.none_is_forever:
                    yield self.timeout_finding(call, label, spec, none_value=given.value)
                continue
            if call.dotted in R.CLIENT_KINDS and self._every_use_has_timeout(call):
                continue
            if self._timeout_set_after(call, label):
                continue
            if spec.default == "forever" or (spec.default == "long" and long_defaults):
                yield self.timeout_finding(call, label, spec)

    def _timeout_set_after(self, call: Call, label: str) -> bool:
        """A standard-library connection whose `timeout` attribute the function sets before it
        connects (`conn = http.client.HTTPSConnection(host); conn.timeout = self.timeout`): those
        classes read the attribute when they connect, unlike a requests session."""
        if call.function is None or label.split(".")[0] not in ("http", "smtplib", "ftplib"):
            return False
        names = {
            target.id
            for stmt in ast.walk(call.function.node)
            if isinstance(stmt, ast.Assign) and stmt.value is call.node
            for target in stmt.targets
            if isinstance(target, ast.Name)
        }
        return bool(names) and any(
            isinstance(stmt, ast.Assign)
            and any(
                isinstance(t, ast.Attribute) and t.attr == "timeout" and is_name(t.value, name)
                for t in stmt.targets
                for name in names
            )
            for stmt in ast.walk(call.function.node)
        )

    def _every_use_has_timeout(self, constructor: Call) -> bool:
        """A client made without a timeout whose every request passes one (`pool.request(..., timeout=5)`)."""
        uses = [
            c
            for c in self.facts.calls
            if isinstance(c.node.func, ast.Attribute)
            and c.node.func.attr in R.CLIENT_METHODS.get(R.CLIENT_KINDS[constructor.dotted or ""], ((),))[0]
            and self.client_kind(c.node.func.value, c.function, c.node.func.attr)[1] is constructor.node
        ]
        return bool(uses) and all(
            kwarg(u.node, "timeout") is not None or self._under_timeout_scope(u) for u in uses
        )

    def _under_timeout_scope(self, call: Call) -> bool:
        """Whether the call runs inside `async with asyncio.timeout(...)` (or `async_timeout`,
        anyio's `fail_after` ...) or is awaited through `asyncio.wait_for(..., timeout)`."""
        if call.function is None:
            return False
        for node in ast.walk(call.function.node):
            if isinstance(node, ast.With | ast.AsyncWith):
                scoped = [i for i, item in enumerate(node.items) if self._is_timeout_scope(item.context_expr)]
                if scoped and (
                    any(contains(stmt, call.node) for stmt in node.body)
                    or any(contains(item.context_expr, call.node) for item in node.items[scoped[0] + 1 :])
                ):
                    return True
            elif isinstance(node, ast.Call) and node is not call.node and self._is_timeout_scope(node):
                waits = node.args[1:] or [kw for kw in node.keywords if kw.arg == "timeout"]
                if waits and node.args and contains(node.args[0], call.node):
                    return True
        return False

    def _is_timeout_scope(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Call) and self.facts.resolve(node.func) in R.TIMEOUT_SCOPES

    def _may_carry(self, options: ast.expr, names: tuple[str, ...], call: Call) -> bool:
        """Whether `**options` may hold one of `names`: yes unless `options` is a local dict the
        function fills only with literal keys (`kw = {}; kw["region_name"] = r`), or a private
        function's own `**kwargs` that it and every call of it in this file fill that way, none of
        them one of `names`."""
        function = call.function
        if not isinstance(options, ast.Name) or function is None:
            return True
        keys = _dict_keys(options.id, function.node)
        if keys is None:
            keys = self._keys_a_helper_returns(options.id, function)
        kwarg = function.node.args.kwarg
        private = function.node.name.startswith("_") and not function.node.name.endswith("__")
        if keys is None and private and kwarg is not None and kwarg.arg == options.id:
            # a private helper's callers are in its module; a public one may be given anything
            written = _dict_keys(options.id, function.node, parameter=True)
            passed = self._keys_callers_pass(function)
            keys = None if written is None or passed is None else written | passed
        return keys is None or not keys.isdisjoint(names)

    def _keys_a_helper_returns(self, name: str, function: Function) -> set[str] | None:
        """`kwargs = self.prepare_request(...)` and nothing else writes `kwargs`: the keys every
        dict the helper of this file returns can hold (a local it fills with literal keys)."""
        writes = [
            node
            for node in ast.walk(function.node)
            if (isinstance(node, ast.Assign) and any(is_name(t, name) for t in node.targets))
            or (
                isinstance(node, ast.Subscript)
                and is_name(node.value, name)
                and isinstance(node.ctx, ast.Store)
            )
            or (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and is_name(node.func.value, name)
                and node.func.attr not in _READS
            )
        ]
        if (
            len(writes) != 1
            or not isinstance(writes[0], ast.Assign)
            or not isinstance(writes[0].value, ast.Call)
        ):
            return None
        made = self.call_of(writes[0].value)
        helper = self.local_callee(made, function) if made is not None else None
        returned = self.resolver.returns_of(helper.node) if helper is not None else []
        keys: set[str] = set()
        for value in returned:
            found = (
                _dict_keys(value.id, helper.node)  # type: ignore[union-attr]
                if isinstance(value, ast.Name)
                else _dict_literal_keys(value)
            )
            if found is None:
                return None
            keys |= found
        return keys if returned else None

    def _keys_callers_pass(self, function: Function) -> set[str] | None:
        """The keywords every call of `function` in this file passes (`self.m(...)` in its class, `f(...)`
        for a module function), literal or through a dict of literal keys; None when any is unknown."""
        text = f"self.{function.node.name}" if function.class_name else function.node.name
        callers = [c for c in self.facts.calls if c.text == text and c.function is not None]
        if not callers or any(c.function.class_name != function.class_name for c in callers):  # type: ignore[union-attr]
            return None
        keys: set[str] = set()
        for caller in callers:
            for keyword in caller.node.keywords:
                if keyword.arg is not None:
                    keys.add(keyword.arg)
                    continue
                passed = (
                    _dict_keys(keyword.value.id, caller.function.node)  # type: ignore[union-attr]
                    if isinstance(keyword.value, ast.Name)
                    else None
                )
                if passed is None:
                    return None
                keys |= passed
        return keys

    def timeout_spec(self, call: Call) -> tuple[R.TimeoutSpec | None, str]:
        if call.dotted in R.TIMEOUT_CALLS:
            return connection_spec(call, R.TIMEOUT_CALLS[call.dotted]), call.dotted or ""
        alias = self.may_be(call)
        if alias in R.TIMEOUT_CALLS and alias in R.HTTP_FUNCTIONS:
            return R.TIMEOUT_CALLS[alias], alias  # `self.http.post(...)`, `self.http` being `requests`
        made = self._constructor_alias(call.node)
        if made in R.TIMEOUT_CALLS:  # `http_client.ClientSession()`, `http_client` being `aiohttp`
            return connection_spec(call, R.TIMEOUT_CALLS[made]), made
        kind = self.client_method_kind(alias) if alias and isinstance(call.node.func, ast.Name) else None
        if kind is not None:  # `method(url)` given `self.session.get`: a session's bound method passed in
            spec = R.CLIENT_METHODS[kind][1]
            if spec is not None and not (kind == "requests" and self._typed_session_has("timeout")):
                return spec, call.text or alias or ""
        if (
            call.dotted
            and call.dotted.split(".")[0] == "boto3"
            and call.dotted.endswith((".client", ".resource"))
        ) or self.boto3_session_client(call.node):
            boto3_label = (
                call.dotted if (call.dotted or "").startswith("boto3") else f"boto3.{call.node.func.attr}"
            )
            return R.TIMEOUT_CALLS["boto3.client"], boto3_label
        if isinstance(call.node.func, ast.Attribute):
            kind, _ = self.client_kind(call.node.func.value, call.function, call.node.func.attr)
            methods, spec = R.CLIENT_METHODS.get(kind or "", (frozenset(), None))
            if spec is not None and call.node.func.attr in methods:
                if kind == "requests" and (
                    id(call.node) in self.awaited  # awaited: the async session a `requests` one stands in for
                    or self.session_has(call.node.func.value, call.function, "timeout")
                ):
                    return None, ""
                return spec, call.text or f"{kind}.{call.node.func.attr}"
        return None, ""

    def session_has(self, receiver: ast.AST, function: Function | None, feature: str) -> bool:
        """A requests session given a timeout or retries by a mounted adapter or a wrapped `request`."""
        text = self.facts.text_of(receiver)
        if self._own_session_class_has(receiver, function, feature):
            return True
        found = self.binding(text, function)
        if found is None:
            return self._typed_session_has(feature)
        if found.dotted in self.facts.classes and _class_mentions(self.facts.classes[found.dotted], feature):
            return True
        for call in self._by_text.get(f"{text}.mount", []):
            if len(call.node.args) >= 2 and self._adapter_has(call.node.args[1], call.function, feature):
                return True
        if feature == "timeout":
            for _, target, value in self.facts.attribute_assigns:
                if target == f"{text}.request" and isinstance(value, ast.Call) and kwarg(value, "timeout"):
                    return True
        # bound to what a factory returns (`self.session = self.make_session()`): its mounts count
        return found.dotted not in R.CLIENT_KINDS and self._typed_session_has(feature)

    def _own_session_class_has(self, receiver: ast.AST, function: Function | None, feature: str) -> bool:
        """`self.get(...)` in a subclass of `requests.Session`, or a call on an instance of one: a
        class of this file on its way up to the session (itself or a base) whose `request`/`send`
        override sets `feature` gives it to every request."""
        if isinstance(receiver, ast.Name) and receiver.id == "self" and function is not None:
            klass = self.resolver.classes.get(function.top.class_name or "")
            type_name = klass.qualname if klass is not None else None
        else:
            type_name = self.type_of(receiver)
        by_name = {name.rsplit(".", 1)[-1]: info for name, info in self.facts.classes.items()}
        for supertype in self.resolver.supertypes(type_name) if type_name else ():
            info = self.facts.classes.get(supertype) or by_name.get(supertype.rsplit(".", 1)[-1])
            if info is not None and _class_mentions(info, feature):
                return True
        return False

    def _typed_session_has(self, feature: str) -> bool:
        """A session known by its type only (made by a factory method or a property of the file): the
        file mounts an adapter giving `feature` on a requests session somewhere (the factory's own
        `s.mount(...)`), so the session may carry it; not reported."""
        for call in self.facts.calls:
            func = call.node.func
            if not (isinstance(func, ast.Attribute) and func.attr == "mount" and len(call.node.args) >= 2):
                continue
            made = self.type_of(func.value)
            if made is None or R.CLIENT_TYPE_KINDS.get(made) != "requests":
                continue
            if self._adapter_has(call.node.args[1], call.function, feature):
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
            given = kwarg(adapter, "max_retries")
            return given is not None and not (isinstance(given.value, ast.Constant) and not given.value.value)
        if kwarg(adapter, "timeout"):
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
        if call.partial is not None:
            # the keyword belongs in the partial: an edit of this call would not be where it is made
            suggestion = None
            shown_partial = f" (through the `functools.partial` of line {call.partial.lineno})"
            problem = problem.replace(shown, shown + shown_partial, 1)
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


def _class_mentions(cls: ClassInfo, word: str) -> bool:
    """The class's request/send overrides mention `word` (`kwargs.setdefault("timeout", ...)`)."""
    for name in ("request", "send", "__init__"):
        method = cls.methods.get(name)
        if method and word in ast.unparse(method.node):
            return True
    return False


def _manual_timeout_fix(label: str, value: int) -> str:
    if label.startswith("boto3"):
        return f"pass `config=botocore.config.Config(connect_timeout={value}, read_timeout={value})`"
    if label.startswith("aiohttp"):
        return f"pass `timeout=aiohttp.ClientTimeout(total={value})`"
    return "set a timeout"


_READS = frozenset({"get", "pop", "copy", "items", "keys", "values"})


def _dict_keys(name: str, function: ast.AST, *, parameter: bool = False) -> set[str] | None:
    """The keys the dict `name` can hold, read from the function: a local made from a dict literal (or
    `{...} if c else {...}`), or with `parameter` the function's own `**name`, then given only literal
    keys (`name["k"] = v`, `name.setdefault("k", v)`). None when it may hold others: a local made
    another way or a parameter of that name, a rebinding with `parameter`, `update`, or handing it to a
    call that may fill it."""
    arguments = function.args  # type: ignore[attr-defined]
    if not parameter and name in {
        a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
    }:
        return None
    keys: set[str] = set()
    made = parameter
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(is_name(t, name) for t in node.targets):
            literal = None if parameter else _dict_literal_keys(node.value)
            if literal is None:
                return None
            keys |= literal
            made = True
        elif (
            isinstance(node, ast.Subscript) and is_name(node.value, name) and isinstance(node.ctx, ast.Store)
        ):
            if not (isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
                return None
            keys.add(node.slice.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and is_name(node.func.value, name)
        ):
            first = node.args[0] if node.args else None
            if (
                node.func.attr == "setdefault"
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                keys.add(first.value)
            elif node.func.attr not in _READS:
                return None  # `update(...)`: keys not written here
        elif isinstance(node, ast.Call) and any(is_name(a, name) for a in node.args):
            return None  # handed to a function that may fill it
        elif isinstance(node, ast.AugAssign | ast.AnnAssign) and is_name(node.target, name):
            return None
    return keys if made else None


def _dict_literal_keys(value: ast.expr) -> set[str] | None:
    """The keys of a dict literal with string keys, or of either branch of `{...} if c else {...}`."""
    if isinstance(value, ast.IfExp):
        body, orelse = _dict_literal_keys(value.body), _dict_literal_keys(value.orelse)
        return None if body is None or orelse is None else body | orelse
    if isinstance(value, ast.Dict) and all(
        isinstance(k, ast.Constant) and isinstance(k.value, str) for k in value.keys
    ):
        return {k.value for k in value.keys}  # type: ignore[union-attr]
    return None
