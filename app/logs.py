"""The receiver logs through prguard's one JSON formatter (`workers.logs`), shared with the workers."""

from __future__ import annotations

from workers.logs import JsonFormatter, configure_logging

__all__ = ["JsonFormatter", "configure_logging"]
