"""Clients known by the values that may reach them (a parameter default, a request function passed
in, a session made one of two ways) and helpers followed deeper inside one file."""

from __future__ import annotations

from tests.unit.instrumentation_helpers import analyze, only, rules


def test_module_given_as_a_parameter_default_and_kept_on_self_is_that_module() -> None:
    code = """
    import requests

    class Client:
        def __init__(self, key, http_service=requests, proxies=None):
            self.key = key
            self.http_service = http_service

        def create_hook(self, url, data):
            response = self.http_service.post(url, data=data)
            return response.json()
    """
    findings = analyze(code)
    timeout = only(findings, "PG-TIMEOUT001")
    assert timeout.start_line == 10 and "requests.post" in timeout.message
    assert only(findings, "PG-OBS003").start_line == 9


def test_module_assigned_in_one_branch_and_an_unknown_session_in_the_other() -> None:
    code = """
    import requests

    class NewsClient:
        def __init__(self, session=None):
            if session is None:
                self.request_method = requests
            else:
                self.request_method = session

        def sources(self):
            return self.request_method.get("https://example.org/v2", timeout=30).json()
    """
    assert rules(analyze(code)) == ["PG-OBS003"]


def test_untyped_parameter_without_default_or_caller_stays_unknown() -> None:
    code = """
    import requests

    class Client:
        def __init__(self, http_service):
            self.http_service = http_service

        def create_hook(self, url, data):
            return self.http_service.post(url, data=data)
    """
    assert analyze(code) == []


def test_request_function_passed_as_an_argument_is_what_the_callee_calls() -> None:
    code = """
    import requests

    class Http:
        def send_request(self, http_method, path):
            response = http_method(path)
            return response.json()

        def get(self, path):
            return self.send_request(requests.get, path)
    """
    findings = analyze(code)
    timeout = only(findings, "PG-TIMEOUT001")
    assert timeout.start_line == 6 and "requests.get" in timeout.message
    assert only(findings, "PG-OBS003").start_line == 5


def test_argument_that_is_no_network_function_says_nothing() -> None:
    code = """
    import json
    import requests

    class Codec:
        def apply(self, function, text):
            return function(text)

        def decode(self, text):
            return self.apply(json.loads, text)
    """
    assert analyze(code) == []


def test_session_made_one_of_two_ways_one_a_requests_session_is_a_client() -> None:
    code = """
    from requests.sessions import Session
    from vendor import retrying

    class Api:
        def __init__(self, retry=None):
            if not retry:
                self.session = Session()
            else:
                self.session = retrying.make_session(retry)

        def request(self, method, url):
            return self.session.request(method=method, url=url)
    """
    findings = analyze(code)
    assert only(findings, "PG-TIMEOUT001").start_line == 13
    assert only(findings, "PG-OBS003").start_line == 12


def test_helper_chain_four_methods_deep_in_one_file_is_followed_into_a_loop() -> None:
    code = """
    import logging
    import requests

    log = logging.getLogger(__name__)

    class Jenkins:
        def __init__(self, timeout):
            self.timeout = timeout
            self._session = requests.Session()

        def _request(self, req):
            log.debug("request %s", req)
            return self._session.send(req, timeout=self.timeout)

        def jenkins_request(self, req):
            return self._request(req)

        def jenkins_open(self, req):
            return self.jenkins_request(req).text

        def get_node_info(self, name):
            return self.jenkins_open(name)

        def get_running_builds(self, nodes):
            builds = []
            for node in nodes:
                builds.append(self.get_node_info(node))
            return builds
    """
    findings = analyze(code)
    loop = only(findings, "PG-LOOP002")
    assert loop.start_line == 28
    assert "`Jenkins.get_node_info()` → `Jenkins.jenkins_open()`" in loop.message
    assert "`Jenkins._request()`" in loop.message


def test_helper_chain_past_the_same_file_depth_is_not_followed() -> None:
    code = """
    import logging
    import requests

    log = logging.getLogger(__name__)

    class Deep:
        def _send(self, url):
            log.info("GET %s", url)
            return requests.get(url, timeout=5)

        def a(self, url):
            return self._send(url)

        def b(self, url):
            return self.a(url)

        def c(self, url):
            return self.b(url)

        def d(self, url):
            return self.c(url)

        def all(self, urls):
            return [self.d(url) for url in urls]
    """
    assert analyze(code) == []


def test_search_loop_leaving_at_the_first_match_without_try_is_no_per_item_loop() -> None:
    code = """
    import requests

    def first_mirror(mirrors):
        for mirror in mirrors:
            response = requests.get(mirror, timeout=5)
            if response.ok:
                return response

    def every_user(ids):
        for user_id in ids:
            response = requests.get(f"/users/{user_id}", timeout=5)
            if not response.ok:
                return None
            print(response.json())
    """
    loop = only(analyze(code), "PG-LOOP002")
    assert loop.start_line == 12  # the second loop goes on after a good answer: one call per id


def test_django_manager_lookups_cached_per_process_are_no_query_per_item() -> None:
    code = """
    from django.contrib.contenttypes.models import ContentType
    from app.models import Tag

    def tag_all(objects):
        for obj in objects:
            kind = ContentType.objects.get_for_model(obj)
            tag = Tag.objects.get(content_type=kind, object_id=obj.pk)
            tag.touch()
    """
    loop = only(analyze(code), "PG-LOOP001")
    assert loop.start_line == 8 and "Tag.objects.get" in loop.message


def test_memoised_query_helper_called_per_item_is_no_query_per_item() -> None:
    code = """
    from functools import lru_cache

    from django.contrib.contenttypes.models import ContentType

    @lru_cache(None)
    def content_type(app_label, codename):
        return ContentType.objects.get(app_label=app_label, permission__codename=codename)

    def uncached(app_label, codename):
        return ContentType.objects.get(app_label=app_label, permission__codename=codename)

    def codenames(perms):
        for app_label, codename in perms:
            content_type(app_label, codename)
            uncached(app_label, codename)
    """
    loop = only(analyze(code), "PG-LOOP001")
    assert loop.start_line == 16 and "uncached" in loop.message


def test_loop_over_chunks_counted_by_itertools_count_is_a_batch_loop() -> None:
    code = """
    import itertools
    import logging

    import requests

    log = logging.getLogger(__name__)

    def _send(chunk):
        log.info("sending %d", len(chunk))
        return requests.post("https://push.example/send", json=chunk, timeout=5)

    def send_all(messages, size=100):
        for start in itertools.count(0, size):
            chunk = messages[start : start + size]
            if not chunk:
                break
            _send(chunk)
        for message in messages:
            _send([message])
    """
    loop = only(analyze(code), "PG-LOOP002")
    assert loop.start_line == 20


def test_session_returned_by_a_module_function_one_way_of_two_is_a_client() -> None:
    code = """
    import requests
    from vendor import util

    session = None

    def _get_req_session(reset=False):
        if reset:
            return requests.sessions.Session()
        return util.per_thread("req_session", lambda: session or requests.sessions.Session())

    def download_file(url):
        return _get_req_session().get(url).content
    """
    findings = analyze(code)
    assert only(findings, "PG-TIMEOUT001").start_line == 13
    assert only(findings, "PG-OBS003").start_line == 12


def test_handler_recording_the_failure_in_a_status_flag_is_not_a_default_value() -> None:
    code = """
    import urllib.request

    def fetch_all(urls):
        success: bool = True
        bodies = []
        for url in urls:
            try:
                bodies.append(urllib.request.urlopen(url, timeout=5).read())
            except Exception:
                success = False
                continue
        return bodies, success

    def size_of(path):
        try:
            size = len(open(path).read())
        except Exception:
            size = 0
        return size

    def valid(job):
        try:
            job.func_name
            ok = True
        except:
            ok = False
        return ok
    """
    errors = sorted((f.rule_id, f.start_line) for f in analyze(code) if f.rule_id.startswith("PG-ERR"))
    # the status flag set both ways is a record, also under a bare `except:` (django-rq); a size of 0 is not
    assert errors == [("PG-ERR002", 18)]


def test_urllib_opener_is_a_client_whose_open_needs_a_timeout() -> None:
    code = """
    from urllib.request import Request, build_opener

    def login(url, data):
        opener = build_opener()
        res = opener.open(Request(url, data))
        return res.cookie

    def login_bounded(url, data):
        return build_opener().open(Request(url, data), None, 10)
    """
    findings = analyze(code)
    assert only(findings, "PG-TIMEOUT001").start_line == 6
    assert sorted(f.start_line for f in findings if f.rule_id == "PG-OBS003") == [4, 9]


def test_super_call_in_an_override_runs_the_base_class_method() -> None:
    code = """
    import logging

    import requests

    log = logging.getLogger(__name__)

    class Base:
        def send(self, item):
            log.info("sending %s", item)
            return requests.post("https://api.example/items", json=item, timeout=5)

    class Child(Base):
        def send(self, item):
            item = dict(item, source="child")
            return super().send(item)

        def send_all(self, items):
            for item in items:
                self.send(item)
    """
    loop = only(analyze(code), "PG-LOOP002")
    assert loop.start_line == 20 and "`Child.send()` → `Base.send()`" in loop.message


def test_request_function_chosen_by_name_at_run_time_is_a_request() -> None:
    code = """
    import json
    import requests

    class API:
        def call(self, path, method, params=None):
            func = getattr(requests, method)
            return func("https://git.example" + path, params=params)

        def decode(self, text, how):
            return getattr(json, how)(text)
    """
    findings = analyze(code)
    timeout = only(findings, "PG-TIMEOUT001")
    assert timeout.start_line == 8 and "requests.request" in timeout.message
    assert only(findings, "PG-OBS003").start_line == 6
