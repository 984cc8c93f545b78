"""CWE audit: each weakness family's CWE, pinned (SARIF consumers and code-scanning group by it).

Checked against MITRE's definitions: code injection 94/95 (eval of data is 95, "Eval Injection"),
XXE 611, SSRF 918, server-side template injection 1336, insecure cookie 614 (no Secure) and 1004
(no HttpOnly), path traversal 22, XSS 79, OS command injection 78, argument injection 88,
SQL injection 89, LDAP 90, XPath 643, deserialisation 502, open redirect 601, log injection 117,
observable timing discrepancy 208, inefficient regular expression complexity 1333.
"""

from __future__ import annotations

import pytest
from prguard.analyzers.security import CWE_BY_TEST
from prguard.analyzers.taint.rules import KINDS, SINKS
from prguard.analyzers.vuln_rules import RULES

TAINT_FAMILIES = {
    "code": 95,
    "xxe": 611,
    "ssrf": 918,
    "ssti": 1336,
    "path": 22,
    "xss": 79,
    "command": 78,
    "sql": 89,
    "ldap": 90,
    "xpath": 643,
    "deserialization": 502,
    "redirect": 601,
    "log": 117,
    "header": 113,
    "trust-boundary": 501,
    "regex": 730,
    "argument": 88,
}


@pytest.mark.parametrize(("family", "cwe"), sorted(TAINT_FAMILIES.items()))
def test_taint_family_cwe(family: str, cwe: int) -> None:
    assert KINDS[family].cwe == cwe


def test_every_taint_family_is_pinned() -> None:
    assert set(KINDS) == set(TAINT_FAMILIES)


def test_taint_sinks_report_their_familys_cwe() -> None:
    """No sink files its finding under a neighbouring CWE (eval as 78, XML as 20, urlopen as 22):
    bandit's tests are re-filed instead (CWE_BY_TEST), so the engine still merges the two."""
    for row in SINKS:
        if row["report_cwe"] is not None:
            assert row["report_cwe"] == KINDS[row["kind"]].cwe, row["name"]


@pytest.mark.parametrize(
    ("test_id", "cwe"),
    [
        ("B307", 95),
        ("B102", 95),
        ("B313", 776),
        ("B314", 776),
        ("B411", 776),
        ("B405", 776),
        ("B320", 611),
        ("B410", 611),
        ("B506", 502),
        ("B301", 502),
        ("B308", 79),
        ("B703", 79),
        ("B701", 79),
        ("B310", 918),
    ],
)
def test_bandit_tests_filed_under_mitres_entry(test_id: str, cwe: int) -> None:
    assert CWE_BY_TEST[test_id] == cwe


@pytest.mark.parametrize(
    ("rule", "cwe"),
    [
        ("PG-VULN001", 22),
        ("PG-VULN002", 611),
        ("PG-VULN003", 79),
        ("PG-VULN004", 208),
        ("PG-VULN005", 1333),
        ("PG-VULN006", 614),
        ("PG-VULN007", 1004),
        ("PG-VULN030", 347),
        ("PG-VULN031", 489),
        ("PG-VULN032", 79),
        ("PG-VULN033", 22),
        ("PG-VULN008", 347),
        ("PG-VULN009", 942),
        ("PG-VULN010", 327),
        ("PG-VULN011", 321),
        ("PG-VULN012", 1204),
        ("PG-VULN013", 916),
        ("PG-VULN014", 760),
        ("PG-VULN015", 326),
        ("PG-VULN016", 835),
        ("PG-VULN017", 209),
        ("PG-VULN018", 338),
        ("PG-VULN019", 943),
        ("PG-VULN020", 502),
        ("PG-VULN021", 295),
        ("PG-VULN022", 319),
    ],
)
def test_pg_vuln_rule_cwe(rule: str, cwe: int) -> None:
    assert RULES[rule].cwe == cwe


def test_findings_carry_the_cwe_end_to_end() -> None:
    from tests.unit.taint_helpers import taint

    code = (
        "import os, pickle, requests\nfrom flask import Flask, request, redirect, render_template_string\n"
        "from lxml import etree\napp = Flask(__name__)\n\n@app.route('/x')\ndef x():\n"
        "    v = request.args['v']\n    eval(v)\n    etree.fromstring(v)\n    requests.get(v)\n"
        "    pickle.loads(v)\n    render_template_string(v)\n    os.system(v)\n    return redirect(v)\n"
    )
    assert {f.start_line: f.cwe for f in taint(code)} == {
        9: 95,
        10: 611,
        11: 918,
        12: 502,
        13: 1336,
        14: 78,
        15: 601,
    }
