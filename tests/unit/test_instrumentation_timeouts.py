"""PG-TIMEOUT001/002: network calls and clients without a timeout, with their suggested fixes."""

from __future__ import annotations

from tests.unit.instrumentation_helpers import analyze, apply_suggestion, only, rules


def test_aliased_requests_call_without_timeout_gets_a_one_click_fix() -> None:
    code = """
    import requests as r

    def fetch_rates(base):
        resp = r.get("https://api.exchangerate.host/latest", params={"base": base})
        return resp.json()
    """
    finding = only(analyze(code), "PG-TIMEOUT001")
    assert finding.start_line == finding.end_line == 5
    assert finding.cwe == 400 and finding.severity == "medium"
    assert "`r.get(...)` (requests.get)" in finding.message and "fetch_rates" in finding.message
    fixed = apply_suggestion(code, finding)
    assert 'params={"base": base}, timeout=10)' in fixed


def test_from_import_alias_and_multiline_call_with_trailing_comma() -> None:
    code = """
    from requests import post as send

    def notify(hook_url, payload):
        send(
            hook_url,
            json=payload,
            headers={"User-Agent": "billing/1.0"},  # the hook wants a UA
        )
    """
    finding = only(analyze(code), "PG-TIMEOUT001")
    assert (finding.start_line, finding.end_line) == (5, 9)
    fixed = apply_suggestion(code, finding)
    assert "# the hook wants a UA\n        timeout=10,\n    )" in fixed


def test_multiline_call_without_trailing_comma_and_unicode_before_the_paren() -> None:
    code = """
    import requests

    def greet(name):
        return requests.post("https://example.com/grüße",
                             data={"name": name, "msg": "héllo"})
    """
    finding = only(analyze(code), "PG-TIMEOUT001")
    fixed = apply_suggestion(code, finding)
    assert '"msg": "héllo"}, timeout=10)' in fixed


def test_calls_with_a_timeout_or_kwargs_pass_through() -> None:
    code = """
    import requests
    from urllib.request import urlopen

    def a(url):
        return requests.get(url, timeout=(3.05, 27))

    def b(url, **kwargs):
        return requests.get(url, **kwargs)

    def c(url):
        return urlopen(url, None, 5).read()
    """
    assert "PG-TIMEOUT001" not in rules(analyze(code))


def test_explicit_none_is_replaced_by_the_policy_default() -> None:
    code = """
    import requests

    def download(url):
        return requests.get(url, stream=True, timeout=None)
    """
    settings = {"checks": {"timeouts": {"default_timeout": 30}}}
    finding = only(analyze(code, settings=settings), "PG-TIMEOUT001")
    assert "timeout=None" in finding.message
    assert "stream=True, timeout=30)" in apply_suggestion(code, finding)


def test_requests_session_without_timeout_is_flagged_per_call() -> None:
    code = """
    import requests

    class GitClient:
        def __init__(self, token):
            self.session = requests.Session()
            self.session.headers["Authorization"] = f"token {token}"

        def repo(self, name):
            return self.session.get(f"https://api.github.com/repos/{name}").json()
    """
    finding = only(analyze(code), "PG-TIMEOUT001")
    assert finding.start_line == 10 and "self.session.get" in finding.message
    assert "timeout=10)" in apply_suggestion(code, finding)


def test_session_with_mounted_timeout_adapter_is_not_flagged() -> None:
    code = """
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    class TimeoutHTTPAdapter(HTTPAdapter):
        def __init__(self, *args, timeout=10, **kwargs):
            self.timeout = timeout
            super().__init__(*args, **kwargs)

        def send(self, request, **kwargs):
            kwargs.setdefault("timeout", self.timeout)
            return super().send(request, **kwargs)

    http = requests.Session()
    http.mount("https://", TimeoutHTTPAdapter(max_retries=Retry(total=3, backoff_factor=1)))

    def get_user(user_id):
        return http.get(f"https://users.internal/{user_id}").json()
    """
    assert "PG-TIMEOUT001" not in rules(analyze(code))


def test_plain_retry_adapter_does_not_count_as_a_timeout() -> None:
    code = """
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    http = requests.Session()
    http.mount("https://", HTTPAdapter(max_retries=Retry(total=3)))

    def get_user(user_id):
        return http.get(f"https://users.internal/{user_id}").json()
    """
    assert only(analyze(code), "PG-TIMEOUT001").start_line == 10


def test_partial_timeout_wrapper_and_session_subclass_count() -> None:
    code = """
    import functools
    import requests

    session = requests.Session()
    session.request = functools.partial(session.request, timeout=15)

    class TimeoutSession(requests.Session):
        def request(self, method, url, **kwargs):
            kwargs.setdefault("timeout", 10)
            return super().request(method, url, **kwargs)

    def a(url):
        return session.get(url)

    def b(url):
        s = TimeoutSession()
        return s.post(url, json={})
    """
    assert "PG-TIMEOUT001" not in rules(analyze(code))


def test_httpx_default_timeout_counts_but_none_disables_it() -> None:
    code = """
    import httpx

    def ok(url):
        with httpx.Client(base_url="https://api.example.com", timeout=httpx.Timeout(5.0)) as client:
            return client.get(url).json()

    def also_ok(url):
        return httpx.get(url).json()  # httpx defaults to 5 s

    async def bad(url):
        async with httpx.AsyncClient(timeout=None) as client:
            return (await client.get(url)).json()
    """
    finding = only(analyze(code), "PG-TIMEOUT001")
    assert finding.start_line == 12
    assert "httpx.AsyncClient(timeout=10) as client" in apply_suggestion(code, finding)


def test_urlopen_redis_and_postgres_without_timeouts() -> None:
    code = """
    import psycopg2
    import redis
    import urllib.request

    cache = redis.Redis(host="cache", port=6379, db=0)

    def ping(url):
        return urllib.request.urlopen(url).status

    def connect():
        return psycopg2.connect(host="db", dbname="app", user="app")

    def connect_dsn(dsn):
        return psycopg2.connect(dsn)  # the DSN may carry connect_timeout: not judged
    """
    findings = analyze(code)
    by_line = {f.start_line: f for f in findings if f.rule_id == "PG-TIMEOUT001"}
    assert sorted(by_line) == [6, 9, 12]
    assert "db=0, socket_timeout=10)" in apply_suggestion(code, by_line[6])
    assert "urlopen(url, timeout=10).status" in apply_suggestion(code, by_line[9])
    assert 'user="app", connect_timeout=10)' in apply_suggestion(code, by_line[12])


def test_boto3_and_aiohttp_long_defaults_are_softer_and_switchable() -> None:
    code = """
    import aiohttp
    import boto3
    from botocore.config import Config

    s3 = boto3.client("s3")
    sqs = boto3.client("sqs", config=Config(connect_timeout=5, read_timeout=10))

    async def fetch(url):
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as resp:
                return await resp.text()
    """
    findings = [f for f in analyze(code) if f.rule_id.startswith("PG-TIMEOUT")]
    assert [(f.rule_id, f.start_line, f.severity.value) for f in findings] == [
        ("PG-TIMEOUT002", 6, "low"),
        ("PG-TIMEOUT002", 10, "low"),
    ]
    assert "Config(connect_timeout=10, read_timeout=10)" in findings[0].message
    assert findings[0].suggestion is None
    quiet = analyze(code, settings={"checks": {"timeouts": {"long_defaults": False}}})
    assert not [f for f in quiet if f.rule_id.startswith("PG-TIMEOUT")]


def test_check_can_be_switched_off_and_given_a_severity() -> None:
    code = """
    import requests
    requests.get("https://example.com")
    """
    assert analyze(code, settings={"checks": {"timeouts": {"enabled": False}}}) == []
    high = analyze(code, settings={"checks": {"timeouts": {"severity": "high"}}})
    assert only(high, "PG-TIMEOUT001").severity == "high"


def test_urllib3_pool_is_judged_by_its_requests() -> None:
    code = """
    import urllib3

    class Metadata:
        http = urllib3.PoolManager()
        careful = urllib3.PoolManager()

        @classmethod
        def token(cls):
            return cls.http.request("PUT", "http://169.254.169.254/latest/api/token")

        @classmethod
        def region(cls):
            return cls.careful.request("GET", "http://169.254.169.254/region", timeout=2.0)
    """
    finding = only(analyze(code), "PG-TIMEOUT001")
    assert finding.start_line == 5
    assert "urllib3.PoolManager(timeout=10)" in apply_suggestion(code, finding)


def test_boto3_session_is_not_a_billed_client() -> None:
    code = """
    import boto3

    def credentials(profiles):
        out = []
        for profile in profiles:
            session = boto3.Session(profile_name=profile)
            out.append(session.get_credentials())
        return out
    """
    assert rules(analyze(code)) == []


def test_options_a_function_fills_with_literal_keys_only_carry_those_keys() -> None:
    code = """
    import boto3
    import requests
    from django.conf import settings

    def clients():
        s3_kwargs = {}
        if hasattr(settings, "AWS_REGION"):
            s3_kwargs["region_name"] = settings.AWS_REGION
        return boto3.client("s3", **s3_kwargs)

    def configured():
        options = {"region_name": "eu-west-1", "config": settings.BOTO_CONFIG}
        return boto3.client("s3", **options)

    def filled(extra):
        options = {}
        options.update(extra)
        return requests.get("https://x.example", **options)

    def passed(options):
        return requests.get("https://x.example", **options)

    def either(user, password):
        auth = {"auth": (user, password)} if user else {}
        return requests.post("https://x.example", data="x", **auth)
    """
    found = [(f.rule_id, f.start_line) for f in analyze(code) if f.rule_id.startswith("PG-TIMEOUT")]
    assert found == [("PG-TIMEOUT002", 10), ("PG-TIMEOUT001", 26)]


def test_kwargs_every_caller_fills_with_literal_keys_carry_only_those() -> None:
    code = """
    import requests

    class Client:
        def _do_request(self, method, *args, **kwargs):
            return getattr(requests, method)(*args, **kwargs)

        def request(self, method, url, data=None):
            kwargs = {"headers": self.headers, "params": {}}
            if data is not None:
                kwargs["json"] = data
            return self._do_request(method.lower(), url, **kwargs)

    class Timed:
        def _send(self, url, **kwargs):
            return requests.get(url, **kwargs)

        def fetch(self, url):
            return self._send(url, timeout=5)

    class Open:
        def _send(self, url, **kwargs):
            return requests.get(url, **kwargs)

    class Defaulted:
        def _request(self, method, **kwargs):
            kwargs.setdefault("timeout", self.timeout)
            return requests.post(method, **kwargs)

        def send(self, text):
            return self._request("send", json={"text": text})

    class Public:
        def http_call(self, url, **kwargs):
            return requests.post(url, **kwargs)

        def send(self, text):
            return self.http_call("send", json={"text": text})
    """
    found = [(f.rule_id, f.start_line) for f in analyze(code) if f.rule_id.startswith("PG-TIMEOUT")]
    assert found == [("PG-TIMEOUT001", 6)]


def test_a_sessions_bound_method_passed_in_needs_a_timeout_like_the_session() -> None:
    code = """
    import requests
    from requests.adapters import HTTPAdapter

    class Client:
        def __init__(self):
            self.session = requests.Session()
            self.session.mount("https://", HTTPAdapter(max_retries=3))

        def _call(self, endpoint, method=None):
            return method("https://api.example.com" + endpoint).json()

        def get(self, endpoint):
            return self._call(endpoint, method=self.session.get)
    """
    assert [(f.rule_id, f.start_line) for f in analyze(code) if f.rule_id == "PG-TIMEOUT001"] == [
        ("PG-TIMEOUT001", 11)
    ]


def test_keywords_a_helper_of_the_class_builds_carry_only_its_literal_keys() -> None:
    code = """
    import logging

    import requests

    log = logging.getLogger(__name__)

    class Backend:
        def prepare_request(self, text):
            kwargs = {"url": "https://sms.example/send"}
            kwargs["params"] = {"text": text}
            return kwargs

        def prepare_timed(self, text):
            return {"url": "https://sms.example/send", "timeout": 10, "params": {"text": text}}

        def send(self, text):
            log.info("sending")
            kwargs = self.prepare_request(text)
            return requests.get(**kwargs)

        def send_timed(self, text):
            log.info("sending")
            kwargs = self.prepare_timed(text)
            return requests.get(**kwargs)

        def send_extended(self, text):
            log.info("sending")
            kwargs = self.prepare_request(text)
            kwargs.update(self.defaults)
            return requests.get(**kwargs)
    """
    assert [f.start_line for f in analyze(code) if f.rule_id == "PG-TIMEOUT001"] == [20]


def test_an_aiohttp_session_used_only_under_a_timeout_scope_has_a_timeout() -> None:
    """adguardhome, ambee: `aiohttp.ClientSession()` made without a timeout, each request of it
    inside `async with asyncio.timeout(...)` (or `async_timeout`, or `asyncio.wait_for`)."""
    code = """
import asyncio
import logging

import aiohttp
import async_timeout

log = logging.getLogger(__name__)


class Api:
    async def scoped(self, url):
        if self.session is None:
            self.session = aiohttp.ClientSession()
        async with asyncio.timeout(10), self.session.get(url) as response:
            log.info("%s", response.status)
            return await response.read()

    async def legacy(self, url):
        session = aiohttp.ClientSession()
        with async_timeout.timeout(10):
            response = await session.get(url)
        log.info("%s", response.status)

    async def waited(self, url):
        session = aiohttp.ClientSession()
        response = await asyncio.wait_for(session.get(url), 10)
        log.info("%s", response.status)

    async def unscoped(self, url):
        session = aiohttp.ClientSession()
        async with asyncio.timeout(10):
            await asyncio.sleep(0)
        response = await session.get(url)
        log.info("%s", response.status)
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-TIMEOUT002", 31)]


def test_a_partial_of_a_request_handed_to_an_executor_needs_a_timeout() -> None:
    """mattermost-log-handler: `run_in_executor(None, functools.partial(self.session.post, url,
    data=...))` sends the request later, as the partial says; one per item handed to an executor
    is not a sequential loop."""
    code = """
import functools
import logging

import requests

log = logging.getLogger(__name__)


class Handler:
    def __init__(self):
        self.session = requests.session()

    def emit(self, loop, url, payload):
        loop.run_in_executor(None, functools.partial(self.session.post, url, data=payload))
        loop.run_in_executor(None, functools.partial(self.session.post, url, data=payload, timeout=5))
        log.info("sent")

    def fan_out(self, executor, url, rows):
        for row in rows:
            executor.submit(functools.partial(self.session.post, url, json=row, timeout=5))
        log.info("sent")
"""
    found = analyze(code)
    assert [(f.rule_id, f.start_line) for f in found] == [("PG-TIMEOUT001", 15)]
    assert "timeout=10" in (found[0].suggestion or "")


def test_a_requests_cache_session_is_a_requests_session() -> None:
    """coinmarketcap: `requests_cache.core.CachedSession(...)` behind a property; a cache miss is
    a plain `requests` request."""
    code = """
import logging

import requests_cache

log = logging.getLogger(__name__)


class Market:
    _session = None

    @property
    def session(self):
        if not self._session:
            self._session = requests_cache.core.CachedSession(cache_name="c", expire_after=120)
        return self._session

    def ticker(self, url):
        response = self.session.get(url)
        log.info("%s", response.status_code)
        return response
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-TIMEOUT001", 19)]


def test_an_opener_of_a_plainly_imported_urllib_request_needs_a_timeout() -> None:
    """pinboard: `import urllib.request, urllib.parse` (binding `urllib`), then
    `urllib.request.build_opener(urllib.request.HTTPSHandler).open(request)`."""
    code = """
import logging
import urllib.request, urllib.parse, urllib.error

log = logging.getLogger(__name__)


def call(request):
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler)
    response = opener.open(request)
    log.info("%s", response.status)
    return response
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-TIMEOUT001", 10)]
