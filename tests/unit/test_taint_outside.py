"""Lessons from real handler code: inherited helpers, and project code outside the change."""

from __future__ import annotations

from tests.unit.taint_helpers import rules_of, taint

BASE = (
    "from flask import url_for\n\nclass BaseView:\n"
    "    def get_url(self, endpoint, **kwargs):\n        return url_for(endpoint, **kwargs)\n"
)
VIEW = (
    "from flask import request, redirect\nfrom app.base import BaseView\n\nclass Files(BaseView):\n"
    "    def delete(self):\n        path = request.form['path']\n"
    "        return redirect(self.get_url('.index', path=path))\n"
)


def test_a_method_inherited_from_a_changed_module_is_followed() -> None:
    assert taint({"app/base.py": BASE, "app/views.py": VIEW}) == []  # url_for: no open redirect


def test_project_code_outside_the_change_gives_a_low_confidence_flow() -> None:
    code = (
        "from flask import request, redirect\nfrom app.utils import make_safe\n\n@app.route('/x')\n"
        "def x():\n    return redirect(make_safe(request.args['next']))\n"
    )
    assert taint({"app/views.py": code}) == []  # hidden at the default min_confidence: medium
    low = taint({"app/views.py": code}, {"min_confidence": "low"})
    assert rules_of(low) == ["taint-open-redirect"] and low[0].confidence == "low"


def test_ssrf_through_client_objects_by_type() -> None:
    code = (
        "import aiohttp, httpx, requests\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
        "@app.route('/fetch')\nasync def fetch():\n    url = request.args['u']\n"
        "    async with aiohttp.ClientSession() as http:\n        await http.get(url)\n"
        "    client = httpx.Client()\n    client.post(url)\n"
        "    s = requests.Session()\n    s.request('GET', url)\n"
        "    return 'ok'\n"
    )
    findings = taint({"app/views.py": code})
    assert [(f.rule_id, f.start_line, f.cwe) for f in findings] == [
        ("taint-ssrf", 9, 918),
        ("taint-ssrf", 11, 918),
        ("taint-ssrf", 13, 918),
    ]


def test_a_check_in_the_caller_proves_a_private_helpers_sink() -> None:
    from prguard.analyzers.taint import TaintAnalyzer

    from tests.unit.taint_helpers import context

    code = (
        "import os, re\nfrom flask import Flask, request, abort\napp = Flask(__name__)\n\n"
        "@app.route('/deploy')\ndef deploy():\n    branch = request.form['branch']\n"
        "    if not re.fullmatch(r'[A-Za-z0-9_-]{1,64}', branch):\n        abort(400)\n"
        "    _checkout(branch)\n    return 'ok'\n\n"
        "def _checkout(branch):\n    os.system('git checkout ' + branch)\n"
    )
    analyzer = TaintAnalyzer()
    assert list(analyzer.analyze([context("app/views.py", code)])) == []
    assert (14, 78) in analyzer.cleared["app/views.py"]
    unchecked = code.replace(
        "    if not re.fullmatch(r'[A-Za-z0-9_-]{1,64}', branch):\n        abort(400)\n", ""
    )
    analyzer = TaintAnalyzer()
    assert [f.start_line for f in analyzer.analyze([context("app/views.py", unchecked)])] == [12]
    assert (12, 78) not in analyzer.cleared.get("app/views.py", set())


def test_a_plugin_loader_taking_its_callers_name_is_not_code_injection() -> None:
    code = "import importlib\n\ndef load(name):\n    return importlib.import_module(name)\n"
    assert taint({"lib/plugins.py": code}) == []
    view = (
        "import importlib\nfrom flask import Flask, request\napp = Flask(__name__)\n\n@app.route('/p')\n"
        "def plugin():\n    importlib.import_module(request.args['m'])\n    return 'ok'\n"
    )
    assert rules_of(taint({"app/views.py": view})) == ["taint-code-injection"]
