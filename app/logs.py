"""The receiver logs through prguard's one JSON formatter (`prguard.logs`), shared with the workers."""

from __future__ import annotations

from prguard.logs import JsonFormatter, configure_logging

__all__ = ["JsonFormatter", "configure_logging"]
