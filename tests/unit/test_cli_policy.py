"""`prguard policy check` and `prguard policy schema`."""

from __future__ import annotations

import json
import subprocess

import yaml
from prguard.cli import main
from prguard.policies.composer import composed_schema


def test_check_prints_the_effective_policy(tmp_path, capsys):
    policy = tmp_path / "prguard.yml"
    policy.write_text("version: 1\nextends: strict\ngate:\n  max_inline_comments: 3\n")
    assert main(["policy", "check", str(policy)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        f"# {policy}: valid\n# effective policy: built-in default <- preset strict <- {policy}"
    )
    effective = yaml.safe_load(out)
    assert effective["gate"] == {
        "fail_on": "medium",
        "review_event": "COMMENT",
        "max_inline_comments": 3,
        "allow_draft": False,
    }
    assert effective["analyzers"]["complexity"]["max_function_complexity"] == 8


def test_check_merges_an_org_file(tmp_path, capsys):
    org = tmp_path / "org.yml"
    org.write_text("gate: {fail_on: low}\nscope: changed_files\n")
    repo = tmp_path / "repo.yml"
    repo.write_text("gate: {fail_on: medium}\n")
    assert main(["policy", "check", str(repo), "--org", str(org)]) == 0
    effective = yaml.safe_load(capsys.readouterr().out)
    assert effective["gate"]["fail_on"] == "medium" and effective["scope"] == "changed_files"


def test_check_invalid_policy_is_exit_2_with_file_line_and_key(tmp_path, capsys):
    policy = tmp_path / "prguard.yml"
    policy.write_text("version: 1\nanalyzers:\n  complexity:\n    max_increase: many\n")
    assert main(["policy", "check", str(policy)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"prguard: error: {policy}:4: analyzers.complexity.max_increase: "
        "must be an integer, got a string ('many')\n"
    )


def test_check_defaults_to_the_repository_policy(tmp_path, capsys, monkeypatch):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "prguard.yml").write_text("scope: changed_files\n")
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path / "src")
    assert main(["policy", "check"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["scope"] == "changed_files"


def test_check_missing_file_is_exit_2(tmp_path, capsys):
    assert main(["policy", "check", str(tmp_path / "nope.yml")]) == 2
    assert "no such policy file" in capsys.readouterr().err


def test_schema_prints_the_composed_schema(capsys):
    assert main(["policy", "schema"]) == 0
    assert json.loads(capsys.readouterr().out) == composed_schema()


def test_keys_documents_every_key_with_its_default(capsys):
    assert main(["policy", "keys"]) == 0
    table = capsys.readouterr().out
    assert table.startswith("| key | default | meaning |")
    assert '| `gate.fail_on` | `"high"` | one of `high`, `medium`, `low`, `info`, `never`.' in table
    assert "| `files.max_bytes` | `1000000` |" in table
    assert '| `ai_authored.label` | `"ai-generated"` |' in table
    assert "| `analyzers.security.ignore` | `[]` |" in table
