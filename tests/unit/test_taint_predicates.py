"""A project's own predicates: what a helper checks of its parameters before it says yes holds
for the arguments where a caller's `if` relies on that yes."""

from __future__ import annotations

import pytest

from tests.unit.taint_helpers import rules_of, taint

HEAD = "import os, re, subprocess\nfrom pathlib import Path\n"
HEAD += "from flask import Flask, request, send_file, abort\napp = Flask(__name__)\n"
HEAD += "ROOT = Path('/srv/files')\nDEBUG = os.environ.get('DEBUG') == '1'\n"


def app(helper: str, use: str) -> str:
    """A module with `helper` and a view whose body is `use` (indented four spaces)."""
    body = "\n".join("    " + line for line in use.strip().splitlines())
    return HEAD + "\n" + helper.strip() + "\n\n\n@app.route('/x/<path:sub>')\ndef view(sub):\n" + body + "\n"


RESOLVED_INSIDE = """
def inside_root(candidate):
    try:
        return candidate.resolve().is_relative_to(ROOT)
    except AttributeError:
        return os.path.commonpath([str(candidate.resolve()), str(ROOT)]) == str(ROOT)
"""
SERVE_RESOLVED = "target = ROOT / sub\nif not inside_root(target):\n    abort(403)\nreturn send_file(target)"
SERVE_JOINED = (
    "name = request.args['n']\nif not plain_name(name):\n    abort(400)\n"
    "return send_file(os.path.join('/srv', name))"
)


@pytest.mark.parametrize(
    ("helper", "use", "found"),
    [
        (RESOLVED_INSIDE, SERVE_RESOLVED, False),
        # a helper that says yes to anything proves nothing
        ("def inside_root(candidate):\n    return bool(candidate) or True", SERVE_RESOLVED, True),
        (
            'def plain_name(name):\n    if ".." in name or "/" in name or "\\\\" in name:\n'
            "        return False\n    return True",
            SERVE_JOINED,
            False,
        ),
        # no `..`, but an absolute name still replaces the root in `os.path.join`
        (
            'def plain_name(name):\n    if ".." in name:\n        return False\n    return True',
            SERVE_JOINED,
            True,
        ),
        ("def plain_name(name):\n    return name.isalnum()", SERVE_JOINED, False),
        # one path says yes without looking at the name
        (
            "def plain_name(name):\n    if DEBUG:\n        return True\n    return name.isalnum()",
            SERVE_JOINED,
            True,
        ),
        # pycbox's check: the normalised path's components, and not absolute
        (
            "def plain_name(name):\n    name = os.path.normpath(name)\n    parts = name.split(os.path.sep)\n"
            "    return not os.path.isabs(name) and '..' not in parts",
            SERVE_JOINED,
            False,
        ),
        (
            "def plain_name(name):\n    parts = os.path.normpath(name).split('/')\n"
            "    return not os.path.isabs(name) and '..' not in parts",
            SERVE_JOINED,
            False,
        ),
        # what the parameter became was checked, not what the caller passed
        (
            "def plain_name(name):\n    name = name.replace('/', '')\n"
            "    return not os.path.isabs(name) and '..' not in name",
            SERVE_JOINED,
            True,
        ),
        # split at a comma: `..` may still be a path component
        (
            "def plain_name(name):\n    return not os.path.isabs(name) and '..' not in name.split(',')",
            SERVE_JOINED,
            True,
        ),
    ],
    ids=[
        "resolved-inside",
        "always-yes",
        "no-separators",
        "only-no-parent",
        "alnum",
        "yes-in-debug",
        "normalised-components",
        "components-of-normpath",
        "rebound-otherwise",
        "split-elsewhere",
    ],
)
def test_a_predicate_proves_what_it_checks_when_it_says_yes(helper: str, use: str, found: bool) -> None:
    rules = rules_of(taint(app(helper, use)))
    assert ("taint-path-traversal" in rules) is found, rules


def test_a_predicate_in_another_changed_module_proves_it_too() -> None:
    checks = "import os\n\n\ndef plain_name(name):\n    return name.isalnum()\n"
    views = app("from app.checks import plain_name", SERVE_JOINED)
    assert rules_of(taint({"app/checks.py": checks, "app/views.py": views})) == []


def test_a_method_predicate_maps_its_parameters_past_self() -> None:
    code = HEAD + (
        "\n\nclass Files:\n    def allowed(self, name):\n        return name.isalnum()\n\n"
        "    def serve(self):\n        name = request.args['n']\n        if self.allowed(name):\n"
        "            return send_file(os.path.join('/srv', name))\n        abort(400)\n"
    )
    assert rules_of(taint(code)) == []


def test_a_predicate_saying_no_proves_nothing_on_the_yes_branch_of_the_caller() -> None:
    code = app(
        "def has_parent(name):\n    return '..' in name",
        "name = request.args['n']\nif has_parent(name):\n"
        "    return send_file(os.path.join('/srv', name))\nabort(400)",
    )
    assert "taint-path-traversal" in rules_of(taint(code))


@pytest.mark.parametrize(
    ("check", "found"),
    [
        ("if os.path.isabs(sub) or '..' in sub.split('/'):\n    abort(400)", False),
        (
            "norm = os.path.normpath(sub)\n"
            "if os.path.isabs(norm) or '..' in norm.split(os.sep):\n    abort(400)",
            False,
        ),
        ("if os.path.isabs(sub) or '..' in Path(sub).parts:\n    abort(400)", False),
        ("if '..' in sub.split('/'):\n    abort(400)", True),  # `/etc/passwd` replaces the root
        ("if os.path.isabs(sub) or '..' in sub.split('-'):\n    abort(400)", True),
    ],
)
def test_parent_components_refused_inline(check: str, found: bool) -> None:
    """`..` among a path's components, of it or of its normalised form, is `..` in the path."""
    rules = rules_of(taint(app("", check + "\nreturn send_file(os.path.join('/srv', sub))")))
    assert ("taint-path-traversal" in rules) is found, rules
