"""complexity analyzer: base versus head, per function, with radon's numbers."""

from __future__ import annotations

import ast
import textwrap

from prguard.analyzers.complexity import ComplexityAnalyzer
from prguard.analyzers.rawmetrics import analyze as fast_raw
from prguard.analyzers.rawmetrics import halstead_volume
from prguard.engine.review import review
from radon.complexity import cc_visit
from radon.metrics import h_visit_ast, mi_visit
from radon.raw import analyze as radon_raw

from tests.unit.engine_helpers import added, make_policy, modified

BILLING_BASE = textwrap.dedent(
    """\
    class Invoice:
        def total(self, lines):
            amount = 0
            for line in lines:
                if line.taxable:
                    amount += line.price * 1.2
                else:
                    amount += line.price
            return amount

        def apply_discounts(self, customer, amount):
            if customer.vip:
                return amount * 0.9
            return amount


    def legacy_export(rows, fmt):
        out = []
        for row in rows:
            if fmt == "csv" and row:
                out.append(",".join(row))
            elif fmt == "tsv" and row:
                out.append("\\t".join(row))
            elif fmt == "json" or fmt == "jsonl":
                out.append(repr(row))
            elif fmt == "xml":
                out.append("<row/>")
            elif fmt == "yaml":
                out.append("- row")
            elif fmt == "md":
                out.append("| row |")
            elif fmt == "html":
                out.append("<tr/>")
            else:
                raise ValueError(fmt)
        return out
    """
)

DISCOUNTS_HEAD = """\
    def apply_discounts(self, customer, amount):
        if customer.vip and customer.years > 5:
            amount *= 0.85
        elif customer.vip:
            amount *= 0.9
        if customer.coupon and not customer.coupon.expired:
            amount -= customer.coupon.value
        for promo in customer.promotions:
            if promo.active and promo.applies_to(amount):
                amount -= promo.value
        while amount < 0:
            amount += 1
        return max(amount, 0) if customer.currency == "EUR" else round(amount)
"""


def billing_head() -> str:
    start = BILLING_BASE.index("    def apply_discounts")
    end = BILLING_BASE.index("\n\n\ndef legacy_export")
    return BILLING_BASE[:start] + DISCOUNTS_HEAD.rstrip("\n") + BILLING_BASE[end:]


def run(files, **settings):
    policy = make_policy({"analyzers": {"complexity": settings}} if settings else None)
    return review(files, policy, analyzers=[ComplexityAnalyzer()])


def test_changed_method_whose_complexity_rose_too_much_is_flagged_with_before_and_after():
    result = run([modified("svc/billing.py", BILLING_BASE, billing_head())])
    assert [f.rule_id for f in result.findings] == ["complexity-increase"]
    finding = result.findings[0]
    before = {b.fullname: b.complexity for b in cc_visit(BILLING_BASE)}["Invoice.apply_discounts"]
    after = {b.fullname: b.complexity for b in cc_visit(billing_head())}["Invoice.apply_discounts"]
    assert (before, after) == (2, 11)
    assert finding.message.startswith("`Invoice.apply_discounts()` went from 2 (A) to 11 (C)")
    assert finding.severity == "medium" and finding.cwe == 1121
    def_line = billing_head().splitlines().index("    def apply_discounts(self, customer, amount):") + 1
    assert (finding.start_line, finding.end_line) == (def_line, def_line)
    assert finding.relevant_lines == (def_line, def_line + 12)
    rows = result.stats["complexity_changes"]
    assert rows == [
        {
            "path": "svc/billing.py",
            "function": "Invoice.apply_discounts",
            "before": 2,
            "before_rank": "A",
            "after": 11,
            "after_rank": "C",
        }
    ]


def test_untouched_complex_legacy_function_is_never_flagged():
    head = BILLING_BASE.replace("amount += line.price\n", "amount += line.price  # net\n")
    result = run([modified("svc/billing.py", BILLING_BASE, head)], max_function_complexity=3, max_increase=0)
    assert result.findings == []
    result = run([modified("svc/billing.py", BILLING_BASE, head)], scope="changed_files")
    assert result.findings == []


def test_increase_within_the_allowed_delta_is_not_flagged():
    result = run([modified("svc/billing.py", BILLING_BASE, billing_head())], max_increase=9)
    assert result.findings == []
    assert result.stats["complexity_changes"][0]["after"] == 11


def test_new_function_above_the_threshold_and_nested_qualified_names():
    text = BILLING_BASE + textwrap.dedent(
        """\


        def make_router(routes):
            def route(request):
                if request.method == "GET" and request.path in routes:
                    return routes[request.path]
                elif request.method == "POST":
                    return None
                elif request.method == "PUT" or request.method == "PATCH":
                    return None
                for prefix in routes:
                    if request.path.startswith(prefix):
                        return routes[prefix]
                return None
            return route
        """
    )
    result = run([added("svc/billing.py", text)], max_function_complexity=7)
    flagged = {f.message.split("`")[1]: f for f in result.findings if f.rule_id == "complexity-new-function"}
    assert set(flagged) == {"legacy_export()", "make_router.route()"}
    assert "has cyclomatic complexity 8 (B), above the limit of 7" in flagged["make_router.route()"].message
    functions = {row["function"] for row in result.stats["complexity_changes"]}
    assert {"legacy_export", "make_router.route"} <= functions


def test_maintainability_index_before_after_and_drop_to_rank_c():
    result = run([modified("svc/billing.py", BILLING_BASE, billing_head())])
    (row,) = result.stats["maintainability"]
    assert row["before"] == round(mi_visit(BILLING_BASE, True), 1)
    assert row["after"] == round(mi_visit(billing_head(), True), 1)
    assert row["rank"] == "A"

    body = "\n".join(f"    x{i} = a{i} * b{i} + c{i} / (d{i} - e{i}) if f{i} else g{i}" for i in range(400))
    bloated = "def compute(a0):\n" + body + "\n    return x0\n"
    assert mi_visit(bloated, True) < 10
    result = run([modified("svc/calc.py", "def compute(a0):\n    return a0\n", bloated)])
    drops = [f for f in result.findings if f.rule_id == "maintainability-drop"]
    assert len(drops) == 1 and drops[0].severity == "low"
    assert "dropped from 100.0 (A) to" in drops[0].message


def test_fast_raw_metrics_on_tricky_shapes():
    samples = [
        "",
        "\n\n",
        "x = 1",
        "# only a comment\n",
        'def f():\n    """Doc\n\n    string."""\n    return 1  # done\n',
        "if a: b = 1; c = 2\nelse: pass\n",
        "x = [\n    1,  # one\n\n    2,\n]\ny = lambda: 3\n",
        "s = '''a\n\nb'''\nt = 1 + \\\n    2\n",
        "f'{x('a')}'\nv = f'''{\n  y}'''\n",
        "class A:\n    def m(self): return {k: v for k, v in d.items() if v}\n",
        "x = 1\r\ny = 2\r\n",
        "a = 1\x0cb = 2\n",
    ]
    for text in samples:
        assert fast_raw(text) == radon_raw(text), text


def test_halstead_volume_counts_like_radon_on_tricky_shapes():
    samples = [
        "",
        "x = 1",
        "def f(a=1 + 2):\n    return a + 1 if a > 0 else -a\n",
        "@dec(1 + 1)\nasync def g():\n    x += 1\n    def h():\n        return not x or y and z\n",
        "class C:\n    n = 1 + True\n    m = 1.0 + 1\n"
        "    def m(self):\n        return self.a < self.b <= 3\n",
        "lambda q: q * 2\nmatch p:\n    case [a, b] if a > b:\n        pass\n",
        "f(x)[1] + g(y).z - (w := 3) ** -2\n",
    ]
    for text in samples:
        tree = ast.parse(text)
        assert halstead_volume(tree) == h_visit_ast(tree).total.volume, text


def test_the_base_summary_is_kept_by_content_and_read_back_the_same(tmp_path, monkeypatch):
    from prguard.analyzers import complexity

    monkeypatch.setenv("PRGUARD_INDEX_CACHE", str(tmp_path))
    complexity._summaries.cache_clear()
    parsed: list[str] = []
    real_tree = complexity._tree
    monkeypatch.setattr(complexity, "_tree", lambda source: parsed.append(source.path) or real_tree(source))
    try:
        first = run([modified("svc/billing.py", BILLING_BASE, billing_head())])
        assert parsed == ["svc/billing.py"] and list(tmp_path.glob("complexity-*/*/*"))
        again = run([modified("svc/billing.py", BILLING_BASE, billing_head())])
        assert parsed == ["svc/billing.py"]  # the base was not parsed again
        assert [f.message for f in again.findings] == [f.message for f in first.findings]
        assert again.stats["complexity_changes"] == first.stats["complexity_changes"]
        assert again.stats["maintainability"] == first.stats["maintainability"]
        for entry in tmp_path.glob("complexity-*/*/*"):
            entry.write_bytes(b"not a summary")
        broken = run([modified("svc/billing.py", BILLING_BASE, billing_head())])
        assert parsed == ["svc/billing.py"] * 2  # computed again, same result
        assert broken.stats["complexity_changes"] == first.stats["complexity_changes"]
        other_base = BILLING_BASE.replace("amount * 0.9", "amount * 0.8")
        run([modified("svc/billing.py", other_base, billing_head())])
        assert parsed == ["svc/billing.py"] * 3  # another content, another entry
    finally:
        complexity._summaries.cache_clear()
