"""Per-file analyzer results cache: unchanged blobs are never analysed twice.

A push that touches 1 of 50 files re-analyses 1 file. The key covers everything an
analyzer's per-file output can depend on: the content (sha256 of the head, of the
base, and of the diff), the path (fingerprints contain it), the engine version, the
effective policy's digest and the analyzer's name. An analyzer that reads a little of other
files (`reads_other_files`) stores with its output what it read there ({question: answer}); the
entry is used only while the same questions get the same answers. The workers may provide a Redis
implementation of the same protocol; entries are `CachedAnalysis` values.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol

from prguard.engine.model import ENGINE_VERSION, Finding


@dataclass(frozen=True, slots=True)
class CachedAnalysis:
    """What one analyzer produced for one file: raw findings (before any engine filtering) and metrics."""

    findings: tuple[Finding, ...]
    metrics: dict[str, Any] = field(default_factory=dict)
    #: what the analyzer read of other files to produce it ({question: answer}, see the analyzer
    #: declaration `reads_other_files`): the entry holds only while every answer is still the same
    reads: dict[str, str] = field(default_factory=dict)

    def copy(self) -> CachedAnalysis:
        """A copy the engine may mutate (it renumbers fingerprints) without touching the cache."""
        return CachedAnalysis(
            tuple(dataclasses.replace(f) for f in self.findings), dict(self.metrics), dict(self.reads)
        )


class AnalysisCache(Protocol):
    """Storage for per-file analyzer output; any failure inside must behave like a miss."""

    def get(self, key: str) -> CachedAnalysis | None: ...

    def set(self, key: str, value: CachedAnalysis) -> None: ...


def _sha(data: bytes | str | None) -> str:
    if data is None:
        return "-"
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def cache_key(
    *,
    analyzer: str,
    path: str,
    head: bytes | str,
    base: bytes | str | None,
    patch: str | None,
    policy_digest: str,
    ai_authored: bool,
) -> str:
    """sha256 over content, base, diff, path, engine version, policy digest and analyzer name."""
    basis = "\x1f".join(
        (
            ENGINE_VERSION,
            analyzer,
            policy_digest,
            "ai" if ai_authored else "human",
            path,
            _sha(head),
            _sha(base),
            _sha(patch),
        )
    )
    return f"prguard:analysis:{analyzer}:{_sha(basis)}"


class MemoryCache:
    """In-process LRU cache (the CLI and tests); bounded by entry count."""

    def __init__(self, max_entries: int = 4096) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._entries: OrderedDict[str, CachedAnalysis] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> CachedAnalysis | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return entry.copy()

    def set(self, key: str, value: CachedAnalysis) -> None:
        self._entries[key] = value.copy()
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
