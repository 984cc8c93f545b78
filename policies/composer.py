"""The policy JSON Schema, composed from the core schema and every fragment file.

Each analyzer keeps its fragment next to its code, `<name>.policy.json` in its folder under
workers/analyzers/ (→ `analyzers.<name>`; an analyzer plugin registers its own, see
`plugin_fragments`), and each
extra top-level section owns `schema/sections/<key>.json` (→ `<key>`). Dropping a
new fragment file in place is all it takes: nothing here lists them. `ai_authored`
accepts the same keys as the top level (except `version`/`extends`) plus `label`.
"""

from __future__ import annotations

import copy
import importlib.util
import json
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prguard.policies.patterns import PatternError, check_glob, check_regex
from prguard.policies.rulepaths import check_rule_path

HERE = Path(__file__).resolve().parent
SCHEMA_DIR = HERE / "schema"
#: where prguard's own analyzers live (found without importing them: their fragments are data)
ANALYZERS_DIR = Path(importlib.util.find_spec("prguard.analyzers").origin or "").resolve().parent
PRESETS_DIR = HERE / "presets"
PUBLISHED_SCHEMA = HERE / "prguard.schema.json"
#: the entry-point group of analyzer plugins' `analyzers.<name>` schema fragments
PLUGIN_SCHEMA_GROUP = "prguard.policy_schema"
#: keys only the top level of a file may carry (`rules`/`rules_disabled` are inherited org → repo
#: by prguard.policies.rules, so `ai_authored:` overrides cannot replace them)
_ROOT_ONLY = ("version", "extends", "rules", "rules_disabled")

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, FormatChecker


def _is_glob(value: object) -> bool:
    if isinstance(value, str):
        check_glob(value)
    return True


def _is_safe_regex(value: object) -> bool:
    if isinstance(value, str):
        check_regex(value)
    return True


def _is_rule_path(value: object) -> bool:
    if isinstance(value, str):
        check_rule_path(value)
    return True


@cache
def format_checker() -> FormatChecker:
    """prguard's formats (glob, regex, rule-path); jsonschema is imported only when a file is validated,
    which a review without a policy file never does (jsonschema's import is ~50 ms of a CLI run)."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    checker.checks("glob", raises=PatternError)(_is_glob)
    checker.checks("regex", raises=PatternError)(_is_safe_regex)
    checker.checks("rule-path", raises=PatternError)(_is_rule_path)
    return checker


_FRAGMENT_SUFFIX = ".policy.json"


def _analyzer_fragment_files() -> list[Path]:
    """prguard's own analyzers' fragments, next to their code. One left in the old place
    (policies/schema/analyzers/) is refused by name rather than silently ignored."""
    stale = sorted((SCHEMA_DIR / "analyzers").glob("*.json"))
    if stale:
        raise RuntimeError(
            f"policy schema fragment {stale[0]}: analyzer fragments live next to the analyzer's code "
            f"now: move it to workers/analyzers/ as {stale[0].stem}{_FRAGMENT_SUFFIX}"
        )
    return sorted(ANALYZERS_DIR.rglob(f"*{_FRAGMENT_SUFFIX}"))


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yml"))


def _signature() -> tuple[tuple[str, int], ...]:
    """What the composed schema depends on; a changed or new file recomposes it."""
    files = [
        SCHEMA_DIR / "core.json",
        *_analyzer_fragment_files(),
        *SCHEMA_DIR.glob("sections/*.json"),
    ]
    files += list(PRESETS_DIR.glob("*.yml"))
    return tuple(sorted((str(f), f.stat().st_mtime_ns) for f in files))


def composed_schema(*, with_plugins: bool = True) -> dict[str, Any]:
    """The full policy schema (a fresh copy); `with_plugins=False`: prguard's own keys only."""
    return copy.deepcopy(_compose(_signature(), with_plugins))


def validator() -> Draft202012Validator:
    return _validator(_signature())


def schema_text() -> str:
    """The schema as published in policies/prguard.schema.json (no analyzer plugin's keys)."""
    return json.dumps(composed_schema(with_plugins=False), indent=2, ensure_ascii=False) + "\n"


@lru_cache(maxsize=4)
def _validator(signature: tuple[tuple[str, int], ...]) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_compose(signature), format_checker=format_checker())


def check_fragments() -> None:
    """Meta-validate every fragment against JSON Schema 2020-12 (the tests do; a review does not pay
    for it: checking the shipped fragments took ~85 ms of every CLI run)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    for path in [*_analyzer_fragment_files(), *SCHEMA_DIR.glob("sections/*.json")]:
        try:
            Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))
        except SchemaError as exc:
            raise RuntimeError(f"policy schema fragment {path}: {exc}") from exc


def _load_fragment(path: Path) -> dict[str, Any]:
    try:
        fragment = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise RuntimeError(f"policy schema fragment {path}: {exc}") from exc
    return _checked_fragment(fragment, path)


def plugin_fragments() -> list[tuple[str, dict[str, Any]]]:
    """`analyzers.<name>` fragments of analyzer plugins, from the `prguard.policy_schema` entry-point
    group (`<analyzer name> = "module:FRAGMENT"`, a JSON Schema dict kept next to the plugin's code).

    Read through package metadata only, so policies import no analyzer code; prguard's own
    analyzers keep theirs in their folders (`<name>.policy.json`, published in prguard.schema.json).
    """
    from prguard.entrypoints import installed_entry_points

    found = []
    for point in sorted(installed_entry_points().select(group=PLUGIN_SCHEMA_GROUP), key=lambda p: p.name):
        where = f"{point.name} ({point.value})"
        try:
            fragment = copy.deepcopy(point.load())
        except Exception as exc:  # a plugin's broken import must not break every policy
            raise RuntimeError(f"policy schema fragment of analyzer plugin {where}: {exc}") from exc
        if not isinstance(fragment, dict):
            raise RuntimeError(f"policy schema fragment of analyzer plugin {where}: not a JSON Schema object")
        found.append((point.name, _checked_fragment(fragment, where)))
    return found


def _checked_fragment(fragment: dict[str, Any], path: object) -> dict[str, Any]:
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
def _compose(_signature: tuple[tuple[str, int], ...], _with_plugins: bool = True) -> dict[str, Any]:
    core = json.loads((SCHEMA_DIR / "core.json").read_text(encoding="utf-8"))
    root_props: dict[str, Any] = core["properties"]
    analyzers = root_props["analyzers"]
    for path in _analyzer_fragment_files():
        analyzers["properties"][path.name.removesuffix(_FRAGMENT_SUFFIX)] = _load_fragment(path)
    if _with_plugins:
        for name, fragment in plugin_fragments():
            if name in analyzers["properties"]:
                raise RuntimeError(f"analyzer plugin {name!r}: analyzers.{name} is already defined")
            analyzers["properties"][name] = fragment
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
