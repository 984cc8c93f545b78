"""Helpers in files the change left alone: read from the repository and followed as the change's
own functions are, so what they return is known instead of out of sight."""

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


    def next_url(request):
        return request.GET.get("next", "/")


    def safe_next_url(request):
        wanted = request.GET.get("next", "/")
        if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
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
        return redirect({helper}(request))
    """
)

POLICY = load_policy(repo_text="analyzers:\n  taint:\n    min_confidence: low\n")


def _taint(helper: str, repository: RepositorySnapshot | None) -> list[tuple[str, int, Confidence]]:
    changed = [added("shop/views.py", VIEWS.format(helper=helper))]
    result = review(changed, POLICY, analyzers=[TaintAnalyzer()], repository=repository)
    return [(f.rule_id, f.start_line, f.confidence) for f in result.findings]


def _repository(helpers: str = HELPERS) -> RepositorySnapshot:
    return RepositorySnapshot.from_files({"shop/__init__.py": b"", "shop/helpers.py": helpers.encode()})


def test_a_helper_that_returns_request_data_is_followed() -> None:
    """Out of sight, what `next_url(request)` returns is unknown; read, it is the request's."""
    assert _taint("next_url", None) == []
    assert _taint("next_url", _repository()) == [("taint-open-redirect", 7, Confidence.MEDIUM)]


def test_a_helper_that_checks_what_it_returns_proves_it() -> None:
    assert _taint("safe_next_url", _repository()) == []
    check = "url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()})"
    unchecked = _repository(HELPERS.replace(check, "wanted"))
    assert _taint("safe_next_url", unchecked) == [("taint-open-redirect", 7, Confidence.MEDIUM)]


def test_nothing_is_reported_inside_the_helpers_file() -> None:
    views = "from shop.helpers import run\n\ndef go(request):\n    run(request.GET['c'])\n"
    changed = [added("shop/views.py", views)]
    result = review(changed, POLICY, analyzers=[TaintAnalyzer()], repository=_repository())
    assert [f.path for f in result.findings] == []


def test_a_released_snapshot_reads_only_the_sources_it_kept() -> None:
    released = _repository()
    released.release(prepared=None, keep={})
    assert _taint("next_url", released) == []
    kept = _repository()
    kept.release(prepared=None, keep={"shop/helpers.py": HELPERS.encode()})
    assert _taint("next_url", kept) == [("taint-open-redirect", 7, Confidence.MEDIUM)]
