"""The effective policy: a validated, merged mapping plus where each part came from."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class PolicyError(Exception):
    """A policy file that cannot be used: names the file, the key and the line."""

    def __init__(self, source: str, message: str, key: str = "", line: int | None = None) -> None:
        self.source = source
        self.key = key
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source + (f":{self.line}" if self.line else "")
        return f"{where}: {self.key + ': ' if self.key else ''}{self.message}"


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge key by key: mappings merge recursively, everything else is replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@dataclass(frozen=True)
class Policy:
    """Effective policy. `data` is fully merged over the built-in default, so every key exists."""

    data: Mapping[str, Any]
    sources: tuple[str, ...] = ("built-in default",)
    errors: tuple[PolicyError, ...] = field(default=())  # policy files that were rejected

    def get(self, *path: str, default: Any = None) -> Any:
        node: Any = self.data
        for key in path:
            if not isinstance(node, Mapping) or key not in node:
                return default
            node = node[key]
        return node

    def analyzer(self, name: str) -> dict[str, Any]:
        """Settings of one analyzer (`analyzers.<name>`), empty when it has none."""
        return dict(self.get("analyzers", name, default={}) or {})

    def analyzer_enabled(self, name: str) -> bool:
        return bool(self.analyzer(name).get("enabled", True))

    def for_change(self, ai_authored: bool) -> Policy:
        """The policy that applies to this change: `ai_authored:` overrides merged on top when AI wrote it."""
        overrides = self.get("ai_authored", default={}) or {}
        if not ai_authored or not overrides:
            return self
        data = {k: v for k, v in self.data.items()}
        # `scope: lines | pull` says where the overrides apply (prguard.engine.provenance), not a review scope
        where = ("lines", "pull")
        kept = {k: v for k, v in overrides.items() if k != "label" and not (k == "scope" and v in where)}
        applied = deep_merge(data, kept)
        return Policy(applied, (*self.sources, "ai_authored overrides"), self.errors)

    @property
    def digest(self) -> str:
        """Hash of the effective settings, part of cache keys."""
        blob = json.dumps(self.data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(json.loads(json.dumps(self.data, default=str)), sort_keys=False)
