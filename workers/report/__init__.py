"""Renderers of a ReviewResult: terminal text, JSON, Markdown (check-run summary) and SARIF."""
