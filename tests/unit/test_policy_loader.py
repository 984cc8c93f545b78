"""Policy loading: merge order, presets, ai_authored overrides, never-raising effective policy."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from prguard.policies import composer
from prguard.policies.composer import PUBLISHED_SCHEMA, composed_schema, preset_names, schema_text
from prguard.policies.loader import builtin_policy, load_effective_policy, load_policy, load_policy_text
from prguard.policies.model import PolicyError

ORG = "acme/.github/prguard.yml"


def test_built_in_default_validates_and_has_every_core_key():
    policy = load_policy()
    assert policy.sources == ("built-in default",)
    for key in ("version", "paths", "scope", "report_existing", "files", "gate", "analyzers", "ai_authored"):
        assert policy.get(key) is not None, key
    assert policy.get("gate", "fail_on") == "high"
    assert policy.get("files", "max_bytes") == 1_000_000
    assert policy.get("ai_authored", "label") == "ai-generated"
    assert "extends" not in policy.data


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_validates(name):
    assert isinstance(builtin_policy(name), dict)
    policy = load_policy(preset=name)
    assert policy.get("version") == 1


def test_merge_order_default_then_preset_then_org_then_repo():
    org = "extends: strict\ngate: {max_inline_comments: 5}\npaths: {exclude: [vendor/**]}\n"
    repo = "gate: {fail_on: high}\npaths: {exclude: [migrations/**]}\n"
    policy = load_policy(org_text=org, org_source=ORG, repo_text=repo)
    assert policy.sources == ("built-in default", "preset strict", ORG, ".github/prguard.yml")
    assert policy.get("gate", "fail_on") == "high"  # repo beats preset's medium
    assert policy.get("gate", "max_inline_comments") == 5  # org beats preset's 30
    assert policy.get("gate", "review_event") == "COMMENT"  # built-in default survives
    assert policy.get("analyzers", "complexity", "max_function_complexity") == 8  # from the preset
    assert policy.get("paths", "exclude") == ["migrations/**"]  # lists are replaced, not appended
    assert policy.get("paths", "include") == ["**/*.py"]
    assert policy.get("extends") == "strict"


def test_repo_extends_wins_over_org_extends():
    policy = load_policy(org_text="extends: strict\n", repo_text="extends: ai-strict\n")
    assert "preset ai-strict" in policy.sources and "preset strict" not in policy.sources
    assert policy.get("gate", "fail_on") == "high"
    assert policy.get("ai_authored", "gate", "review_event") == "REQUEST_CHANGES"


def test_preset_argument_is_used_when_no_file_names_one():
    assert load_policy(preset="strict").get("gate", "fail_on") == "medium"
    assert load_policy(preset="strict", repo_text="extends: default\n").get("gate", "fail_on") == "high"


def test_ai_authored_overrides_apply_only_to_ai_changes():
    repo = (
        "gate: {fail_on: high}\n"
        "ai_authored:\n"
        "  label: agent-written\n"
        "  gate: {fail_on: medium}\n"
        "  analyzers:\n"
        "    complexity: {max_function_complexity: 6}\n"
    )
    policy = load_policy(repo_text=repo)
    human = policy.for_change(False)
    ai = policy.for_change(True)
    assert human.get("gate", "fail_on") == "high"
    assert human.analyzer("complexity")["max_function_complexity"] == 10
    assert ai.get("gate", "fail_on") == "medium"
    assert ai.analyzer("complexity")["max_function_complexity"] == 6
    assert ai.analyzer("complexity")["max_increase"] == 5  # untouched keys keep their value
    assert ai.get("gate", "review_event") == "COMMENT"
    assert policy.get("ai_authored", "label") == "agent-written"
    assert "label" not in ai.data or ai.get("label") is None  # label is not a top-level setting


def test_ai_authored_rejects_version_and_extends_and_unknown_keys():
    for text in ("ai_authored: {version: 1}", "ai_authored: {extends: strict}", "ai_authored: {colour: red}"):
        with pytest.raises(PolicyError) as info:
            load_policy_text(text, "p.yml")
        assert info.value.key.startswith("ai_authored.")
        assert "unknown key" in info.value.message


def test_ai_authored_values_are_validated_like_the_top_level():
    with pytest.raises(PolicyError) as info:
        load_policy_text("ai_authored:\n  gate:\n    fail_on: severe\n", "p.yml")
    assert info.value.key == "ai_authored.gate.fail_on" and info.value.line == 3


def test_effective_policy_skips_a_broken_file_and_records_the_error():
    org = "gate: {max_inline_comments: 7}\n"
    repo = "gate:\n  fail_on: [high]\n"
    policy = load_effective_policy(org_text=org, org_source=ORG, repo_text=repo)
    assert policy.get("gate", "max_inline_comments") == 7  # the valid org file still applies
    assert policy.get("gate", "fail_on") == "high"
    assert len(policy.errors) == 1
    error = policy.errors[0]
    assert (error.source, error.key, error.line) == (".github/prguard.yml", "gate.fail_on", 2)
    assert ".github/prguard.yml" not in policy.sources


def test_effective_policy_never_raises_on_bad_yaml_or_unknown_preset():
    policy = load_effective_policy(repo_text="gate: [", preset="nope")
    assert len(policy.errors) == 2
    assert policy.get("gate", "fail_on") == "high"


def test_load_policy_raises_for_the_first_bad_file():
    with pytest.raises(PolicyError) as info:
        load_policy(org_text="scope: everywhere\n", org_source=ORG, repo_text="scope: changed_files\n")
    assert info.value.source == ORG


def test_empty_file_is_an_empty_policy():
    assert load_policy_text("", "p.yml") == {}
    assert load_policy_text("# only a comment\n", "p.yml") == {}


def test_published_schema_equals_composed_schema():
    assert PUBLISHED_SCHEMA.read_text(encoding="utf-8") == schema_text(), (
        "policies/prguard.schema.json is stale: run `prguard policy schema --write`"
    )
    schema = json.loads(PUBLISHED_SCHEMA.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["extends"]["enum"] == preset_names()


def test_every_schema_property_is_described():
    schema = composed_schema()

    def walk(node, path):
        if isinstance(node, dict):
            for key, sub in (node.get("properties") or {}).items():
                assert "description" in sub or "$ref" in sub, f"{path}.{key} has no description"
                walk(sub, f"{path}.{key}")
            for key, sub in (node.get("$defs") or {}).items():
                walk(sub, f"$defs.{key}")

    walk(schema, "")


def test_composer_picks_up_a_new_fragment_without_code_changes(tmp_path, monkeypatch):
    schema_dir = tmp_path / "schema"
    shutil.copytree(composer.SCHEMA_DIR, schema_dir)
    analyzers_dir = tmp_path / "analyzers"  # an analyzer's fragment lives next to its code
    (analyzers_dir / "spelling").mkdir(parents=True)
    for fragment in composer.ANALYZERS_DIR.rglob("*.policy.json"):
        shutil.copy2(fragment, analyzers_dir / fragment.name)
    (analyzers_dir / "spelling" / "spelling.policy.json").write_text(
        json.dumps(
            {
                "type": "object",
                "additionalProperties": False,
                "description": "A spelling analyzer.",
                "properties": {
                    "enabled": {"type": "boolean", "description": "Run it."},
                    "words": {
                        "type": "array",
                        "items": {"type": "string", "format": "regex"},
                        "description": "w",
                    },
                },
            }
        )
    )
    (schema_dir / "sections" / "notify.json").write_text(
        json.dumps(
            {
                "type": "object",
                "additionalProperties": False,
                "description": "Notifications.",
                "properties": {"channel": {"type": "string", "description": "Where to."}},
            }
        )
    )
    monkeypatch.setattr(composer, "SCHEMA_DIR", schema_dir)
    monkeypatch.setattr(composer, "ANALYZERS_DIR", analyzers_dir)
    data = load_policy_text(
        "analyzers:\n  spelling: {enabled: false}\n"
        "notify: {channel: '#ops'}\n"
        "ai_authored:\n  notify: {channel: x}\n",
        "p.yml",
    )
    assert data["analyzers"]["spelling"] == {"enabled": False}
    with pytest.raises(PolicyError) as info:
        load_policy_text("analyzers:\n  spelling:\n    words: ['(a+)+$']\n", "p.yml")
    assert info.value.key == "analyzers.spelling.words[0]" and "backtrack" in info.value.message
    with pytest.raises(PolicyError):
        load_policy_text("notify: {channel: 3}\n", "p.yml")


def test_to_yaml_round_trips_through_the_loader():
    policy = load_policy(repo_text="extends: strict\n")
    assert load_policy_text(policy.to_yaml(), "effective.yml") == yaml.safe_load(policy.to_yaml())


def test_policy_docs_key_table_is_the_one_prguard_policy_keys_prints():
    """docs/users/policy.md documents every policy key; a new key without its line fails here."""
    from pathlib import Path

    from prguard.policies.docs import keys_markdown

    page = (Path(__file__).resolve().parents[2] / "docs" / "users" / "policy.md").read_text()
    assert keys_markdown().strip() in page, "run `prguard policy keys` and paste it into docs/users/policy.md"


def test_a_fragment_left_in_the_old_place_is_refused_by_name(tmp_path, monkeypatch):
    schema_dir = tmp_path / "schema"
    shutil.copytree(composer.SCHEMA_DIR, schema_dir)
    (schema_dir / "analyzers").mkdir(exist_ok=True)
    (schema_dir / "analyzers" / "spelling.json").write_text(
        '{"type": "object", "additionalProperties": false}'
    )
    monkeypatch.setattr(composer, "SCHEMA_DIR", schema_dir)
    with pytest.raises(RuntimeError, match=r"spelling\.json: analyzer fragments live next to"):
        composer.composed_schema()
