"""Helpers in files the change left alone (policy `follow_helpers`): read from the repository and
followed as the change's own functions are, so what they return is known instead of out of sight."""

from __future__ import annotations

import textwrap

from prguard.analyzers.taint import TaintAnalyzer
from prguard.engine.model import Confidence
from prguard.engine.review import review
from prguard.index.snapshot import RepositorySnapshot
from prguard.policies.loader import load_policy

from tests.unit.engine_helpers import added

HELPERS = textwrap.dedent(
    """\
    from django.utils.http import url_has_allowed_host_and_scheme


    def next_url(query):
        return query.get("next", "/")


    def safe_next_url(query):
        wanted = query.get("next", "/")
        if url_has_allowed_host_and_scheme(wanted, allowed_hosts=None):
            return wanted
        return "/"


    def run(command):
        import os
        os.system(command)
    """
)

VIEWS = textwrap.dedent(
    """\
    from django.shortcuts import redirect

    from shop.helpers import {helper}


    def after_login(request):
        return redirect({helper}(request.GET))
    """
)

POLICY = load_policy(repo_text="analyzers:\n  taint:\n    min_confidence: low\n    follow_helpers: true\n")


def _taint(helper: str, repository: RepositorySnapshot | None) -> list[tuple[str, int, Confidence]]:
    changed = [added("shop/views.py", VIEWS.format(helper=helper))]
    result = review(changed, POLICY, analyzers=[TaintAnalyzer()], repository=repository)
    return [(f.rule_id, f.start_line, f.confidence) for f in result.findings]


def _repository(helpers: str = HELPERS) -> RepositorySnapshot:
    return RepositorySnapshot.from_files({"shop/__init__.py": b"", "shop/helpers.py": helpers.encode()})


def test_a_helper_that_returns_request_data_is_followed() -> None:
    """Out of sight, what `next_url(request.GET)` returns is unknown (a low-confidence flow,
    hidden by default); read, it is the request's."""
    assert _taint("next_url", None) == [("taint-open-redirect", 7, Confidence.LOW)]
    assert _taint("next_url", _repository()) == [("taint-open-redirect", 7, Confidence.MEDIUM)]


def test_a_helper_that_checks_what_it_returns_proves_it() -> None:
    assert _taint("safe_next_url", None) == [("taint-open-redirect", 7, Confidence.LOW)]
    assert _taint("safe_next_url", _repository()) == []
    check = "url_has_allowed_host_and_scheme(wanted, allowed_hosts=None)"
    unchecked = _repository(HELPERS.replace(check, "wanted"))
    assert _taint("safe_next_url", unchecked) == [("taint-open-redirect", 7, Confidence.MEDIUM)]


def test_a_helper_module_that_starts_with_a_byte_order_mark_is_read() -> None:
    """Python imports a module whose file starts with a UTF-8 byte-order mark; so does the reader."""
    with_mark = RepositorySnapshot.from_files(
        {"shop/__init__.py": b"", "shop/helpers.py": b"\xef\xbb\xbf" + HELPERS.encode()}
    )
    assert _taint("next_url", with_mark) == [("taint-open-redirect", 7, Confidence.MEDIUM)]


def test_a_helper_is_read_only_when_it_is_handed_input_or_the_request() -> None:
    views = "from django.shortcuts import redirect\nfrom shop import helpers, other, req\n\n"
    views += "def go(request):\n    other.audit()\n    req.pick(request)\n"
    views += "    return redirect(helpers.next_url(request.GET))\n"
    files = {
        "shop/__init__.py": b"",
        "shop/helpers.py": HELPERS.encode(),
        "shop/other.py": b"def audit():\n    pass\n",
        "shop/req.py": b"def pick(request):\n    return request.GET.get('x')\n",
    }
    analyzer = TaintAnalyzer()
    changed = [added("shop/views.py", views)]
    review(changed, POLICY, analyzers=[analyzer], repository=RepositorySnapshot.from_files(files))
    assert analyzer.project is not None and analyzer.project.files_read == ["shop/helpers.py", "shop/req.py"]


def test_helpers_elsewhere_are_followed_only_when_the_policy_asks() -> None:
    """Reading and running them costs time on every review (`follow_helpers`, off by default)."""
    analyzer = TaintAnalyzer()
    changed = [added("shop/views.py", VIEWS.format(helper="next_url"))]
    result = review(
        changed,
        load_policy(repo_text="analyzers:\n  taint:\n    min_confidence: low\n"),
        analyzers=[analyzer],
        repository=_repository(),
    )
    assert analyzer.project is None
    assert [(f.start_line, f.confidence) for f in result.findings] == [(7, Confidence.LOW)]


def test_nothing_is_reported_inside_the_helpers_file() -> None:
    views = "from shop.helpers import run\n\ndef go(request):\n    run(request.GET['c'])\n"
    changed = [added("shop/views.py", views)]
    result = review(changed, POLICY, analyzers=[TaintAnalyzer()], repository=_repository())
    assert [f.path for f in result.findings] == []


def test_a_released_snapshot_reads_only_the_sources_it_kept() -> None:
    released = _repository()
    released.release(prepared=None, keep={})
    assert _taint("next_url", released) == [("taint-open-redirect", 7, Confidence.LOW)]
    kept = _repository()
    kept.release(prepared=None, keep={"shop/helpers.py": HELPERS.encode()})
    assert _taint("next_url", kept) == [("taint-open-redirect", 7, Confidence.MEDIUM)]


JSONP = "import json\n\n\ndef jsonpify(request, data):\n    callback = request.values.get('callback')\n"
JSONP += "    return f'{callback}({json.dumps(data)});'\n"


def test_a_star_imported_helper_handed_flasks_request_is_followed() -> None:
    """`from shop.utils import *` then `jsonpify(request, data)` with Flask's global request: the
    helper is found through the star import and read, since it is handed the request itself."""
    views = "from shop.utils import *\nfrom flask import Flask, request\napp = Flask(__name__)\n\n\n"
    views += "@app.route('/x')\ndef x():\n    return jsonpify(request, {'a': 1})\n"
    files = {"shop/__init__.py": b"", "shop/utils.py": JSONP.encode()}
    changed = [added("shop/views.py", views)]
    result = review(
        changed, POLICY, analyzers=[TaintAnalyzer()], repository=RepositorySnapshot.from_files(files)
    )
    assert [(f.rule_id, f.start_line) for f in result.findings] == [("taint-xss", 8)]
    underscored = views.replace("jsonpify(", "_jsonpify(")
    files["shop/utils.py"] = JSONP.replace("def jsonpify", "def _jsonpify").encode()
    changed = [added("shop/views.py", underscored)]
    result = review(
        changed, POLICY, analyzers=[TaintAnalyzer()], repository=RepositorySnapshot.from_files(files)
    )
    assert result.findings == []  # a star import brings no private name


def test_a_src_layouts_own_helpers_are_its_project_code() -> None:
    """`src/shop/views.py` imports its helpers as `shop.helpers`, the name the package is installed
    under: they are the project's code out of sight (a low-confidence flow), not a library's
    function whose result is its argument (markdpy's path validator)."""
    views = VIEWS.format(helper="safe_next_url")
    for path in ("shop/views.py", "src/shop/views.py"):
        result = review([added(path, views)], POLICY, analyzers=[TaintAnalyzer()], repository=None)
        assert [(f.rule_id, f.confidence) for f in result.findings] == [
            ("taint-open-redirect", Confidence.LOW)
        ], path
