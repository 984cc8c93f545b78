"""Where analyzers used to import the plugin contract and the AST toolkit from, together.

They are apart now: the contract (Analyzer, FileContext, SourceFile) is
prguard.engine.plugin, the toolkit prguard.analyzers.asttools. Both stay importable
from here for code written against this module.
"""

from __future__ import annotations

from prguard.analyzers.asttools import (
    FIELDLESS_NODES,
    FastNodeVisitor,
    node_fields,
    walk_statements,
)
from prguard.engine.plugin import Analyzer, FileContext, SourceFile

__all__ = [
    "FIELDLESS_NODES",
    "Analyzer",
    "FastNodeVisitor",
    "FileContext",
    "SourceFile",
    "node_fields",
    "walk_statements",
]
