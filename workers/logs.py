"""prguard's structured logs: one JSON object per line, for the web process and the workers alike.

Why one module: an operator greps one shape. The job's identity (delivery id,
installation, repository, PR, head SHA) lives in a context variable that the
receiver sets per request and the worker sets per task, so every line written
while a job runs carries it, including lines from the GitHub client and the
publisher, which know nothing about jobs. A last-line defence scrubs anything
shaped like a GitHub token, a JWT or a PEM key from the message.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from contextvars import ContextVar, Token
from types import MappingProxyType
from typing import Any

# Fields of the job context, in the order they appear in a line.
CONTEXT_FIELDS = (
    "delivery",
    "event",
    "action",
    "installation",
    "repo",
    "pr",
    "head_sha",
    "trigger",
    "task",
    "task_id",
    "trace_id",
    "queue_wait_ms",
)
# Fields a single line may add with `extra=` (besides the context ones).
LINE_FIELDS = ("outcome", "reason", "stage", "duration_ms", "status", "retries", "jobs")

_context: ContextVar[Mapping[str, Any]] = ContextVar("prguard_log_context", default=MappingProxyType({}))

_SECRET_PATTERNS = (
    # GitHub tokens: installation ghs_, personal ghp_/github_pat_, OAuth gho_, user/refresh ghu_/ghr_
    re.compile(r"\b(?:gh[opsur]_[A-Za-z0-9_]{16,}|github_pat_[A-Za-z0-9_]{20,})"),
    # JWTs (the App's own RS256 tokens)
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    # PEM private keys
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.DOTALL),
    # Authorization header values
    re.compile(r"(?i)\b(?:bearer|token)\s+[A-Za-z0-9_.\-]{20,}"),
)


def scrub(text: str) -> str:
    """Replace anything shaped like a credential with `[redacted]`."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add fields (None values are left out) to every log line written inside the block."""
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def push_context(**fields: Any) -> Token:
    """Like `log_context` for code that starts and ends in different callbacks (Celery signals)."""
    return _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})


def pop_context(token: Token) -> None:
    with suppress(ValueError):  # pushed in another context (another thread): nothing of ours to restore
        _context.reset(token)


def bind(**fields: Any) -> None:
    """Add fields to the current context (inside a `log_context` block, which restores it on exit)."""
    _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})


def job_fields(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The context fields of a task's keyword arguments (a ReviewJob's, a waiver's, a forget's)."""
    owner, repo = kwargs.get("owner"), kwargs.get("repo")
    return {
        "delivery": kwargs.get("delivery_id") or None,
        "installation": kwargs.get("installation_id"),
        "repo": f"{owner}/{repo}" if owner and repo else None,
        "pr": kwargs.get("number"),
        "head_sha": kwargs.get("head_sha"),
        "trigger": kwargs.get("trigger"),
    }


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "msg", <context fields>, <line fields>, "exc"}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": f"{_second(int(record.created))}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": scrub(record.getMessage()),
        }
        context = _context.get()
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)  # a line's own value wins over the context's
            if value is None:
                value = context.get(name)
            if value is not None:
                entry[name] = value
        for name in LINE_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


@functools.lru_cache(maxsize=4)
def _second(epoch_second: int) -> str:
    """`YYYY-MM-DDTHH:MM:SS` (UTC) of one second: formatted once, not once per line written in it."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_second))


def _json_handler() -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._prguard = True  # type: ignore[attr-defined]
    return handler


def configure_logging(level: str, *, root: bool = False) -> None:
    """One JSON handler on stderr for the `prguard` loggers (and the root logger with root=True).

    Idempotent across app factories and worker restarts. The worker passes root=True so
    Celery's own lines (task received, succeeded, retried) are JSON too.
    """
    targets = [logging.getLogger("prguard")] + ([logging.getLogger()] if root else [])
    for logger in targets:
        logger.setLevel(level)
        if not any(getattr(h, "_prguard", False) for h in logger.handlers):
            if logger is logging.getLogger():
                for old in list(logger.handlers):
                    logger.removeHandler(old)
            logger.addHandler(_json_handler())
    logging.getLogger("prguard").propagate = False
