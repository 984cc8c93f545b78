"""A response declared as something other than HTML is no XSS, for the taint pass and PG-VULN003
alike: a media type given to the response, or set on it right after it is made, on every path."""

from __future__ import annotations

import textwrap

import pytest

from tests.unit.taint_helpers import rules_of, taint
from tests.unit.test_security import analyze, by_rule

MADE = 'resp = make_response("<p>" + name + "</p>")\n'
HEAD = """
from flask import Flask, Response, make_response, request
app = Flask(__name__)

@app.route("/show")
def show():
    name = request.args["name"]
"""


def view(body: str) -> str:
    return HEAD + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"


def flagged(code: str) -> set[str]:
    """The XSS findings of both passes on one file."""
    found = {r for r in rules_of(taint(code)) if r == "taint-xss"}
    return found | {r for r in by_rule(analyze(code)) if r == "PG-VULN003"}


@pytest.mark.parametrize(
    "body",
    [
        'return Response("<p>" + name + "</p>", mimetype="text/plain")',
        'kind = "text/plain"\nreturn Response("<p>" + name + "</p>", mimetype=kind)',
        MADE + 'resp.headers["Content-Type"] = "text/plain"\nreturn resp',
        MADE + 'resp.mimetype = "application/json"\nreturn resp',
        MADE + 'resp.headers.set("content-type", "text/csv")\nreturn resp',
        # an attachment is saved, not shown (netbox-oxidized-viewer's config downloads)
        MADE + 'resp.headers["Content-Disposition"] = f"attachment; filename={name}.txt"\nreturn resp',
        MADE + 'resp["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=n)\n'
        "return resp",
    ],
)
def test_a_body_declared_not_html_is_not_xss(body: str) -> None:
    assert flagged(view(body)) == set()


@pytest.mark.parametrize(
    "body",
    [
        'return Response("<p>" + name + "</p>", mimetype="text/html")',
        MADE + 'resp.headers["Content-Type"] = "text/html"\nreturn resp',
        MADE + 'resp.headers["Content-Disposition"] = f"inline; filename={name}.html"\nreturn resp',
        MADE + 'resp["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=n)\n'
        "return resp",
        # a type set on one path only: the other path serves the page as HTML
        MADE + 'if request.args.get("raw"):\n    resp.headers["Content-Type"] = "text/plain"\nreturn resp',
        MADE + "return resp",
    ],
)
def test_html_bodies_are_still_xss(body: str) -> None:
    assert flagged(view(body))
