"""Rule tables of the instrumentation analyzer: what the rules are, and which library calls they know.

Everything an org might want to tune is data here (and policy), not code in the visitor.
Rule ids: `PG-<FAMILY><NNN>`, family = the policy check that switches them
(OBS observability, TIMEOUT timeouts, RETRY retries, ERR swallowed_errors, LOOP loops).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prguard.analyzers.pyresolve.known import DJANGO_MANAGERS
from prguard.engine.model import Confidence


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: its id, the policy check that switches it, and how it is reported."""

    rule_id: str
    check: str  # key under analyzers.instrumentation.checks
    title: str
    cwe: int | None
    confidence: Confidence
    #: steps below the check's policy severity (a softer rule of the same check)
    severity_offset: int = 0


RULES: dict[str, Rule] = {
    rule.rule_id: rule
    for rule in (
        Rule(
            "PG-OBS001",
            "observability",
            "Request handler without logging, metrics or tracing",
            None,
            Confidence.MEDIUM,
        ),
        Rule(
            "PG-OBS002",
            "observability",
            "Background task without logging, metrics or tracing",
            None,
            Confidence.MEDIUM,
        ),
        Rule(
            "PG-OBS003",
            "observability",
            "Outbound call in a function without logging, metrics or tracing",
            None,
            Confidence.MEDIUM,
        ),
        Rule(
            "PG-TIMEOUT001",
            "timeouts",
            "Network call that can block forever (no timeout)",
            400,
            Confidence.HIGH,
        ),
        Rule(
            "PG-TIMEOUT002",
            "timeouts",
            "Network client left on a long library-default timeout",
            400,
            Confidence.MEDIUM,
            severity_offset=1,
        ),
        Rule("PG-RETRY001", "retries", "External call without a retry policy", None, Confidence.MEDIUM),
        Rule(
            "PG-ERR001",
            "swallowed_errors",
            "Exception swallowed without logging or re-raising",
            703,
            Confidence.HIGH,
        ),
        Rule(
            "PG-ERR002",
            "swallowed_errors",
            "Exception turned into a silent default value",
            390,
            Confidence.MEDIUM,
            severity_offset=1,
        ),
        Rule("PG-LOOP001", "loops", "Database query inside a loop (N+1)", 1073, Confidence.MEDIUM),
        Rule("PG-LOOP002", "loops", "HTTP call inside a loop", 1050, Confidence.MEDIUM, severity_offset=1),
        Rule("PG-LOOP003", "loops", "Paid-API call inside a loop (cost explosion)", 1050, Confidence.HIGH),
    )
}

#: Built-in settings; `policies/presets/default.yml` carries the same values (a test keeps them equal).
DEFAULT_SETTINGS: dict = {
    "enabled": True,
    "include_tests": False,
    "checks": {
        "observability": {"enabled": True, "severity": "low", "require_on": ["tasks", "outbound_calls"]},
        "timeouts": {"enabled": True, "severity": "medium", "default_timeout": 10, "long_defaults": True},
        "retries": {"enabled": False, "severity": "low", "require_in": ["tasks"]},
        "swallowed_errors": {"enabled": True, "severity": "medium"},
        "loops": {"enabled": True, "severity": "medium"},
    },
    "instrumentation_names": [],
    "retry_names": [],
    "paid_api_clients": [
        "openai",
        "anthropic",
        "cohere",
        "mistralai",
        "groq",
        "google.generativeai",
        "google.genai",
        "replicate",
        "twilio",
        "boto3",
    ],
}


@dataclass(frozen=True, slots=True)
class TimeoutSpec:
    """How one library call takes a timeout, and what happens without one.

    `kwargs`: keyword names that set it; `position`: positional index that sets it (or None);
    `default`: "forever" (blocks until the OS gives up) or "long" (a library default of minutes);
    `none_is_forever`: an explicit `timeout=None` disables it; `fix`: keyword + value template of the
    suggested fix ({t} = policy default), None when no one-line fix is mechanical.
    """

    kwargs: tuple[str, ...]
    position: int | None
    default: str
    none_is_forever: bool = True
    fix: str | None = "timeout={t}"
    note: str = ""


_REQ = TimeoutSpec(("timeout",), None, "forever", note="requests has no default timeout")
_HTTPX = TimeoutSpec(("timeout",), None, "library", note="httpx defaults to 5 s; timeout=None disables it")

#: Module-level functions and constructors, by resolved dotted name.
TIMEOUT_CALLS: dict[str, TimeoutSpec] = {
    **{f"requests.{verb}": _REQ for verb in ("get", "post", "put", "patch", "delete", "head", "options")},
    "requests.request": _REQ,
    **{f"requests.api.{verb}": _REQ for verb in ("get", "post", "put", "patch", "delete", "head", "options")},
    "requests.api.request": _REQ,
    **{
        f"httpx.{verb}": _HTTPX
        for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")
    },
    "httpx.Client": _HTTPX,
    "httpx.AsyncClient": _HTTPX,
    "urllib.request.urlopen": TimeoutSpec(
        ("timeout",), 2, "forever", note="urlopen waits forever unless socket.setdefaulttimeout was set"
    ),
    "urllib3.PoolManager": TimeoutSpec(("timeout",), None, "forever", note="urllib3 has no default timeout"),
    "urllib3.request": TimeoutSpec(("timeout",), None, "forever", note="urllib3 has no default timeout"),
    "http.client.HTTPConnection": TimeoutSpec(("timeout",), 2, "forever"),
    "http.client.HTTPSConnection": TimeoutSpec(("timeout",), 2, "forever"),
    "smtplib.SMTP": TimeoutSpec(("timeout",), 3, "forever"),
    "smtplib.SMTP_SSL": TimeoutSpec(("timeout",), 3, "forever"),
    "ftplib.FTP": TimeoutSpec(("timeout",), 4, "forever"),
    "socket.create_connection": TimeoutSpec(("timeout",), 1, "forever"),
    "redis.Redis": TimeoutSpec(
        ("socket_timeout",),
        None,
        "forever",
        fix="socket_timeout={t}",
        note="redis-py waits forever by default",
    ),
    "redis.StrictRedis": TimeoutSpec(("socket_timeout",), None, "forever", fix="socket_timeout={t}"),
    "redis.from_url": TimeoutSpec(("socket_timeout",), None, "forever", fix="socket_timeout={t}"),
    "redis.Redis.from_url": TimeoutSpec(("socket_timeout",), None, "forever", fix="socket_timeout={t}"),
    "redis.asyncio.Redis": TimeoutSpec(("socket_timeout",), None, "forever", fix="socket_timeout={t}"),
    "redis.asyncio.from_url": TimeoutSpec(("socket_timeout",), None, "forever", fix="socket_timeout={t}"),
    "redis.asyncio.Redis.from_url": TimeoutSpec(
        ("socket_timeout",), None, "forever", fix="socket_timeout={t}"
    ),
    "redis.StrictRedis.from_url": TimeoutSpec(("socket_timeout",), None, "forever", fix="socket_timeout={t}"),
    "redis.ConnectionPool.from_url": TimeoutSpec(
        ("socket_timeout",), None, "forever", fix="socket_timeout={t}"
    ),
    "redis.asyncio.ConnectionPool.from_url": TimeoutSpec(
        ("socket_timeout",), None, "forever", fix="socket_timeout={t}"
    ),
    "sqlalchemy.create_engine": TimeoutSpec(
        ("connect_args",),
        None,
        "forever",
        none_is_forever=False,
        fix='connect_args={{"connect_timeout": {t}}}',
        note="the database driver waits forever to connect",
    ),
    "sqlalchemy.ext.asyncio.create_async_engine": TimeoutSpec(
        ("connect_args",),
        None,
        "forever",
        none_is_forever=False,
        fix=None,
        note="the database driver waits forever to connect",
    ),
    "psycopg2.connect": TimeoutSpec(
        ("connect_timeout",),
        None,
        "forever",
        fix="connect_timeout={t}",
        note="libpq waits forever to connect",
    ),
    "psycopg.connect": TimeoutSpec(("connect_timeout",), None, "forever", fix="connect_timeout={t}"),
    "psycopg.AsyncConnection.connect": TimeoutSpec(
        ("connect_timeout",), None, "forever", fix="connect_timeout={t}"
    ),
    "pymongo.MongoClient": TimeoutSpec(
        ("socketTimeoutMS", "timeoutMS"),
        None,
        "forever",
        fix="socketTimeoutMS={t}000",
        note="pymongo's socketTimeoutMS defaults to none",
    ),
    "aiohttp.ClientSession": TimeoutSpec(
        ("timeout",), None, "long", fix=None, note="aiohttp defaults to a 5-minute total timeout"
    ),
    "aiohttp.request": TimeoutSpec(
        ("timeout",), None, "long", fix=None, note="aiohttp defaults to 5 minutes"
    ),
    "boto3.client": TimeoutSpec(
        ("config",),
        None,
        "long",
        none_is_forever=False,
        fix=None,
        note="botocore waits 60 s to connect and 60 s per read, then retries",
    ),
    "boto3.resource": TimeoutSpec(
        ("config",),
        None,
        "long",
        none_is_forever=False,
        fix=None,
        note="botocore waits 60 s to connect and 60 s per read, then retries",
    ),
}

#: Client constructors whose instances make HTTP calls; value = instance kind.
CLIENT_KINDS: dict[str, str] = {
    "requests.Session": "requests",
    "requests.session": "requests",
    "requests.sessions.Session": "requests",
    "requests_oauthlib.OAuth1Session": "requests",
    "requests_oauthlib.OAuth2Session": "requests",
    "requests_cache.CachedSession": "requests",
    "requests_cache.session.CachedSession": "requests",
    "requests_cache.core.CachedSession": "requests",
    "httpx.Client": "httpx",
    "httpx.AsyncClient": "httpx",
    "aiohttp.ClientSession": "aiohttp",
    "urllib3.PoolManager": "urllib3",
    "boto3.client": "boto3",
    "boto3.resource": "boto3",
    "boto3.Session.client": "boto3",
    "boto3.session.Session.client": "boto3",
    "http.client.HTTPConnection": "http.client",
    "http.client.HTTPSConnection": "http.client",
}

#: Client types (as the shared resolver names them) whose instances make HTTP calls; value = kind.
CLIENT_TYPE_KINDS: dict[str, str] = {
    "requests.Session": "requests",
    "requests.sessions.Session": "requests",
    "requests_oauthlib.OAuth2Session": "requests",
    "requests_oauthlib.OAuth1Session": "requests",
    "requests_cache.CachedSession": "requests",
    "requests_cache.session.CachedSession": "requests",
    "requests_cache.core.CachedSession": "requests",
    "httpx.Client": "httpx",
    "httpx.AsyncClient": "httpx",
    "aiohttp.ClientSession": "aiohttp",
    "urllib3.PoolManager": "urllib3",
    "urllib.request.OpenerDirector": "urllib",
    "botocore.client.BaseClient": "boto3",
    "boto3.resources.base.ServiceResource": "boto3",
    "http.client.HTTPConnection": "http.client",
    "http.client.HTTPSConnection": "http.client",
}

#: Billed methods of vendor SDKs, by the shape of the call (`<anything>.chat.completions.create`):
#: recognised on receivers whose type is unknown (a client passed in untyped).
PAID_METHOD_SHAPES: tuple[str, ...] = (
    ".chat.completions.create",
    ".chat.completions.parse",
    ".completions.create",
    ".embeddings.create",
    ".responses.create",
    ".images.generate",
    ".audio.transcriptions.create",
    ".audio.speech.create",
    ".moderations.create",
    ".messages.create",  # Anthropic messages, Twilio SMS
    ".models.generate_content",
    ".generate_content",
    ".invoke_model",
    ".converse",
)

#: Modules whose query builders end in `.execute()` like a Google API discovery request does.
QUERY_BUILDER_MODULES: frozenset[str] = frozenset({"peewee", "pypika", "sqlalchemy", "databases", "piccolo"})

#: requests-oauthlib sessions (requests sessions) make these requests too; a timeout goes in as for any
#: request (`fetch_token(url, ..., timeout=10)`).
OAUTH_SESSION_METHODS: frozenset[str] = frozenset(
    {"fetch_request_token", "fetch_access_token", "fetch_token", "refresh_token"}
)

#: Top-level modules whose objects can be HTTP clients (a file importing none of them, nor a paid SDK,
#: holds no client the resolver could name).
CLIENT_MODULE_ROOTS: frozenset[str] = frozenset(
    {"requests", "httpx", "aiohttp", "urllib3", "requests_oauthlib", "requests_cache"}
)

#: Context managers and wrappers that bound the time of the awaits inside them: a request made under
#: `async with asyncio.timeout(10):` (or awaited through `asyncio.wait_for(..., 10)`) has a timeout
#: whatever its client was given.
TIMEOUT_SCOPES: frozenset[str] = frozenset(
    {
        "asyncio.timeout",
        "asyncio.timeout_at",
        "asyncio.wait_for",
        "async_timeout.timeout",
        "async_timeout.timeout_at",
        "anyio.fail_after",
        "anyio.move_on_after",
        "trio.fail_after",
        "trio.move_on_after",
    }
)

#: Types of a boto3 session, whose `.client(...)`/`.resource(...)` make AWS clients.
BOTO3_SESSION_TYPES: frozenset[str] = frozenset({"boto3.Session", "boto3.session.Session"})

#: Per-call timeout rules of client methods, by instance kind.
CLIENT_METHODS: dict[str, tuple[frozenset[str], TimeoutSpec | None]] = {
    "requests": (
        frozenset(
            {"get", "post", "put", "patch", "delete", "head", "options", "request", "send"}
            | OAUTH_SESSION_METHODS
        ),
        TimeoutSpec(("timeout",), None, "forever", note="requests.Session has no default timeout"),
    ),
    "httpx": (
        frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "send"}),
        TimeoutSpec(("timeout",), None, "library"),
    ),
    "aiohttp": (
        frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "ws_connect"}),
        None,  # the session's timeout applies; checked where the session is made
    ),
    "urllib3": (frozenset({"request", "urlopen", "request_encode_url", "request_encode_body"}), None),
    # an http.client connection connects on its first request; its timeout is given where it is made
    "http.client": (frozenset({"request"}), None),
    "urllib": (  # an OpenerDirector from urllib.request.build_opener(...): open(url, data, timeout)
        frozenset({"open"}),
        TimeoutSpec(
            ("timeout",), 2, "forever", note="an opener waits forever unless socket.setdefaulttimeout was set"
        ),
    ),
}

#: Module-level functions that are outbound HTTP calls (for loops, retries, observability).
HTTP_FUNCTIONS: frozenset[str] = frozenset(
    name
    for name in TIMEOUT_CALLS
    if name.split(".")[0] in {"requests", "httpx", "urllib", "aiohttp", "urllib3"}
    and name.rsplit(".", 1)[1][0].islower()
)

#: Attribute names that make a call a logger call when the receiver looks like a logger.
LOG_METHODS: frozenset[str] = frozenset(
    {
        "debug",
        "info",
        "warning",
        "warn",
        "error",
        "exception",
        "critical",
        "fatal",
        "log",
        "msg",
        "trace",
        "success",
        "bind",
        "opt",
    }
)

#: Roots of imports whose calls are instrumentation (logging, metrics, tracing, error reporting).
INSTRUMENTATION_MODULES: tuple[str, ...] = (
    "logging",
    "structlog",
    "loguru",
    "prometheus_client",
    "statsd",
    "datadog",
    "opentelemetry",
    "sentry_sdk",
    "ddtrace",
    "newrelic",
    "elasticapm",
    "logfire",
    "aws_lambda_powertools",
    "celery.utils.log",
)

#: Calls that create a logger / metric / tracer object; names bound to their result are instrumentation.
INSTRUMENT_FACTORIES: tuple[str, ...] = (
    "logging.getLogger",
    "logging.LoggerAdapter",
    "structlog.get_logger",
    "structlog.getLogger",
    "structlog.stdlib.get_logger",
    "celery.utils.log.get_task_logger",
    "celery.utils.log.get_logger",
    "prometheus_client.",
    "statsd.",
    "datadog.",
    "opentelemetry.",
    "sentry_sdk.",
    "ddtrace.",
    "loguru.",
)

#: Methods on a meter/tracer/metric object that create another instrument (`meter.create_counter`).
INSTRUMENT_METHOD_FACTORIES: frozenset[str] = frozenset(
    {
        "create_counter",
        "create_histogram",
        "create_up_down_counter",
        "create_gauge",
        "create_observable_gauge",
        "get_tracer",
        "get_meter",
        "bind",
        "getChild",
        "labels",
    }
)

#: Name tokens that mark a helper imported from elsewhere as instrumentation (`log_event`, `record_metric`).
INSTRUMENT_NAME_TOKENS: frozenset[str] = frozenset(
    {
        "log",
        "logger",
        "logging",
        "metric",
        "metrics",
        "trace",
        "tracing",
        "span",
        "audit",
        "telemetry",
        "instrument",
        "instrumented",
        "timed",
        "monitor",
        "monitored",
        "observe",
        "observed",
    }
)

#: Name tokens of an imported module (or object) whose functions are instrumentation: a package's
#: own `metrics` module (`from singer import metrics; metrics.http_request_timer(url)`).
INSTRUMENT_MODULE_TOKENS: frozenset[str] = frozenset(
    {"metrics", "telemetry", "tracing", "monitoring", "stats"}
)

#: Calls that report an error without being a logger (count as "handled" for swallowed errors).
ERROR_REPORTERS: tuple[str, ...] = (
    "warnings.warn",
    "traceback.format_exc",
    "traceback.format_exception",
    "sys.exit",
    "os._exit",
    "sentry_sdk.capture_exception",
    "sentry_sdk.capture_message",
)

#: A project's Python 2/3 compatibility module re-exports the standard library's network calls under
#: their own names (`from .compat import urlopen`): read those names as the standard library's.
COMPAT_MODULES: frozenset[str] = frozenset({"compat", "_compat", "py3compat", "compatibility"})
COMPAT_STDLIB: dict[str, str] = {
    "urlopen": "urllib.request.urlopen",
    "HTTPConnection": "http.client.HTTPConnection",
    "HTTPSConnection": "http.client.HTTPSConnection",
}
#: Base classes of command-line commands, whose console output (`self.stdout.write`) is their report.
CLI_COMMAND_BASES: tuple[str, ...] = ("BaseCommand", "LabelCommand", "AppCommand")

#: Console output: in an `except` clause it reports nothing anyone collects (`print(e); return None`
#: swallows the error as surely as `pass`).
#: Calls that end the process: a function that prints and calls one is command-line code.
PROCESS_EXITS: frozenset[str] = frozenset({"sys.exit", "os._exit", "exit", "quit"})

CONSOLE_OUTPUT: frozenset[str] = frozenset(
    {
        "print",
        "pprint.pprint",
        "sys.stderr.write",
        "sys.stdout.write",
        "traceback.print_exc",
        "traceback.print_exception",
        "traceback.print_stack",
    }
)
#: Name prefixes of predicates: a broad `except` there returning False is the answer ("not base64"),
#: not a failure dressed up as a value.
PREDICATE_PREFIXES: tuple[str, ...] = ("is_", "has_", "can_", "should_", "looks_like_", "_is_", "_has_")

#: Functions that tear something down: a broad `except: pass` there is best effort, not a bug.
TEARDOWN_FUNCTIONS: frozenset[str] = frozenset(
    {
        "__del__",
        "__exit__",
        "__aexit__",
        "close",
        "aclose",
        "quit",
        "shutdown",
        "disconnect",
        "cleanup",
        "teardown",
        "stop",
        "terminate",
        "dispose",
        "release",
    }
)

#: Decorators (last name segment) that make a function a request handler when given a path.
ROUTE_DECORATORS: frozenset[str] = frozenset({"route", "api_route", "websocket", "websocket_route"})
HTTP_VERB_DECORATORS: frozenset[str] = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "view"}
)
#: Frameworks whose views are registered by a decorator on a method (`@expose("/show/<pk>")`), and
#: those decorators: Flask-AppBuilder, Flask-Admin, Superset-style `@expose` and `@expose_api`.
EXPOSE_FRAMEWORKS: dict[str, str] = {
    "flask_appbuilder": "Flask-AppBuilder",
    "flask_admin": "Flask-Admin",
    "superset": "Superset",
}
EXPOSE_DECORATORS: frozenset[str] = frozenset({"expose", "expose_api", "expose_plugview"})
#: Decorators that log every exception of the function they wrap (Flask-AppBuilder's API `@safe`
#: logs with `log.exception` and answers 500): instrumentation on that function's path.
LOGGING_DECORATORS: tuple[str, ...] = ("flask_appbuilder.api.safe", "flask_appbuilder.api.BaseApi.safe")
#: Decorators that register request hooks / middleware: when they log, every handler is covered.
REQUEST_HOOK_DECORATORS: frozenset[str] = frozenset(
    {
        "before_request",
        "after_request",
        "before_app_request",
        "after_app_request",
        "teardown_request",
        "middleware",
        "before_serving",
        "exception_handler",
    }
)
#: Calls that install request instrumentation app-wide (OpenTelemetry instrumentors, Sentry).
APP_INSTRUMENTORS: tuple[str, ...] = ("instrument_app", "instrument", "sentry_sdk.init", "logfire.configure")
#: Celery signals: a logging receiver of one of these covers every task of the module.
TASK_SIGNALS: frozenset[str] = frozenset(
    {"task_prerun", "task_postrun", "task_failure", "task_success", "task_retry", "before_task_publish"}
)

#: Decorators that make a function a background task; value = framework.
TASK_DECORATORS: dict[str, str] = {
    "task": "celery",
    "shared_task": "celery",
    "periodic_task": "celery",
    "db_task": "huey",
    "db_periodic_task": "huey",
    "actor": "dramatiq",
    "job": "rq",
}

#: Django/DRF class-based view bases (last name segment) and the methods that answer requests.
VIEW_BASE_SUFFIXES: tuple[str, ...] = ("View", "ViewSet", "APIView", "Endpoint", "Resource", "Handler")
VIEW_METHODS: frozenset[str] = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "list",
        "create",
        "retrieve",
        "update",
        "partial_update",
        "destroy",
        "perform_create",
        "perform_update",
        "perform_destroy",
        "websocket",
    }
)
#: Django's URL lookups: a function passed to one is a view the URL resolver routes to.
URL_LOOKUPS: frozenset[str] = frozenset(
    {
        "django.urls.reverse",
        "django.urls.reverse_lazy",
        "django.core.urlresolvers.reverse",
        "django.shortcuts.redirect",
        "django.shortcuts.resolve_url",
    }
)
#: Class methods that run around every request; when they log, all the class's handlers are covered.
VIEW_WRAPPERS: frozenset[str] = frozenset(
    {"dispatch", "initial", "finalize_response", "setup", "handle_exception"}
)

#: Retry decorators / helpers (resolved dotted names or prefixes).
RETRY_DECORATORS: tuple[str, ...] = (
    "tenacity.",
    "retrying.retry",
    "backoff.",
    "stamina.",
    "retry.retry",
    "urllib3.util.retry",
    "opnieuw.",
    "retry_decorator.",
)

#: Django-style query methods on a model manager (`Model.objects.<m>`).
ORM_DJANGO_MARKERS: frozenset[str] = DJANGO_MANAGERS | {"query"}
#: Queryset methods that run the query (`.first()`, `.count()`): on a `.filter(field__lte=...)` chain
#: the Django lookup keyword says it is a queryset, whatever object it started from.
QUERYSET_TERMINALS: frozenset[str] = frozenset(
    {
        "first",
        "last",
        "get",
        "count",
        "exists",
        "delete",
        "update",
        "aggregate",
        "latest",
        "earliest",
        "in_bulk",
    }
)
#: Django queryset methods that only build another queryset: no query runs until it is evaluated.
QUERYSET_LAZY: frozenset[str] = frozenset(
    {
        "all",
        "filter",
        "exclude",
        "order_by",
        "reverse",
        "distinct",
        "select_related",
        "prefetch_related",
        "select_for_update",
        "only",
        "defer",
        "annotate",
        "alias",
        "using",
        "values",
        "values_list",
        "none",
        "union",
        "intersection",
        "difference",
        "extra",
        "complex_filter",
        "dates",
        "datetimes",
    }
)
#: Django queryset and manager methods that run a query where they are called.
QUERYSET_EVALUATING: frozenset[str] = QUERYSET_TERMINALS | {
    "iterator",
    "contains",
    "explain",
    "create",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "bulk_update",
    "raw",
}
#: Their async forms (`await qs.afirst()`, Django 4.1+).
QUERYSET_EVALUATING = QUERYSET_EVALUATING | {"a" + method for method in QUERYSET_EVALUATING}
#: Django's own manager attributes: a chain through one of them is an ORM query whatever the
#: receiver is called (`model._default_manager.get(...)` on a model class held in a variable).
DJANGO_PRIVATE_MANAGERS: frozenset[str] = frozenset({"_default_manager", "_base_manager"})
#: Builtins that evaluate a queryset handed to them (`list(qs)`, `len(qs)`, `bool(qs)`).
EVALUATING_BUILTINS: frozenset[str] = frozenset(
    {
        "list",
        "tuple",
        "set",
        "frozenset",
        "dict",
        "len",
        "bool",
        "sorted",
        "sum",
        "any",
        "all",
        "min",
        "max",
        "next",
        "iter",
        "enumerate",
        "zip",
        "reversed",
    }
)
#: Methods that iterate an iterable handed to them (`ids.update(qs)`, `rows.extend(qs)`, `", ".join(qs)`).
CONSUMING_METHODS: frozenset[str] = frozenset({"update", "extend", "join", "writerows", "fromkeys"})
#: Queryset methods that take Django field lookups (`history_date__lte=...`).
LOOKUP_METHODS: frozenset[str] = frozenset({"filter", "exclude", "get"})
#: Methods of a Django model instance that each run one query (`book.save()` in a loop: N+1).
MODEL_INSTANCE_QUERIES: frozenset[str] = frozenset({"save", "delete", "refresh_from_db"})
#: Manager methods that answer from a per-process cache after their first query (Django documents
#: these as cached): calling them per item is no N+1.
CACHED_MANAGER_METHODS: frozenset[str] = frozenset(
    {
        "django.contrib.contenttypes.models.ContentType.objects.get_for_model",
        "django.contrib.contenttypes.models.ContentType.objects.get_for_models",
        "django.contrib.contenttypes.models.ContentType.objects.get_for_id",
        "django.contrib.sites.models.Site.objects.get_current",
    }
)
#: Decorators that memoise a function: after its first call with given arguments it answers from
#: memory, so calling it per item makes no query or request per item.
MEMOISING_DECORATORS: frozenset[str] = frozenset(
    {
        "functools.lru_cache",
        "functools.cache",
        "cachetools.cached",
        "cachetools.func.lru_cache",
        "cachetools.func.ttl_cache",
        "cachetools.func.lfu_cache",
    }
)
#: SQLAlchemy / DB-API methods that hit the database, and the receiver names that look like a session.
ORM_SESSION_METHODS: frozenset[str] = frozenset(
    {"query", "execute", "scalar", "scalars", "get", "get_one", "exec", "fetch", "fetchrow", "fetchval"}
)
ORM_SESSION_NAMES: frozenset[str] = frozenset(
    {
        "session",
        "db_session",
        "dbsession",
        "sess",
        "conn",
        "connection",
        "cursor",
        "cur",
        "db",
        "async_session",
    }
)
#: Functions that take a comprehension of calls to run them concurrently (fan-out, not a sequential loop).
FAN_OUT_CALLS: frozenset[str] = frozenset(
    {"gather", "wait", "as_completed", "map", "starmap", "imap", "imap_unordered", "submit"}
)
#: Constructors of paid-API clients are not themselves paid calls.
CLIENT_FACTORY_NAMES: frozenset[str] = frozenset({"client", "resource", "Session", "session", "Client"})
#: Modules whose `log`/`trace` functions are mathematics, not instrumentation.
NUMERIC_MODULES: frozenset[str] = frozenset(
    {"math", "cmath", "numpy", "np", "torch", "scipy", "jax", "tensorflow", "tf", "pandas", "pd", "sympy"}
)
#: Constructors under a paid module that are not billed clients (`boto3.Session()`, `botocore Config`).
NOT_CLIENTS: frozenset[str] = frozenset({"Session", "session", "Config", "get_session"})
#: Modules of paid vendors whose objects are documents built in memory, not clients that call out
#: (a TwiML `VoiceResponse().reject()` writes XML for the reply).
LOCAL_DOCUMENT_MODULES: frozenset[str] = frozenset({"twilio.twiml"})
#: Calls whose failure inside `try:` is routinely ignored: the resource is going away anyway.
CLEANUP_METHODS: frozenset[str] = frozenset(
    {
        "close",
        "shutdown",
        "unlink",
        "remove",
        "rmdir",
        "kill",
        "terminate",
        "cleanup",
        "release",
        "disconnect",
        "unregister",
        "join",
        "cancel",
        "flush",
    }
)
#: Lint waivers on an `except` line that show the broad catch was a deliberate, reviewed choice.
BROAD_EXCEPT_WAIVERS = re.compile(
    r"#.*(pylint:\s*disable=[\w,-]*(broad-except|broad-exception-caught|bare-except|W0703|W0702)"
    r"|noqa:[\sA-Z0-9,]*(BLE001|E722|S110|S112)|nosec\b)",
    re.I,
)


#: Every method of every HTTP client kind: the only calls worth typing the receiver of.
#: The last part of every client or connection class's name (`ClientSession`, `HTTPSConnection`), to
#: ask about a call's aliases only then.
CLIENT_CLASS_NAMES: frozenset[str] = frozenset(
    name.rsplit(".", 1)[-1]
    for name in (*CLIENT_KINDS, *TIMEOUT_CALLS)
    if name.rsplit(".", 1)[-1][:1].isupper()
)

ALL_CLIENT_METHODS: frozenset[str] = frozenset().union(*(methods for methods, _ in CLIENT_METHODS.values()))
