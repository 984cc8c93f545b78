"""Values a view keeps in the session and another view reads back: the client's data stays the
client's through the session, checked or not as it was when kept."""

from __future__ import annotations

import pytest

from tests.unit.taint_helpers import taint

DJANGO = """
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def finish(request):
    return HttpResponseRedirect(READ)


def start(request):
    KEEP
    return redirect("/login")
"""

FLASK = """
from flask import Flask, redirect, request, session

app = Flask(__name__)


@app.route("/login")
def login():
    session["next"] = request.args["next"]
    return "ok"


@app.route("/done")
def done():
    return redirect(session.get("next", "/"))
"""


def _redirects(code: str | dict[str, str]) -> list[int]:
    return [f.start_line for f in taint(code) if f.rule_id == "taint-open-redirect"]


@pytest.mark.parametrize(
    ("keep", "read", "found"),
    [
        # read in a view defined before the one that keeps it: the review runs again with it
        ('request.session["next"] = request.GET["next"]', 'request.session.get("next", "/")', True),
        ('request.session["next"] = request.GET["next"]', 'request.session["next"]', True),
        ('request.session["next"] = request.GET["next"]', 'request.session.pop("next")', True),
        ('request.session["next"] = request.GET["next"]', 'request.session.get("other", "/")', False),
        ('request.session["next"] = "/account/"', 'request.session.get("next", "/")', False),
        (  # checked before it was kept
            'nxt = request.GET["next"]\n'
            "    if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):\n"
            '        request.session["next"] = nxt',
            'request.session.get("next", "/")',
            False,
        ),
    ],
)
def test_what_one_view_keeps_in_the_session_another_reads_back(keep: str, read: str, found: bool) -> None:
    code = DJANGO.replace("KEEP", keep).replace("READ", read)
    assert bool(_redirects(code)) is found


def test_a_value_read_back_is_checked_where_it_is_read() -> None:
    code = DJANGO.replace("KEEP", 'request.session["next"] = request.GET["next"]').replace(
        "return HttpResponseRedirect(READ)",
        'target = request.session.get("next", "/")\n'
        "    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):\n"
        '        target = "/"\n'
        "    return HttpResponseRedirect(target)",
    )
    assert _redirects(code) == []


def test_flasks_session_across_modules_names_where_the_value_came_from() -> None:
    login, done = FLASK.split('@app.route("/done")')
    files = {
        "app/login.py": login,
        "app/done.py": "from flask import redirect, session\nfrom app.login import app\n\n\n"
        + "@app.route('/done')"
        + done,
    }
    found = [f for f in taint(files) if f.rule_id == "taint-open-redirect"]
    assert [f.path for f in found] == ["app/done.py"]
    assert [step.description for step in found[0].flow] == [
        'app/login.py: `request.args["next"]` (user input)',
        "read back from `session`",
    ]


def test_a_session_key_no_view_keeps_client_data_in_stays_the_servers() -> None:
    assert _redirects(FLASK.replace('request.args["next"]', '"/home"')) == []


def test_two_views_that_both_keep_something_read_each_others_keys() -> None:
    """The login view keeps `next`; the callback, which keeps a token of its own, reads `next`
    back: however the two are ordered, the callback sees what the login view kept."""
    code = (
        "from django.http import HttpResponseRedirect\n\n\n"
        "def start(request):\n"
        '    request.session["next_url"] = request.GET["next"]\n'
        '    return HttpResponseRedirect("/login")\n\n\n'
        "def callback(request):\n"
        '    target = request.session.get("next_url")\n'
        '    request.session["token"] = "issued"\n'
        "    return HttpResponseRedirect(target)\n"
    )
    assert _redirects(code) == [12]
