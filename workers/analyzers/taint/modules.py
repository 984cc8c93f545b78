"""What the taint interpreter needs to know about a module before running it.

Imports (to resolve `request.args` to `flask.request.args`), its functions and
methods (to summarise helpers), which functions are request handlers (whose
parameters are user input), and which framework the module is written for.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from prguard.analyzers.asttools import contains, keyword_value, nodes_of, parameter_defaults, walk_statements
from prguard.analyzers.pyresolve import Resolver
from prguard.analyzers.pyresolve.known import FALCON_RESPONDER
from prguard.analyzers.taint.opt_in import Span, off_by_default, opted_in_spans
from prguard.analyzers.taint.rules import GUARD_METHODS, OVERRIDDEN_HANDLERS, XBLOCK_HANDLERS

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_DEFINITIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
_NAMED_CAPTURES = frozenset({ast.ExceptHandler, ast.MatchAs, ast.MatchStar})

_ROUTE_METHODS = frozenset(
    {"route", "get", "post", "put", "patch", "delete", "api_route", "websocket", "head"}
)
_FLASK_PARAM = re.compile(r"<(?:(?P<conv>[a-zA-Z_]\w*)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_]\w*)>")
#: Bottle names the parameter first and its filter after (`<name>`, `<n:int>`, `<p:path>`, `<x:re:...>`)
_BOTTLE_PARAM = re.compile(r"<(?P<name>[a-zA-Z_]\w*)(?::(?P<conv>\w+)(?::[^>]*)?)?>")
_SAFE_CONVERTERS = frozenset({"int", "float", "uuid"})
#: aiohttp's route parts: `{name}` (one segment) or `{name:regex}`
_AIOHTTP_PARAM = re.compile(r"\{(?P<name>[a-zA-Z_]\w*)(?::(?P<pattern>[^}]*))?\}")
#: Starlette's (and so FastAPI's) path parameters: `{name}`, `{name:str}`, `{name:path}`
_STARLETTE_PARAM = re.compile(r"\{(?P<name>[a-zA-Z_]\w*)(?::(?P<conv>\w+))?\}")
#: converters whose part is one path segment, without `/` (Flask's `string`, Bottle's default; not `path`)
_ONE_SEGMENT_CONVERTERS = frozenset({"string", "str", "default", "any"})
_SAFE_ANNOTATIONS = frozenset(
    {"int", "float", "bool", "UUID", "uuid.UUID", "datetime", "date", "Decimal", "conint", "PositiveInt"}
)
#: Web frameworks whose imports make a module a request handler's, and the family each one belongs to.
_FRAMEWORK_PACKAGES = (
    "flask",
    "fastapi",
    "starlette",
    "django",
    "rest_framework",
    "werkzeug",
    "bottle",
    "sanic",
    "falcon",
)
_ASGI_PARAMETERS = frozenset({"scope", "receive", "send"})
_FRAMEWORK_OF = {"werkzeug": "flask", "starlette": "fastapi", "rest_framework": "django"}
_DEPENDENCY_DEFAULTS = frozenset({"Depends", "Security", "BackgroundTasks"})
#: FastAPI's parameter declarations (`fastapi.Path`, `fastapi.params.Query`, ...)
_FASTAPI_PARAM = re.compile(r"fastapi(?:\.params)?\.(?:Path|Query|Header|Cookie|Form|Body)")
#: Class-based views: the classes, and the methods a request is dispatched to (a Tornado
#: handler's get/post/... receive the route pattern's groups).
_GRPC_SERVICER = re.compile(r"_pb2_grpc\.\w+Servicer$")
_GRPC_REGISTER = re.compile(r"_pb2_grpc\.add_\w+Servicer_to_server$")
#: Decorators that make a function a tool an AI agent calls (MCP servers, LangChain): the model chooses
#: its arguments, and whoever writes the prompt or a document it reads can steer the model.
_AGENT_TOOL_DECORATORS = frozenset(
    {
        "mcp.server.fastmcp.FastMCP.tool",
        "mcp.server.fastmcp.server.FastMCP.tool",
        "fastmcp.FastMCP.tool",
        "fastmcp.server.FastMCP.tool",
        "langchain.tools.tool",
        "langchain.agents.tool",
        "langchain_core.tools.tool",
    }
)
#: The MCP SDK's low-level server: what its handlers for these registrations receive (a tool's name
#: and arguments, a prompt's arguments, a resource's URI) is the client's
_MCP_SERVER_HANDLERS = frozenset({"call_tool", "get_prompt", "read_resource"})
#: Strawberry's resolver decorators: what the client's query passes lands in their arguments
_STRAWBERRY_RESOLVERS = frozenset(
    {"strawberry.field", "strawberry.mutation", "strawberry.subscription", "strawberry_django.field"}
)
_DJANGO_VIEW = frozenset({"django.views.generic.base.View"})
#: Methods of Django's generic views whose returned URL the view redirects to (`FormMixin`,
#: `DeletionMixin` and the auth views' `get_success_url`, `RedirectView.get_redirect_url`),
#: overridden in a view or in a mixin that does not name a view base
_REDIRECT_URL_METHODS = frozenset({"get_success_url", "get_redirect_url"})
#: NetBox's and Nautobot's object views redirect to what `get_return_url(request, obj)` returns
#: (their `GetReturnURLMixin`), after an edit or a delete
_RETURN_URL_VIEWS = frozenset(
    {
        *(f"netbox.views.generic.{v}" for v in ("ObjectEditView", "ObjectDeleteView", "BulkEditView")),
        *(f"netbox.views.generic.{v}" for v in ("BulkDeleteView", "BulkImportView", "ObjectChildrenView")),
        "utilities.views.GetReturnURLMixin",
        "nautobot.core.views.mixins.GetReturnURLMixin",
        "nautobot.core.views.generic.ObjectEditView",
        "nautobot.core.views.generic.ObjectDeleteView",
    }
)
_VIEW_BASES = _DJANGO_VIEW | {"flask.views.View", "tornado.web.RequestHandler"}
#: a Django form view's methods that are handed the bound form
_FORM_HOOKS = frozenset({"form_valid", "form_invalid"})
#: plugin base classes whose `on_<event>` methods their host calls with its own objects
_PLUGIN_BASES = frozenset({"mkdocs.plugins.BasePlugin"})
_VIEW_METHODS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "dispatch",
        "get_queryset",
        "get_object",
        "get_context_data",
        "form_valid",
        "list",
        "retrieve",
        "create",
        "update",
        "partial_update",
        "destroy",
        "perform_create",
        "perform_update",
    }
)


#: modules that by Django's layout hold helpers views call, not views (`http.py`, `utils.py`,
#: a `backends/` package): a function there taking the request first is handed its other
#: arguments by a view, not by the URL resolver
_DJANGO_HELPER_MODULES = frozenset(
    {"http", "utils", "util", "helpers", "helper", "shortcuts", "backends", "middleware", "decorators",
     "mixins", "models", "forms", "signals", "tasks", "context_processors", "templatetags", "storage"}
)  # fmt: skip


def _helper_module(path: str) -> bool:
    """Whether a file's path names a helper module or package of a Django project."""
    parts = path.removesuffix(".py").split("/")
    return not _DJANGO_HELPER_MODULES.isdisjoint(parts[-3:])


def module_name(path: str) -> str:
    """`app/views/users.py` -> `app.views.users` (`pkg/__init__.py` -> `pkg`)."""
    name = path[:-3] if path.endswith(".py") else path
    name = name.replace("\\", "/").strip("/").replace("/", ".")
    if name.endswith(".__init__"):
        name = name[: -len(".__init__")]
    return name


#: Methods and functions whose result is a yes or a no (or a match, or none).
_ANSWERING_CALLS = frozenset(GUARD_METHODS) | {
    *("startswith", "endswith", "is_relative_to", "match", "fullmatch", "search"),
    *("isinstance", "bool", "any", "all"),
}


def _may_answer(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return node.value is None or isinstance(node.value, bool)
    return isinstance(node, ast.Compare | ast.BoolOp | ast.UnaryOp | ast.Name | ast.Call)


def gives_nothing(node: ast.expr | None) -> bool:
    """A return that gives None: `return`, or `return None`."""
    return node is None or (isinstance(node, ast.Constant) and node.value is None)


def _message(node: ast.expr) -> bool:
    """Text written out to be shown: a non-empty string, an f-string, or text joined to a value;
    or an error's number (`return 403`: a status for the caller to answer with), never 0 or a bool."""
    if isinstance(node, ast.Constant):
        if type(node.value) is int:
            return node.value != 0
        return isinstance(node.value, str) and bool(node.value)
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.BinOp) and any(
        isinstance(side, ast.Constant) and isinstance(side.value, str) for side in (node.left, node.right)
    )


def _ends_in_return(body: list[ast.stmt]) -> bool:
    """Whether the body's last statement returns or raises (its end is never reached)."""
    last = body[-1] if body else None
    if isinstance(last, ast.Return | ast.Raise):
        return True
    if isinstance(last, ast.If):
        return bool(last.orelse) and _ends_in_return(last.body) and _ends_in_return(last.orelse)
    if isinstance(last, ast.Try):
        ends = _ends_in_return(last.orelse or last.body)
        return ends and all(_ends_in_return(h.body) for h in last.handlers)
    return False


def _answers(node: ast.expr) -> bool:
    """A condition, not just a value: a comparison, `not`, `and`/`or`, or a call that answers."""
    if isinstance(node, ast.Compare | ast.BoolOp) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
    ):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return name in _ANSWERING_CALLS
    return False


class _Handler(NamedTuple):
    """What a web framework says of a function's parameters."""

    sources: dict[str, str]  # parameter -> description of what the request fills it with
    flask_view: bool = False  # a Flask or Bottle view: its returned text is the HTML response
    validated: frozenset[str] = frozenset()  # filled with a converted, validated number or id
    one_segment: frozenset[str] = frozenset()  # URL parts of one path segment
    #: parameter -> the pattern the framework checks it against before the call (FastAPI's
    #: `Path(pattern=...)`): an expression, evaluated where the function runs
    patterns: dict[str, ast.expr] = {}


@dataclass(eq=False)
class FunctionInfo:
    """One function or method and what the module says about its parameters."""

    node: FunctionNode
    qualname: str  # Class.method or function (nested: outer.inner)
    class_name: str | None
    params: list[str]
    source_params: dict[str, str]  # parameter -> description, for request handlers
    flask_view: bool = False
    view_class: bool = False  # a method of a class-based view (Django, DRF, Flask MethodView)
    #: a method of a Django class-based view: `self.kwargs` and `self.args` hold the URL's parts
    #: in each of them (`View.setup` sets them before `dispatch`)
    django_view: bool = False
    #: parameters the framework converts and validates before the call (Flask's `<int:n>`, a
    #: FastAPI `n: int`): a number or an id, which carries no text into any sink
    validated_params: frozenset[str] = frozenset()
    #: URL parts a Flask or Bottle view takes from one path segment (no `/` in them)
    one_segment_params: frozenset[str] = frozenset()
    #: an aiohttp handler's route parts of one segment (`{name}`: no `/`), read as
    #: `request.match_info["name"]`
    match_info_segments: frozenset[str] = frozenset()
    #: parameters the framework matched against a pattern before the call (see `_Handler`)
    param_patterns: dict[str, ast.expr] = field(default_factory=dict)
    #: a method whose returned URL a Django view redirects the browser to
    redirect_return: bool = False
    #: the bound form a Django form view's `form_valid`/`form_invalid` is handed (`BOUND_FORM`)
    bound_forms: frozenset[str] = frozenset()
    #: an event method the host application calls on its plugin (`on_post_page` of a MkDocs plugin)
    host_event: bool = False

    @functools.cached_property
    def tested_params(self) -> frozenset[str]:
        """Parameters an `if` or `while` of the function reads (`if action is None:`):
        a call giving one a constant may rule a branch out (statements only: cheap to find)."""
        params = set(self.params)
        tests = [n.test for n in walk_statements(self.node) if isinstance(n, ast.If | ast.While)]
        return frozenset(
            n.id for test in tests for n in ast.walk(test) if isinstance(n, ast.Name) and n.id in params
        )

    @functools.cached_property
    def joined_params(self) -> frozenset[str]:
        """Parameters written into text beside another parameter (`name + ext`, `f"{stem}.{ext}"`):
        a call giving one a constant says what the other lands in (a file's name in a folder)."""
        params = set(self.params)
        found: set[str] = set()
        for node in ast.walk(self.node):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                operands = [node.left, node.right]
            elif isinstance(node, ast.JoinedStr):
                operands = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
            else:
                continue
            names = {o.id for o in operands if isinstance(o, ast.Name) and o.id in params}
            if len(names) > 1:
                found |= names
        return frozenset(found)

    @functools.cached_property
    def is_predicate(self) -> bool:
        """Whether the function answers yes or no: every return is a condition, a constant, a name
        or a call, and one at least a condition (`return p.resolve().is_relative_to(root)`). What
        its parameters passed when it says yes is then worth keeping for its callers' `if`."""
        values = [s.value for s in walk_statements(self.node) if isinstance(s, ast.Return)]
        if not values or not all(v is None or _may_answer(v) for v in values):
            return False
        if any(v is not None and _answers(v) for v in values):
            return True
        said = [
            v.value if isinstance(v, ast.Constant) else v
            for v in values
            if v is None or isinstance(v, ast.Constant)
        ]
        return any(c is True for c in said) and any(
            c is not True for c in said
        )  # `return False` ... `return True`

    @functools.cached_property
    def reports_errors(self) -> bool:
        """Whether the function answers with an error message or nothing: every return gives
        None or text (`return "Access denied"`, `return f"Invalid path: {e}"`), and one at least
        gives None (a bare `return`, or the end of the body). A caller that goes on only when it
        got nothing (`error = validate(p)`, then `if error: return ...`) may rely on what its
        parameters passed on every path that gives None."""
        values = [s.value for s in walk_statements(self.node) if isinstance(s, ast.Return)]
        messages = [v for v in values if v is not None and _message(v)]
        if not messages or len(messages) + sum(gives_nothing(v) for v in values) != len(values):
            return False
        return any(gives_nothing(v) for v in values) or not _ends_in_return(self.node.body)

    @functools.cached_property
    def may_check_by_raising(self) -> bool:
        """Whether a normal return may mean a check held: the function is no predicate, and it
        raises on some path or calls something as a statement that may (`def
        check_path_access(root, path): if not path.startswith(root): raise ...`, or a helper that
        calls such a check). What its parameters passed on every path that returns is what a
        caller that goes on after the call may rely on, whether the call stands alone or its
        answer is kept (`full = validate(p, ...)`), and what such a function proves of its own
        parameters passes on to its callers."""
        if self.is_predicate:
            return False
        return any(
            isinstance(s, ast.Raise) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call))
            for s in walk_statements(self.node)
        )

    @functools.cached_property
    def rebound_params(self) -> frozenset[str]:
        """Parameters the function assigns a new value to."""
        params = set(self.params)
        bound = {
            n.id
            for stmt in walk_statements(self.node)
            if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.For | ast.With)
            for n in ast.walk(stmt)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id in params
        }
        return frozenset(bound)

    @functools.cached_property
    def off_by_default(self) -> frozenset[str]:
        """Parameters defaulting to `False` that the function never rebinds: flags a caller turns on."""
        return off_by_default(self.node)

    @functools.cached_property
    def opted_in_spans(self) -> tuple[Span, ...]:
        """Lines that run only when the caller turns on a flag that is off by default."""
        return opted_in_spans(self.node, self.off_by_default)

    @property
    def is_public(self) -> bool:
        """A function or method callers outside the module may call: its arguments are their data."""
        parts = self.qualname.split(".")
        if self.class_name is None and len(parts) > 1:
            return False  # nested in another function
        return all(not p.startswith("_") or (p.startswith("__") and p.endswith("__")) for p in parts)

    @property
    def is_hook_implementation(self) -> bool:
        """A plugin's hook (`@hookimpl`, pluggy's convention: datasette, pytest, tox; an event
        method of a MkDocs plugin): the host application calls it with its own objects, so its
        parameters are no library caller's data."""
        return self.host_event or any(
            last_name(d.func if isinstance(d, ast.Call) else d) == "hookimpl"
            for d in self.node.decorator_list
        )

    @property
    def is_classmethod(self) -> bool:
        """`@classmethod`: called on its class (`Model.create(x)`), the class is its first parameter."""
        return self.class_name is not None and any(
            last_name(d) == "classmethod" for d in self.node.decorator_list
        )

    @property
    def binds_self(self) -> bool:
        """A method called on an object or class gets it as its first parameter (a static
        method does not: `obj.build(url)` passes `url` to its first parameter)."""
        return self.class_name is not None and not any(
            last_name(d) == "staticmethod" for d in self.node.decorator_list
        )


#: calls that run a function they are given with the arguments after it, by the position of the
#: function: `asyncio.to_thread(requests.get, url)` calls `requests.get(url)`
_RUNS_FUNCTION_AT = {
    "asyncio.to_thread": 0,
    # an executor's `submit(fn, *args, **kwargs)`, by the executor's type
    "concurrent.futures.ThreadPoolExecutor.submit": 0,
    "concurrent.futures.ProcessPoolExecutor.submit": 0,
    "concurrent.futures.thread.ThreadPoolExecutor.submit": 0,
    "concurrent.futures.process.ProcessPoolExecutor.submit": 0,
}
#: the same for a method of any receiver: an event loop's `run_in_executor(executor, f, *args)`
_METHOD_RUNS_FUNCTION_AT = {"run_in_executor": 1}
#: calls handed a function and, apart, the arguments to call it with (in another thread or
#: process, after a delay, under a time limit): the function's position and keyword, then those
#: of its argument tuple and of its keyword dict. `Thread(target=f, args=(x,))` calls `f(x)`.
_RUNS_HANDED: dict[str, tuple[int, str, int, str, int, str]] = {
    "threading.Thread": (1, "target", 3, "args", 4, "kwargs"),
    "multiprocessing.Process": (1, "target", 3, "args", 4, "kwargs"),
    "threading.Timer": (1, "function", 2, "args", 3, "kwargs"),
    "func_timeout.func_timeout": (1, "func", 2, "args", 3, "kwargs"),
}
_RUNNER_NAMES = frozenset(
    {q.rsplit(".", 1)[-1] for q in (*_RUNS_FUNCTION_AT, *_RUNS_HANDED)} | set(_METHOD_RUNS_FUNCTION_AT)
)


def _handed(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    """The argument a call passes at `position` or as `keyword`."""
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _made_handed_call(call: ast.Call, spec: tuple[int, str, int, str, int, str]) -> ast.Call | None:
    """`f(*args, **kwargs)` for `Thread(target=f, args=args, kwargs=kwargs)` and its kind."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    function = _handed(call, spec[0], spec[1])
    if function is None or (isinstance(function, ast.Constant) and function.value is None):
        return None
    given = _handed(call, spec[2], spec[3])
    if given is None:
        args: list[ast.expr] = []
    elif isinstance(given, ast.Tuple | ast.List):
        args = list(given.elts)
    else:
        args = [ast.copy_location(ast.Starred(value=given, ctx=ast.Load()), given)]
    named = _handed(call, spec[4], spec[5])
    keywords: list[ast.keyword] = []
    if isinstance(named, ast.Dict) and all(
        isinstance(k, ast.Constant) and isinstance(k.value, str) for k in named.keys
    ):
        keywords = [ast.keyword(arg=k.value, value=v) for k, v in zip(named.keys, named.values, strict=True)]  # type: ignore[union-attr]
    elif named is not None and not (isinstance(named, ast.Constant) and named.value is None):
        keywords = [ast.keyword(arg=None, value=named)]
    return ast.copy_location(ast.Call(func=function, args=args, keywords=keywords), call)


def _made_call(call: ast.Call, qual: str) -> ast.Call | None:
    if qual in _RUNS_HANDED:
        return _made_handed_call(call, _RUNS_HANDED[qual])
    position = _RUNS_FUNCTION_AT.get(qual)
    if position is None and isinstance(call.func, ast.Attribute):
        position = _METHOD_RUNS_FUNCTION_AT.get(call.func.attr)
    if position is None or len(call.args) <= position:
        return None
    if any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return None
    keywords = call.keywords if qual in _RUNS_FUNCTION_AT else []  # run_in_executor passes none on
    made = ast.Call(func=call.args[position], args=call.args[position + 1 :], keywords=keywords)
    return ast.copy_location(made, call)


@dataclass(eq=False)
class ModuleInfo:
    path: str
    name: str
    tree: ast.Module
    lines: list[str]
    resolver: Resolver  # the shared import and type resolver: every name below goes through it
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name (the resolver's)
    functions: dict[str, FunctionInfo] = field(default_factory=dict)  # by qualname
    by_name: dict[str, FunctionInfo] = field(default_factory=dict)  # plain names, last wins
    classes: dict[str, dict[str, FunctionInfo]] = field(default_factory=dict)
    frameworks: set[str] = field(default_factory=set)
    servicers: frozenset[str] = frozenset()  # classes serving gRPC calls (`grpc_servicers`)
    #: the call a runner call makes, by the runner call's id (see `delegated_call`)
    delegated: dict[int, ast.Call | None] = field(default_factory=dict)
    #: the getter call a read of `self.x` stands for, by the read's id (see `getter_call`)
    getter_calls: dict[int, ast.Call] = field(default_factory=dict)
    #: whether a function mentions a session or a cookie, by the function node's id
    session_mentions: dict[int, bool] = field(default_factory=dict)
    #: module functions registered as views by a call, not a decorator: name -> their routes
    registered_routes: dict[str, list[str]] = field(default_factory=dict)
    #: aiohttp handlers registered by a call (`app.router.add_get("/f/{name}", serve)`), with their routes
    aiohttp_routes: dict[str, list[str]] = field(default_factory=dict)

    @functools.cached_property
    def helpers_called_with_more(self) -> frozenset[str]:
        """Module functions this module calls by name with more than one argument: a Django
        function taking `request` that its views call with their own values is their helper,
        and its other parameters are what they pass, not parts of a URL."""
        return _called_names(self.tree, more_than=1)

    @classmethod
    def build(
        cls, path: str, tree: ast.Module, lines: list[str], resolver: Resolver | None = None
    ) -> ModuleInfo:
        """`resolver`: the file's shared one (`Resolver.of_source`), else one is made here."""
        name = module_name(path)
        resolver = resolver or Resolver(tree, name, is_package=path.endswith("__init__.py"))
        info = cls(path=path, name=name, tree=tree, lines=lines, resolver=resolver, imports=resolver.imports)
        info.frameworks = {
            _FRAMEWORK_OF.get(top, top) for top in _FRAMEWORK_PACKAGES if resolver.imports_package(top)
        }
        info.servicers = (
            grpc_servicers(tree, resolver)
            if resolver.imports_package("grpc") or any("_pb2_grpc" in q for q in resolver.imports.values())
            else frozenset()
        )
        if info.frameworks & {"flask", "bottle"}:
            info.registered_routes = _registered_routes(tree)
        if resolver.imports_package("aiohttp"):
            info.aiohttp_routes = _aiohttp_routes(tree)
        info._collect_functions(tree.body, prefix="", class_name=None)
        return info

    def qualname(self, node: ast.AST) -> str | None:
        """Dotted name of a Name/Attribute chain through imports and aliases (the shared
        resolver: `builtins.eval` is `eval`, `run = os.system` makes `run` `os.system`);
        calls in it become `x()`."""
        return self.resolver.qualname(node)

    def call_names(self, call: ast.Call) -> tuple[str, ...]:
        """The call's qualified name, then `Type.method` for its receiver's type and supertypes."""
        return self.resolver.call_names(call)

    def delegated_call(self, call: ast.Call) -> ast.Call | None:
        """The call a runner call makes: `f(x)` for `asyncio.to_thread(f, x)`, a loop's
        `run_in_executor(None, f, x)` or `Thread(target=f, args=(x,))` (None: not a runner).
        Made once per call and kept: the resolver caches its answers by node, so the made node
        lives as long as the tree."""
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in _RUNNER_NAMES:
            return None
        if id(call) not in self.delegated:
            qual = self.qualname(func) or ""
            if qual not in _RUNS_FUNCTION_AT and qual not in _RUNS_HANDED:
                qual = next((n for n in self.call_names(call) if n in _RUNS_FUNCTION_AT), qual)
            self.delegated[id(call)] = _made_call(call, qual)
        return self.delegated[id(call)]

    def getter_call(self, read: ast.Attribute) -> ast.Call:
        """`self.x()`, the call a read of `self.x` makes when `x` is a property. Made once per
        read and kept, as `delegated_call`'s calls are."""
        if id(read) not in self.getter_calls:
            self.getter_calls[id(read)] = ast.copy_location(ast.Call(func=read, args=[], keywords=[]), read)
        return self.getter_calls[id(read)]

    def receiver_type(self, node: ast.expr) -> str | None:
        """The inferred type of an object expression (None: unknown)."""
        return self.resolver.type_of(node)

    def typed_member(self, receiver: ast.expr, member: str, table: Iterable[str]) -> str | None:
        """`Type.member` as `table` names it, for the inferred type of `receiver` or a supertype
        (`zipfile.ZipFile.namelist` for `zf.namelist`), or None."""
        found = self.resolver.type_of(receiver)
        names = (f"{t}.{member}" for t in self.resolver.supertypes(found)) if found is not None else ()
        return next((name for name in names if name in table), None)

    def is_a(self, node: ast.expr, types: Iterable[str]) -> bool:
        """Whether `node` is inferred to be of one of `types` (or a subtype)."""
        found = self.resolver.type_of(node)
        return found is not None and not set(types).isdisjoint(self.resolver.supertypes(found))

    @functools.cached_property
    def argument_declarations(self) -> tuple[ast.Call, ...]:
        """The module's `parser.add_argument("name", ...)` calls (a request parser's declared
        arguments), found once for every `parse_args()` that asks."""
        return tuple(
            call
            for call in nodes_of(self.tree, ast.Call)
            if isinstance(call.func, ast.Attribute)
            and call.func.attr == "add_argument"
            and call.args
            and isinstance(call.args[0], ast.Constant)
        )

    @functools.cached_property
    def may_check_signatures(self) -> bool:
        """Whether the module's text mentions an HMAC or a signature at all: only then is an
        equality worth asking whether it compares one."""
        return any("hmac" in line.lower() or "sign" in line.lower() for line in self.lines)

    def keeps_session_data(self, node: ast.AST) -> bool:
        """Whether a function's text mentions a session or a cookie at all: only then is a
        condition in it worth asking which values it checked for them (asked once per function)."""
        found = self.session_mentions.get(id(node))
        if found is None:
            first = getattr(node, "lineno", 1)
            text = self.lines[first - 1 : getattr(node, "end_lineno", None) or first]
            found = self.session_mentions[id(node)] = any("session" in t or "cookie" in t for t in text)
        return found

    @functools.cached_property
    def bound_names(self) -> frozenset[str]:
        """Every name the module binds anywhere (assignment, definition, import, parameter,
        handler, loop or comprehension target): a name outside it and the builtins comes from
        nowhere the module shows, so nothing proves what it holds."""
        tree = self.tree
        bound = {node.id for node in nodes_of(tree, ast.Name) if type(node.ctx) is not ast.Load}  # type: ignore[attr-defined]
        bound.update(node.name for node in nodes_of(tree, *_DEFINITIONS))  # type: ignore[attr-defined]
        bound.update(node.arg for node in nodes_of(tree, ast.arg))  # type: ignore[attr-defined]
        bound.update((node.asname or node.name).split(".", 1)[0] for node in nodes_of(tree, ast.alias))  # type: ignore[attr-defined]
        bound.update(node.name for node in nodes_of(tree, *_NAMED_CAPTURES) if node.name)  # type: ignore[attr-defined]
        for node in nodes_of(tree, ast.Global, ast.Nonlocal):
            bound.update(node.names)  # type: ignore[attr-defined]
        return frozenset(bound)

    @functools.cached_property
    def rebound_globals(self) -> frozenset[str]:
        """Module variables a function assigns through `global`: their module-level value is one
        of several they hold while the app runs."""
        return frozenset(name for node in nodes_of(self.tree, ast.Global) for name in node.names)  # type: ignore[attr-defined]

    @functools.cached_property
    def packages(self) -> frozenset[str]:
        """This project's top-level package, by the module's path: `app` for `app/views.py`; in a
        `src/` layout (`src/app/views.py`) both `app`, as it is installed and imported, and `src`."""
        parts = self.name.split(".")
        if not parts[0]:
            return frozenset()
        return frozenset(parts[:2]) if parts[0] == "src" and len(parts) > 2 else frozenset(parts[:1])

    def of_project(self, qual: str) -> bool:
        """Whether a dotted name lies in this project's package, outside this module."""
        return "." in qual and qual.split(".")[0] in self.packages and qual != self.name

    def imports_any(self, packages: tuple[str, ...]) -> bool:
        """Whether the module imports one of these top-level packages."""
        return any(self.resolver.imports_package(p) for p in packages)

    # -- functions ---------------------------------------------------------------------------------

    def _collect_functions(self, body: list[ast.stmt], prefix: str, class_name: str | None) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                qual = f"{prefix}{node.name}"
                func = self._function(node, qual, class_name)
                self.functions[qual] = func
                if class_name is not None:
                    self.classes.setdefault(class_name, {})[node.name] = func
                else:
                    self.by_name[node.name] = func
                self._collect_functions(node.body, prefix=f"{qual}.", class_name=None)
            elif isinstance(node, ast.ClassDef):
                self._collect_functions(node.body, prefix=f"{prefix}{node.name}.", class_name=node.name)
            elif isinstance(node, ast.If | ast.Try | ast.With):
                for block in _blocks(node):
                    self._collect_functions(block, prefix, class_name)

    def _function(self, node: FunctionNode, qual: str, class_name: str | None) -> FunctionInfo:
        args = node.args
        positional = [a.arg for a in args.posonlyargs + args.args]
        params = positional + ([args.vararg.arg] if args.vararg else []) + [a.arg for a in args.kwonlyargs]
        sources, flask_view, validated, one_segment, patterns = self._handler_sources(node, class_name)
        if class_name in self.servicers and len(positional) == 3 and not node.name.startswith("_"):
            sources = {positional[1]: f"gRPC request `{positional[1]}`"}  # (self, request, context)
        overridden = self._overridden_handler(class_name, node.name) if class_name is not None else None
        if overridden is not None:
            sources = {n: f"{overridden} `{n}`" for n in params[1:]}
        view_class = class_name is not None and node.name in _VIEW_METHODS and self._extends(class_name)
        if view_class:
            skip = {"self", "cls", "request"}
            sources = {
                n: f"URL part `{n}`"
                for n in params
                if n not in skip
                and not _is_safe_annotation(node.args.posonlyargs + node.args.args + node.args.kwonlyargs, n)
            }
        django_view = class_name is not None and self._extends(class_name, _DJANGO_VIEW)
        bound_forms = frozenset(params[1:2]) if django_view and node.name in _FORM_HOOKS else frozenset()
        return FunctionInfo(
            node,
            qual,
            class_name,
            params,
            sources,
            flask_view,
            view_class,
            django_view,
            validated_params=validated,
            one_segment_params=one_segment,
            match_info_segments=self._aiohttp_segments(node),
            param_patterns=patterns,
            redirect_return=class_name is not None
            and (
                (
                    node.name in _REDIRECT_URL_METHODS
                    and positional[1:] == []  # Django's own take none (`*args, **kwargs` at most)
                    and "django" in self.frameworks
                )
                or (node.name == "get_return_url" and self._extends(class_name, _RETURN_URL_VIEWS))
            ),
            bound_forms=bound_forms,
            host_event=class_name is not None
            and node.name.startswith("on_")
            and self._extends(class_name, _PLUGIN_BASES),
        )

    def _overridden_handler(self, class_name: str, method: str) -> str | None:
        """What the framework passes a request-serving method the class overrides (see
        `OVERRIDDEN_HANDLERS`), or None."""
        if not any(method in methods for methods in OVERRIDDEN_HANDLERS.values()):
            return None
        bases = self.resolver.supertypes(f"{self.name}.{class_name}" if self.name else class_name)
        return next(
            (OVERRIDDEN_HANDLERS[b][method] for b in bases if method in OVERRIDDEN_HANDLERS.get(b, {})), None
        )

    def _extends(self, class_name: str, of: frozenset[str] = _VIEW_BASES) -> bool:
        """Whether the class is, or extends, one of `of` (by default a web framework's view)."""
        bases = self.resolver.supertypes(f"{self.name}.{class_name}" if self.name else class_name)
        return any(b in of for b in bases)

    def _handler_sources(self, node: FunctionNode, class_name: str | None) -> _Handler:
        """Parameters a web framework fills from the request, and what else the framework says of
        them (see `_Handler`)."""
        all_args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
        defaults = parameter_defaults(node.args)
        if class_name is None and any(self._frappe_whitelisted(d) for d in node.decorator_list):
            return _Handler(_arguments(all_args, "whitelisted method argument"))
        if any(self.resolver.qualname(d) == "cherrypy.expose" for d in node.decorator_list):
            # `*path` takes the URL's remaining segments, `**params` every query or form field
            rest = [a for a in (node.args.vararg, node.args.kwarg) if a is not None]
            return _Handler(_arguments(all_args + rest, "request parameter", ("self",)))
        if class_name is not None and any(self._errbot_webhook(d) for d in node.decorator_list):
            # errbot serves a plugin's webhook from its Flask app: the request's body (a dict, or
            # Flask's request with `raw=True`) and the route's `<parts>`; a returned text is HTML
            return _Handler(_arguments(all_args, "webhook request", ("self",)), flask_view=True)
        if class_name is not None and any(self._xblock_handler(d) for d in node.decorator_list):
            # `@XBlock.handler`: the LMS passes the learner's webob request and the URL's rest;
            # `@XBlock.json_handler`: the learner's JSON body instead of the request
            return _Handler(_arguments(all_args, "XBlock handler argument", ("self",)))
        if self._graphql_resolver(node, class_name):
            # the query's arguments: the client writes the query (the root object and the
            # execution context come from the server)
            skip = ("self", "cls", "root", "parent", "obj", "_", "info")
            typed = frozenset(
                a.arg for a in all_args if a.arg not in skip and _is_safe_annotation(all_args, a.arg)
            )
            return _Handler(_arguments(all_args, "GraphQL argument", skip), validated=typed)
        if class_name is None and any(self._agent_tool(d) for d in node.decorator_list):
            skip = ("self", "ctx", "context")
            return _Handler(_arguments(all_args, "agent tool argument", skip))
        if class_name is not None and "falcon" in self.frameworks and FALCON_RESPONDER.fullmatch(node.name):
            # `on_get(self, req, resp, **fields)`: Falcon fills the fields from the URL template
            return _Handler(_arguments(all_args[3:], "URL part"))
        flask_route = False
        sources: dict[str, str] = {}
        spans_slashes: set[str] = set()
        numbers: set[str] = set()
        bottle = "bottle" in self.frameworks and "flask" not in self.frameworks
        routes = [
            (verb, _route_text(d)) for d in node.decorator_list if (verb := self._route_verb(d, bottle))
        ]
        if class_name is None:
            routes += [("route", text) for text in self.registered_routes.get(node.name, ())]
        sanic = "sanic" in self.frameworks and not bottle and not self.frameworks & {"flask", "fastapi"}
        if routes and sanic:
            # Sanic's `<name>`, `<name:int>`: name first, as Bottle's; a handler returns a
            # response object (`text()`, `html()`), never bare text
            parts = [m for _, text in routes for m in _BOTTLE_PARAM.finditer(text)]
            found = {m.group("name") for m in parts if (m.group("conv") or "str") not in _SAFE_CONVERTERS}
            numbers = {m.group("name") for m in parts} - found
            return _Handler({n: f"URL part <{n}>" for n in found}, validated=frozenset(numbers))
        for verb, route_text in routes:
            if "fastapi" in self.frameworks:
                typed = frozenset(a.arg for a in all_args if _is_safe_annotation(all_args, a.arg))
                # a path parameter but `{p:path}` matches one segment: no `/` in it
                parts = [m for _, text in routes for m in _STARLETTE_PARAM.finditer(text)]
                paths = {m.group("name") for m in parts if m.group("conv") == "path"}
                segment = frozenset(m.group("name") for m in parts) - paths
                sources = self._fastapi_sources(all_args, defaults)
                patterns = self._fastapi_patterns(all_args, defaults)
                return _Handler(
                    sources, validated=typed, one_segment=segment & sources.keys(), patterns=patterns
                )
            if bottle or "flask" in self.frameworks or verb == "route":
                # every route the view is registered under: a parameter any of them takes from the URL
                # (a Bottle view returns its text as HTML, as a Flask view does)
                flask_route = True
                for match in (_BOTTLE_PARAM if bottle else _FLASK_PARAM).finditer(route_text):
                    converter = match.group("conv") or "string"
                    if converter not in _SAFE_CONVERTERS:
                        sources[match.group("name")] = f"URL part <{match.group('name')}>"
                        if converter not in _ONE_SEGMENT_CONVERTERS:
                            spans_slashes.add(match.group("name"))
                    else:
                        numbers.add(match.group("name"))
        if flask_route:
            # a part of one segment holds no `/`: it cannot be absolute, nor climb more than `..`
            return _Handler(
                sources,
                flask_view=True,
                validated=frozenset(numbers - sources.keys()),
                one_segment=frozenset(sources.keys() - spans_slashes),
            )
        wsgi = _wsgi_environ(node, self.lines)
        if wsgi is not None:
            return _Handler({wsgi: f"WSGI environ `{wsgi}`"})
        if isinstance(node, ast.AsyncFunctionDef) and {a.arg for a in all_args} >= _ASGI_PARAMETERS:
            # an ASGI application, by the specification's names: the scope (path, query string,
            # headers) is the client's
            return _Handler({"scope": "ASGI scope `scope`"})
        if "django" in self.frameworks and not _helper_module(self.path):
            names = [a.arg for a in all_args]
            start = 1 if class_name is not None and names[:1] == ["self"] else 0
            if names[start : start + 1] == ["request"] and class_name is None:
                if node.name in self.helpers_called_with_more:
                    return _Handler({})  # `landing_page(request, orequest)`: a view's helper
                called = _called_names(node)
                return _Handler(
                    {
                        n: f"URL part `{n}`"
                        for n in names[start + 1 :]
                        if not _is_safe_annotation(all_args, n) and n not in called
                    }
                )
        return _Handler({})

    def table_entries(
        self, table: ast.expr, class_name: str | None, scope: FunctionNode | None
    ) -> list[ast.expr]:
        """The functions of a dispatch table a call picks from (`self.actions[name](...)` with
        `self.actions = {"build": self.build, ...}`, `COMMANDS[name](...)`): the values of every
        dictionary the table is assigned, or nothing when it is assigned anything else."""
        if (
            isinstance(table, ast.Attribute)
            and isinstance(table.value, ast.Name)
            and table.value.id == "self"
        ):
            values = [v for v, _ in self.resolver.attribute_values(class_name or "", table.attr)]
        elif isinstance(table, ast.Name):
            values = self.resolver.assigned_values(table.id, scope)
        else:
            return []
        if not values or not all(isinstance(v, ast.Dict) for v in values):
            return []
        return [entry for value in values for entry in value.values if entry is not None]  # type: ignore[attr-defined]

    def _aiohttp_segments(self, node: FunctionNode) -> frozenset[str]:
        """The route parts of one segment in every route an aiohttp handler serves (`{name}`,
        whose default pattern holds no `/`; not `{name:.*}` or another pattern), from its
        `@routes.get(...)` decorators and `router.add_get(path, handler)` registrations."""
        if not self.resolver.imports_package("aiohttp"):
            return frozenset()
        routes = [_route_text(d) for d in node.decorator_list if self._route_verb(d, False)]
        routes += self.aiohttp_routes.get(node.name, [])
        if not routes:
            return frozenset()
        parts = [{m.group("name"): m.group("pattern") for m in _AIOHTTP_PARAM.finditer(r)} for r in routes]
        names = set.intersection(*(set(p) for p in parts))
        return frozenset(n for n in names if all(p[n] is None for p in parts))

    def _route_verb(self, decorator: ast.expr, bottle: bool) -> str | None:
        """`route`, `get`, `post` ... of a route decorator (`@app.get(...)`; in a Bottle module also
        the module's own `@route(...)`, `@get(...)`), or None."""
        if not isinstance(decorator, ast.Call):
            return None
        func = decorator.func
        if isinstance(func, ast.Attribute):
            return func.attr if func.attr in _ROUTE_METHODS else None
        qual = self.resolver.qualname(func) or ""
        verb = qual.removeprefix("bottle.")
        return verb if bottle and qual.startswith("bottle.") and verb in _ROUTE_METHODS else None

    def _errbot_webhook(self, decorator: ast.expr) -> bool:
        """errbot's `@webhook` or `@webhook("/path/<part>")` on a plugin's method."""
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        return self.resolver.qualname(target) in ("errbot.webhook", "errbot.decorators.webhook")

    def _xblock_handler(self, decorator: ast.expr) -> bool:
        """`@XBlock.handler` or `@XBlock.json_handler` on an XBlock's method (Open edX)."""
        return self.resolver.qualname(decorator) in XBLOCK_HANDLERS

    def _frappe_whitelisted(self, decorator: ast.expr) -> bool:
        """`@frappe.whitelist()`: Frappe calls the function over HTTP with the request's arguments."""
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        return self.resolver.qualname(target) == "frappe.whitelist"

    def _graphql_resolver(self, node: FunctionNode, class_name: str | None) -> bool:
        """A GraphQL resolver: Strawberry's `@strawberry.field`/`mutation`/`subscription`, a
        Graphene object type's `resolve_<field>` or mutation's `mutate`, Ariadne's
        `@query.field("name")` on a `QueryType`/`MutationType`/`ObjectType`."""
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            qual = self.resolver.qualname(target) or ""
            if qual in _STRAWBERRY_RESOLVERS:
                return True
            if (
                isinstance(target, ast.Attribute)
                and target.attr == "field"
                and isinstance(decorator, ast.Call)
            ):
                owner = self.resolver.type_of(target.value) or ""
                if owner.split(".")[0] == "ariadne":
                    return True
        if class_name is None or not (
            node.name.startswith("resolve_") or node.name in ("mutate", "mutate_and_get_payload")
        ):
            return False
        bases = self.resolver.supertypes(f"{self.name}.{class_name}" if self.name else class_name)
        return any(b.split(".")[0] == "graphene" for b in bases)

    def _agent_tool(self, decorator: ast.expr) -> bool:
        """`@mcp.tool()` on a FastMCP server, LangChain's `@tool`; by shape (`@<object>.tool(...)`)
        when the object's type is not known (a server made in another module)."""
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        qual = self.resolver.qualname(target)
        if qual in _AGENT_TOOL_DECORATORS:
            return True
        if not isinstance(target, ast.Attribute):
            return False
        owner = self.resolver.type_of(target.value)
        if target.attr in _MCP_SERVER_HANDLERS:  # `@server.call_tool()` on the SDK's `Server`
            return owner is not None and owner.split(".")[0] == "mcp"
        if target.attr != "tool":
            return False
        if owner is not None:  # any MCP server class (`MCPServer`, `FastMCP`) registers tools this way
            return f"{owner}.tool" in _AGENT_TOOL_DECORATORS or owner.split(".")[0] in ("mcp", "fastmcp")
        return qual is None or qual.split(".")[0] not in self.resolver.imports

    def _fastapi_patterns(
        self, all_args: list[ast.arg], defaults: dict[str, ast.expr]
    ) -> dict[str, ast.expr]:
        """Parameters declared with a pattern (`Path(..., pattern=P)`, `regex=P` before FastAPI
        0.100, or `Annotated[str, Query(pattern=P)]`): FastAPI answers 422 to a value it does not
        find in, so the function sees only values that `re.search(P, value)` accepts."""
        found: dict[str, ast.expr] = {}
        for arg in all_args:
            declared = [defaults.get(arg.arg)]
            annotation = arg.annotation
            if (
                isinstance(annotation, ast.Subscript)
                and isinstance(annotation.slice, ast.Tuple)
                and (self.resolver.qualname(annotation.value) or "").endswith("Annotated")
            ):
                declared.extend(annotation.slice.elts[1:])
            for call in declared:
                if not (
                    isinstance(call, ast.Call)
                    and _FASTAPI_PARAM.fullmatch(self.resolver.qualname(call.func) or "")
                ):
                    continue
                pattern = keyword_value(call, "pattern") or keyword_value(call, "regex")
                if pattern is not None:
                    found[arg.arg] = pattern
        return found

    def _fastapi_sources(self, all_args: list[ast.arg], defaults: dict[str, ast.expr]) -> dict[str, str]:
        sources = {}
        for arg in all_args:
            default = defaults.get(arg.arg)
            if isinstance(default, ast.Call) and call_name(default) in _DEPENDENCY_DEFAULTS:
                continue
            annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
            if annotation in _SAFE_ANNOTATIONS or annotation.startswith(("Session", "AsyncSession")):
                continue
            sources[arg.arg] = f"request parameter `{arg.arg}`"
        return sources


def grpc_servicers(tree: ast.Module, resolver: Resolver) -> frozenset[str]:
    """Classes of the module that serve gRPC calls, by the shapes grpcio's generated code gives
    them: a subclass of a `<service>Servicer` from a `*_pb2_grpc` module, or an object handed to
    its `add_<service>Servicer_to_server` (`self` in a method, or the class's constructor). Their
    methods take `(self, request, context)`, the request being the client's message."""
    found: set[str] = set()
    for cls in nodes_of(tree, ast.ClassDef):
        for base in cls.bases:  # type: ignore[attr-defined]
            qual = resolver.qualname(base) or ""
            if _GRPC_SERVICER.search(qual):
                found.add(cls.name)  # type: ignore[attr-defined]
    for call in nodes_of(tree, ast.Call):
        qual = resolver.qualname(call.func) or ""  # type: ignore[attr-defined]
        if not (_GRPC_REGISTER.search(qual) and call.args):  # type: ignore[attr-defined]
            continue
        served = call.args[0]  # type: ignore[attr-defined]
        if isinstance(served, ast.Name) and served.id == "self":
            owner = _enclosing_class(tree, call)
            if owner:
                found.add(owner)
        elif isinstance(served, ast.Call) and isinstance(served.func, ast.Name):
            found.add(served.func.id)
    return frozenset(found)


def _enclosing_class(tree: ast.Module, node: ast.AST) -> str | None:
    """The innermost class around `node` (classes come outermost first)."""
    around = [c.name for c in nodes_of(tree, ast.ClassDef) if contains(c, node)]  # type: ignore[attr-defined]
    return around[-1] if around else None


def _wsgi_environ(node: FunctionNode, lines: list[str]) -> str | None:
    """A WSGI application (PEP 3333) is known by its calling shape: its last two positional
    parameters are the environ and `start_response`, which it calls with a status and a list of
    headers, or which carry PEP 3333's own names (`environ, start_response`: it may hand
    `start_response` on). The environ (request path, query, headers, body) is the client's."""
    positional = [a.arg for a in node.args.posonlyargs + node.args.args]
    if len(positional) < 2:
        return None
    environ, start_response = positional[-2], positional[-1]
    if (environ, start_response) == ("environ", "start_response"):
        return environ  # PEP 3333's own names: an app that hands `start_response` on is one too
    end = getattr(node, "end_lineno", None) or node.lineno
    if not any(f"{start_response}(" in line for line in lines[node.lineno : end]):
        return None  # the body never calls it (a text check first: most functions are not WSGI apps)
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Name)
            and sub.func.id == start_response
            and len(sub.args) in (2, 3)
            and isinstance(sub.args[1], ast.List | ast.ListComp)
        ):
            return environ
    return None


def _blocks(node: ast.If | ast.Try | ast.With) -> list[list[ast.stmt]]:
    if isinstance(node, ast.If):
        return [node.body, node.orelse]
    if isinstance(node, ast.Try):
        return [node.body, node.orelse, node.finalbody, *[h.body for h in node.handlers]]
    return [node.body]


def call_name(node: ast.Call) -> str:
    """The last name of what a call calls (`loads` of `signer.loads(...)` or of `loads(...)`)."""
    return last_name(node.func) or ""


def _route_text(decorator: ast.expr) -> str:
    """The URL rule a route decorator or registration names first: its constant text, also when a
    prefix is put before it (`"{0}/cameras/<camera_id>".format(prefix)`, `PREFIX + "/<name>"`,
    an f-string), whose own parts are unknown here (`""` when no part is a constant)."""
    route = decorator.args[0] if isinstance(decorator, ast.Call) and decorator.args else None
    return _constant_text(route) if route is not None else ""


def _constant_text(node: ast.expr) -> str:
    """The constant parts of a string expression, each part that is not one left out."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else ""
    if isinstance(node, ast.JoinedStr):
        return "".join(_constant_text(v) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _constant_text(node.left) + _constant_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        # `{0}`, `{prefix}`: what the call is given; `{{name}}` is the text `{name}`
        template = _FORMAT_FIELD.sub("", _constant_text(node.func.value))
        return template.replace("{{", "{").replace("}}", "}")
    return ""


#: a replacement field of `str.format` (not a doubled, literal brace)
_FORMAT_FIELD = re.compile(r"(?<!\{)\{[^{}]*\}(?!\})")


#: Calls that register a view without a decorator, and the keyword and position of the view:
#: Flask's `add_url_rule(rule, endpoint, view_func)`, Bottle's `route(path, method, callback)`
_REGISTRATIONS = {"add_url_rule": ("view_func", 2), "route": ("callback", 2)}


def _registered_routes(tree: ast.Module) -> dict[str, list[str]]:
    """Module functions a call registers as views (`app.add_url_rule("/f/<name>", view_func=serve)`),
    with the routes they serve."""
    found: dict[str, list[str]] = {}
    for call in nodes_of(tree, ast.Call):
        func = call.func  # type: ignore[attr-defined]
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name not in _REGISTRATIONS:
            continue
        keyword, position = _REGISTRATIONS[name]
        view = next((k.value for k in call.keywords if k.arg == keyword), None)  # type: ignore[attr-defined]
        if view is None and len(call.args) > position:  # type: ignore[attr-defined]
            view = call.args[position]  # type: ignore[attr-defined]
        if isinstance(view, ast.Name):
            found.setdefault(view.id, []).append(_route_text(call))
    return found


#: aiohttp's route registrations and where each takes the path and the handler
_AIOHTTP_REGISTRATIONS = {
    **{f"add_{verb}": (0, 1) for verb in ("get", "post", "put", "patch", "delete", "head")},
    "add_route": (1, 2),
}


def _aiohttp_routes(tree: ast.Module) -> dict[str, list[str]]:
    """Handlers registered with `router.add_get("/f/{name}", serve)` or `add_route("GET", path,
    serve)`, with the routes they serve."""
    found: dict[str, list[str]] = {}
    for call in nodes_of(tree, ast.Call):
        func = call.func  # type: ignore[attr-defined]
        where = _AIOHTTP_REGISTRATIONS.get(func.attr) if isinstance(func, ast.Attribute) else None
        if where is None or len(call.args) <= where[1]:  # type: ignore[attr-defined]
            continue
        path, handler = call.args[where[0]], call.args[where[1]]  # type: ignore[attr-defined]
        if isinstance(handler, ast.Name) and isinstance(path, ast.Constant) and isinstance(path.value, str):
            found.setdefault(handler.id, []).append(path.value)
    return found


def _called_names(scope: ast.AST, more_than: int = 0) -> frozenset[str]:
    """Names called inside `scope` by a bare name (`client_class(request)`), with more than
    `more_than` arguments. A view's parameter it calls is a class or a function the URL
    configuration hands it (`path(..., view, {"client_class": C})`), never the text of a URL part."""
    return frozenset(
        n.func.id  # type: ignore[attr-defined]
        for n in nodes_of(scope, ast.Call)
        if isinstance(n.func, ast.Name) and len(n.args) + len(n.keywords) > more_than  # type: ignore[attr-defined]
    )


def _arguments(all_args: list[ast.arg], label: str, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Every argument a caller from outside fills (a number-annotated one excepted), described."""
    return {
        a.arg: f"{label} `{a.arg}`"
        for a in all_args
        if a.arg not in skip and not _is_safe_annotation(all_args, a.arg)
    }


def _is_safe_annotation(all_args: list[ast.arg], name: str) -> bool:
    for arg in all_args:
        if arg.arg == name and arg.annotation is not None:
            return ast.unparse(arg.annotation) in _SAFE_ANNOTATIONS
    return False


def last_name(node: ast.expr) -> str | None:
    """The last part of a name: `hookimpl` of `hookimpl` and of `pytest.hookimpl`."""
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None
