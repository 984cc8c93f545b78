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


# -- a helper that resolves the path itself, and one that answers with an error message ------------

#: a resolved path tried under each root in turn, answering ANSWER when one holds it
UNDER_A_ROOT = """
resolved = file_path.METHOD()
for root in [ROOT.resolve()]:
    try:
        resolved.relative_to(root)
        return ANSWER
    except ValueError:
        continue
"""


def indented(block: str, depth: int) -> str:
    return "\n".join(" " * depth + line for line in block.strip().splitlines())


RESOLVES_ITSELF = (
    "def inside(file_path):\n" + indented(UNDER_A_ROOT.replace("ANSWER", "True"), 4) + "\n    return False\n"
)


@pytest.mark.parametrize(("method", "found"), [("resolve", False), ("absolute", True)])
def test_a_check_of_the_path_a_helper_resolved_holds_for_the_path_it_was_given(
    method: str, found: bool
) -> None:
    """`resolved = file_path.resolve()` then `resolved.relative_to(root)` in a try: the path it
    was given leads where its resolution does, so the caller's path is confined. `absolute()` keeps
    `..` parts, so a check of it confines nothing."""
    use = "p = Path(request.args['p'])\nif not inside(p):\n    abort(403)\nreturn send_file(str(p))"
    code = app(RESOLVES_ITSELF.replace("METHOD", method), use)
    assert ("taint-path-traversal" in rules_of(taint(code))) is found


ERROR_REPORTER = (
    "def validate_file_path(file_path):\n    EARLY\n"
    '    if file_path.suffix.lower() != ".pmtiles":\n'
    '        return "Access denied: only .pmtiles files are served"\n    try:\n'
    + indented(UNDER_A_ROOT.replace("METHOD", "resolve").replace("ANSWER", "None"), 8)
    + '\n        return "Access denied: outside the allowed folders"\n'
    '    except Exception as e:\n        return f"Invalid file path: {e!s}"\n'
)
USES_THE_ANSWER = "p = Path(request.args['p'])\nerror = validate_file_path(p)\nif error:\n"
USES_THE_ANSWER += "    return error, 403\nreturn send_file(str(p))"


@pytest.mark.parametrize(
    ("early", "use", "found"),
    [
        ("pass", USES_THE_ANSWER, False),  # vectortileserver's `_validate_file_path`
        # nothing reported before the check: the path may be anything
        ("if DEBUG:\n        return None", USES_THE_ANSWER, True),
        # the answer is not looked at
        ("pass", "p = Path(request.args['p'])\nvalidate_file_path(p)\nreturn send_file(str(p))", True),
        # looked at the wrong way round: served when there was an error
        (
            "pass",
            "p = Path(request.args['p'])\nif not validate_file_path(p):\n    abort(403)\n"
            "return send_file(str(p))",
            True,
        ),
    ],
)
def test_a_helper_that_reports_nothing_has_checked_what_it_was_given(
    early: str, use: str, found: bool
) -> None:
    """An error reporter answers with a message or nothing: where the caller goes on only when it
    got nothing, what the helper checked on every path that reports nothing holds."""
    code = app(ERROR_REPORTER.replace("EARLY", early), use)
    assert ("taint-path-traversal" in rules_of(taint(code))) is found


@pytest.mark.parametrize(("method", "found"), [("resolve", False), ("absolute", True)])
def test_an_absolute_path_may_still_climb_out_of_its_root(method: str, found: bool) -> None:
    """`Path("/srv/files/../../etc/passwd").absolute()` keeps its `..` parts and still starts with
    the root, so only a resolved path is confined by a prefix check."""
    use = f"p = (ROOT / request.args['p']).{method}()\nif not p.is_relative_to(ROOT):\n    abort(403)\n"
    use += "return send_file(p)"
    assert ("taint-path-traversal" in rules_of(taint(app("", use)))) is found


STATUS_REPORTER = (
    "def path_status(path, root):\n    resolved = path.resolve()\n    try:\n"
    "        resolved.relative_to(root)\n    except ValueError:\n        return FORBIDDEN\n"
    "    if resolved != path:\n        return 404\n    return None\n"
)
CHECKS_STATUS = "p = ROOT / request.args['p']\nstatus = path_status(p, ROOT)\nif TEST:\n    abort(403)\n"
CHECKS_STATUS += "return send_file(p.resolve())"


@pytest.mark.parametrize(
    ("forbidden", "test", "found"),
    [
        # leafdocs' `_path_status`: an HTTP status, or None when the path is fine
        ("403", "status is not None", False),
        ("403", "status", False),
        ("403", "status is None", True),  # served only when a status came back
        # `0` is no error to look for: the function is no reporter
        ("0", "status is not None", True),
        ("0", "status", True),
    ],
)
def test_a_helper_that_answers_an_error_status_or_none_has_checked_its_arguments(
    forbidden: str, test: str, found: bool
) -> None:
    code = app(STATUS_REPORTER.replace("FORBIDDEN", forbidden), CHECKS_STATUS.replace("TEST", test))
    assert ("taint-path-traversal" in rules_of(taint(code))) is found


def test_a_predicates_answer_compared_with_none_proves_nothing() -> None:
    """`ok = inside(p)` is True or False, never None: `ok is not None` holds either way."""
    use = "p = Path(request.args['p'])\nok = inside(p)\nif ok is None:\n    abort(403)\n"
    use += "return send_file(str(p))"
    code = app(RESOLVES_ITSELF.replace("METHOD", "resolve"), use)
    assert "taint-path-traversal" in rules_of(taint(code))
