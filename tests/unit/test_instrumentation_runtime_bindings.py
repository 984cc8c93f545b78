"""Clients bound at run time (issue #20): a module global a setup function rebinds to a library, and a
session attribute that holds either a `requests` or an `aiohttp` session."""

from __future__ import annotations

from tests.unit.instrumentation_helpers import analyze

_GLOBAL_CLIENT = """
http_client = None

class Captcha:
    VERIFY_URL = "https://captcha.example/verify"

    def __init__(self, app=None):
        import requests
        global http_client
        http_client = requests

    def init_app(self, app):
        global http_client
        if app.config.get("ASYNC"):
            import aiohttp
            http_client = aiohttp

    def verify_sync(self, token):
        r = http_client.post(self.VERIFY_URL, data={"response": token})
        return r.status_code == 200

    async def verify_async(self, token):
        async with http_client.ClientSession() as session:
            async with session.post(self.VERIFY_URL, data={"response": token}) as resp:
                return resp.status == 200
"""


def _found(code: str) -> set[tuple[str, int]]:
    return {(f.rule_id, f.start_line) for f in analyze(code)}


def test_a_global_rebound_to_a_library_in_a_function_is_that_library() -> None:
    found = _found(_GLOBAL_CLIENT)
    assert ("PG-TIMEOUT001", 19) in found  # http_client.post: requests.post without a timeout
    assert ("PG-TIMEOUT002", 23) in found  # http_client.ClientSession(): aiohttp's default timeout
    assert ("PG-OBS003", 18) in found and ("PG-OBS003", 22) in found


def test_a_global_only_ever_none_or_bound_to_something_else_says_nothing() -> None:
    code = _GLOBAL_CLIENT.replace("http_client = requests", "http_client = object()").replace(
        "http_client = aiohttp", "http_client = object()"
    )
    assert not {rule for rule, _ in _found(code)} & {"PG-TIMEOUT001", "PG-TIMEOUT002"}


def test_a_rebinding_without_a_global_statement_is_a_local_name() -> None:
    code = _GLOBAL_CLIENT.replace("        global http_client\n", "")
    assert not {rule for rule, _ in _found(code)} & {"PG-TIMEOUT001", "PG-TIMEOUT002"}


_EITHER_SESSION = """
import aiohttp
import requests

class Webhook:
    def __init__(self, url, is_async=False):
        self.url = url
        if is_async:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        else:
            self.session = requests.Session()

    def send(self, payload):
        return self.session.post(self.url, json=payload)

    async def send_async(self, payload):
        return await self.session.post(self.url, json=payload)
"""


def test_an_awaited_call_is_not_made_on_the_requests_session() -> None:
    timeouts = {line for rule, line in _found(_EITHER_SESSION) if rule == "PG-TIMEOUT001"}
    assert timeouts == {14}  # the sync send only: the awaited post runs on the aiohttp session


def test_a_module_imported_by_name_at_run_time_and_kept_on_self_is_that_module() -> None:
    code = """
    import importlib
    import json

    class Resource:
        def __init__(self):
            self.httplib = importlib.import_module("http.client")

        def connect(self, method, url, options, body=None):
            connection = self.httplib.HTTPSConnection(options["base_url"])
            connection.request(method, url, json.dumps(body))
            return connection.getresponse()
    """
    assert _found(code) == {("PG-TIMEOUT001", 10), ("PG-OBS003", 9)}


def test_a_partial_passed_in_keeps_the_timeout_it_binds() -> None:
    code = """
    import functools
    import logging

    import requests

    log = logging.getLogger(__name__)

    class Hook:
        def retry(self, response, request):
            while response.status_code == 429:
                log.warning("rate limited")
                response = request()
            return response

        def edit(self, url):
            log.info("editing")
            send = functools.partial(requests.patch, url, timeout=10)
            return self.retry(send(), send)
    """
    assert not {rule for rule, _ in _found(code)} & {"PG-TIMEOUT001"}


def test_an_http_client_connection_calls_out_on_its_request_not_where_it_is_made() -> None:
    code = """
    import http.client
    import json

    class BaseClient:
        def __init__(self, host, timeout=None):
            self.__conn = http.client.HTTPSConnection(host, 443, timeout=timeout or 30)

        def make_request(self, method, path, body):
            self.__conn.request(method, path, json.dumps(body))
            return self.__conn.getresponse()
    """
    assert _found(code) == {("PG-OBS003", 9)}


def test_a_connection_given_its_timeout_attribute_and_passed_to_a_helper() -> None:
    code = """
    import http.client

    class Client:
        def __init__(self, host, timeout=30):
            self.host, self.timeout = host, timeout

        def _connect(self, plain=False):
            if plain:
                conn = http.client.HTTPConnection(self.host, 80)
            else:
                conn = http.client.HTTPSConnection(self.host, 443)
            conn.timeout = self.timeout
            return conn

        def _untimed(self):
            return http.client.HTTPSConnection(self.host, 443)

        def _attempt(self, conn, method, uri):
            conn.request(method, uri)
            return conn.getresponse()

        def call(self, method, uri):
            return self._attempt(self._connect(), method, uri)
    """
    assert _found(code) == {("PG-TIMEOUT001", 17), ("PG-OBS003", 19)}


def test_a_method_of_a_boto3_sub_resource_is_an_aws_call() -> None:
    code = """
    import boto3
    import botocore.config

    class Bucket:
        def __init__(self, name):
            self.name = name
            self._s3 = boto3.resource("s3", config=botocore.config.Config(connect_timeout=5, read_timeout=30))

        def __contains__(self, key):
            try:
                self._s3.Object(self.name, key).load()
                return True
            except botocore.exceptions.ClientError:
                return False

        def handle(self, key):
            return self._s3.Object(self.name, key)

        def upload(self, fileobj, key):
            bucket = self._s3.Bucket(self.name)
            bucket.upload_fileobj(fileobj, key)
    """
    assert _found(code) == {("PG-OBS003", 10), ("PG-OBS003", 20)}


def test_a_request_method_picked_from_a_table_of_session_methods_needs_a_timeout() -> None:
    code = """
    import functools
    import logging

    import requests

    log = logging.getLogger(__name__)

    class Api:
        def __init__(self):
            self.rsession = requests.Session()

        def request(self, method, url, files=None):
            methods = {
                "GET": self.rsession.get,
                "POST": functools.partial(self.rsession.post, files=files),
            }
            requester = methods[method.upper()]
            raw = requester(url)
            log.info("%s %s: %s", method, url, raw.status_code)
            return raw
    """
    assert ("PG-TIMEOUT001", 19) in _found(code)
