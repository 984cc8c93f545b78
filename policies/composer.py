"""The policy JSON Schema, composed from the core schema and every fragment file.

Each analyzer owns `schema/analyzers/<name>.json` (→ `analyzers.<name>`) and each
extra top-level section owns `schema/sections/<key>.json` (→ `<key>`). Dropping a
new fragment file in place is all it takes: nothing here lists them. `ai_authored`
accepts the same keys as the top level (except `version`/`extends`) plus `label`.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError
from prguard.policies.patterns import PatternError, check_glob, check_regex
from prguard.policies.rulepaths import check_rule_path

HERE = Path(__file__).resolve().parent
SCHEMA_DIR = HERE / "schema"
PRESETS_DIR = HERE / "presets"
PUBLISHED_SCHEMA = HERE / "prguard.schema.json"
#: keys only the top level of a file may carry (`rules`/`rules_disabled` are inherited org → repo
#: by prguard.policies.rules, so `ai_authored:` overrides cannot replace them)
_ROOT_ONLY = ("version", "extends", "rules", "rules_disabled")

FORMAT_CHECKER = FormatChecker(formats=())


@FORMAT_CHECKER.checks("glob", raises=PatternError)
def _is_glob(value: object) -> bool:
    if isinstance(value, str):
        check_glob(value)
    return True


@FORMAT_CHECKER.checks("regex", raises=PatternError)
def _is_safe_regex(value: object) -> bool:
    if isinstance(value, str):
        check_regex(value)
    return True


@FORMAT_CHECKER.checks("rule-path", raises=PatternError)
def _is_rule_path(value: object) -> bool:
    if isinstance(value, str):
        check_rule_path(value)
    return True


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yml"))


def _signature() -> tuple[tuple[str, int], ...]:
    """What the composed schema depends on; a changed or new file recomposes it."""
    files = [
        SCHEMA_DIR / "core.json",
        *SCHEMA_DIR.glob("analyzers/*.json"),
        *SCHEMA_DIR.glob("sections/*.json"),
    ]
    files += list(PRESETS_DIR.glob("*.yml"))
    return tuple(sorted((str(f), f.stat().st_mtime_ns) for f in files))


def composed_schema() -> dict[str, Any]:
    """The full policy schema (a fresh copy)."""
    return copy.deepcopy(_compose(_signature()))


def validator() -> Draft202012Validator:
    return _validator(_signature())


def schema_text() -> str:
    """The schema as published in policies/prguard.schema.json."""
    return json.dumps(composed_schema(), indent=2, ensure_ascii=False) + "\n"


@lru_cache(maxsize=4)
def _validator(signature: tuple[tuple[str, int], ...]) -> Draft202012Validator:
    return Draft202012Validator(_compose(signature), format_checker=FORMAT_CHECKER)


def _load_fragment(path: Path) -> dict[str, Any]:
    try:
        fragment = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(fragment)
    except (ValueError, SchemaError) as exc:
        raise RuntimeError(f"policy schema fragment {path}: {exc}") from exc
    shape = fragment.get("items", {}) if fragment.get("type") == "array" else fragment
    scalar_list = fragment.get("type") == "array" and shape.get("type") in ("string", "integer")
    if not scalar_list and (shape.get("type") != "object" or shape.get("additionalProperties") is not False):
        raise RuntimeError(
            f"policy schema fragment {path}: must be an object schema with "
            "additionalProperties: false (or a list of them, or of strings)"
        )
    fragment.pop("$schema", None)
    return fragment


@lru_cache(maxsize=4)
def _compose(_signature: tuple[tuple[str, int], ...]) -> dict[str, Any]:
    core = json.loads((SCHEMA_DIR / "core.json").read_text(encoding="utf-8"))
    root_props: dict[str, Any] = core["properties"]
    analyzers = root_props["analyzers"]
    for path in sorted(SCHEMA_DIR.glob("analyzers/*.json")):
        analyzers["properties"][path.stem] = _load_fragment(path)
    for path in sorted(SCHEMA_DIR.glob("sections/*.json")):
        if path.stem in root_props:
            raise RuntimeError(f"policy schema fragment {path}: section {path.stem!r} is already defined")
        root_props[path.stem] = _load_fragment(path)
    root_props["extends"]["enum"] = preset_names()

    # Shared definitions, referenced from the top level and from ai_authored.
    ai_authored = root_props.pop("ai_authored")
    defs = {key: value for key, value in root_props.items() if key not in _ROOT_ONLY}
    core["$defs"] = defs
    refs = {key: {"$ref": f"#/$defs/{key}"} for key in defs}
    core["properties"] = {key: root_props[key] for key in _ROOT_ONLY} | refs
    ai_authored["properties"] = refs | ai_authored["properties"]
    core["properties"]["ai_authored"] = ai_authored
    return core
