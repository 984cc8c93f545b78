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
from functools import cached_property
from typing import TYPE_CHECKING, Any

from prguard.analyzers.asttools import contains
from prguard.analyzers.base import FileContext
from prguard.analyzers.instrumentation import querysets
from prguard.analyzers.instrumentation import rules as R
from prguard.analyzers.instrumentation.facts import Binding, Call, Function, Scanner
from prguard.analyzers.pyresolve import Resolver
from prguard.analyzers.pyresolve.alternatives import argument_of, dynamic_getattr
from prguard.analyzers.pyresolve.known import QUERYSET
from prguard.engine.model import Finding, Severity, make_fingerprint

if TYPE_CHECKING:
    from prguard.analyzers.instrumentation.crossfile import Effect, HelperIndex

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


def is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


class Evaluator:
    """Judges the scanner's facts with the rule tables and the policy; yields Findings."""

    def __init__(
        self,
        ctx: FileContext,
        settings: dict[str, Any],
        facts: Scanner,
        *,
        helpers: HelperIndex | None = None,
        qualify: str = "",
    ) -> None:
        self.ctx = ctx
        #: the repository's helpers in other files (None: this file alone is known)
        self.helpers = helpers
        #: the module name helper paths are qualified with ("" in the file under review: short names)
        self.qualify = qualify
        #: what this file's analysis asked of other files: {question: answer} (see remote_effect)
        self.reads: dict[str, str] = {}
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
        self._effects: dict[tuple[int, int], tuple[str, str, list[str]] | None] = {}
        self._typed_cache: dict[tuple[str, str], str | None] = {}
        self._inherited_types: dict[tuple[str, str], str | None] = {}  # (class, attribute) -> type
        self._may_be: dict[int, str | None] = {}
        self._by_node = {id(call.node): call for call in facts.calls}
        self._by_text: dict[str, list[Call]] = {}
        for call in facts.calls:
            if call.text:
                self._by_text.setdefault(call.text, []).append(call)

    def call_of(self, node: ast.Call) -> Call | None:
        return self._by_node.get(id(node))

    @cached_property
    def awaited(self) -> set[int]:
        """Ids of the calls awaited where they are made (`await f(x)`): the others that call an
        `async def` only make a coroutine, run later (often together, by `gather`)."""
        return {id(node.value) for node in ast.walk(self.ctx.head.tree) if isinstance(node, ast.Await)}

    @cached_property
    def resolver(self) -> Resolver:
        """The shared type resolver over this file's tree (built on first use: most files need none)."""
        return Resolver.of_source(self.ctx.head)

    def type_of(self, node: ast.AST) -> str | None:
        """The type the resolver infers for an expression, None when unknown (never guessed); for
        `self.x` that no class of this file sets, what a base class of another file stores there."""
        try:
            found = self.resolver.type_of(node)
        except RecursionError:
            return None
        if (
            found is None
            and self.helpers is not None
            and isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            return self._inherited_attribute_type(node)
        return found

    def _inherited_attribute_type(self, node: ast.Attribute) -> str | None:
        """The type of `self.<attr>` set by a base class in another module of the repository
        (mapbox's `Service.__init__` making the session its subclasses use); when that base stores
        what an overridable method returns (`self.connection = self.get_connection()`), what this
        class's override returns."""
        scope = self.resolver.scope_of(node)
        owner = self.resolver.class_of(scope) if scope is not None else None
        if owner is None:
            return None
        key = (owner, node.attr)
        if key not in self._inherited_types:
            self._inherited_types[key] = None
            for base in self.resolver.supertypes(owner)[1:]:
                answer = self._remote_type(f"{base}.{node.attr}", returned=False)
                if answer is None:
                    continue
                if answer.startswith("self."):
                    answer = self._method_returns(owner, answer.removeprefix("self."))
                self._inherited_types[key] = answer
                break
        return self._inherited_types[key]

    def _method_returns(self, owner: str, name: str) -> str | None:
        """What a method of a class of this file (or a base here) returns: its annotation, else the
        one type of its `return` values."""
        local = self._local_class_names.get(owner)
        method = self.method_of(local, name) if local is not None else None
        if method is None:
            return None
        try:
            if method.node.returns is not None:
                return self.resolver.annotation_type(method.node.returns, method.node)
            types = {
                self.resolver.type_of(value, method.node) for value in self.resolver.returns_of(method.node)
            }
        except RecursionError:
            return None
        return types.pop() if len(types) == 1 else None

    def _typed_client(self, receiver: ast.AST) -> str | None:
        """The client kind of an object by its inferred type: `self.session` set in `__init__` to
        `requests.Session()`, a factory method's result, an annotated parameter, a local subclass."""
        node: ast.AST = receiver
        while True:
            type_name = self.type_of(node)
            if type_name in R.CLIENT_TYPE_KINDS and isinstance(node, ast.Name) and node.id in ("self", "cls"):
                return None  # the client library's own class (requests.sessions.Session) calling itself
            if type_name is not None:
                for supertype in self.resolver.supertypes(type_name):
                    if supertype in R.CLIENT_TYPE_KINDS:
                        return R.CLIENT_TYPE_KINDS[supertype]
                if self._paid_client_class(type_name) and type_name.rsplit(".", 1)[-1][:1].isupper():
                    return "paid"  # `client: anthropic.Anthropic`: `client.messages.create` bills
                return None
            if node is receiver and (possible := self._possible_client(node)) is not None:
                return possible
            if not isinstance(node, ast.Attribute):
                return None
            node = node.value  # `client.chat.completions`: the client is what has a type

    def _possible_client(self, node: ast.AST) -> str | None:
        """The client kind of a name or `self.x` made one of several ways, one of them a known
        client (`self.session = Session()` in one branch, another class in the other), or what a
        function of this file returns one of two ways (`_get_session().get(url)`)."""
        if not isinstance(node, ast.Name | ast.Attribute | ast.Call):
            return None
        try:
            types = self.resolver.possible_types(node)  # type: ignore[arg-type]
        except RecursionError:
            return None
        return next(filter(None, map(self._client_type_kind, types)), None)

    def _remote_made(self, value: ast.expr) -> str | None:
        """The type of a value made by a call of another file's function (or a name it re-exports:
        `compat.build_opener()`), as that file tells; None for any other value."""
        if not isinstance(value, ast.Call):
            return None
        return self._remote_type(self.resolver.qualname(value.func), True)

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

    def client_kind(
        self, receiver: ast.AST, function: Function | None, method: str | None = None
    ) -> tuple[str | None, ast.Call | None]:
        """What client object a call's receiver is (requests/httpx/aiohttp/urllib3/boto3/paid), if known.

        `client.chat.completions` is looked up as itself, then `client.chat`, then `client`. With
        `method` (the attribute called), the resolver is asked only when that method could make a
        client's request: most calls of a file are not, and typing every receiver costs.
        """
        made = receiver if isinstance(receiver, ast.Call) else None
        if made is None and isinstance(receiver, ast.Name):
            bound = self.binding(receiver.id, function)
            made = bound.call if bound is not None else None
        if made is not None and self._boto3_subresource(made, function):
            return "boto3", None  # `s3.Object(bucket, key).load()`, `bucket = s3.Bucket(name)`
        kind, call, stripped = self._bound_client(receiver, function)
        if kind is not None and (not stripped or kind in ("paid", "boto3")):
            return kind, call
        if (
            kind is None
            and not stripped
            and self.helpers is not None
            and (method is None or method in R.ALL_CLIENT_METHODS)
        ):  # another file is read only when the method called could be a client's request
            remote = self._remote_client(receiver, call, function)
            if remote is not None:
                return remote, None
        if (
            kind is None
            and self._may_hold_clients
            and (method is None or method in R.ALL_CLIENT_METHODS or self._imports_paid)
        ):
            key = (function.qualname if function else "", self.facts.text_of(receiver) or str(id(receiver)))
            if key not in self._typed_cache:
                typed = self._typed_client(receiver)
                if (
                    typed is not None
                    and typed != "paid"
                    and self.type_of(receiver) is None
                    and self._possible_client(receiver) is None
                ):
                    typed = None  # an HTTP client's own methods only, not `session.headers.get`
                self._typed_cache[key] = typed
            if self._typed_cache[key] is not None:
                return self._typed_cache[key], None
        return None, None

    def _boto3_subresource(self, call: ast.Call, function: Function | None) -> bool:
        """A sub-resource made by a CapWords method of a boto3 resource (`s3.Bucket(name)`): its
        methods call AWS like the resource's own."""
        return (
            isinstance(call.func, ast.Attribute)
            and call.func.attr[:1].isupper()
            and self.client_kind(call.func.value, function)[0] == "boto3"
        )

    def _remote_client(
        self, receiver: ast.AST, bound: ast.Call | None, function: Function | None
    ) -> str | None:
        """The client kind of an object made in another file of the repository: a module-level
        client imported from there (`from svc.http import session`), or what a function there
        returns (`make_session()`, `s = make_session()`, `self.s = make_session()`), by the type
        that file gives it. The question and its answer go into `reads`."""
        helpers = self.helpers
        if helpers is None:
            return None
        call = receiver if isinstance(receiver, ast.Call) else bound
        if call is not None:  # the shared resolver's names: relative imports resolved
            qualname = self.resolver.qualname(call.func)
            from prguard.analyzers.instrumentation.crossfile import argument_returned

            handed_back = argument_returned(self._remote_type(qualname, True))
            if handed_back is not None:  # `fix(OAuth2Session(...))`, `fix` returning its session
                passed = argument_of(call, *handed_back)
                return self.client_kind(passed, function)[0] if passed is not None else None
            returned = True
        elif isinstance(receiver, ast.Name) and receiver.id in self.facts.imports:
            qualname, returned = self.resolver.qualname(receiver), False
        elif isinstance(receiver, ast.Name):  # a parameter: what this module's calls pass it
            made = (self._remote_made(value) for value in self.resolver.possible_values(receiver))
            return next(filter(None, map(self._client_type_kind, made)), None)
        else:
            return None
        return self._client_type_kind(self._remote_type(qualname, returned))

    def _client_type_kind(self, type_name: str | None) -> str | None:
        for supertype in self.resolver.supertypes(type_name) if type_name else ():
            if supertype in R.CLIENT_TYPE_KINDS:
                return R.CLIENT_TYPE_KINDS[supertype]
        return None

    def _remote_return_type(self, call: Call, receiver: ast.AST) -> str | None:
        """The type a function of another file of the repository returns, for a name bound to its
        call (`inst = make_subscription(...)`; `inst.save()`), by that file's `return` values. The
        question and its answer go into `reads`."""
        helpers = self.helpers
        if helpers is None or not isinstance(receiver, ast.Name):
            return None
        bound = self.binding(receiver.id, call.function)
        return self._remote_type(self.resolver.qualname(bound.call.func), True) if bound is not None else None

    def _remote_type(self, qualname: str | None, returned: bool) -> str | None:
        """The type another file of the repository gives `qualname` (or, `returned`, what that
        function returns); None when it is not there or unknown. Asked once per file: the question
        and its answer go into `reads`, which the engine caches with the output."""
        helpers = self.helpers
        if helpers is None or not qualname or helpers.module_of(qualname) is None:
            return None
        question = helpers.type_question(qualname, returned)
        if question not in self.reads:
            self.reads[question] = helpers.answer(question)
        return None if self.reads[question] == "-" else self.reads[question]

    @cached_property
    def _imports_paid(self) -> bool:
        return any(self._is_paid_module(target) for target in self.facts.imports.values())

    @cached_property
    def _may_hold_clients(self) -> bool:
        """The file imports an HTTP client library or a paid API's SDK: without one no object of
        theirs can be made or annotated here."""
        roots = {root(target) for target in self.facts.imports.values()}
        standard = any(t.startswith(("urllib.request", "http.client")) for t in self.facts.imports.values())
        # `import http.client` binds `http` (`import urllib.request` binds `urllib`): its connections
        # and openers are made as `http.client.X(...)`, `urllib.request.build_opener(...)`
        prefixes = ("http.client.", "urllib.request.")
        standard = standard or (
            bool(roots & {"http", "urllib"})
            and any((c.dotted or "").startswith(prefixes) for c in self.facts.calls)
        )
        return bool(roots & R.CLIENT_MODULE_ROOTS) or standard or self._imports_paid

    def _bound_client(
        self, receiver: ast.AST, function: Function | None
    ) -> tuple[str | None, ast.Call | None, bool]:
        """Kind and constructor call of the client a receiver is bound to by an assignment in this
        file, and whether attributes were stripped to find it (`client.chat` -> `client`)."""
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
                    return None, None, False
        stripped = node is not receiver
        ctor = self.facts.resolve(call.func)
        if ctor not in R.CLIENT_KINDS:
            ctor = self._constructor_alias(call) or ctor
        if not ctor:
            return None, None, stripped
        if ctor in R.CLIENT_KINDS:
            kind: str | None = R.CLIENT_KINDS[ctor]
        elif (ctor.endswith((".client", ".resource")) and root(ctor) == "boto3") or self.boto3_session_client(
            call
        ):
            kind = "boto3"
        elif ctor in self.facts.classes:
            kind = self._subclass_kind(ctor)
        else:
            kind = None
        if kind is None and self._paid_client_class(ctor):
            kind = "paid"
        return kind, call, stripped

    def _constructor_alias(self, call: ast.Call) -> str | None:
        """The client or connection class a call may construct through a name bound to a library
        module at run time (`http_client.ClientSession()` after `global http_client; http_client =
        aiohttp`, `self.httplib.HTTPSConnection(host)` after `self.httplib = import_module(...)`)."""
        func = call.func
        if not (
            isinstance(func, ast.Attribute)
            and func.attr in R.CLIENT_CLASS_NAMES
            and _callee_root(func) not in self.facts.imports
        ):
            return None
        try:
            names = self.resolver.possible_qualnames(func)
        except RecursionError:
            return None
        return next((n for n in names if n in R.CLIENT_KINDS or n in R.TIMEOUT_CALLS), None)

    def boto3_session_client(self, call: ast.Call) -> bool:
        """`session.client("ses")` / `self.create_session().resource("s3")` on a `boto3.Session`."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr in ("client", "resource")):
            return False
        if "boto3" not in {root(target) for target in self.facts.imports.values()}:
            return False
        return self.type_of(func.value) in R.BOTO3_SESSION_TYPES

    def _subclass_kind(self, class_name: str) -> str | None:
        cls = self.facts.classes[class_name]
        for base in cls.bases:
            if base in R.CLIENT_KINDS:
                return R.CLIENT_KINDS[base]
        return None

    def _is_paid_module(self, dotted: str | None) -> bool:
        return matches(dotted, self.paid)

    def _paid_client_class(self, dotted: str) -> bool:
        """A class (or factory) of a paid vendor whose objects call out: not a session or config,
        and not one of the vendor's in-memory documents (TwiML)."""
        return (
            self._is_paid_module(dotted)
            and dotted.rsplit(".", 1)[-1] not in R.NOT_CLIENTS
            and not matches(dotted, R.LOCAL_DOCUMENT_MODULES)
        )

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
            if receiver in self.facts.imports and tokens(receiver) & R.INSTRUMENT_MODULE_TOKENS:
                return True  # `from singer import metrics; metrics.http_request_timer(url)`
            if receiver and method in R.LOG_METHODS and _LOGGERISH.match(receiver.rsplit(".", 1)[-1]):
                return True
            if receiver in ("self.stdout", "self.stderr") and self._in_cli_command(call.function):
                return True  # a management command's output is what its operator reads
            if (
                tokens(text) & R.INSTRUMENT_NAME_TOKENS
                and root(dotted) not in R.NUMERIC_MODULES
                # a class made (`URLSafeTimedSerializer(key)`, `raise MonitorNotFound(...)`) records nothing
                and not text.rsplit(".", 1)[-1][:1].isupper()
                and not self._local_uninstrumented(call)
                and not self._repository_uninstrumented(call)
            ):
                return True
        elif isinstance(call.node.func, ast.Attribute):
            chain = self.facts.text_of(chain_root(call.node.func))
            if chain and (chain in self.instrument_names or root(chain) in self.instrument_names):
                return True
        return False

    def _repository_uninstrumented(self, call: Call) -> bool:
        """A function of another file of the repository whose name sounds like logging but that
        does not log (`exceptions.log_exception(...)` storing a database row): asked of its file."""
        helpers = self.helpers
        if helpers is None or not self.imports_reach_repository():
            return False
        try:
            names = self.resolver.call_names(call.node)
        except RecursionError:
            return False
        if not names or not any(helpers.module_of(name) for name in names):
            return False
        question = helpers.logs_question(names)
        if question not in self.reads:
            self.reads[question] = helpers.answer(question)
        return self.reads[question] == "0"

    def _local_uninstrumented(self, call: Call) -> bool:
        """A function or method of this file whose name sounds like logging but that does not log
        (`trace_path`, `self._monitor_api_url`)."""
        if call.function is not None:
            helper = self.local_callee(call, call.function)
        else:
            helper = self.facts.module_functions.get(call.text or "")
        return helper is not None and not self.instrumented_directly(helper, deep=True)

    def _in_cli_command(self, function: Function | None) -> bool:
        cls = self.facts.classes.get(function.top.class_name or "") if function else None
        return cls is not None and any(base.rsplit(".", 1)[-1] in R.CLI_COMMAND_BASES for base in cls.bases)

    def decorator_instruments(self, decorator: ast.expr) -> bool:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        dotted, text = self.facts.resolve(target), self.facts.text_of(target)
        if is_instrument_module(dotted or "") or matches(dotted, self.policy_names):
            return True
        if matches(dotted, R.LOGGING_DECORATORS):
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

    def instrumented(self, function: Function, depth: int = 2, seen: set[int] | None = None) -> bool:
        """Instrumentation on the function's path: itself, a decorator, or a same-module helper it
        calls, or one that helper calls (`get_url` -> `_handle_response` -> `_error`, which logs)."""
        if self.instrumented_directly(function, deep=True):
            return True
        seen = {id(function)} if seen is None else seen
        for call in function.calls + function.nested_calls:
            helper = self.local_callee(call, function)
            if (
                helper is not None
                and id(helper) not in seen
                and not self.builds_request(call, function)
                and not self._exit_before_outbound(call, function)
            ):
                seen.add(id(helper))
                if self.instrumented_directly(helper, deep=True) or (
                    depth > 1 and self.instrumented(helper, depth - 1, seen)
                ):
                    return True
            if helper is None and self._session_override_instruments(call, function):
                return True
        return False

    def _exit_before_outbound(self, call: Call, function: Function) -> bool:
        """The call sits in a branch that returns or raises before any of the function's own
        requests (`elif len(ids) == 1: return [get_one(ids[0])]`): what it logs records another
        path, not the request the function goes on to make."""
        block = _innermost_block(function.node, call.node)
        if block is None or block is function.node.body or not isinstance(block[-1], ast.Return | ast.Raise):
            return False
        end = block[-1].end_lineno or block[-1].lineno
        later = [
            c for c in function.calls if c.node.lineno > end and (self.http_call(c) or self.paid_call(c))
        ]
        return bool(later) and not any(c.node.lineno <= end and self.http_call(c) for c in function.calls)

    def _session_override_instruments(self, call: Call, function: Function) -> bool:
        """`self.get(url)` in a subclass of an HTTP session of this file whose `request`/`send`
        override logs: every request of the session goes through that override."""
        func = call.node.func
        if not (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in ("self", "cls")
            and function.top.class_name
            and func.attr in R.ALL_CLIENT_METHODS
            and self.http_call(call)
        ):
            return False
        overrides = (self.method_of(function.top.class_name, name) for name in ("request", "send"))
        return any(o is not None and self.instrumented_directly(o, deep=True) for o in overrides)

    def builds_request(self, call: Call, function: Function) -> bool:
        """The call computes an argument of one of the function's outbound calls
        (`requests.get(url, timeout=self.get_timeout())`): it runs before the request, so whatever
        it logs cannot record how the request went."""
        # `url = make_url(...)`, then `requests.get(url)`
        names = bound_names(function.node, call.node, derived=False)
        for outer in function.calls:
            if outer is call:
                continue
            passed = {
                a.id
                for a in (*outer.node.args, *(k.value for k in outer.node.keywords))
                if isinstance(a, ast.Name)
            }
            if not contains(outer.node, call.node) and not (names & passed):
                continue
            if self.http_call(outer) or self.paid_call(outer) or self.query_call(outer):
                return True
        return False

    def _super_names(self, call: Call) -> tuple[str, ...]:
        """`super().m(...)` in a method: `Base.m` for each base class, by qualified name (the base
        may be imported from another file of the repository)."""
        func = call.node.func
        if not (_is_super_call(func) and call.function and call.function.top.class_name):
            return ()
        klass = self.resolver.classes.get(call.function.top.class_name)
        if klass is None:
            return ()
        return tuple(f"{base}.{func.attr}" for base in self.resolver.supertypes(klass.qualname)[1:])  # type: ignore[union-attr]

    def local_callee(self, call: Call, function: Function) -> Function | None:
        """The function of this file a call runs (`local_target` of what it calls)."""
        return self.local_target(call.node.func, function, call.text)

    def local_target(self, expr: ast.expr, function: Function, text: str | None = None) -> Function | None:
        """The function of this file an expression inside `function` names, as a callee or as a
        value held for later (`req = self._get`, `{"void": self.void}`): a closure of `function`, a
        module function, `self.m`/`cls.m` (the class or a base class defined here), `super().m` (a
        base class defined here), or `LocalClass.m`. `text`: the expression as written, when known."""
        if _is_super_call(expr) and function.top.class_name:
            cls = self.facts.classes.get(function.top.class_name)
            for base in cls.bases if cls is not None else []:
                found = self._method_of(base, expr.attr, {function.top.class_name})  # type: ignore[attr-defined]
                if found is not None:
                    return found
            return None
        text = (self.facts.text_of(expr) if text is None else text) or ""
        walker: Function | None = function
        while walker is not None and isinstance(expr, ast.Name):
            nested = self._nested_functions.get((id(walker), text))
            if nested is not None:  # `fetch_data(url)`, a closure of the calling function
                return nested
            walker = walker.parent
        if text in self.facts.module_functions:
            return self.facts.module_functions[text]
        owner, _, method = text.rpartition(".")
        if owner in ("self", "cls") and function.top.class_name:
            return self._method_of(function.top.class_name, method, set())
        if owner in self.facts.classes:
            return self._method_of(owner, method, set())
        if owner and isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            local = self._local_class_names.get(self.type_of(expr.value) or "")
            if local is not None:  # `api = Api(); api.fetch(x)`, `for p in [Progress(c) ...]`
                return self._method_of(local, method, set())
        return None

    @cached_property
    def _nested_functions(self) -> dict[tuple[int, str], Function]:
        """(id of the enclosing function, name) -> a function defined inside another one."""
        return {(id(f.parent), f.name): f for f in self.facts.functions if f.parent is not None}

    @cached_property
    def _local_class_names(self) -> dict[str, str]:
        """Qualified name -> name, for the classes of this file the facts know by name."""
        return {
            info.qualname: name for name, info in self.resolver.classes.items() if name in self.facts.classes
        }

    def method_of(self, class_name: str, method: str) -> Function | None:
        """A method of a class of this file, or of a base class defined here."""
        return self._method_of(class_name, method, set())

    def _method_of(self, class_name: str, method: str, seen: set[str]) -> Function | None:
        cls = self.facts.classes.get(class_name)
        if cls is None or class_name in seen:
            return None
        seen.add(class_name)
        if method in cls.methods:
            return cls.methods[method]
        for base in cls.bases:
            found = self._method_of(base, method, seen)
            if found is not None:
                return found
        return None

    def outbound_effect(
        self, function: Function, depth: int = 2, same_file: int = 0
    ) -> tuple[str, str, list[str]] | None:
        """What a helper of this file does per call: ("paid" | "query" | "http", label, path of
        helpers from it to the call), following its own calls to this file's functions, and to
        the repository's functions in other files (`helpers`), up to `depth` levels (a helper
        calling a helper that makes the request). `same_file` more levels may be taken inside this
        file (a client class's `get_x()` → `open()` → `request()` → `_send()` chain): reading them
        costs nothing more than the file already read."""
        key = (id(function), depth, same_file)
        if key in self._effects:
            return self._effects[key]
        if self.memoised(function):
            return None  # `@lru_cache`: one query or request per distinct argument, not per call
        self._effects[key] = None  # recursion: no effect through a cycle
        effect: tuple[str, str, list[str]] | None = None
        for classify, kind in (
            (self.paid_call, "paid"),
            (self.query_call, "query"),
            (self.http_call, "http"),
        ):
            label = next((found for c in function.calls if (found := classify(c))), None)
            if label:
                effect = (kind, label, [self._qualified(function)])
                break
        if effect is None:
            effect = self._super_effect(function, depth, same_file)
        if effect is None and (depth > 1 or same_file > 0):
            for call in function.calls:
                callee = self.local_callee(call, function)
                if callee is function:
                    continue
                deeper = None
                if callee is not None:
                    steps = (depth, same_file - 1) if same_file > 0 else (depth - 1, 0)
                    deeper = self.outbound_effect(callee, *steps)
                elif depth > 1 or same_file > 0:
                    # within the same-file levels a helper of this file costs no level: another
                    # file's function it calls is followed as deep as one called directly
                    remote = self.remote_effect(call, depth if same_file > 0 else depth - 1)
                    if remote is not None and not (remote.coroutine and id(call.node) not in self.awaited):
                        deeper = (remote.kind, remote.label, list(remote.path))
                if deeper is not None:
                    effect = (deeper[0], deeper[1], [self._qualified(function), *deeper[2]])
                    break
        self._effects[key] = effect
        return effect

    def memoised(self, function: Function) -> bool:
        """The function is wrapped by a memoising decorator (`@functools.lru_cache(None)`)."""
        for decorator in function.node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if self.facts.resolve(target) in R.MEMOISING_DECORATORS:
                return True
        return False

    def _super_effect(
        self, function: Function, depth: int, same_file: int
    ) -> tuple[str, str, list[str]] | None:
        """An override that delegates to its base class (`return super().raw_put(...)`) does what
        the base method does: following it takes no step of `depth`."""
        for call in function.calls:
            if not _is_super_call(call.node.func):
                continue
            callee = self.local_callee(call, function)
            deeper = self.outbound_effect(callee, depth, same_file) if callee is not None else None
            if callee is None:
                remote = self.remote_effect(call, depth)
                if remote is not None and not (remote.coroutine and id(call.node) not in self.awaited):
                    deeper = (remote.kind, remote.label, list(remote.path))
            if deeper is not None:
                return (deeper[0], deeper[1], [self._qualified(function), *deeper[2]])
        return None

    def _qualified(self, function: Function) -> str:
        return f"{self.qualify}.{function.qualname}" if self.qualify else function.qualname

    def imports_reach_repository(self) -> bool:
        """Whether anything this file imports lies in another file of the repository, asked once
        per file (the question and its answer go into `reads`, which the engine caches with the
        output)."""
        helpers = self.helpers
        if helpers is None:
            return False
        targets = [*self.resolver.imports.values(), *self.resolver.star_imports]
        reach = helpers.reach_question(targets)
        if reach not in self.reads:
            self.reads[reach] = helpers.answer(reach)
        return self.reads[reach] == "1"

    def remote_effect(self, call: Call, depth: int) -> Effect | None:
        """What a call to a function of another file of the repository does (`from svc.client
        import fetch_user; fetch_user(x)`, `self.api.get_user()` on an imported class), by the
        qualified names the shared resolver gives the call; None when unknown or nothing outbound.
        Each question and its answer is kept in `reads` (the engine caches the output with them)."""
        helpers = self.helpers
        if helpers is None or depth < 1 or not self.imports_reach_repository():
            return None  # nothing imported lies in the repository: no call can reach it
        try:
            names = self._super_names(call) or self.resolver.call_names(call.node)
            if (
                isinstance(call.node.func, ast.Name)
                and call.function is not None
                and names == (call.node.func.id,)
            ):
                # a function passed in (`action(request, row)`): what this module's calls pass it;
                # a name only a `from m import *` explains: `m.<name>`
                names = self.resolver.possible_qualnames(call.node.func) or tuple(
                    self.resolver.star_names(call.node)
                )
        except RecursionError:
            return None
        found = next((e for name in names if (e := helpers.effect(name, depth)) is not None), None)
        self.reads[helpers.call_question(names, depth)] = found.plain() if found is not None else "-"
        return found

    # --- call classification --------------------------------------------------------------------
    def http_call(self, call: Call) -> str | None:
        """'requests.get'-style label when the call is an outbound HTTP request, else None."""
        if call.dotted in R.HTTP_FUNCTIONS:
            return call.dotted
        if isinstance(call.node.func, ast.Attribute):
            kind, _ = self.client_kind(call.node.func.value, call.function, call.node.func.attr)
            if kind in R.CLIENT_METHODS and call.node.func.attr in R.CLIENT_METHODS[kind][0]:
                return f"{call.text or kind}"
            if kind is None and self._discovery_request(call.node):
                return _call_chain_label(call.node.func)
        alias = self.may_be(call)
        if alias in R.HTTP_FUNCTIONS or (alias is not None and self._client_method(alias)):
            return call.text or alias
        if any(self._client_method(name) for name in self._super_names(call)):
            return f"super().{call.node.func.attr}"  # type: ignore[union-attr]  # a client subclass's own request
        return None

    def _client_method(self, qualname: str) -> bool:
        """`requests.Session.get`: a request method of an HTTP client type (a subclass counts)."""
        return self.client_method_kind(qualname) is not None

    def client_method_kind(self, qualname: str) -> str | None:
        """The client kind whose request method `qualname` is (`requests` for
        `requests.Session.get`), None when it names no client's request method."""
        type_name, _, method = qualname.rpartition(".")
        kinds = (R.CLIENT_TYPE_KINDS.get(t) for t in self.resolver.supertypes(type_name))
        kind = next((k for k in kinds if k is not None), None)
        return kind if kind in R.CLIENT_METHODS and method in R.CLIENT_METHODS[kind][0] else None

    def may_be(self, call: Call) -> str | None:
        """The network function a call may run, known only by the values that reach its callee:
        `self.http.post(...)` with `self.http = http` and `def __init__(self, http=requests)`;
        `http_method(url)` where every call here passes `requests.get` or `requests.post`. One
        such value is enough (the default, or one caller, makes the request); unknown values
        say nothing either way (`http` given something else elsewhere)."""
        key = id(call.node)
        if key in self._may_be:
            return self._may_be[key]
        found: str | None = None
        root_name = _callee_root(call.node.func)
        if (
            root_name is not None
            and (root_name not in self.facts.imports or dynamic_getattr(call.node.func))
            and self._may_hold_clients
            and (
                isinstance(call.node.func, ast.Name)
                or dynamic_getattr(call.node.func)
                or (isinstance(call.node.func, ast.Attribute) and call.node.func.attr in R.ALL_CLIENT_METHODS)
            )
        ):
            try:
                names = self.resolver.possible_qualnames(call.node.func)
            except RecursionError:
                names = ()
            # `getattr(requests, method)(url)`: one of the module's request functions, whichever
            names = tuple(n.removesuffix("*") + "request" if n.endswith(".*") else n for n in names)
            found = next((n for n in names if n in R.HTTP_FUNCTIONS or n in R.TIMEOUT_CALLS), None)
            if found is None:  # a client's method (`self.session.get`): a request, its timeout unknown here
                found = next((n for n in names if self._client_method(n)), None)
        self._may_be[key] = found
        return found

    def _discovery_request(self, node: ast.Call) -> bool:
        """A Google API discovery client request: `service.users().messages().list(...).execute()`.

        The shape: `.execute()` with no arguments on a chain of at least two calls whose first is an
        argument-less resource call on a lower-case object, in a module that does not import a query
        builder with the same `.execute()` shape (peewee, pypika, SQLAlchemy).
        """
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "execute") or node.args:
            return False
        calls: list[ast.Call] = []
        inner: ast.AST = func.value
        while isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
            calls.append(inner)
            inner = inner.func.value
        if len(calls) < 2 or calls[-1].args or calls[-1].keywords:
            return False
        root_node = chain_root(inner)
        if (
            not isinstance(root_node, ast.Name | ast.Attribute)
            or not (self.facts.text_of(root_node) or "")[:1].islower()
        ):
            return False
        roots = {root(target) for target in self.facts.imports.values()}
        return not roots & R.QUERY_BUILDER_MODULES

    def paid_call(self, call: Call) -> str | None:
        """Label of a call to a paid API (LLM, cloud, SMS) per `paid_api_clients`, else None."""
        func = call.node.func
        if not isinstance(func, ast.Attribute):
            return None
        if func.attr in R.CLIENT_FACTORY_NAMES or func.attr[:1].isupper():
            return None
        kind, ctor = self.client_kind(func.value, call.function, func.attr)
        if ctor is None and (kind == "paid" or (kind == "boto3" and self._is_paid_module("boto3"))):
            return call.text or chain_text(func)  # known by its type (annotation, factory, attribute)
        if (
            ctor is not None
            and kind in ("paid", "boto3")
            and self._is_paid_module(self.facts.resolve(ctor.func) if kind == "paid" else "boto3")
        ):
            return call.text or call.dotted
        dotted = call.dotted or ""
        if self._is_paid_module(dotted) and "()" not in dotted and dotted.count(".") >= 2:
            return dotted
        if kind is None and self._paid_shape(func):
            return call.text or chain_text(func)
        return None

    def _paid_shape(self, func: ast.Attribute) -> bool:
        """A vendor SDK's billed method by its shape (`<client>.chat.completions.create`), on a
        receiver whose type is unknown: the shape, not a variable name, says what it is."""
        shape = chain_text(func)
        if not any(shape.endswith(suffix) for suffix in R.PAID_METHOD_SHAPES):
            return False
        receiver_type = self.type_of(chain_root(func))
        return receiver_type is None or self._is_paid_module(receiver_type)

    def is_django_model(self, type_name: str | None) -> bool:
        """Whether a type is a Django model class: of this file, or of another file of the
        repository (the question and its answer go into `reads`), or, its file not at hand, an
        imported class this file uses through a model manager (`Schedule.objects`)."""
        if type_name is None:
            return False
        if self.resolver.is_django_model(type_name):
            return True
        helpers = self.helpers
        if helpers is None or helpers.module_of(type_name) is None:
            return self.resolver.used_as_model(type_name)
        question = helpers.model_question(type_name)
        if question not in self.reads:
            self.reads[question] = helpers.answer(question)
        return self.reads[question] == "1"

    def query_call(self, call: Call) -> str | None:
        """Label of an ORM / DB-API query, else None."""
        func = call.node.func
        if self._evaluated_queryset(call):
            return call.text or chain_text(func)
        if not isinstance(func, ast.Attribute):
            return None
        parts = (call.text or chain_text(func, subscripts=True)).split(".")
        if call.dotted in R.CACHED_MANAGER_METHODS:
            return None  # `ContentType.objects.get_for_model(...)`: cached after the first query
        declared = self._declared_managers(func)
        bound = self._bound_chain(func.value, call.function)
        if bound is not None:  # `manager = Tag._default_manager.using(db)`, then `manager.get_or_create(...)`
            parts = [*bound.split("."), *parts[1:]]
        for index, part in enumerate(parts[:-1]):
            owner = parts[index - 1] if index else ""
            following = parts[index + 1].split("(")[0]
            django = part in R.DJANGO_MANAGERS and (
                owner[:1].isupper()
                or part in R.DJANGO_PRIVATE_MANAGERS
                # `self.model.objects.filter(...)` in a Django module: a model class held in a name
                or (following in R.QUERYSET_LAZY | R.QUERYSET_EVALUATING and self.imports_django)
            )
            django = django or part in declared
            if django and not self._queryset_runs(call):
                return None  # `Model.objects.filter(...)` only builds a queryset: no query yet
            if django or (part in R.ORM_DJANGO_MARKERS and owner[:1].isupper()):
                start = index - 1 if index and "(" not in owner else index  # not `model_class()`
                return call.text if bound is not None and call.text else ".".join(parts[start:]).split("(")[0]
        lookup = _lookup_chain(call.node)
        if lookup is not None:
            return lookup
        receiver = self.facts.text_of(func.value)
        made = self.facts.text_of(func.value.func) if isinstance(func.value, ast.Call) else None
        if (
            (receiver or made)
            and func.attr in R.MODEL_INSTANCE_QUERIES
            and (
                self.is_django_model(self.type_of(func.value) or self._remote_return_type(call, func.value))
                or self._passed_a_model(func.value)
            )
        ):
            # `book.save()`, `Book(title=t).save()`: an INSERT/UPDATE (or DELETE, SELECT) of one row
            return f"{receiver or made + '(...)'}.{func.attr}"
        if receiver and func.attr in R.ORM_SESSION_METHODS:
            if self.client_kind(func.value, call.function, func.attr)[0] is not None:
                return None  # `session.get(url)` on a requests session is an HTTP call, not a query
            last = receiver.rsplit(".", 1)[-1].lower()
            if last in R.ORM_SESSION_NAMES or last.endswith(("_session", "_cursor", "_conn")):
                if func.attr == "get" and ("session" not in last or not _names_a_model(call.node)):
                    return None  # SQLAlchemy's session.get(Model, pk), not session.get(url)
                return f"{receiver}.{func.attr}"
        return None

    @cached_property
    def imports_django(self) -> bool:
        """The file imports from Django."""
        return any(root(target) == "django" for target in self.facts.imports.values())

    def _passed_a_model(self, receiver: ast.expr) -> bool:
        """A parameter that this module's calls fill with model rows (`rename_mailbox(ope)` for each
        `ope` of `MailboxOperation.objects.all()`)."""
        if not isinstance(receiver, ast.Name) or not self.imports_django:
            return False
        try:
            return any(self.is_django_model(t) for t in self.resolver.possible_types(receiver))
        except RecursionError:
            return False

    def _bound_chain(self, receiver: ast.expr, function: Function | None) -> str | None:
        """The call chain a local name was bound to in its function, outside its loops
        (`self.through.tag_model()._default_manager.using()` for `manager`), when that is its only
        binding there and it builds a manager or queryset."""
        if not isinstance(receiver, ast.Name) or function is None:
            return None
        found = self.facts.bindings.get(("def:" + function.qualname, receiver.id))
        if not found or len(found) != 1:
            return None
        func = found[0].call.func
        if not (isinstance(func, ast.Attribute) and func.attr in R.QUERYSET_LAZY):
            return None  # `tag = Tag.objects.get(...)` holds a row, not a manager or queryset
        made = self.call_of(found[0].call)
        if made is None or made.loop is not None:
            return None  # a queryset made in a loop is reported where it is made, once
        return chain_text(found[0].call, subscripts=True)

    def _declared_managers(self, func: ast.expr) -> frozenset[str]:
        """Attributes of the chain that are managers a model class declares (`Comment.public` with
        `public = PublicManager()` in the class body): typed as querysets by the resolver."""
        found: set[str] = set()
        node: ast.AST = func
        while isinstance(node, ast.Attribute | ast.Call):
            if isinstance(node, ast.Call):
                node = node.func
                continue
            if node.attr not in R.DJANGO_MANAGERS and isinstance(node.value, ast.Name | ast.Attribute):
                type_name = self.type_of(node) or ""
                if type_name.startswith(QUERYSET + "["):
                    found.add(node.attr)
            node = node.value
        return frozenset(found)

    @cached_property
    def parents(self) -> dict[int, ast.AST]:
        """Each node's parent in the file's tree, by node id."""
        return {
            id(child): node for node in ast.walk(self.ctx.head.tree) for child in ast.iter_child_nodes(node)
        }

    def _evaluated_queryset(self, call: Call) -> bool:
        """A call of a function typed as returning a Django queryset (annotated `-> QuerySet`, or
        returning `Model.objects.filter(...)`) whose result is evaluated where it stands
        (`sorted(get_user_perms(user, obj))`, `for b in self.books_of(a)`): the query runs there."""
        if isinstance(call.node.func, ast.Attribute):
            if call.function is None or self.local_callee(call, call.function) is None:
                return False  # a method of this file only: a queryset-typed receiver is judged where built
        elif not isinstance(call.node.func, ast.Name):
            return False
        type_name = self.type_of(call.node) or ""
        if type_name != QUERYSET and not type_name.startswith(QUERYSET + "["):
            return False
        loop = call.loop.item_loop() if call.loop else None
        function = call.function.node if call.function else None
        return querysets.query_runs(call.node, loop.node if loop else None, self.parents, function)

    def _queryset_runs(self, call: Call) -> bool:
        """Whether a call on a Django manager chain (`Model.objects.<...>(...)`) runs a query where it
        stands: a method that runs one (`.get()`, `.count()`), or a lazy queryset (`.filter()`, a custom
        method whose result is used as a queryset) evaluated in place, or through the name it is bound
        to later in the same loop. The outer call of a chain decides for the inner ones."""
        func = call.node.func
        method = func.attr if isinstance(func, ast.Attribute) else ""
        if method in R.QUERYSET_EVALUATING:
            return True
        function = call.function.node if call.function else None
        if method not in R.QUERYSET_LAZY and not querysets.returns_queryset(
            call.node, call.outer, self.parents, function
        ):
            return True  # a manager method of unknown meaning: counted as a query, as before
        if call.outer is not None:
            return False  # `.filter(...).first()`: the outer call runs the query
        loop = call.loop.item_loop() if call.loop else None
        return querysets.query_runs(call.node, loop.node if loop else None, self.parents, function)


def _lookup_chain(call: ast.Call) -> str | None:
    """`qs.filter(history_date__lte=stop).first()`, `x.get(user__email=e)`: a queryset method that runs
    the query on a chain whose `filter`/`exclude`/`get` takes a Django field lookup (`name__op=`): the
    lookup, not the receiver's name, says it is an ORM query. The label is the chain's text."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in R.QUERYSET_TERMINALS:
        return None
    node: ast.AST = call
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr in R.LOOKUP_METHODS and any(
            kw.arg and "__" in kw.arg.strip("_") for kw in node.keywords
        ):
            return chain_text(func)
        node = node.func.value
    return None


def _is_super_call(func: ast.expr) -> bool:
    """`super().m` (or `super(Cls, self).m`): a method of a base class."""
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "super"
    )


def statement_of(function: ast.AST, node: ast.AST) -> ast.AST | None:
    """The innermost statement of `function` that holds `node`."""
    found = None
    for stmt in ast.walk(function):
        if not isinstance(stmt, ast.stmt) or stmt is function or not contains(stmt, node):
            continue
        if found is None or contains(found, stmt):
            found = stmt
    return found


def bound_names(function: ast.AST, call: ast.Call, *, derived: bool) -> set[str]:
    """Names the assignment holding the call binds (`url = make_url(...)`, `ok, body = fetch(...)`),
    and with `derived` those bound from them after it (`data = response.json()`): what a later
    request or log line may carry of the call's result."""
    stmt = statement_of(function, call)
    names: set[str] = set()
    if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign) and stmt.value is not None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    if not derived or not names:
        return names
    start = (call.lineno, call.col_offset)
    assignments = sorted(
        (node for node in ast.walk(function) if isinstance(node, ast.Assign)),
        key=lambda node: (node.lineno, node.col_offset),
    )
    for node in assignments:  # in order, so a chain of derivations is followed
        if (node.lineno, node.col_offset) > start and mentions(node.value, names):
            names |= {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def mentions(node: ast.AST, names: set[str]) -> bool:
    """Whether `node` reads one of `names`."""
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _innermost_block(function: ast.AST, node: ast.AST) -> list[ast.stmt] | None:
    """The innermost statement list (a function's body, a branch, a loop body, a handler) that
    holds `node`, not looking into nested functions."""
    found: list[ast.stmt] | None = None
    todo: list[list[ast.stmt]] = [function.body]  # type: ignore[attr-defined]
    while todo:
        block = todo.pop()
        for stmt in block:
            if not contains(stmt, node):
                continue
            found = block
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                break
            for name in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, name, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    todo.append(inner)
            todo.extend(handler.body for handler in getattr(stmt, "handlers", []))
            todo.extend(case.body for case in getattr(stmt, "cases", []))
            break
    return found


def _callee_root(func: ast.expr) -> str | None:
    """The name a callee starts from (`self` in `self.http.post`, in `self.adapter().get` and in
    `getattr(self.session, method)`), None for other shapes."""
    if dynamic_getattr(func):
        func = func.args[0]  # type: ignore[attr-defined]
    while isinstance(func, ast.Attribute | ast.Call):
        func = func.value if isinstance(func, ast.Attribute) else func.func  # `self.adapter().get`: self
    return func.id if isinstance(func, ast.Name) else None


def _call_chain_label(node: ast.AST) -> str:
    """`service.users().messages().get(...).execute`: a call chain, arguments elided."""
    if isinstance(node, ast.Attribute):
        return f"{_call_chain_label(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _call_chain_label(node.func) + ("(...)" if node.args or node.keywords else "()")
    if isinstance(node, ast.Name):
        return node.id
    return "?"


def _names_a_model(call: ast.Call) -> bool:
    """The call's first argument is a class by its name (`User`, `models.User`)."""
    first = call.args[0] if call.args else None
    name = first.id if isinstance(first, ast.Name) else first.attr if isinstance(first, ast.Attribute) else ""
    return name[:1].isupper()


def chain_root(node: ast.AST) -> ast.AST:
    """The receiver at the start of an attribute chain: `client` in `client.chat.completions.create`."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node


def chain_text(node: ast.AST, *, subscripts: bool = False) -> str:
    """`a.b().c`: a chain as written, arguments elided (`qs[:5].first` too with `subscripts`)."""
    if isinstance(node, ast.Attribute):
        return f"{chain_text(node.value, subscripts=subscripts)}.{node.attr}"
    if isinstance(node, ast.Call):
        return chain_text(node.func, subscripts=subscripts) + "()"
    if isinstance(node, ast.Subscript) and subscripts:
        return chain_text(node.value, subscripts=True) + "[]"
    if isinstance(node, ast.Name):
        return node.id
    return "?"


def is_instrument_module(dotted: str) -> bool:
    return any(dotted == m or dotted.startswith(m + ".") for m in R.INSTRUMENTATION_MODULES)


def is_instrument_factory(dotted: str | None) -> bool:
    return bool(dotted) and any(
        dotted.startswith(f) if f.endswith(".") else dotted == f for f in R.INSTRUMENT_FACTORIES
    )
