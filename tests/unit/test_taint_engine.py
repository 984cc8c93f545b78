"""Taint through the engine: one finding per sink with bandit; bandit noise on proven-safe sinks gone."""

from __future__ import annotations

import textwrap

import pytest
from prguard.analyzers.security import SecurityAnalyzer
from prguard.analyzers.taint import TaintAnalyzer
from prguard.engine.model import ChangedFile
from prguard.engine.review import review
from prguard.policies.loader import load_policy

CODE = textwrap.dedent(
    """
    import subprocess
    from flask import Flask, request

    app = Flask(__name__)


    @app.route("/convert")
    def convert():
        name = request.args["file"]
        subprocess.call("convert " + name + " out.png", shell=True)
        subprocess.call(["convert", name, "out.png"])
        return "ok"


    def nightly(job):
        subprocess.call("run-job " + job, shell=True)
    """
).lstrip()


def _review(code: str):
    changed = ChangedFile(path="app/views.py", status="added", head=code.encode(), base=None, patch=None)
    policy = load_policy(repo_text="scope: changed_files\n")
    return review([changed], policy, analyzers=[SecurityAnalyzer(), TaintAnalyzer()])


def test_taint_and_bandit_on_the_same_sink_give_one_finding_with_the_flow() -> None:
    result = _review(CODE)
    at_sink = [f for f in result.findings if f.start_line == 10]
    assert [(f.analyzer, f.cwe) for f in at_sink] == [("taint", 78)]
    assert at_sink[0].flow and "request.args" in at_sink[0].message
    assert result.stats["duplicates"] >= 1


def test_bandit_finding_on_a_sink_proven_safe_is_dropped_but_unknown_data_keeps_it() -> None:
    result = _review(CODE)
    lines = {(f.analyzer, f.start_line) for f in result.findings}
    assert ("security", 11) not in lines  # list-form call: taint proved it safe
    # a public function's parameter nobody in the change calls: the caller's data, never proven safe
    assert {line for _, line in lines} >= {16}
    assert result.stats["proven_safe"] >= 1


def test_a_file_the_server_chose_is_unknown_data_not_a_proof() -> None:
    """feast's job read its mounted configuration with `yaml.load(f, Loader=yaml.Loader)`: a
    file at a fixed path holds whatever was written there, so the unsafe loader stays reported."""
    code = (
        "import os\nimport yaml\n\n\ndef load():\n"
        "    with open('/var/app/config.yaml') as f:\n        config = yaml.load(f, Loader=yaml.Loader)\n"
        "    os.system('echo ' + 'ready')\n    return config\n"
    )
    lines = {(f.rule_id, f.start_line) for f in _review(code).findings}
    assert ("B506", 7) in lines
    assert ("B605", 8) not in lines  # constant text is still proven


def test_an_argument_the_sink_cannot_place_proves_nothing() -> None:
    """`mark_safe(s=...)` names the argument Django's signature does: the text is read there
    (aa-forum formats a stored topic's subject so), and a call whose arguments the sink's
    positions do not hold (`**options`) proves nothing: bandit's finding stays."""
    head = (
        "from django.utils.safestring import mark_safe\n"
        "from .models import Topic\n\n\ndef notice(pk, options):\n    topic = Topic.objects.get(pk=pk)\n"
    )
    for call in ('mark_safe(s="<p>%s</p>" % topic)', "mark_safe(**options)"):
        lines = {(f.analyzer, f.start_line) for f in _review(head + f"    return {call}\n").findings}
        assert ("security", 7) in lines, call
    assert not _review(head + '    return mark_safe(s="<p>saved</p>")\n').findings  # constant: proven


def test_a_public_parameter_is_the_callers_data_unless_the_policy_trusts_parameters() -> None:
    untrusted = [f for f in _review(CODE).findings if f.start_line == 16]
    assert [(f.analyzer, f.cwe) for f in untrusted] == [("taint", 78)]
    assert "caller's argument" in untrusted[0].message and untrusted[0].severity == "high"
    changed = ChangedFile(path="app/views.py", status="added", head=CODE.encode(), base=None, patch=None)
    policy = load_policy(repo_text="scope: changed_files\nanalyzers:\n  taint:\n    trust_parameters: true\n")
    trusted = review([changed], policy, analyzers=[SecurityAnalyzer(), TaintAnalyzer()]).findings
    assert [(f.analyzer, f.rule_id) for f in trusted if f.start_line == 16] == [("security", "B602")]


def test_without_taint_bandit_reports_every_call() -> None:
    changed = ChangedFile(path="app/views.py", status="added", head=CODE.encode(), base=None, patch=None)
    result = review(
        [changed], load_policy(repo_text="scope: changed_files\n"), analyzers=[SecurityAnalyzer()]
    )
    assert {10, 11, 16} <= {f.start_line for f in result.findings}


def test_a_trace_continued_by_a_step_keeps_every_other_field() -> None:
    """`Trace.then` builds the next trace field by field: a field it forgot would be lost."""
    from dataclasses import fields, replace

    from prguard.analyzers.taint.values import Step, Trace

    trace = Trace(
        "web",
        "request.args['q']",
        (Step("a.py", 1, "source"),),
        sanitized=frozenset({"path"}),
        indirect=True,
        param=2,
        fresh=True,
        unseen=True,
        urlpath=True,
        past_host=frozenset({"ssrf"}),
        if_one_segment=frozenset({"path"}),
    )
    assert {f.name for f in fields(Trace)} == {
        "kind", "source", "steps", "sanitized", "indirect", "param", "fresh", "unseen", "urlpath",
        "past_host", "if_one_segment",
    }  # fmt: skip
    step = Step("a.py", 2, "next")
    assert trace.then(step) == replace(trace, steps=(*trace.steps, step), fresh=False)
    assert trace.then(Step("a.py", 1, "same line")) == replace(trace, fresh=False)


def test_an_attribute_only_ever_set_to_one_constant_is_that_constant() -> None:
    """django-coinpayments sets `self.url` to the API's address in `__init__` and nowhere else,
    then opens `Request(self.url, ...)`: bandit's B310 is proven safe. Set from a parameter, also
    to another value, from outside the class, or by computed name, it stays reported."""
    head = "import urllib.request\n\n\nclass Client:\n    def __init__(self, key, base):\n"
    tail = (
        "\n    def get(self):\n        req = urllib.request.Request(self.url)\n"
        "        return urllib.request.urlopen(req).read()\n"
    )
    api = "        self.url = 'https://api.example.com/v1'\n"
    cases = {
        api: False,
        "        self.url = base\n": True,
        api + "        if key:\n            self.url = base\n": True,
        api + "        if key:\n            self.url = 'https://b.example.com'\n": True,
        api + "        setattr(self, key, base)\n": True,
        api + "        object.__setattr__(self, key, base)\n": True,
    }
    for init, reported in cases.items():
        lines = {(f.rule_id, f.start_line) for f in _review(head + init + tail).findings}
        assert any(rule == "B310" for rule, _ in lines) is reported, init
    elsewhere = head + api + tail
    elsewhere += "\n\ndef point(client, url):\n    client.url = url\n"
    assert any(f.rule_id == "B310" for f in _review(elsewhere).findings)


def test_a_proof_covers_an_argument_written_on_a_line_of_its_own() -> None:
    """bandit places B608 on the SQL text, which jotter writes on the line after `execute(`:
    the proof of the call covers its arguments' lines too. Unknown text there keeps it."""
    head = "import sqlite3\n\n\ndef rows(path, ids, order):\n    cursor = sqlite3.connect(path).cursor()\n"
    head += "    marks = ','.join(['?'] * len(ids))\n    cursor.execute(\n"
    proven = head + "        f'SELECT id FROM t WHERE id IN ({marks})',\n        list(ids),\n    )\n"
    assert [f.rule_id for f in _review(proven).findings] == []
    unknown = (
        head
        + "        f'SELECT id FROM t WHERE id IN ({marks}) ORDER BY {order}',\n        list(ids),\n    )\n"
    )
    assert [(f.rule_id, f.start_line) for f in _review(unknown).findings if f.rule_id == "B608"] == [
        ("B608", 8)
    ]


MARKED_SAFE = """
import nh3
from django import template
from django.utils.safestring import mark_safe

register = template.Library()
cleaner = nh3.Cleaner(tags={"a", "p"})


@register.filter
def cleaned(value):
    return mark_safe({made})
"""


def _mark_safe_kept(made: str) -> bool:
    findings = _review(MARKED_SAFE.replace("{made}", made)).findings
    return any(f.rule_id in ("B308", "B703") for f in findings)


def test_mark_safe_of_sanitised_or_escaped_text_is_proven_safe() -> None:
    """A template filter's value is unknown data: bandit's mark_safe finding stays unless what
    is marked safe went through an HTML sanitizer or an escape first."""
    assert _mark_safe_kept("value")
    assert _mark_safe_kept("value.strip()")
    for made in (
        "cleaner.clean(value)",  # an nh3.Cleaner configured once at module level
        "nh3.clean(value)",
    ):
        assert not _mark_safe_kept(made), made


@pytest.mark.parametrize(
    ("imported", "made"),
    [
        ("from django.utils.http import urlencode", "'?' + urlencode(sorted(value.items()))"),
        ("from xml.sax.saxutils import quoteattr", "'<a title=' + quoteattr(value) + '>'"),
        ("from xml.sax.saxutils import escape", "'<b>' + escape(value) + '</b>'"),
        ("from django.forms.utils import flatatt", "'<input' + flatatt(value) + '>'"),
        ("from django.utils.html import escapejs", "'<script>var v = \"' + escapejs(value) + '\";</script>'"),
        ("from pygments import highlight", "highlight(value, lexer, HtmlFormatter())"),
    ],
)
def test_escapes_of_each_library_prove_marked_text_safe(imported: str, made: str) -> None:
    code = f"{imported}\nfrom django.utils.safestring import mark_safe\n\n\ndef shown(value, lexer=None):\n"
    code += f"    return mark_safe({made})\n"
    findings = _review(code).findings
    assert not [f for f in findings if f.rule_id in ("B308", "B703")], findings
    unescaped = code.replace(made, "'<b>' + value + '</b>'")
    assert [f for f in _review(unescaped).findings if f.rule_id in ("B308", "B703")]


REBOUND_FLAG = """
import sqlite3
import subprocess
from flask import Flask, request

app = Flask(__name__)
TABLE = "docs"
_ready: bool = False


def init():
    global _ready
    _ready = True


@app.route("/run")
def run():
    if not _ready:
        return "not yet"
    subprocess.call("convert " + request.args["f"], shell=True)
    conn = sqlite3.connect("x.db")
    conn.execute(f"DELETE FROM {TABLE} WHERE name = ?", (request.args["n"],))
    return "ok"
"""


def test_code_behind_a_flag_set_through_global_is_reviewed() -> None:
    """`_ready = False` at module level, set by `init()` through `global`: the view's code after
    `if not _ready: return` runs once the app is set up, so its flows are reported and its proofs
    hold (before, the flag was folded as a constant and that code taken as dead)."""
    findings = _review(REBOUND_FLAG).findings
    assert ("taint", 20) in {(f.analyzer, f.start_line) for f in findings}
    assert not [f for f in findings if f.rule_id == "B608"]  # the table name is a constant: proven
    never_set = _review(REBOUND_FLAG.replace("    global _ready\n    _ready = True", "    pass")).findings
    assert ("taint", 20) not in {(f.analyzer, f.start_line) for f in never_set}  # dead code indeed
