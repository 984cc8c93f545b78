"""prguard's own analyzers, one module (or package) each.

Each is registered in pyproject.toml's `prguard.analyzers` entry-point group, as a third
party's would be, and declares its run order, precedence and needs on its class (see
prguard.engine.plugin and docs/contributing/adding-an-analyzer.md).
"""

from __future__ import annotations

from prguard.engine.plugin import Analyzer, registry

__all__ = ["Analyzer", "registry"]
