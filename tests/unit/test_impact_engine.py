"""The impact analyzer through the engine: blast radius in the JSON, PG-IMPACT findings, and
reviews without a repository unchanged."""

from __future__ import annotations

import pytest
from prguard.engine.review import review
from prguard.index.snapshot import FactsCache, RepositorySnapshot, from_tarball

from tests.unit.engine_helpers import added, make_policy, modified, removed
from tests.unit.impact_scenario import BASE, BREAKING, COMPATIBLE, STALE_SITES, head_of, tarball


def change_of(edits: dict[str, str]):
    return [modified(path, BASE[path], text) for path, text in edits.items()]


def snapshot_of(files: dict[str, str], cache: FactsCache | None = None) -> RepositorySnapshot:
    return RepositorySnapshot.from_files({p: t.encode() for p, t in files.items()}, cache=cache)


def test_breaking_change_names_every_stale_call_site_and_lists_the_blast_radius():
    result = review(change_of(BREAKING), make_policy(), repository=snapshot_of(head_of(BREAKING)))
    impact_findings = [f for f in result.findings if f.rule_id.startswith("PG-IMPACT")]
    assert [(f.rule_id, f.path, f.start_line) for f in impact_findings] == [
        ("PG-IMPACT001", "billing/pricing.py", 1)
    ]
    message = impact_findings[0].message
    for site in STALE_SITES:
        assert site in message
    assert "shop/invoices.py" not in message  # updated by the change
    assert "shop/forwarding.py" not in message  # *args/**kwargs: cannot be judged
    assert result.conclusion == "failure"

    data = result.to_dict()
    charge = next(s for s in data["impact"]["symbols"] if s["name"] == "billing.pricing.charge")
    assert charge["change"] == "signature"
    assert charge["call_sites"] == 5
    assert charge["importing_modules"] == 5
    assert {(s["path"], s["line"], s["enclosing"]) for s in charge["sites"]} == {
        ("shop/checkout.py", 5, "checkout"),
        ("shop/refunds.py", 5, "refund"),
        ("shop/subscriptions.py", 5, "renew"),
        ("shop/invoices.py", 5, "invoice"),
        ("shop/forwarding.py", 5, "forward"),
    }


def test_a_stale_call_site_inside_the_diff_gets_its_own_finding():
    edits = dict(BREAKING)
    edits["shop/refunds.py"] = BASE["shop/refunds.py"].replace("-total", "0 - total")
    result = review(change_of(edits), make_policy(), repository=snapshot_of(head_of(edits)))
    sites = [(f.path, f.start_line) for f in result.findings if f.rule_id == "PG-IMPACT001"]
    assert ("shop/refunds.py", 5) in sites
    assert ("billing/pricing.py", 1) in sites
    assert ("shop/checkout.py", 5) not in sites  # not in the diff: named by the definition's finding


def test_adding_a_defaulted_parameter_is_not_stale():
    result = review(change_of(COMPATIBLE), make_policy(), repository=snapshot_of(head_of(COMPATIBLE)))
    assert not [f for f in result.findings if f.rule_id.startswith("PG-IMPACT")]
    charge = result.to_dict()["impact"]["symbols"][0]
    assert charge["name"] == "billing.pricing.charge" and charge["call_sites"] == 5


def test_unchanged_call_shapes_and_keyword_callers_are_not_stale():
    edits = {"billing/pricing.py": 'def charge(amount, currency="usd", **options):\n    return amount\n'}
    result = review(change_of(edits), make_policy(), repository=snapshot_of(head_of(edits)))
    assert not [f for f in result.findings if f.rule_id.startswith("PG-IMPACT")]


def test_removed_function_still_imported_elsewhere():
    edits = {"billing/pricing.py": "def charge_card(amount, currency):\n    return amount\n"}
    result = review(change_of(edits), make_policy(), repository=snapshot_of(head_of(edits)))
    found = [f for f in result.findings if f.rule_id == "PG-IMPACT002"]
    assert [(f.path, f.start_line) for f in found] == [("billing/pricing.py", 1)]
    for site in ("shop/checkout.py:1", "shop/refunds.py:5", "shop/subscriptions.py:1", "shop/invoices.py:5"):
        assert site in found[0].message


def test_removed_method_called_through_self_and_instances():
    base = {
        "cart.py": (
            "class Cart:\n    def total(self):\n        return 1\n\n    def show(self):\n"
            "        return self.total()\n"
        ),
        "use.py": "from cart import Cart\n\n\ndef f():\n    c = Cart()\n    return c.total()\n",
    }
    head = {**base, "cart.py": "class Cart:\n    def show(self):\n        return self.total()\n"}
    files = [modified("cart.py", base["cart.py"], head["cart.py"])]
    result = review(files, make_policy(), repository=snapshot_of(head))
    found = [f for f in result.findings if f.rule_id == "PG-IMPACT002"]
    assert found and "use.py:6" in found[0].message and "cart.py:3" in found[0].message
    # the leftover self.total() is on an unchanged line of the changed file: named, not a finding of its own
    assert [(f.path, f.start_line) for f in found] == [("cart.py", 1)]


def test_constructor_signature_change_checks_instantiations():
    base = {
        "models.py": "class Order:\n    def __init__(self, number):\n        self.number = number\n",
        "api.py": "from models import Order\n\nORDER = Order(1)\nOTHER = Order(number=2)\n",
    }
    head = {**base, "models.py": base["models.py"].replace("(self, number)", "(self, number, customer)")}
    files = [modified("models.py", base["models.py"], head["models.py"])]
    result = review(files, make_policy(), repository=snapshot_of(head))
    found = [f for f in result.findings if f.rule_id == "PG-IMPACT001"]
    assert len(found) == 1 and "api.py:3" in found[0].message and "api.py:4" in found[0].message


def test_a_deleted_module_leaves_no_finding_when_nobody_imports_it():
    head = dict(BASE)
    head.pop("shop/forwarding.py")
    files = [removed("shop/forwarding.py", BASE["shop/forwarding.py"])]
    result = review(files, make_policy(), repository=snapshot_of(head))
    assert not [f for f in result.findings if f.rule_id.startswith("PG-IMPACT")]


def test_without_a_repository_the_review_is_unchanged():
    files = change_of(BREAKING)
    plain = review(files, make_policy())
    assert "impact" not in plain.to_dict()
    assert "impact" not in plain.stats["analyzers"]
    assert not [f for f in plain.findings if f.rule_id.startswith("PG-IMPACT")]


def test_the_analyzer_can_be_disabled_by_policy():
    policy = make_policy({"analyzers": {"impact": {"enabled": False}}})
    result = review(change_of(BREAKING), policy, repository=snapshot_of(head_of(BREAKING)))
    assert "impact" not in result.to_dict()


def test_suppression_comment_silences_the_definition_finding():
    edits = dict(BREAKING)
    edits["billing/pricing.py"] = edits["billing/pricing.py"].replace(
        "):\n", "):  # prguard: ignore[PG-IMPACT001] callers move next sprint\n", 1
    )
    result = review(change_of(edits), make_policy(), repository=snapshot_of(head_of(edits)))
    assert not [f for f in result.findings if f.rule_id == "PG-IMPACT001"]
    assert [s.rule_id for s in result.suppressed] == ["PG-IMPACT001"]


def test_a_widely_used_symbol_raises_the_risk():
    plain = review(change_of(COMPATIBLE), make_policy())
    with_reach = review(change_of(COMPATIBLE), make_policy(), repository=snapshot_of(head_of(COMPATIBLE)))
    assert with_reach.risk > plain.risk


def test_tarball_snapshot_and_blob_cache(tmp_path):
    cache = FactsCache(tmp_path, namespace="acme/shop")
    snapshot = from_tarball([tarball(head_of(BREAKING))], label="acme/shop@1", cache=cache)
    result = review(change_of(BREAKING), make_policy(), repository=snapshot)
    assert [f.rule_id for f in result.findings if f.rule_id.startswith("PG-IMPACT")] == ["PG-IMPACT001"]

    # a push touching two files: a new snapshot reads the others from the disk cache, extracts two
    pushed = head_of(BREAKING)
    pushed["shop/refunds.py"] += "\n\ndef audit():\n    return 1\n"
    pushed["shop/checkout.py"] += "\n\ndef audit():\n    return 2\n"
    again = from_tarball([tarball(pushed)], cache=FactsCache(tmp_path, namespace="acme/shop"))
    again.index()
    assert again.stats["extracted"] == 2


def test_a_review_keeps_the_facts_it_read_as_one_pack(tmp_path):
    def reviewed(cache: FactsCache):
        snapshot = snapshot_of(head_of(BREAKING), cache=cache)
        result = review(change_of(BREAKING), make_policy(), repository=snapshot)
        return snapshot, [(f.rule_id, f.path, f.start_line) for f in result.findings]

    first, findings = reviewed(FactsCache(tmp_path, namespace="acme/shop"))
    packs = list(tmp_path.rglob("packs/*"))
    assert len(packs) == 1 and first.stats["extracted"] > 0
    for shard in tmp_path.glob("facts-v*/??"):  # only the pack is left to read
        for entry in shard.iterdir():
            entry.unlink()
    cache = FactsCache(tmp_path, namespace="acme/shop")
    again, same = reviewed(cache)
    assert same == findings and "extracted" not in again.stats and cache.read_from_disk > 0
    written = packs[0].stat().st_mtime_ns
    reviewed(FactsCache(tmp_path, namespace="acme/shop"))
    assert packs[0].stat().st_mtime_ns == written  # the same blobs: the pack is not written again

    packs[0].write_bytes(b"not a pack")  # damaged: every blob is a miss, extracted again
    damaged, same = reviewed(FactsCache(tmp_path, namespace="acme/shop"))
    assert same == findings and damaged.stats["extracted"] == first.stats["extracted"]


def test_tarball_above_the_cap_is_skipped_with_a_reason():
    snapshot = from_tarball([tarball(head_of(BREAKING))], max_bytes=10)
    result = review(change_of(BREAKING), make_policy(), repository=snapshot)
    assert "more than" in result.to_dict()["impact"]["skipped"]
    assert not [f for f in result.findings if f.rule_id.startswith("PG-IMPACT")]


def test_added_file_calling_an_existing_function_with_a_stale_shape_is_not_a_signature_change():
    files = [added("shop/new.py", "from billing.pricing import charge\n\ncharge()\n")]
    head = {**BASE, "shop/new.py": "from billing.pricing import charge\n\ncharge()\n"}
    result = review(files, make_policy(), repository=snapshot_of(head))
    assert not [f for f in result.findings if f.rule_id.startswith("PG-IMPACT")]


@pytest.mark.parametrize("edits", [BREAKING, COMPATIBLE])
def test_json_impact_shape(edits):
    data = review(change_of(edits), make_policy(), repository=snapshot_of(head_of(edits))).to_dict()
    assert set(data["impact"]) == {
        "symbols",
        "symbols_more",
        "files_indexed",
        "files_extracted",
        "duration_ms",
    }
    assert data["impact"]["files_indexed"] == len(head_of(edits))


def test_prepared_assessment_is_used_and_the_index_released():
    from prguard.index.impact import prepare

    snapshot = snapshot_of(head_of(BREAKING))
    files = change_of(BREAKING)
    prepare(snapshot, files)
    assert snapshot._facts == {} and snapshot.read(["billing/pricing.py"]) == {}
    result = review(files, make_policy(), repository=snapshot)
    assert [f.rule_id for f in result.findings if f.rule_id.startswith("PG-IMPACT")] == ["PG-IMPACT001"]
    assert result.to_dict()["impact"]["symbols"][0]["name"] == "billing.pricing.charge"


def test_changed_files_scope_reports_stale_sites_anywhere_in_a_changed_file():
    edits = dict(BREAKING)
    edits["shop/refunds.py"] = BASE["shop/refunds.py"] + "\n\ndef audit():\n    return 1\n"
    files = change_of(edits)
    narrow = review(files, make_policy(), repository=snapshot_of(head_of(edits)))
    wide = review(files, make_policy({"scope": "changed_files"}), repository=snapshot_of(head_of(edits)))
    assert ("shop/refunds.py", 5) not in {(f.path, f.start_line) for f in narrow.findings}
    assert ("shop/refunds.py", 5) in {
        (f.path, f.start_line) for f in wide.findings if f.rule_id == "PG-IMPACT001"
    }


def test_a_renamed_module_leaves_its_importers_behind():
    head = dict(BASE)
    head["billing/prices.py"] = head.pop("billing/pricing.py")
    files = [modified("billing/prices.py", BASE["billing/pricing.py"], head["billing/prices.py"],
                      previous_path="billing/pricing.py")]  # fmt: skip
    result = review(files, make_policy(), repository=snapshot_of(head))
    found = [f for f in result.findings if f.rule_id == "PG-IMPACT002"]
    assert [(f.path, f.start_line) for f in found] == [("billing/prices.py", 1)]
    for site in ("shop/checkout.py:1", "shop/refunds.py:5", "shop/subscriptions.py:1", "shop/invoices.py:5"):
        assert site in found[0].message


def test_the_disk_cache_is_pruned_to_its_limit(tmp_path):
    cache = FactsCache(tmp_path)
    snapshot = RepositorySnapshot.from_files({p: t.encode() for p, t in BASE.items()}, cache=cache)
    snapshot.index()
    stored = len(set(snapshot.blobs.values()))  # the two empty __init__.py are one blob
    assert sum(1 for _ in (tmp_path).rglob("*") if _.is_file()) == stored
    assert cache.prune(max_files=3) == stored - 3
    assert sum(1 for _ in (tmp_path).rglob("*") if _.is_file()) == 3


def test_a_symbol_is_modified_when_an_added_line_falls_anywhere_in_it():
    from prguard.index.impact import assess

    base = "def first():\n    return 1\n\n\ndef second():\n    return 2\n\n\ndef third():\n    return 3\n"
    head = base.replace("return 2", "return 22").replace("def third():", "@cache\ndef third():")
    head = head.replace("def first():", "def first():  # the first line")
    snapshot = snapshot_of({"pkg/__init__.py": "", "pkg/mod.py": head})
    symbols = assess(snapshot, [modified("pkg/mod.py", base, head)]).impact["symbols"]
    assert {(s["qualname"], s["change"]) for s in symbols} == {
        ("first", "modified"), ("second", "modified"), ("third", "signature"),
    }  # fmt: skip


def test_a_review_lets_go_of_the_facts_once_the_change_is_assessed():
    snapshot = snapshot_of(head_of(BREAKING))
    first = review(change_of(BREAKING), make_policy(), repository=snapshot)
    assert snapshot._facts == {}  # not walked by the engine's sweeps until the review ends
    again = review(change_of(BREAKING), make_policy(), repository=snapshot)
    assert [f.fingerprint for f in again.findings] == [f.fingerprint for f in first.findings]


def test_a_change_that_only_adds_files_does_not_index_its_base(monkeypatch):
    from prguard.index.impact import assess
    from prguard.index.resolve import RepositoryIndex

    text = "from billing.pricing import charge\n\n\ndef bill():\n    return charge(1)\n"
    snapshot = snapshot_of({**BASE, "shop/new.py": text})
    monkeypatch.setattr(RepositoryIndex, "derive", lambda *args: pytest.fail("the base was indexed"))
    symbols = assess(snapshot, [added("shop/new.py", text)]).impact["symbols"]
    assert [(s["name"], s["change"]) for s in symbols] == [("shop.new.bill", "added")]
