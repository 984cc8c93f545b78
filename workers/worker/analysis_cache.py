"""Redis-backed `AnalysisCache`: a push that touches 1 of 50 files re-analyses 1 file (DESIGN 4).

The engine builds the per-file key (`prguard.engine.cache.cache_key`: sha256 over
the content, base, diff, path, engine version, policy digest and analyzer); this
module namespaces it by installation, so one installation never reads another's
entries, and by engine version, so an upgrade starts from a clean slate. Values
are the analyzer's raw findings and metrics as compact JSON (zlib-compressed when
large), with a TTL, and entries over a size cap are not stored.

The cache is an optimisation only: any Redis error, a timeout or a malformed entry
is a miss. After the first Redis error the instance stops talking to Redis, so a
Redis outage costs one timeout per review rather than one per file and analyzer.
"""

from __future__ import annotations

import json
import logging
import zlib
from typing import Any

import redis as redis_lib
from prguard.engine.cache import CachedAnalysis
from prguard.engine.model import ENGINE_VERSION, Finding

log = logging.getLogger("prguard.analysis_cache")

DEFAULT_TTL = 7 * 24 * 3600  # seconds: a PR under review usually gets its next push within a week
DEFAULT_MAX_ENTRY_BYTES = 256 * 1024  # a file with more raw findings than that is cheaper to re-analyse
COMPRESS_OVER = 2048  # bytes of JSON above which the entry is stored zlib-compressed

_JSON = b"j"  # first byte of a stored value: plain JSON
_ZLIB = b"z"  # zlib-compressed JSON
# a finding field `to_dict` writes but `from_dict` does not need when it holds its default
_DEFAULTS: dict[str, Any] = {"confidence": None, "cwe": None, "suggestion": None}


def encode(value: CachedAnalysis) -> bytes:
    """Compact bytes for one entry: {"f": [finding...], "m": metrics, "r": reads}."""
    findings = []
    for finding in value.findings:
        row = {k: v for k, v in finding.to_dict().items() if not (k in _DEFAULTS and v is None)}
        if finding.start_column is not None:
            row["start_column"] = finding.start_column
        if finding.end_column is not None:
            row["end_column"] = finding.end_column
        if finding.relevant_lines is not None:
            row["relevant_lines"] = list(finding.relevant_lines)
        findings.append(row)
    payload: dict[str, Any] = {"f": findings}
    if value.metrics:
        payload["m"] = value.metrics
    if value.reads:
        payload["r"] = value.reads
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")
    if len(text) > COMPRESS_OVER:
        return _ZLIB + zlib.compress(text, 6)
    return _JSON + text


def decode(data: bytes) -> CachedAnalysis:
    """The entry `encode` wrote; raises ValueError (or KeyError/TypeError) on anything else."""
    marker, body = data[:1], data[1:]
    if marker == _ZLIB:
        body = zlib.decompress(body)
    elif marker != _JSON:
        raise ValueError("unknown analysis cache entry format")
    payload = json.loads(body.decode("utf-8", "surrogatepass"))
    if not isinstance(payload, dict) or not isinstance(payload.get("f"), list):
        raise ValueError("analysis cache entry is not an object with a findings list")
    metrics = payload.get("m") or {}
    if not isinstance(metrics, dict):
        raise ValueError("analysis cache entry metrics are not an object")
    reads = payload.get("r") or {}
    if not isinstance(reads, dict) or not all(isinstance(v, str) for v in reads.values()):
        raise ValueError("analysis cache entry reads are not an object of strings")
    return CachedAnalysis(tuple(Finding.from_dict(row) for row in payload["f"]), metrics, reads)


class RedisAnalysisCache:
    """The engine's `AnalysisCache` protocol on Redis, for one installation (one review job).

    `hits`, `misses`, `stores`, `too_large` and `errors` count what happened, for
    logs and tests.
    """

    def __init__(
        self,
        redis: Any,
        installation_id: int,
        *,
        prefix: str = "prguard:",
        ttl: int = DEFAULT_TTL,
        max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES,
    ) -> None:
        if ttl < 1:
            raise ValueError("ttl must be at least 1 second")
        if max_entry_bytes < 1:
            raise ValueError("max_entry_bytes must be at least 1")
        self.redis = redis
        self.installation_id = int(installation_id)
        self.namespace = f"{prefix}ac:{self.installation_id}:{ENGINE_VERSION}:"
        self.ttl = ttl
        self.max_entry_bytes = max_entry_bytes
        self.hits = self.misses = self.stores = self.too_large = self.errors = 0
        self._down = False  # set on the first Redis error: the rest of this job runs without the cache

    def key(self, engine_key: str) -> str:
        """The Redis key for the engine's key (which already hashes content, policy and analyzer)."""
        return self.namespace + engine_key

    def get(self, key: str) -> CachedAnalysis | None:
        if self._down:
            self.misses += 1
            return None
        try:
            data = self.redis.get(self.key(key))
        except redis_lib.RedisError as error:
            self._fail("read", error)
            self.misses += 1
            return None
        if data is None:
            self.misses += 1
            return None
        try:
            value = decode(data if isinstance(data, bytes) else str(data).encode("utf-8"))
        except (ValueError, KeyError, TypeError, zlib.error) as error:
            log.warning("analysis cache: unreadable entry dropped (%s: %s)", type(error).__name__, error)
            self._forget(key)
            self.misses += 1
            return None
        self.hits += 1
        return value

    def set(self, key: str, value: CachedAnalysis) -> None:
        if self._down:
            return
        try:
            data = encode(value)
        except (TypeError, ValueError) as error:  # metrics that are not JSON: not cacheable, not fatal
            log.warning("analysis cache: entry not serialisable (%s: %s)", type(error).__name__, error)
            return
        if len(data) > self.max_entry_bytes:
            self.too_large += 1
            return
        try:
            self.redis.set(self.key(key), data, ex=self.ttl)
        except redis_lib.RedisError as error:
            self._fail("write", error)
            return
        self.stores += 1

    def stats(self) -> dict[str, int]:
        return {
            "hits": self.hits,
            "misses": self.misses,
            "stores": self.stores,
            "too_large": self.too_large,
            "errors": self.errors,
        }

    def _forget(self, key: str) -> None:
        try:
            self.redis.delete(self.key(key))
        except redis_lib.RedisError as error:
            self._fail("delete", error)

    def _fail(self, action: str, error: Exception) -> None:
        self.errors += 1
        if not self._down:
            log.warning(
                "analysis cache unavailable (%s failed: %s); this review continues without it",
                action,
                type(error).__name__,
            )
        self._down = True
