"""One module per analyzer. `registry()` lists them in the order the engine runs them."""

from __future__ import annotations

import importlib

from prguard.analyzers.base import Analyzer


def registry() -> list[Analyzer]:
    """Fresh instances of every file analyzer (imported lazily to keep start-up fast)."""
    analyzers: list[Analyzer] = []
    # Each analyzer module adds itself here, in one line.
    analyzers.append(_make("prguard.analyzers.security", "SecurityAnalyzer"))
    analyzers.append(_make("prguard.analyzers.complexity", "ComplexityAnalyzer"))
    analyzers.append(_make("prguard.analyzers.instrumentation", "InstrumentationAnalyzer"))
    analyzers.append(_make("prguard.analyzers.taint", "TaintAnalyzer"))
    analyzers.append(_make("prguard.analyzers.rules", "RulesAnalyzer"))
    analyzers.append(_make("prguard.analyzers.secrets", "SecretsAnalyzer"))
    analyzers.append(_make("prguard.analyzers.semgrep", "SemgrepAnalyzer"))
    return analyzers


def _make(module: str, class_name: str) -> Analyzer:
    """Import an analyzer module only when a review runs, and instantiate its analyzer."""
    return getattr(importlib.import_module(module), class_name)()
