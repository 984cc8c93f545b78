"""The rule catalogue: complete, well-formed, the source of docs/reference/rules.md, and the
old ids still name their rules."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from prguard.catalogue import CatalogueError, canonical, catalogue, load, same_rule
from prguard.catalogue.render import to_markdown
from prguard.cli import main
from prguard.engine.model import ChangedFile
from prguard.engine.review import review
from prguard.examples import __file__ as examples_init
from prguard.policies.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = Path(examples_init).resolve().parent


def test_every_entry_is_complete_and_every_id_and_alias_is_unique():
    rules = catalogue()
    assert len(rules) > 100
    own = [r for r in rules if r.id.startswith("PG-")]
    assert own and all(r.bad and r.good and r.fix and r.why for r in own)
    assert all(
        r.reference.startswith("https://bandit.readthedocs.io/") for r in rules if r.id.startswith("B")
    )
    keys = [key for r in rules for key in (r.id, *r.aliases)]
    assert len(keys) == len(set(keys))


def test_every_bandit_test_installed_has_an_entry():
    from bandit.core import extension_loader

    manager = extension_loader.MANAGER
    installed = {p.plugin._test_id for p in manager.plugins}
    installed |= {item["id"] for listed in manager.blacklist.values() for item in listed}
    missing = sorted(i for i in installed if catalogue().get(i) is None)
    assert missing == [], (
        "run `python -m prguard.analyzers.bandit_catalogue > workers/catalogue/security.yml`"
    )


def test_every_rule_the_analyzers_declare_has_an_entry():
    from prguard.analyzers import complexity, secrets
    from prguard.analyzers.instrumentation.rules import RULES
    from prguard.analyzers.taint.rules import KINDS

    declared = set(RULES) | {kind.rule_id for kind in KINDS.values()}
    declared |= {complexity.RULE_NEW, complexity.RULE_INCREASE, complexity.RULE_MAINTAINABILITY}
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    for kind, cls in get_mapping_from_secret_type_to_class().items():
        if cls.__name__ not in secrets.SKIPPED_DETECTORS:
            declared.add("secret." + re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-"))
    assert sorted(r for r in declared if catalogue().get(r) is None) == []


def test_the_rule_reference_page_is_generated_from_the_catalogue():
    page = ROOT / "docs" / "reference" / "rules.md"
    assert page.read_text(encoding="utf-8") == to_markdown(catalogue()), (
        "regenerate: prguard rules --format markdown > docs/reference/rules.md"
    )


def test_old_ids_are_aliases_of_the_new_ones():
    assert canonical("taint-sql-injection") == "PG-TAINT001"
    assert canonical("complexity-new-function") == "PG-CPLX001"
    assert canonical("secret.github-token").startswith("PG-SECRET")
    assert canonical("B602") == "B602" and canonical("my-org-rule") == "my-org-rule"
    assert same_rule("PG-TAINT001", "taint-sql-injection") and same_rule("taint-sql-injection", "PG-TAINT001")
    assert not same_rule("PG-TAINT002", "taint-sql-injection")


def test_a_suppression_may_name_the_rule_by_either_id():
    code = (
        "from flask import request\nimport sqlite3\n\n\ndef find():\n"
        "    name = request.args['name']\n"
        "    return sqlite3.connect('x').execute(f\"SELECT * FROM t WHERE n = '{name}'\")  {comment}\n"
    )
    policy = load_policy()
    for comment in (
        "",
        "# prguard: ignore[PG-TAINT001] checked upstream",
        "# prguard: ignore[taint-sql-injection] ok",
    ):
        source = code.replace("{comment}", comment)
        result = review(
            [ChangedFile("app/find.py", "added", source.encode(), None)], policy, ai_authored=False
        )
        taint = [f.rule_id for f in result.findings if f.analyzer == "taint"]
        if comment:
            assert taint == [] and [s.rule_id for s in result.suppressed] == ["taint-sql-injection"]
        else:
            assert taint == ["taint-sql-injection"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "rules:\n  - {id: PG-X001, analyzer: a, title: t, severity: high, why: w}\n",
            "missing bad, good, fix",
        ),
        ("rules:\n  - {id: taint-x, analyzer: a, title: t, severity: high, why: w}\n", "ids are PG-"),
        ("rules:\n  - {id: B999, analyzer: a, title: t, severity: huge, why: w, reference: r}\n", "severity"),
        ("rules: {}\n", "rules:` list"),
    ],
)
def test_a_broken_catalogue_file_is_refused_with_its_name(tmp_path, text, problem):
    path = tmp_path / "broken.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"broken\.yml") as caught:
        load([path])
    assert problem in str(caught.value)


def test_an_alias_used_twice_is_refused(tmp_path):
    entry = (
        "{id: %s, aliases: [old-id], analyzer: a, title: t, severity: low, why: w, bad: b, good: g, fix: f}"
    )
    (tmp_path / "a.yml").write_text(f"rules:\n  - {entry % 'PG-A001'}\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text(f"rules:\n  - {entry % 'PG-B001'}\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="old-id"):
        load(sorted(tmp_path.glob("*.yml")))


def test_prguard_rules_prints_text_json_markdown_and_one_rule(capsys):
    assert main(["rules", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"id", "aliases", "analyzer", "title", "severity", "cwe", "why", "bad", "good", "fix"} <= set(
        listed[0]
    )
    assert main(["rules"]) == 0
    assert "PG-TIMEOUT001" in capsys.readouterr().out
    assert main(["rules", "taint-sql-injection"]) == 0
    assert capsys.readouterr().out.startswith("PG-TAINT001: SQL injection")
    assert main(["rules", "NOPE999"]) == 2
    assert "no such rule: NOPE999" in capsys.readouterr().err
