"""The policy's own rules: every kind (aliases and `from` imports), regex on added lines only,
suggested fixes, and validation of the `rules:` key."""

from __future__ import annotations

import ast

import pytest
from prguard.analyzers.rules import RulesAnalyzer
from prguard.engine.model import ChangedFile, Severity
from prguard.engine.review import review
from prguard.policies.loader import load_policy, load_policy_text
from prguard.policies.model import PolicyError


def _policy(rules: str, extra: str = ""):
    return load_policy(repo_text=f"rules:\n{rules}\n{extra}")


def _review(policy, files: list[ChangedFile]):
    return review(files, policy, ai_authored=False, analyzers=[RulesAnalyzer()])


def _added(path: str, text: str) -> ChangedFile:
    return ChangedFile(path, "added", text.encode(), None)


FORBIDDEN_GET = (
    "  - {id: NET-1, message: use acme.http, severity: high, kind: forbidden_call, call: requests.get}"
)


@pytest.mark.parametrize(
    "source",
    [
        "import requests\nrequests.get(url)\n",
        "import requests as r\nr.get(url)\n",
        "from requests import get\nget(url)\n",
        "from requests import get as fetch\nfetch(url)\n",
        "from requests import *\nget(url)\n",
        "def f(url):\n    import requests as rq\n    return rq.get(url)\n",
    ],
)
def test_forbidden_call_resolves_imports_and_aliases(source):
    result = _review(_policy(FORBIDDEN_GET), [_added("app/net.py", source)])
    assert [(f.rule_id, f.start_line, f.severity) for f in result.findings] == [
        ("NET-1", source.count("\n"), Severity.HIGH)
    ]
    assert "requests.get" in result.findings[0].message


@pytest.mark.parametrize(
    "source",
    [
        "import requests\nrequests.post(url)\n",  # another function
        "import httpx as requests\nrequests.get(url)\n",  # same local name, other module
        "from mylib import get\nget(url)\n",
        "session.get(url)\n",
    ],
)
def test_forbidden_call_does_not_match_other_names(source):
    assert _review(_policy(FORBIDDEN_GET), [_added("app/net.py", source)]).findings == []


def test_forbidden_call_wildcard_and_fix():
    rule = (
        "  - {id: SH-1, message: no subprocess, severity: medium, kind: forbidden_call, "
        "call: 'subprocess.*', fix: acme.run}"
    )
    source = (
        "import subprocess as sp\nfrom subprocess import check_output as co\nsp.run(['ls'])\nco(['ls'])\n"
    )
    findings = _review(_policy(rule), [_added("tools/x.py", source)]).findings
    assert [(f.start_line, f.suggestion) for f in findings] == [
        (3, "acme.run(['ls'])"),
        (4, "acme.run(['ls'])"),
    ]


TIMEOUT = (
    "  - {id: NET-2, message: pass a timeout, severity: medium, kind: required_kwarg, "
    "call: 'requests.*', kwarg: timeout, fix: 'timeout=10', exclude_calls: [requests.Session]}"
)


def test_required_kwarg_with_aliases_and_suggestions_that_parse():
    source = (
        "import requests as r\n"
        "from requests import post as send\n"
        "r.get(url)\n"
        "send(url, json=body)\n"
        "r.get(url, timeout=5)\n"
        "r.get(url, **options)\n"
        "s = r.Session()\n"
        "r.put(\n"
        "    url,\n"
        ")\n"
    )
    findings = _review(_policy(TIMEOUT), [_added("app/client.py", source)]).findings
    assert [f.start_line for f in findings] == [3, 4, 8]
    assert all(f.cwe == 400 for f in findings)  # bandit B113's CWE: the engine merges the two
    assert findings[0].suggestion == "r.get(url, timeout=10)"
    assert findings[1].suggestion == "send(url, json=body, timeout=10)"
    assert findings[2].suggestion == "r.put(\n    url,\n    timeout=10,\n)"
    for finding in findings:
        ast.parse(finding.suggestion)


def test_forbidden_import_plain_from_and_submodules():
    rule = (
        "  - {id: SER-1, message: no pickle,"
        " severity: high, kind: forbidden_import, module: pickle, fix: json}"
    )
    source = "import pickle\nimport pickle as p\nfrom pickle import loads\nimport pickletools\n"
    findings = _review(_policy(rule), [_added("app/store.py", source)]).findings
    assert [(f.start_line, f.suggestion) for f in findings] == [
        (1, "import json"),
        (2, "import json as p"),
        (3, "from json import loads"),
    ]
    rule = (
        "  - {id: XML-1, message: use defusedxml, severity: medium, kind: forbidden_import,"
        " module: xml.etree}"
    )
    source = "from xml import etree\nimport xml.etree.ElementTree as ET\nimport xml.dom\n"
    assert [f.start_line for f in _review(_policy(rule), [_added("a.py", source)]).findings] == [1, 2]


def test_required_decorator_on_admin_routes_and_tasks():
    rules = (
        "  - {id: AUTH-1, message: admin views need login, severity: high, kind: required_decorator,"
        " decorator: login_required, route: '^/admin', fix: login_required}\n"
        "  - {id: TASK-1, message: billing tasks must be idempotent, severity: medium,"
        " kind: required_decorator, applies_to: tasks, decorator: acme.tasks.idempotent, function: '^bill_'}"
    )
    source = (
        "from flask import Flask\n"
        "from flask_login import login_required as needs_login\n"
        "from celery import shared_task\n"
        "from acme.tasks import idempotent\n"
        "app = Flask(__name__)\n"
        "\n"
        "@app.route('/admin/users')\n"
        "def users():\n"
        "    return 'x'\n"
        "\n"
        "@app.get('/admin/ok')\n"
        "@needs_login\n"
        "def ok():\n"
        "    return 'y'\n"
        "\n"
        "@app.route('/public')\n"
        "def public():\n"
        "    return 'z'\n"
        "\n"
        "@shared_task\n"
        "def bill_customer(customer_id):\n"
        "    return customer_id\n"
        "\n"
        "@shared_task\n"
        "@idempotent\n"
        "def bill_again(customer_id):\n"
        "    return customer_id\n"
        "\n"
        "@shared_task\n"
        "def send_mail():\n"
        "    return 1\n"
    )
    findings = _review(_policy(rules), [_added("app/views.py", source)]).findings
    assert [(f.rule_id, f.start_line) for f in findings] == [("AUTH-1", 8), ("TASK-1", 21)]
    assert findings[0].suggestion == "@login_required\ndef users():"
    assert "/admin/users" in findings[0].message


REGEX = (
    "  - {id: CFG-1, message: DEBUG must not be on, severity: medium, kind: regex,"
    " pattern: 'DEBUG\\s*[=:]\\s*(True|true|1)', fix: 'DEBUG = False',"
    " paths: ['**/*.py', '**/*.yml', '**/.env'], exclude_paths: ['tests/**']}"
)


def test_regex_rule_on_any_file_type_and_only_on_added_lines():
    base = "DEBUG = True\nx = 1\n"
    head = "DEBUG = True\nx = 1\nDEBUG = True  # again\n"
    patch = "@@ -1,2 +1,3 @@\n DEBUG = True\n x = 1\n+DEBUG = True  # again\n"
    files = [
        ChangedFile("settings.py", "modified", head.encode(), base.encode(), patch),
        _added("deploy/app.yml", "env:\n  DEBUG: true\n"),
        _added(".env", "DEBUG=1\n"),
        _added("tests/test_x.py", "DEBUG = True\n"),  # excluded path
        _added("README.md", "Set DEBUG = True to debug\n"),  # not in paths
    ]
    findings = _review(_policy(REGEX), files).findings
    assert sorted((f.path, f.start_line) for f in findings) == [
        (".env", 1),
        ("deploy/app.yml", 2),
        ("settings.py", 3),
    ]
    assert next(f for f in findings if f.path == "settings.py").suggestion == "DEBUG = False  # again"


def test_regex_rules_read_only_the_added_lines(monkeypatch):
    """A one-line change in a 20 000-line file costs one line."""
    lines = [f"value_{i} = {i}" for i in range(20_000)]
    head = "\n".join([*lines, "DEBUG = True"]) + "\n"
    patch = "@@ -20000,0 +20001,1 @@\n+DEBUG = True\n"
    changed = ChangedFile("big.py", "modified", head.encode(), ("\n".join(lines) + "\n").encode(), patch)
    policy = _policy(REGEX)
    analyzer = RulesAnalyzer()
    (rule,) = analyzer.rules_for(policy)
    searched: list[str] = []

    class Spy:
        def __init__(self, pattern):
            self.pattern = pattern

        def search(self, text):
            searched.append(text)
            return self.pattern.search(text)

        def sub(self, *args):
            return self.pattern.sub(*args)

    object.__setattr__(rule, "pattern", Spy(rule.pattern))
    result = review([changed], policy, ai_authored=False, analyzers=[analyzer])
    assert [f.start_line for f in result.findings] == [20001]
    assert searched == ["DEBUG = True"]


def test_engine_suppression_applies_to_rules():
    source = "import requests\nrequests.get(url)  # prguard: ignore[NET-1] internal health check\n"
    result = _review(_policy(FORBIDDEN_GET), [_added("app/net.py", source)])
    assert result.findings == [] and result.suppressed[0].reason == "internal health check"


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("rules:\n  - {id: A, message: m, severity: high, kind: forbidden_call}\n", "rules[0]", "'call'"),
        (
            "rules:\n  - {id: A, message: m, severity: high, kind: regex, pattern: '(a+)+$'}\n",
            "rules[0].pattern",
            "backtrack",
        ),
        (
            "rules:\n  - {id: A, message: m, severity: urgent, kind: regex, pattern: x}\n",
            "rules[0].severity",
            "urgent",
        ),
        (
            "rules:\n  - {id: A, message: m, severity: high, kind: forbidden_call, call: 'os.system; rm'}\n",
            "rules[0].call",
            "does not match",
        ),
        (
            "rules:\n  - {id: A, message: m, severity: high, kind: regex, pattern: x, paths: ['../x']}\n",
            "rules[0].paths[0]",
            "..",
        ),
        ("ai_authored:\n  rules: []\n", "ai_authored.rules", "unknown key"),
    ],
)
def test_rules_are_validated_like_every_other_key(text, key, words):
    with pytest.raises(PolicyError) as info:
        load_policy_text(text, "repo.yml")
    assert info.value.key == key and words in info.value.message
    assert info.value.line == 2 or key.startswith("ai_authored")


def test_rule_ids_must_be_unique_within_a_file():
    rules = FORBIDDEN_GET + "\n" + FORBIDDEN_GET
    with pytest.raises(PolicyError) as info:
        _policy(rules)
    assert info.value.key == "rules[1].id" and "twice" in info.value.message and info.value.line == 3
