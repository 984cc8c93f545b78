"""Structured JSON log lines (one object per line) with the delivery/repo/PR/head fields of each event."""

from __future__ import annotations

import json
import logging
import sys
import time

_CONTEXT_FIELDS = (
    "delivery",
    "event",
    "action",
    "repo",
    "pr",
    "head_sha",
    "installation",
    "outcome",
    "reason",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in _CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    """Give the `prguard` loggers one JSON handler on stderr (idempotent across app factories)."""
    logger = logging.getLogger("prguard")
    logger.setLevel(level)
    if not any(getattr(h, "_prguard", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._prguard = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False
