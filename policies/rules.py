"""Org inheritance of `rules:`: the rule lists of every policy file are combined, not replaced.

Order: built-in default ← preset ← org file ← repo file. A later file adds rules and
may switch off (`rules_disabled: [ID]`) or redefine (same `id`) a rule of an earlier
file only where that rule says `overridable: true`. Anything else is a PolicyError
naming the later file, the key and the line; the earlier rule keeps applying. Each
effective rule carries `source` (the file that defined it) so the summary can say
where every rule came from.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from prguard.policies.model import PolicyError


@dataclass(frozen=True, slots=True)
class RuleLayer:
    source: str  # "built-in default", "preset strict", "<org>/.github/prguard.yml", ...
    data: Mapping[str, Any]
    text: str | None = None  # the file's text, to name the line of an error


@dataclass(slots=True)
class Inherited:
    rules: list[dict[str, Any]] = field(default_factory=list)  # effective, each with `source`
    disabled: list[str] = field(default_factory=list)  # ids switched off by a later file
    errors: list[PolicyError] = field(default_factory=list)


@dataclass(slots=True)
class _Active:
    rule: dict[str, Any]
    source: str
    layer: int


def inherit_rules(layers: Sequence[RuleLayer]) -> Inherited:
    """Combine the `rules` and `rules_disabled` of each layer, earliest first."""
    active: dict[str, _Active] = {}
    out = Inherited()
    for index, layer in enumerate(layers):
        lines = _LineFinder(layer)
        for position, rule in enumerate(layer.data.get("rules") or ()):
            if not isinstance(rule, Mapping) or not isinstance(rule.get("id"), str):
                continue
            rule_id = rule["id"]
            prior = active.get(rule_id)
            if prior is not None and prior.layer == index:
                out.errors.append(
                    lines.error(
                        f"rule id {rule_id!r} is defined twice in this file", ["rules", position, "id"]
                    )
                )
                continue
            if prior is not None and not prior.rule.get("overridable", False):  # prior.layer < index
                out.errors.append(
                    lines.error(
                        f"rule {rule_id!r} is defined by {prior.source} without `overridable: true`, "
                        "so this file cannot redefine it; use another id (the original rule still applies)",
                        ["rules", position, "id"],
                    )
                )
                continue
            active.pop(rule_id, None)  # a redefinition moves to the end, in this file's order
            active[rule_id] = _Active(copy.deepcopy(dict(rule)), layer.source, index)
        for position, rule_id in enumerate(layer.data.get("rules_disabled") or ()):
            prior = active.get(rule_id) if isinstance(rule_id, str) else None
            if prior is None:
                continue  # a rule the org has since removed must not break every repository
            if prior.layer != index and not prior.rule.get("overridable", False):
                out.errors.append(
                    lines.error(
                        f"rule {rule_id!r} comes from {prior.source}, which does not allow switching it "
                        "off (overridable: false); it still applies",
                        ["rules_disabled", position],
                    )
                )
                continue
            del active[rule_id]
            out.disabled.append(rule_id)
    out.rules = [dict(entry.rule, source=entry.source) for entry in active.values()]
    return out


class _LineFinder:
    """Lines of keys in one layer's text, parsed only when an error needs one."""

    def __init__(self, layer: RuleLayer) -> None:
        self.layer = layer
        self._root: Any = None
        self._parsed = False

    def error(self, message: str, path: list[str | int]) -> PolicyError:
        key = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))
        return PolicyError(self.layer.source, message, key=key, line=self._line(path))

    def _line(self, path: list[str | int]) -> int | None:
        from prguard.policies.yamlsafe import line_of, parse_yaml  # PyYAML: only for a file's text

        if not self._parsed:
            self._parsed = True
            if self.layer.text is not None:
                try:
                    _data, self._root = parse_yaml(self.layer.text, self.layer.source)
                except PolicyError:
                    self._root = None
        return line_of(self._root, path) if self._root is not None else None
