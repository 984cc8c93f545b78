"""Load, validate and merge policy files into the effective Policy.

Effective policy = built-in default ← preset named by `extends:` ← org file ← repo
file, merged key by key (`deep_merge`: mappings merge, lists and scalars replace).
Each file is validated on its own against the composed JSON Schema so an error can
name that file, the dotted key and the line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from prguard.policies.composer import PRESETS_DIR, preset_names, validator
from prguard.policies.model import Policy, PolicyError, deep_merge
from prguard.policies.rules import RuleLayer, inherit_rules

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

DEFAULT_PRESET = "default"
_MAX_EXTENDS_CHAIN = 5


def load_policy_text(text: str, source: str) -> dict[str, Any]:
    """Parse and validate one policy file; raise PolicyError naming file, key and line."""
    from prguard.policies.yamlsafe import line_of, parse_yaml  # PyYAML: only when a file is given

    data, root = parse_yaml(text, source)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PolicyError(
            source,
            f"a policy file must be a mapping of keys, not a {type(data).__name__}",
            line=line_of(root, []),
        )
    errors = list(validator().iter_errors(data))
    if errors:
        located = sorted(
            ((line_of(root, _error_path(e)) or 0, _dotted(_error_path(e)), e) for e in errors),
            key=lambda item: (item[0], item[1]),
        )
        line, key, error = located[0]
        message = _describe(error)
        if len(located) > 1:
            message += f" (and {len(located) - 1} more problem{'s' if len(located) > 2 else ''})"
        raise PolicyError(source, message, key=key, line=line or None)
    return data


def decode_policy_bytes(data: bytes, source: str) -> str:
    """A policy file's bytes as text (UTF-8, a BOM dropped); else a PolicyError naming `source`."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolicyError(source, f"not UTF-8 text (byte {exc.start})") from None


def load_policy(
    *,
    org_text: str | None = None,
    org_source: str = "<org>/.github/prguard.yml",
    repo_text: str | None = None,
    repo_source: str = ".github/prguard.yml",
    preset: str | None = None,
) -> Policy:
    """The effective policy; raises PolicyError for the first file that cannot be used.

    The lenient loader already records every problem in order (org file, repo file, preset, rules):
    the strict one is that list's first entry raised."""
    policy = load_effective_policy(
        org_text=org_text, org_source=org_source, repo_text=repo_text, repo_source=repo_source, preset=preset
    )
    if policy.errors:
        raise policy.errors[0]
    return policy


def load_effective_policy(
    *,
    org_text: str | None = None,
    org_source: str = "<org>/.github/prguard.yml",
    repo_text: str | None = None,
    repo_source: str = ".github/prguard.yml",
    preset: str | None = None,
) -> Policy:
    """Like load_policy, but never raises: a broken file is skipped and recorded in `Policy.errors`."""
    errors: list[PolicyError] = []
    layers: list[tuple[str, dict[str, Any] | None]] = []
    for text, source in ((org_text, org_source), (repo_text, repo_source)):
        if text is None:
            layers.append((source, None))
            continue
        try:
            layers.append((source, load_policy_text(text, source)))
        except PolicyError as exc:
            errors.append(exc)
            layers.append((source, None))
    if preset is not None and preset not in preset_names():
        errors.append(PolicyError("<preset>", _unknown_preset(preset)))
        preset = None
    texts = {org_source: org_text, repo_source: repo_text}
    policy = _merge(layers, preset, texts, errors)
    return Policy(policy.data, policy.sources, tuple(errors))


def builtin_policy(name: str = DEFAULT_PRESET) -> dict[str, Any]:
    """A built-in preset file, validated (a fresh copy)."""
    if name not in preset_names():
        raise PolicyError("<preset>", _unknown_preset(name))
    path = PRESETS_DIR / f"{name}.yml"
    return deep_merge({}, _load_preset(name, path.stat().st_mtime_ns))


@lru_cache(maxsize=32)
def _load_preset(name: str, _mtime: int) -> dict[str, Any]:
    """A shipped preset, parsed by libyaml when present and not validated again at run time: the presets
    ship with the schema and a test validates each (load_policy_text), as a user's file is validated.
    Parsing and validating the default preset was ~115 ms of every CLI run; the parse is kept between
    runs (prguard.shipped_yaml)."""
    from prguard import shipped_yaml

    path = PRESETS_DIR / f"{name}.yml"
    data = shipped_yaml.load(path)
    if not isinstance(data, dict):
        raise PolicyError(f"preset {name} ({path.name})", "a preset must be a mapping of keys")
    return data


def _preset_layers(name: str) -> list[dict[str, Any]]:
    """The preset and the presets it extends, most general first."""
    chain: list[dict[str, Any]] = []
    seen: list[str] = []
    current: str | None = name
    while current and current != DEFAULT_PRESET:
        if current in seen or len(seen) >= _MAX_EXTENDS_CHAIN:
            raise PolicyError(f"preset {name}", f"presets extend each other in a loop: {' → '.join(seen)}")
        seen.append(current)
        data = builtin_policy(current)
        chain.insert(0, data)
        current = data.get("extends")
    return chain


def _merge(
    layers: Iterable[tuple[str, dict[str, Any] | None]],
    preset: str | None,
    texts: dict[str, str | None] | None = None,
    rule_errors: list[PolicyError] | None = None,
) -> Policy:
    """Merge the layers; `rules:` are inherited (prguard.policies.rules), their errors go to `rule_errors`."""
    layers = list(layers)
    data = builtin_policy(DEFAULT_PRESET)
    sources = ["built-in default"]
    rule_layers = [RuleLayer("built-in default", deep_merge({}, data))]
    extends = preset
    for _source, layer in layers:
        if layer and layer.get("extends"):
            extends = layer["extends"]  # the most specific file that names a preset wins
    if extends and extends != DEFAULT_PRESET:
        for preset_data in _preset_layers(extends):
            data = deep_merge(data, preset_data)
            rule_layers.append(RuleLayer(f"preset {extends}", preset_data))
        sources.append(f"preset {extends}")
    for source, layer in layers:
        if layer is not None:
            data = deep_merge(data, layer)
            sources.append(source)
            rule_layers.append(RuleLayer(source, layer, (texts or {}).get(source)))
    inherited = inherit_rules(rule_layers)
    data["rules"] = inherited.rules
    data["rules_disabled"] = inherited.disabled
    if rule_errors is not None:
        rule_errors.extend(inherited.errors)
    if extends:
        data["extends"] = extends
    else:
        data.pop("extends", None)
    return Policy(data, tuple(sources))


def _unknown_preset(name: str) -> str:
    return f"unknown preset {name!r}; available: {', '.join(preset_names())}"


# --- turning jsonschema errors into messages a policy author can act on ---------------------


def _error_path(error: ValidationError) -> list[str | int]:
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        unknown = _unknown_keys(error)
        if unknown:
            path.append(unknown[0])
    return path


def _unknown_keys(error: ValidationError) -> list[str]:
    allowed = set(error.schema.get("properties", {}))
    return [key for key in error.instance if key not in allowed]


def _dotted(path: list[str | int]) -> str:
    out = ""
    for element in path:
        out += f"[{element}]" if isinstance(element, int) else (f".{element}" if out else str(element))
    return out


_JSON_TYPES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty (null)"
    return type(value).__name__


def _describe(error: ValidationError) -> str:
    """One sentence saying what is wrong and what is allowed."""
    kind = error.validator
    value = error.instance
    schema = error.schema
    if kind == "additionalProperties":
        unknown = _unknown_keys(error)
        allowed = ", ".join(sorted(schema.get("properties", {}))) or "none"
        return f"unknown key {unknown[0]!r} (allowed here: {allowed})" if unknown else error.message
    if kind == "type":
        expected = error.validator_value
        names = [_JSON_TYPES.get(t, t) for t in (expected if isinstance(expected, list) else [expected])]
        return f"must be {' or '.join(names)}, got {_type_of(value)} ({value!r})"
    if kind == "enum" and list(error.absolute_path) == ["extends"]:
        return _unknown_preset(str(value))
    if kind == "enum":
        return f"{value!r} is not allowed; use one of: {', '.join(map(str, error.validator_value))}"
    if kind == "const":
        return f"{value!r} is not allowed; the only valid value is {error.validator_value!r}"
    if kind == "format":
        reason = str(error.cause) if error.cause else "is not valid"
        return f"{value!r}: {reason}"
    if kind == "minimum":
        return f"{value!r} is too small; the minimum is {error.validator_value}"
    if kind == "maximum":
        return f"{value!r} is too large; the maximum is {error.validator_value}"
    if kind in ("minLength", "maxLength", "minItems", "maxItems", "pattern", "uniqueItems", "required"):
        return error.message
    return error.message
