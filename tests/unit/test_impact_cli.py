"""The issue's scenario through the command line, on a real temporary git repository:
`prguard review` (indexing the local tree) and `prguard impact SYMBOL`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prguard.cli import main

from tests.unit.impact_scenario import BASE, BREAKING, COMPATIBLE, STALE_SITES
from tests.unit.test_cli_review import commit, git


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("PRGUARD_INDEX_CACHE", str(tmp_path / "index-cache"))
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    commit(path, dict(BASE), "Billing and shop")
    git(path, "checkout", "-q", "-b", "feature")
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_breaking_change_fails_naming_the_three_stale_call_sites(repo, capsys):
    commit(repo, BREAKING, "Idempotent charges")
    code, out, err = run(capsys, "review", "--repo", str(repo), "--format", "json")
    assert code == 1, err
    report = json.loads(out)
    impact = [f for f in report["findings"] if f["rule_id"] == "PG-IMPACT001"]
    assert len(impact) == 1 and impact[0]["path"] == "billing/pricing.py" and impact[0]["start_line"] == 1
    for site in STALE_SITES:
        assert site in impact[0]["message"]
    charge = report["impact"]["symbols"][0]
    assert charge["name"] == "billing.pricing.charge"
    assert {f"{s['path']}:{s['line']}" for s in charge["sites"]} >= set(STALE_SITES)


def test_compatible_change_gets_no_impact_finding(repo, capsys):
    commit(repo, COMPATIBLE, "Optional idempotency key")
    code, out, err = run(capsys, "review", "--repo", str(repo), "--format", "json")
    report = json.loads(out)
    assert code == 0, err
    assert not [f for f in report["findings"] if f["rule_id"].startswith("PG-IMPACT")]
    assert report["impact"]["symbols"][0]["call_sites"] == 5


def test_no_impact_flag_skips_the_index(repo, capsys):
    commit(repo, BREAKING, "Idempotent charges")
    _, out, _ = run(capsys, "review", "--repo", str(repo), "--format", "json", "--no-impact")
    report = json.loads(out)
    assert "impact" not in report
    assert not [f for f in report["findings"] if f["rule_id"].startswith("PG-IMPACT")]


def test_staged_review_indexes_the_staged_tree(repo, capsys):
    for path, text in BREAKING.items():
        (repo / path).write_text(text)
        git(repo, "add", path)
    code, out, _ = run(capsys, "review", "--repo", str(repo), "--staged", "--format", "json")
    assert code == 1
    assert [f["rule_id"] for f in json.loads(out)["findings"] if f["rule_id"].startswith("PG-IMPACT")] == [
        "PG-IMPACT001"
    ]


def test_impact_lists_callers_of_one_symbol(repo, capsys):
    code, out, err = run(capsys, "impact", "--repo", str(repo), "billing.pricing.charge")
    assert code == 0, err
    assert out.startswith("billing.pricing.charge (function, billing/pricing.py:1): 5 call site(s)")
    assert "shop/checkout.py:5 in checkout: return bill(total)" in out
    assert 'shop/refunds.py:5 in refund: return p.charge(-total, "eur")' in out

    code, out, _ = run(
        capsys, "impact", "--repo", str(repo), "--format", "json", "--all-references", "charge"
    )
    data = json.loads(out)
    (match,) = data["matches"]
    assert match["call_sites"] == 5
    assert ("shop/checkout.py", 1, False) in {(s["path"], s["line"], s["call"]) for s in match["sites"]}


def test_impact_of_an_unknown_symbol_is_an_error(repo, capsys):
    code, _, err = run(capsys, "impact", "--repo", str(repo), "nothing_like_this")
    assert code == 2
    assert "no function, method or class 'nothing_like_this'" in err


def test_second_run_reads_facts_from_the_cache(repo, capsys, monkeypatch):
    from prguard.index import snapshot as snapshot_module

    run(capsys, "impact", "--repo", str(repo), "charge")
    calls: list[str] = []
    original = snapshot_module.extract
    monkeypatch.setattr(
        snapshot_module, "extract", lambda path, source: calls.append(path) or original(path, source)
    )
    commit(repo, {"shop/refunds.py": BASE["shop/refunds.py"] + "\n\ndef audit():\n    return 1\n"}, "Audit")
    run(capsys, "impact", "--repo", str(repo), "charge")
    assert calls == ["shop/refunds.py"]
