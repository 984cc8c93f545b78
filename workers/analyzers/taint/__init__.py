"""Taint analysis: untrusted data followed from sources to sinks (see taint.rules for the tables)."""

from prguard.analyzers.taint.analyzer import TaintAnalyzer

__all__ = ["TaintAnalyzer"]
