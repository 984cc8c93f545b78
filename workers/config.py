"""prguard's configuration: one typed, validated `Settings` read from the environment (12-factor).

Every problem is collected and reported in ONE `ConfigError` that names each
missing or invalid variable, so an operator fixes them all in one go. Secret
values (private key, webhook secret) never appear in a message or a repr.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_API_URL = "https://api.github.com"
DEFAULT_WEB_URL = "https://github.com"
DEFAULT_LEDGER_RETENTION_DAYS = 365
DEFAULT_MEMBERSHIP_TTL = 5 * 60  # dashboard: seconds an org-membership answer from GitHub is trusted
MIN_SESSION_SECRET_LENGTH = 32
DEFAULT_MAX_PAYLOAD_BYTES = 26 * 1024 * 1024  # GitHub caps payloads at 25 MB
DEFAULT_SOFT_TIME_LIMIT = 8 * 60  # the task gets SoftTimeLimitExceeded: the check run ends `timed_out`
DEFAULT_TIME_LIMIT = 10 * 60  # the prefork child is killed: its check run is closed by the parent
VISIBILITY_TIMEOUT = 30 * 60  # Redis redelivers an unacked message after this; every limit stays below it
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_SECRET_FIELDS = frozenset(
    {"github_private_key", "github_webhook_secret", "github_oauth_client_secret", "session_secret"}
)

# Every environment variable prguard reads, with what it is for (deploy/ manifests may only set these).
ENV_VARS: dict[str, str] = {
    "GITHUB_APP_ID": "the App's numeric id (required)",
    "GITHUB_PRIVATE_KEY": "the App's PEM private key, literal \\n allowed (or GITHUB_PRIVATE_KEY_PATH)",
    "GITHUB_PRIVATE_KEY_PATH": "path of the App's .pem file (or GITHUB_PRIVATE_KEY)",
    "GITHUB_WEBHOOK_SECRET": "the App's webhook secret (required)",
    "GITHUB_CLIENT_ID": "the App's client id (written by `prguard app register`; informational)",
    "GITHUB_API_URL": "REST base URL (default https://api.github.com; GHES: https://HOST/api/v3)",
    "GITHUB_GRAPHQL_URL": "GraphQL URL (default derived from GITHUB_API_URL)",
    "DATABASE_URL": "the change ledger's database (default: SQLite file in PRGUARD_DATA_DIR; postgresql://...)",
    "PRGUARD_DATA_DIR": "directory of the default SQLite ledger (default ~/.local/share/prguard)",
    "LEDGER_RETENTION_DAYS": "days the ledger keeps reviews and findings (default 365; beat enforces it)",
    "GITHUB_WEB_URL": "GitHub's web URL: OAuth pages and links (default https://github.com; GHES: https://HOST)",
    "GITHUB_OAUTH_CLIENT_ID": "the App's OAuth client id: turns the dashboard on (web process)",
    "GITHUB_OAUTH_CLIENT_SECRET": "the App's OAuth client secret (required with GITHUB_OAUTH_CLIENT_ID)",
    "PRGUARD_SESSION_SECRET": "dashboard: signs and encrypts the session cookie (32+ characters; required "
    "with GITHUB_OAUTH_CLIENT_ID)",
    "DASHBOARD_MEMBERSHIP_TTL": "dashboard: seconds an org-membership answer is trusted (default 300)",
    "REDIS_URL": "broker and state (default redis://127.0.0.1:6379/0)",
    "REDIS_KEY_PREFIX": "prefix of prguard's Redis keys (default prguard:)",
    "LOG_LEVEL": "DEBUG, INFO (default), WARNING, ERROR or CRITICAL",
    "WEBHOOK_PATH": "path GitHub posts to (default /webhooks)",
    "MAX_PAYLOAD_BYTES": "largest webhook body accepted (default 26 MiB)",
    "DEDUPE_DELIVERY_TTL": "seconds a delivery id is remembered (default 86400)",
    "DEDUPE_CONTENT_TTL": "seconds a reviewed (PR, head SHA) is remembered (default 86400)",
    "TASK_SOFT_TIME_LIMIT": "worker: seconds until a review stops, its check run timed_out (default 480)",
    "TASK_TIME_LIMIT": "worker: seconds until a stuck review is killed (default 600; > soft, < 1800)",
    "PORT": "web: the port gunicorn binds (Procfile; honcho sets it)",
    "WEB_CONCURRENCY": "web: gunicorn worker processes (Procfile, default 2)",
    "WORKER_CONCURRENCY": "worker: Celery worker processes (Procfile, default 2)",
    "WORKER_PRELOAD": "worker: load the engine at process start, not on the first review (default 1; 0 off)",
    "QUEUE_FAIRNESS": "web and worker: round-robin dispatch per installation (default on; off: FIFO)",
    "QUEUE_FAIR_DEPTH": "web and worker: jobs the fair dispatch keeps waiting on `analyze` (default 2)",
    "WORKER_METRICS_PORT": "worker: serve Prometheus metrics on this port (off when unset)",
    "PROMETHEUS_MULTIPROC_DIR": "per-process-type directory for multiprocess metrics (gunicorn/prefork)",
    "PRGUARD_METRICS_DIR": "Procfile: base of the web/ and worker/ metrics directories",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "turns OpenTelemetry tracing on (needs the prguard[otel] extra)",
    "OTEL_SERVICE_NAME": "service name on traces (default prguard-web / prguard-worker)",
}


class ConfigError(Exception):
    """The environment cannot run prguard; `problems` maps each variable name to what is wrong."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        lines = "\n".join(f"  - {name}: {why}" for name, why in self.problems.items())
        super().__init__(f"prguard configuration is invalid ({len(self.problems)} problem(s)):\n{lines}")


def derive_graphql_url(api_url: str) -> str:
    """GraphQL endpoint for a REST base: api.github.com/graphql, or https://HOST/api/graphql on GHES."""
    parts = urlsplit(api_url.rstrip("/"))
    path = parts.path.rstrip("/")
    path = path.removesuffix("/v3") if path.endswith("/api/v3") else path
    path += "/graphql"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@dataclass(frozen=True)
class Settings:
    """Everything the receiver and the workers need; build it with `Settings.from_env()`."""

    github_app_id: int
    github_private_key: str = field(repr=False)
    github_webhook_secret: str = field(repr=False)
    redis_url: str = DEFAULT_REDIS_URL
    github_api_url: str = DEFAULT_API_URL
    github_graphql_url: str = ""
    log_level: str = "INFO"
    webhook_path: str = "/webhooks"
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES
    dedupe_delivery_ttl: int = 24 * 3600  # a GitHub duplicate/redelivery of a handled delivery
    dedupe_content_ttl: int = 24 * 3600  # the same (installation, repo, PR, head SHA, engine) reviewed once
    redis_key_prefix: str = "prguard:"
    task_soft_time_limit: int = DEFAULT_SOFT_TIME_LIMIT
    task_time_limit: int = DEFAULT_TIME_LIMIT
    github_web_url: str = DEFAULT_WEB_URL
    github_oauth_client_id: str = ""  # set: the dashboard is on
    github_oauth_client_secret: str = field(default="", repr=False)
    session_secret: str = field(default="", repr=False)
    dashboard_membership_ttl: int = DEFAULT_MEMBERSHIP_TTL
    ledger_retention_days: int = DEFAULT_LEDGER_RETENTION_DAYS  # the change ledger (prguard.ledger)

    @property
    def dashboard_enabled(self) -> bool:
        return bool(self.github_oauth_client_id)

    def __post_init__(self) -> None:
        if not self.github_graphql_url:
            object.__setattr__(self, "github_graphql_url", derive_graphql_url(self.github_api_url))

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            shown.append(f"{f.name}={'***' if f.name in _SECRET_FIELDS else repr(value)}")
        return f"Settings({', '.join(shown)})"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate; raises ConfigError naming every bad variable (never its secret value)."""
        env = os.environ if environ is None else environ
        problems: dict[str, str] = {}

        def text(name: str, default: str | None = None) -> str | None:
            value = env.get(name, "").strip()
            return value or default

        app_id = _positive_int(text("GITHUB_APP_ID"), "GITHUB_APP_ID", problems, required=True)
        private_key = _private_key(text("GITHUB_PRIVATE_KEY"), text("GITHUB_PRIVATE_KEY_PATH"), problems)
        secret = env.get("GITHUB_WEBHOOK_SECRET", "")
        if not secret:
            problems["GITHUB_WEBHOOK_SECRET"] = "missing (the secret set on the GitHub App's webhook)"  # noqa: S105

        redis_url = text("REDIS_URL", DEFAULT_REDIS_URL) or DEFAULT_REDIS_URL
        if urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
            problems["REDIS_URL"] = "must be a redis://, rediss:// or unix:// URL"
        api_url = (text("GITHUB_API_URL", DEFAULT_API_URL) or DEFAULT_API_URL).rstrip("/")
        if not _is_http_url(api_url):
            problems["GITHUB_API_URL"] = "must be an http(s) URL such as https://api.github.com"
        retention = _positive_int(text("LEDGER_RETENTION_DAYS"), "LEDGER_RETENTION_DAYS", problems)
        graphql_url = (text("GITHUB_GRAPHQL_URL") or "").rstrip("/")
        if graphql_url and not _is_http_url(graphql_url):
            problems["GITHUB_GRAPHQL_URL"] = "must be an http(s) URL"
        log_level = (text("LOG_LEVEL", "INFO") or "INFO").upper()
        if log_level not in LOG_LEVELS:
            problems["LOG_LEVEL"] = f"must be one of {', '.join(LOG_LEVELS)}"
        webhook_path = text("WEBHOOK_PATH", "/webhooks") or "/webhooks"
        if not webhook_path.startswith("/") or any(c.isspace() for c in webhook_path):
            problems["WEBHOOK_PATH"] = "must be a URL path starting with '/'"
        max_payload = _positive_int(text("MAX_PAYLOAD_BYTES"), "MAX_PAYLOAD_BYTES", problems)
        delivery_ttl = _positive_int(text("DEDUPE_DELIVERY_TTL"), "DEDUPE_DELIVERY_TTL", problems)
        content_ttl = _positive_int(text("DEDUPE_CONTENT_TTL"), "DEDUPE_CONTENT_TTL", problems)
        prefix = text("REDIS_KEY_PREFIX", "prguard:") or "prguard:"
        soft_limit, hard_limit = _time_limits(env, problems)
        dashboard = _dashboard_settings(env, problems)

        if problems:
            raise ConfigError(problems)
        return cls(
            github_app_id=app_id or 0,
            github_private_key=private_key or "",
            github_webhook_secret=secret,
            redis_url=redis_url,
            github_api_url=api_url,
            github_graphql_url=graphql_url,
            log_level=log_level,
            webhook_path=webhook_path,
            max_payload_bytes=max_payload or DEFAULT_MAX_PAYLOAD_BYTES,
            dedupe_delivery_ttl=delivery_ttl or cls.dedupe_delivery_ttl,
            dedupe_content_ttl=content_ttl or cls.dedupe_content_ttl,
            redis_key_prefix=prefix,
            task_soft_time_limit=soft_limit,
            task_time_limit=hard_limit,
            ledger_retention_days=retention or DEFAULT_LEDGER_RETENTION_DAYS,
            **dashboard,
        )


def task_time_limits(environ: Mapping[str, str] | None = None) -> tuple[int, int]:
    """(soft, hard) task time limits in seconds; the Celery app reads them without the GitHub secrets.

    Raises ConfigError unless soft < hard < the broker's visibility timeout (otherwise Redis would
    hand a still-running review to a second worker).
    """
    problems: dict[str, str] = {}
    limits = _time_limits(os.environ if environ is None else environ, problems)
    if problems:
        raise ConfigError(problems)
    return limits


def _time_limits(env: Mapping[str, str], problems: dict[str, str]) -> tuple[int, int]:
    soft_raw = env.get("TASK_SOFT_TIME_LIMIT", "").strip() or None
    hard_raw = env.get("TASK_TIME_LIMIT", "").strip() or None
    soft = _positive_int(soft_raw, "TASK_SOFT_TIME_LIMIT", problems) or DEFAULT_SOFT_TIME_LIMIT
    hard = _positive_int(hard_raw, "TASK_TIME_LIMIT", problems) or DEFAULT_TIME_LIMIT
    if "TASK_SOFT_TIME_LIMIT" in problems or "TASK_TIME_LIMIT" in problems:
        return soft, hard
    if hard >= VISIBILITY_TIMEOUT:
        problems["TASK_TIME_LIMIT"] = (
            f"must be below the broker's visibility timeout ({VISIBILITY_TIMEOUT} s), got {hard}"
        )
    elif soft >= hard:
        name = "TASK_SOFT_TIME_LIMIT" if soft_raw is not None else "TASK_TIME_LIMIT"
        problems[name] = f"the soft limit ({soft} s) must be below the hard limit TASK_TIME_LIMIT ({hard} s)"
    return soft, hard


def _dashboard_settings(env: Mapping[str, str], problems: dict[str, str]) -> dict[str, object]:
    """The dashboard's settings; with GITHUB_OAUTH_CLIENT_ID set, every other one it needs is required."""
    web_url = (env.get("GITHUB_WEB_URL", "").strip() or DEFAULT_WEB_URL).rstrip("/")
    if not _is_http_url(web_url):
        problems["GITHUB_WEB_URL"] = "must be an http(s) URL such as https://github.com"
    client_id = env.get("GITHUB_OAUTH_CLIENT_ID", "").strip()
    client_secret = env.get("GITHUB_OAUTH_CLIENT_SECRET", "").strip()
    session_secret = env.get("PRGUARD_SESSION_SECRET", "").strip()
    ttl_raw = env.get("DASHBOARD_MEMBERSHIP_TTL", "").strip() or None
    ttl = _positive_int(ttl_raw, "DASHBOARD_MEMBERSHIP_TTL", problems) or DEFAULT_MEMBERSHIP_TTL
    if client_id:
        why = "is needed by the dashboard (GITHUB_OAUTH_CLIENT_ID is set)"
        if not client_secret:
            problems["GITHUB_OAUTH_CLIENT_SECRET"] = f"missing: the App's OAuth client secret {why}"
        if not session_secret:
            problems["PRGUARD_SESSION_SECRET"] = f"missing: a random secret of 32+ characters {why}"
        elif len(session_secret) < MIN_SESSION_SECRET_LENGTH:
            problems["PRGUARD_SESSION_SECRET"] = (
                f"too short ({len(session_secret)} characters): use {MIN_SESSION_SECRET_LENGTH} or more, "
                "e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
    return {
        "github_web_url": web_url,
        "github_oauth_client_id": client_id,
        "github_oauth_client_secret": client_secret,
        "session_secret": session_secret,
        "dashboard_membership_ttl": ttl,
    }


def _positive_int(
    raw: str | None, name: str, problems: dict[str, str], *, required: bool = False
) -> int | None:
    if raw is None:
        if required:
            problems[name] = "missing"
        return None
    try:
        value = int(raw)
    except ValueError:
        problems[name] = f"must be a positive integer, got {raw[:40]!r}"
        return None
    if value <= 0:
        problems[name] = f"must be a positive integer, got {value}"
        return None
    return value


def _is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _private_key(inline: str | None, path: str | None, problems: dict[str, str]) -> str | None:
    """The PEM text from GITHUB_PRIVATE_KEY (literal '\\n' allowed) or the file at GITHUB_PRIVATE_KEY_PATH."""
    if inline and path:
        problems["GITHUB_PRIVATE_KEY"] = "set either GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH, not both"
        return None
    if not inline and not path:
        problems["GITHUB_PRIVATE_KEY"] = "missing (or set GITHUB_PRIVATE_KEY_PATH to the .pem file)"
        return None
    name = "GITHUB_PRIVATE_KEY"
    if path:
        name = "GITHUB_PRIVATE_KEY_PATH"
        try:
            pem = Path(path).read_text(encoding="ascii")
        except FileNotFoundError:
            problems[name] = f"file not found: {path}"
            return None
        except (OSError, UnicodeDecodeError) as exc:
            problems[name] = f"cannot read {path}: {type(exc).__name__}"
            return None
    else:
        pem = (inline or "").replace("\\n", "\n")
    if not _loads_as_private_key(pem):
        problems[name] = "is not a PEM-encoded RSA private key (the .pem downloaded from the App's settings)"
        return None
    return pem


def _loads_as_private_key(pem: str) -> bool:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(pem.encode("ascii", "replace"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return isinstance(key, rsa.RSAPrivateKey)
