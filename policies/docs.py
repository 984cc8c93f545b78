"""The policy key reference (docs/users/policy.md), generated from the schema and the defaults.

Generated rather than hand-written so that a key added by a new schema fragment
is documented the moment it exists: `prguard policy keys` prints the table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from prguard.policies.composer import composed_schema
from prguard.policies.loader import builtin_policy


def keys_markdown() -> str:
    """A Markdown table: dotted key, default, meaning."""
    schema = composed_schema()
    defaults = builtin_policy("default")
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for key, node in _walk(schema, schema, ""):
        default = _lookup(defaults, key)
        if default is _MISSING:
            shown = "—"
        elif node.get("properties") and key != "ai_authored":
            shown = "(section)"
        else:
            shown = f"`{json.dumps(default, ensure_ascii=False)}`"
        rows.append(f"| `{key}` | {shown} | {_allowed(node)}{_cell(node.get('description', ''))} |")
    return "\n".join(rows) + "\n"


_MISSING = object()


def _walk(schema: dict[str, Any], node: dict[str, Any], prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
    node = _resolve(schema, node)
    for name, sub in (node.get("properties") or {}).items():
        if prefix == "" and name == "ai_authored":
            yield "ai_authored", _resolve(schema, sub)
            yield "ai_authored.label", sub["properties"]["label"]
            continue  # the rest of ai_authored repeats the top-level keys
        key = f"{prefix}.{name}" if prefix else name
        resolved = _resolve(schema, sub)
        if resolved.get("type") == "object" and resolved.get("properties"):
            yield key, resolved
            yield from _walk(schema, resolved, key)
        else:
            yield key, resolved


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    target: Any = schema
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return {**target, **{k: v for k, v in node.items() if k != "$ref"}}


def _lookup(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data


def _allowed(node: dict[str, Any]) -> str:
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"]) + ". "
    return ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
