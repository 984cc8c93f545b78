"""One module per analyzer. `registry()` lists them in the order the engine runs them."""

from __future__ import annotations

from workers.analyzers.base import Analyzer


def registry() -> list[Analyzer]:
    """Fresh instances of every file analyzer (imported lazily to keep start-up fast)."""
    analyzers: list[Analyzer] = []
    # Each analyzer module adds itself here, in one line.
    return analyzers
