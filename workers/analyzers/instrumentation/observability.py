"""Observability (PG-OBS001/002/003): handlers, tasks and outbound-call functions nobody can see fail.

Also what makes a function an entry point (route decorators, task decorators, views), which the
retries check reads too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cached_property

from prguard.analyzers.asttools import const_str, contains, is_name
from prguard.analyzers.instrumentation import rules as R
from prguard.analyzers.instrumentation.crossfile import registered_view
from prguard.analyzers.instrumentation.evaluator import (
    Evaluator,
    bound_names,
    kwarg,
    matches,
    mentions,
    root,
    statement_of,
)
from prguard.analyzers.instrumentation.facts import Call, Function
from prguard.engine.model import Finding

#: Modules whose connection classes open a network connection when made with a host.
#: Modules whose connection classes connect when they are made (an `http.client` connection waits
#: for its first `request`, which is the outbound call).
_CONNECTION_MODULES = frozenset({"smtplib", "ftplib"})


class ObservabilityChecks(Evaluator):
    """The observability check, and the entry-point roles of functions."""

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
        if function.parent is None and function.class_name is None and node.name in self._called_tasks:
            return f"task:{self._called_tasks[node.name]} task"
        if function.parent is None and self._django_view(function):
            return "handler:Django view"
        if function.parent is None and function.class_name and self._view_method(function):
            return f"handler:view method of `{function.class_name}`"
        if function.parent is None and (function.class_name, node.name) in self._route_endpoints:
            return "handler:route endpoint"
        if function.parent is None and function.class_name is None and node.name in self._remote_views:
            return "handler:view registered by another file"
        return None

    @cached_property
    def _remote_views(self) -> set[str]:
        """Module functions of this file that another file of its folder registers as request
        handlers (Flask-APScheduler's `api.py` views, added with `add_url_rule` in `scheduler.py`).
        Asked only when the review has the repository; the question goes into `reads`."""
        helpers = self.helpers
        observability = self.checks.get("observability", {})
        wanted = observability.get("enabled", True) and "handlers" in (observability.get("require_on") or [])
        if helpers is None or not wanted or not self.facts.module_functions:
            return set()
        question = helpers.views_question(self.resolver.module)
        if question not in self.reads:
            self.reads[question] = helpers.answer(question)
        answer = self.reads[question]
        return set() if answer == "-" else set(answer.split(","))

    def _outbound(self, call: Call) -> str | None:
        return self.http_call(call) or self.paid_call(call) or self._connection_call(call)

    def _connection_call(self, call: Call) -> str | None:
        """A mail, FTP or raw HTTP connection opened (`smtplib.SMTP(host)`), also through a name or
        `@property` that holds one of those classes (`self.connection_class(host, port)`)."""
        if call.dotted in R.TIMEOUT_CALLS and call.dotted.split(".")[0] in _CONNECTION_MODULES:
            return call.dotted
        func = call.node.func
        holder = func.value if isinstance(func, ast.Attribute) else None
        while isinstance(holder, ast.Attribute):  # `self.httplib.HTTPSConnection(host)` too
            holder = holder.value
        if not (isinstance(holder, ast.Name) and holder.id == "self"):
            return None
        if not any(self.resolver.imports_package(module) for module in _CONNECTION_MODULES):
            return None  # the module names no such class: nothing of it can hold one
        try:
            names = self.resolver.possible_qualnames(func)
        except RecursionError:
            return None
        alias = next(
            (n for n in names if n in R.TIMEOUT_CALLS and n.split(".")[0] in _CONNECTION_MODULES), None
        )
        return call.text or alias if alias else None

    def _handler_decorator(self, decorator: ast.expr) -> str | None:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        text = self.facts.text_of(target) or ""
        dotted = self.facts.resolve(target) or ""
        last = text.rsplit(".", 1)[-1]
        if dotted.endswith("api_view") or (last == "action" and root(dotted) == "rest_framework"):
            return "DRF API view"
        if not isinstance(decorator, ast.Call):
            return None
        given = kwarg(decorator, "path", "rule", "url")
        path = decorator.args[0] if decorator.args else (given.value if given else None)
        route = const_str(path)
        is_path = route is not None and (route.startswith("/") or route == "")
        if root(dotted) in R.EXPOSE_FRAMEWORKS and last in R.EXPOSE_DECORATORS:
            return f"`{R.EXPOSE_FRAMEWORKS[root(dotted)]} {route}` view" if route else "view"
        if "." not in text:
            return None
        if last in R.ROUTE_DECORATORS or (last in R.HTTP_VERB_DECORATORS and is_path):
            verb = last.upper() if last in R.HTTP_VERB_DECORATORS else "route"
            return f"`{verb} {route}`" if route is not None else "route"
        return None

    @cached_property
    def _called_tasks(self) -> dict[str, str]:
        """Module functions this file makes tasks by calling a task decorator on them
        (`send = shared_task(send)`, `app.task(send)`), by name: the framework."""
        tasks: dict[str, str] = {}
        for call in self.facts.calls:
            node = call.node
            if len(node.args) == 1 and isinstance(node.args[0], ast.Name):
                framework = self._task_decorator(node.func)
                if framework is not None:
                    tasks[node.args[0].id] = framework
        return tasks

    def _task_decorator(self, decorator: ast.expr) -> str | None:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        dotted = self.facts.resolve(target) or ""
        last = dotted.rsplit(".", 1)[-1]
        framework = R.TASK_DECORATORS.get(last)
        if framework is None or root(dotted) in {"invoke", "fabric", "nox", "pytest"}:
            return None
        if framework == "rq" and "rq" not in dotted.split("."):
            return None
        if framework == "dramatiq" and root(dotted) not in {"dramatiq", "remoulade"}:
            return None
        if framework == "celery" and root(dotted) in {"huey"}:
            return "Huey"
        return {"celery": "Celery", "huey": "Huey", "dramatiq": "Dramatiq", "rq": "RQ"}[framework]

    def _django_module(self) -> bool:
        return any(root(t) in {"django", "rest_framework"} for t in self.facts.imports.values())

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
            and (function.name not in self._called_here or self._routed(function))
            and not _answers_only(function.node)
        )

    @cached_property
    def _called_here(self) -> set[str]:
        """Module functions this file's own functions call (`respond(request, 201)`): a helper of
        the views, not a view the URL resolver calls."""
        return {
            call.node.func.id
            for call in self.facts.calls
            if call.function is not None and isinstance(call.node.func, ast.Name)
        }

    def _routed(self, function: Function) -> bool:
        """A view that its file also calls (`return finalize(request, token=...)` in dev mode) is still
        a view when it is decorated (`@login_required`) or its URL is looked up (`reverse(finalize)`)."""
        if function.node.decorator_list:
            return True
        return any(
            call.dotted in R.URL_LOOKUPS and any(is_name(arg, function.name) for arg in call.node.args[:1])
            for call in self.facts.calls
        )

    def _view_method(self, function: Function) -> bool:
        if not self._view_class(function.class_name or "", set()):
            return False
        decorated_action = any(
            (self.facts.resolve(d.func if isinstance(d, ast.Call) else d) or "").endswith("action")
            for d in function.node.decorator_list
        )
        return function.name in R.VIEW_METHODS or decorated_action

    def _view_class(self, name: str, seen: set[str]) -> bool:
        """A class extending a view class: an imported base named like one (`...View`,
        `...Resource`), or a class of this file that is one (a class of the file named `Resource`
        that extends nothing of the kind is an API client's model, not a view)."""
        cls = self.facts.classes.get(name)
        if cls is None or name in seen:
            return False
        seen.add(name)
        return any(
            self._view_class(base, seen)
            if base in self.facts.classes
            else base.rsplit(".", 1)[-1].endswith(R.VIEW_BASE_SUFFIXES) and self._repository_view(written)
            for base, written in zip(cls.bases, cls.node.bases, strict=True)
        )

    def _repository_view(self, base: ast.expr) -> bool:
        """An imported base named like a view: a view unless it is a class of the repository that
        extends no view (asked of its file, when it is at hand; the question goes into `reads`)."""
        helpers = self.helpers
        if helpers is None:
            return True
        try:
            qualname = self.resolver.qualname(base, None)
        except RecursionError:
            return True
        if not qualname or helpers.module_of(qualname) is None:
            return True
        question = helpers.view_class_question(qualname)
        if question not in self.reads:
            self.reads[question] = helpers.answer(question)
        return self.reads[question] != "0"  # "-": its file is not at hand, the name decides

    @cached_property
    def _route_endpoints(self) -> set[tuple[str | None, str]]:
        """(class, name) of the functions this file registers as endpoints: a module function
        (`app.add_url_rule("/", view_func=index)`, class None) or a method of the class whose
        method registers it (`app.add_url_rule(rule, view_func=self.status)`)."""
        endpoints: set[tuple[str | None, str]] = set()
        for call in self.facts.calls:
            target = registered_view(call.node, call.dotted)
            if isinstance(target, ast.Name):
                endpoints.add((None, target.id))
            elif (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
                and call.function is not None
                and call.function.class_name is not None
            ):
                endpoints.add((call.function.class_name, target.attr))
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
            matches(call.dotted, ("sentry_sdk.init", "logfire.configure")) for call in self.facts.calls
        )

    def _instrumenting_middleware(self, call: Call) -> bool:
        if (call.dotted or "").endswith("instrument_app"):
            return True
        names = " ".join(ast.unparse(a) for a in call.node.args).lower()
        return any(word in names for word in ("log", "trace", "metric", "prometheus", "sentry", "telemetry"))

    def _callers_instrumented(self, function: Function, depth: int = 2) -> bool:
        """A thin request helper whose every caller in the file logs the outcome (`execute()` logs
        what `api_post_request()` returned): the record exists, one call up; or two, through a
        caller that is itself such a helper (`_send_document()` → `_post()`, the caller of
        `_send_document()` logging)."""
        sites = [
            (caller, call)
            for caller in self.facts.functions
            if caller is not function
            for aliases in [self._aliases_of(function, caller)]
            for call in caller.calls
            if self.local_callee(call, caller) is function
            or (isinstance(call.node.func, ast.Name) and call.node.func.id in aliases)
        ]
        if not all(
            logs_after(self, caller, call) or (depth > 1 and self._callers_instrumented(caller, depth - 1))
            for caller, call in sites
        ):
            return False
        elsewhere = self._remote_callers_log(function)
        return elsewhere == "1" or (elsewhere == "-" and bool(sites))

    def _aliases_of(self, function: Function, caller: Function) -> set[str]:
        """Local names the caller binds to the function (`req_method = self._get_request`, picked
        by HTTP method, then `req_method(url, ...)`)."""
        return {
            target.id
            for node in ast.walk(caller.node)
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Name | ast.Attribute)
            and self.local_target(node.value, caller) is function
            for target in node.targets
            if isinstance(target, ast.Name)
        }

    def _remote_callers_log(self, function: Function) -> str:
        """Whether the package's other files call this module function and all record what it
        returned ("1"), one does not ("0"), or none calls it ("-"). The question goes into `reads`."""
        helpers = self.helpers
        if helpers is None or function.parent is not None or function.class_name is not None:
            return "-"
        qualname = f"{self.resolver.module}.{function.name}"
        question = helpers.callers_question(qualname)
        if question not in self.reads:
            self.reads[question] = helpers.answer(question)
        return self.reads[question]

    def _remote_helper_instruments(self, function: Function) -> bool:
        """A function of another file of the repository that it calls logs (a Celery task that only
        calls `send_queued_mail_until_done()` from the package's mail module, which logs): by the
        qualified names the shared resolver gives the call. Each question goes into `reads`."""
        helpers = self.helpers
        if helpers is None or not self.imports_reach_repository():
            return False
        for call in function.calls + function.nested_calls:
            if self.local_callee(call, function) is not None or self.builds_request(call, function):
                continue
            try:
                names = self.resolver.call_names(call.node)
            except RecursionError:
                continue
            if not names or not any(helpers.module_of(name) for name in names):
                continue
            question = helpers.logs_question(names)
            if question not in self.reads:
                self.reads[question] = helpers.answer(question)
            if self.reads[question] == "1":
                return True
        return False

    def _helpers_log_elsewhere(self, function: Function) -> bool:
        """A helper of this file the function calls hands its work to another file's function that
        logs (`self.capture(txn)` → `facade.delayed_capture(...)`, which logs two modules on); a
        call through a dict of this file's functions (`dispatch[action](txn)`) counts when every
        function the dict holds does."""
        if self.helpers is None:
            return False
        for call in function.calls:
            helper = self.local_callee(call, function)
            options = [helper] if helper is not None else self._dispatched(call, function)
            options = [h for h in options if h is not function]
            if options and all(self.instrumented(h) or self._remote_helper_instruments(h) for h in options):
                return True
        return False

    def _dispatched(self, call: Call, function: Function) -> list[Function]:
        """The functions of this file a call through a local dict literal may run (`handlers =
        {"void": self.void, "credit": self.credit}; handlers[action](txn)`); empty otherwise."""
        func = call.node.func
        if not (isinstance(func, ast.Subscript) and isinstance(func.value, ast.Name)):
            return []
        tables = [
            node.value
            for node in ast.walk(function.node)
            if isinstance(node, ast.Assign) and any(is_name(t, func.value.id) for t in node.targets)  # type: ignore[union-attr]
        ]
        if len(tables) != 1 or not isinstance(tables[0], ast.Dict) or not tables[0].values:
            return []
        found: list[Function] = []
        for value in tables[0].values:
            target = self.local_target(value, function)
            if target is None:
                return []
            found.append(target)
        return found

    def _exits_with_message(self, function: Function) -> bool:
        """Command-line code: the function prints and ends the process (`sys.exit(1)`, `raise
        SystemExit`) when its call fails. Its console output and exit status are the record a person
        running it reads; a service never exits from a request helper."""
        exits = printed = False
        for node in ast.walk(function.node):
            if isinstance(node, ast.Raise) and node.exc is not None:
                raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                exits = exits or self.facts.resolve(raised) == "SystemExit"
            elif isinstance(node, ast.Call):
                dotted = self.facts.resolve(node.func) or ""
                exits = exits or dotted in R.PROCESS_EXITS
                printed = printed or dotted in R.CONSOLE_OUTPUT
        return exits and printed

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
            if self._remote_helper_instruments(function) or self._helpers_log_elsewhere(function):
                continue
            if category == "outbound_calls" and (
                self._callers_instrumented(function) or self._exits_with_message(function)
            ):
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


def logs_after(evaluator: Evaluator, caller: Function, site: Call) -> bool:
    """The caller records what the call gave: a logging decorator, or an instrumentation call
    after the call (a log line before it cannot say how the call went)."""
    if any(evaluator.decorator_instruments(d) for d in caller.node.decorator_list):
        return True
    timed = {
        id(item.context_expr)
        for node in ast.walk(caller.node)
        if isinstance(node, ast.With | ast.AsyncWith) and any(contains(stmt, site.node) for stmt in node.body)
        for item in node.items
    }
    if any(id(call.node) in timed and evaluator.is_instrumentation(call) for call in caller.calls):
        return True  # `with metrics.http_request_timer(path) as timer: response = self.send(...)`
    end = (site.node.end_lineno or 0, site.node.end_col_offset or 0)
    later = [
        call
        for call in caller.calls + caller.nested_calls
        if (call.node.lineno, call.node.col_offset) >= end and evaluator.is_instrumentation(call)
    ]
    if not later:
        return False
    paths = _block_paths(caller.node)
    site_path = paths.get(id(statement_of(caller.node, site.node)), ())
    results = bound_names(caller.node, site.node, derived=True)
    return any(
        _records_outcome(caller.node, paths, site_path, results, site.node, call.node) for call in later
    )


def _block_paths(function: ast.AST) -> dict[int, tuple[ast.AST, ...]]:
    """Statement id -> the compound statements (and `except` handlers) it sits in, outermost first."""
    paths: dict[int, tuple[ast.AST, ...]] = {}
    todo: list[tuple[ast.AST, tuple[ast.AST, ...]]] = [(stmt, ()) for stmt in function.body]  # type: ignore[attr-defined]
    while todo:
        node, path = todo.pop()
        paths[id(node)] = path
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        inner = (*path, node)
        for name in ("body", "orelse", "finalbody", "handlers"):
            for child in getattr(node, name, None) or ():
                todo.append((child, inner))
        for case in getattr(node, "cases", None) or ():
            todo.extend((child, (*inner, case)) for child in case.body)
    return paths


def _records_outcome(
    function: ast.AST,
    paths: dict[int, tuple[ast.AST, ...]],
    site_path: tuple[ast.AST, ...],
    results: set[str],
    site: ast.Call,
    log: ast.Call,
) -> bool:
    """A log line after a call records how it went when it runs on every path after it (its blocks
    enclose the call's), in an `except` of a `try` around the call, under a test of what the call
    returned, or when it names what the call returned; a log in an unrelated branch does not."""
    statement = statement_of(function, log)
    log_path = paths.get(id(statement), ()) if statement is not None else ()
    if log_path == site_path[: len(log_path)]:
        return True
    for holder in log_path:
        if isinstance(holder, ast.ExceptHandler):
            owner = next((t for t in log_path if isinstance(t, ast.Try) and holder in t.handlers), None)
            if owner is not None and any(contains(stmt, site) for stmt in owner.body):
                return True
    innermost = log_path[-1] if log_path else None  # `if not user: log.info(...)`, not a deeper branch
    test = next((getattr(innermost, f) for f in ("test", "iter", "subject") if hasattr(innermost, f)), None)
    if test is not None and mentions(test, results):
        return True
    return mentions(log, results)


def _answers_only(function: ast.AST) -> bool:
    """Every `return` gives a constant or a comparison (`return False`, `return r in (b"true",)`): a
    helper answering a question about the request, not a view (a view returns a response)."""
    values = [
        node.value for node in ast.walk(function) if isinstance(node, ast.Return) and node.value is not None
    ]
    answers = (ast.Constant, ast.Compare, ast.BoolOp, ast.UnaryOp)
    return bool(values) and all(isinstance(value, answers) for value in values)
