"""Request handlers registered by another file of their folder (Flask-APScheduler's `api.py` views,
added with `add_url_rule` in `scheduler.py`): known in a review that has the repository."""

from __future__ import annotations

import textwrap

from prguard.analyzers.instrumentation import InstrumentationAnalyzer
from prguard.engine.cache import MemoryCache
from prguard.engine.review import review
from prguard.index.snapshot import RepositorySnapshot

from tests.unit.engine_helpers import added, make_policy
from tests.unit.instrumentation_helpers import review_instrumentation

API = textwrap.dedent(
    """\
    from flask import current_app, jsonify


    def get_scheduler_info():
        scheduler = current_app.apscheduler
        return jsonify({"running": scheduler.running})


    def pause_scheduler():
        current_app.apscheduler.pause()
        return "", 204


    def job_to_dict(job):
        return {"id": job.id}
    """
)

SCHEDULER = textwrap.dedent(
    """\
    from . import api


    class APScheduler:
        def __init__(self, app):
            self.app = app

        def _load_api(self):
            self.app.add_url_rule("/scheduler", "get_scheduler_info", api.get_scheduler_info, methods=["GET"])
            self.app.add_url_rule("/scheduler/pause", view_func=api.pause_scheduler, methods=["POST"])
    """
)


def _review(repository=None, cache=None):
    return review(
        [added("sched/api.py", API)],
        make_policy(),
        ai_authored=True,
        analyzers=[InstrumentationAnalyzer()],
        cache=cache,
        repository=repository,
    )


def _snapshot(scheduler: str = SCHEDULER) -> RepositorySnapshot:
    return RepositorySnapshot.from_files(
        {"sched/__init__.py": b"", "sched/scheduler.py": scheduler.encode(), "sched/api.py": API.encode()}
    )


def test_functions_another_file_registers_with_add_url_rule_are_request_handlers() -> None:
    result = _review(_snapshot())
    handlers = sorted((f.start_line, f.message) for f in result.findings if f.rule_id == "PG-OBS001")
    assert [line for line, _ in handlers] == [4, 9]  # not the plain helper `job_to_dict`
    assert "registered by another file" in handlers[0][1]


def test_without_the_repository_or_the_registration_they_are_plain_functions() -> None:
    assert not [f for f in _review().findings if f.rule_id == "PG-OBS001"]
    unregistered = _snapshot(SCHEDULER.replace("api.pause_scheduler", "api.job_to_dict"))
    lines = sorted(f.start_line for f in _review(unregistered).findings if f.rule_id == "PG-OBS001")
    assert lines == [4, 14]


def test_the_registrations_read_are_cached_with_the_file_and_checked_on_a_hit() -> None:
    cache = MemoryCache()
    _review(_snapshot(), cache=cache)
    reads = [entry.reads for entry in cache._entries.values() if entry.reads]
    assert len(reads) == 1 and reads[0]["views:sched.api"] == "get_scheduler_info,pause_scheduler"
    # the registering file changes: the cached output of api.py is not reused as it was
    moved = _review(_snapshot(SCHEDULER.replace("api.pause_scheduler", "api.job_to_dict")), cache=cache)
    assert sorted(f.start_line for f in moved.findings if f.rule_id == "PG-OBS001") == [4, 14]


def test_a_registration_wrapper_of_the_registering_file_is_followed() -> None:
    wrapped = textwrap.dedent(
        """\
        import functools

        from . import api


        class APScheduler:
            def _load_api(self):
                self._add_url_route("get_scheduler_info", "", api.get_scheduler_info, "GET")

            def _add_url_route(self, endpoint, rule, view_func, method):
                self.app.add_url_rule(rule, endpoint, self._apply_auth(view_func), methods=[method])

            def _apply_auth(self, view_func):
                @functools.wraps(view_func)
                def decorated(*args, **kwargs):
                    return view_func(*args, **kwargs)

                return decorated
        """
    )
    lines = sorted(f.start_line for f in _review(_snapshot(wrapped)).findings if f.rule_id == "PG-OBS001")
    assert lines == [4]


def test_views_a_django_urls_module_routes_to_are_request_handlers() -> None:
    """django-saml2-auth: `url(r'^acs/$', views.acs)` routes to `def acs(r):`, whose request
    parameter is not named `request`; `include(...)` and class views' `as_view()` are not
    functions of the views file."""
    views = textwrap.dedent(
        """\
        from django.shortcuts import redirect


        def acs(r):
            return redirect(r.session.get("next"))


        def helper(r):
            return r.session.get("next")
        """
    )
    urls = textwrap.dedent(
        """\
        from django.conf.urls import url
        from django.urls import include, path

        from . import views

        urlpatterns = [
            url(r"^acs/$", views.acs, name="acs"),
            path("more/", include("other.urls")),
        ]
        """
    )
    snapshot = RepositorySnapshot.from_files(
        {"saml/__init__.py": b"", "saml/urls.py": urls.encode(), "saml/views.py": views.encode()}
    )
    result = review_instrumentation([added("saml/views.py", views)], repository=snapshot, ai_authored=True)
    assert [(f.rule_id, f.start_line) for f in result.findings] == [("PG-OBS001", 4)]


def test_an_imported_base_named_like_a_view_is_asked_of_its_file() -> None:
    """coinbase-commerce: `class ListAPIResource(APIResource)` over the package's own
    `APIResource`, an API model, has a `list` method that is no request handler; the same class
    over a base that extends Django's `View` is a view."""
    resource = textwrap.dedent(
        """\
        import requests


        class ListAPIResource(APIResource):
            @classmethod
            def list(cls, **params):
                return cls._api_client.get(cls.RESOURCE_PATH, params=params)
        """
    ).replace("import requests", "import requests\n\nfrom coin.base import APIResource")
    model_base = "class APIResource(dict):\n    RESOURCE_PATH = ''\n"
    view_base = "from django.views import View\n\n\nclass APIResource(View):\n    RESOURCE_PATH = ''\n"
    unreadable = "class APIResource(View:\n"  # its file does not parse: the name decides
    for base, expected in (
        (model_base, []),
        (view_base, [("PG-OBS001", 8)]),
        (unreadable, [("PG-OBS001", 8)]),
    ):
        snapshot = RepositorySnapshot.from_files({"coin/__init__.py": b"", "coin/base.py": base.encode()})
        result = review_instrumentation(
            [added("coin/resources.py", resource)], repository=snapshot, ai_authored=True
        )
        assert [(f.rule_id, f.start_line) for f in result.findings] == expected
