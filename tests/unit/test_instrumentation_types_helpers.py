"""Clients known by their type (the shared resolver), vendor SDK method shapes, helpers followed into
loops, and decorator-registered views (Flask-AppBuilder `@expose`, its logging `@safe`)."""

from __future__ import annotations

from tests.unit.instrumentation_helpers import analyze, only, rules


def test_session_made_by_a_factory_method_and_set_outside_init_is_known_by_its_type() -> None:
    code = """
    import requests

    class Backend:
        def __init__(self):
            self.session = None

        def open(self):
            self.session = self.create_session()

        def create_session(self):
            session = requests.Session()
            session.headers["User-Agent"] = "x/" + session.headers.get("User-Agent", "")
            return session

        def post(self, url, payload):
            return self.session.post(url, json=payload)
    """
    findings = analyze(code)
    timeout = only(findings, "PG-TIMEOUT001")
    assert timeout.start_line == 17 and "self.session.post" in timeout.message
    # `session.headers.get(...)` is a dict read on the session, not a request
    assert all(f.start_line != 13 for f in findings), [(f.rule_id, f.start_line) for f in findings]
    assert only(findings, "PG-OBS003").start_line == 16


def test_annotated_client_parameter_is_known_and_an_untyped_one_stays_unknown() -> None:
    code = """
    import httpx
    import requests

    def typed(client: requests.Session, url):
        return client.get(url)

    def untyped(client, url):
        return client.get(url)

    def async_typed(client: "httpx.AsyncClient | None", url):
        return client.get(url, timeout=None)
    """
    findings = [f for f in analyze(code) if f.rule_id == "PG-TIMEOUT001"]
    assert sorted(f.start_line for f in findings) == [6, 12]


def test_untyped_llm_client_is_recognised_by_its_method_shape_in_a_loop() -> None:
    code = """
    def summarise(client, rows):
        out = []
        for row in rows:
            reply = client.chat.completions.create(model="gpt-4o", messages=[row])
            out.append(reply)
        return out
    """
    finding = only(analyze(code), "PG-LOOP003")
    assert finding.start_line == 5 and "client.chat.completions.create" in finding.message


def test_method_shape_does_not_apply_to_an_object_of_a_known_other_type() -> None:
    code = """
    from myapp.mail import Outbox

    def flush(items):
        box = Outbox()
        for item in items:
            box.messages.create(item)
    """
    assert "PG-LOOP003" not in rules(analyze(code))


def test_google_api_discovery_request_in_a_loop_is_an_http_call_per_item() -> None:
    code = """
    from googleapiclient.discovery import build

    def labels(creds, message_ids):
        service = build("gmail", "v1", credentials=creds)
        out = []
        for message_id in message_ids:
            out.append(service.users().messages().get(userId="me", id=message_id).execute())
        return out
    """
    finding = only(analyze(code), "PG-LOOP002")
    assert finding.start_line == 8 and "service.users().messages().get(...).execute" in finding.message


def test_peewee_query_chain_is_not_a_discovery_request() -> None:
    code = """
    import peewee

    def bump(rows):
        for row in rows:
            counter.update(hits=1).where(id=row).execute()
    """
    assert "PG-LOOP002" not in rules(analyze(code))


def test_loop_calling_a_helper_that_makes_the_request_is_reported_at_the_call_naming_the_helper() -> None:
    code = """
    import requests

    def _send(uri, data):
        return requests.post(uri, data=data, timeout=5)

    def send_one(uri, message):
        return _send(uri, message.encode())

    def send_all(uris, message):
        return [send_one(uri, message) for uri in uris]

    def send_each(uris, message):
        results = []
        for uri in uris:
            results.append(send_one(uri, message))
        return results
    """
    loops = [f for f in analyze(code) if f.rule_id == "PG-LOOP002"]
    assert sorted(f.start_line for f in loops) == [11, 16]
    message = next(f.message for f in loops if f.start_line == 16)
    assert "`send_one(...)` runs inside `for uri in uris`" in message
    assert "requests.post(...)` through `send_one()` → `_send()`" in message


def test_helpers_in_one_file_are_followed_four_calls_deep_not_five() -> None:
    code = """
    import requests

    def a(x):
        return requests.get(x, timeout=3)

    def b(x):
        return a(x)

    def c(x):
        return b(x)

    def d(x):
        return c(x)

    def e(x):
        return d(x)

    def loop(xs):
        for x in xs:
            e(x)
        for x in xs:
            d(x)
    """
    loops = [f for f in analyze(code) if f.rule_id == "PG-LOOP002"]
    assert [f.start_line for f in loops] == [23]


def test_method_helper_making_a_query_marks_the_loop_over_items() -> None:
    code = """
    from app.models import Order

    class Report:
        def _total(self, customer_id):
            return Order.objects.filter(customer_id=customer_id).count()

        def build(self, customers):
            return {c.id: self._total(c.id) for c in customers}
    """
    finding = only(analyze(code), "PG-LOOP001")
    assert finding.start_line == 9 and "`self._total(...)`" in finding.message
    assert "Order.objects.filter" in finding.message


def test_coroutines_made_per_item_and_gathered_are_concurrent_not_a_sequential_loop() -> None:
    code = """
    import asyncio
    import aiohttp

    async def fetch_all(urls):
        tasks = [asyncio.Task(fetch(url)) for url in urls]
        return await asyncio.gather(*tasks)

    async def fetch(url):
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            async with session.get(url) as response:
                return await response.text()

    async def fetch_each(urls):
        return [await fetch(url) for url in urls]
    """
    loops = [f for f in analyze(code) if f.rule_id == "PG-LOOP002"]
    assert [f.start_line for f in loops] == [15]


def test_http_session_get_is_not_an_orm_query() -> None:
    code = """
    import requests

    session = requests.Session()

    def pull(urls):
        for attempt in range(3):
            try:
                return [session.get(u, timeout=5) for u in urls]
            except requests.RequestException:
                continue

    def load(db_session, ids):
        return [db_session.get(User, i) for i in ids]

    def fetch(http_session, urls):
        return [http_session.get(u) for u in urls]
    """
    findings = analyze(code)
    assert [f.start_line for f in findings if f.rule_id == "PG-LOOP001"] == [14]


def test_flask_appbuilder_expose_views_are_handlers_and_safe_logs_for_them() -> None:
    code = """
    from flask_appbuilder import ModelView
    from flask_appbuilder.api import BaseApi, expose, safe
    from flask_appbuilder.security.decorators import has_access

    class UserView(ModelView):
        @expose("/show/<pk>", methods=["GET"])
        @has_access
        def show(self, pk):
            item = self.datamodel.get(pk)
            return self.render_template("show.html", item=item)

    class StatusApi(BaseApi):
        @expose("/status")
        @safe
        def status(self):
            return self.response(200, status="ok")
    """
    ai_policy = {"checks": {"observability": {"require_on": ["handlers", "tasks", "outbound_calls"]}}}
    finding = only(analyze(code, settings=ai_policy), "PG-OBS001")
    assert finding.start_line == 9 and "Flask-AppBuilder /show/<pk>" in finding.message


def test_urlopen_re_exported_by_a_compat_module_is_the_standard_librarys() -> None:
    code = """
    from .compat import Request, urlopen
    from six.moves.urllib.request import urlopen as six_urlopen

    def fetch(url):
        return urlopen(Request(url)).read()

    def fetch_six(url):
        return six_urlopen(url, timeout=5).read()

    def fetch_other(url):
        from .transport import urlopen as local_open
        return local_open(url)
    """
    findings = [f for f in analyze(code) if f.rule_id == "PG-TIMEOUT001"]
    assert [f.start_line for f in findings] == [6]


def test_thin_request_helper_whose_callers_log_is_on_an_instrumented_path() -> None:
    code = """
    import logging
    import requests

    logger = logging.getLogger(__name__)

    class Webhook:
        def _post(self):
            return requests.post(self.url, json=self.payload, timeout=self.timeout)

        def execute(self):
            response = self._post()
            logger.debug("webhook answered %s", response.status_code)
            return response

    class Other:
        def _post(self):
            return requests.post(self.url, timeout=5)

        def run(self):
            return self._post()
    """
    assert [f.start_line for f in analyze(code) if f.rule_id == "PG-OBS003"] == [17]


def test_a_management_commands_console_output_is_its_report() -> None:
    code = """
    import urllib.request
    from django.core.management.base import BaseCommand

    class Command(BaseCommand):
        def handle(self, *args, **options):
            response = urllib.request.urlopen(options["url"], timeout=options["timeout"])
            self.stdout.write(f"{response.status}")

    class Probe:
        def run(self, url):
            response = urllib.request.urlopen(url, timeout=5)
            self.stdout.write(f"{response.status}")
    """
    assert [f.start_line for f in analyze(code) if f.rule_id == "PG-OBS003"] == [11]


def test_requests_oauthlib_sessions_make_requests_that_need_timeouts() -> None:
    code = """
    from requests_oauthlib import OAuth1Session, OAuth2Session

    class Auth:
        def __init__(self, key, secret):
            self.oauth = OAuth1Session(key, client_secret=secret)

        def request_token(self, url):
            return self.oauth.fetch_request_token(url)

    def token(client_id, url, response):
        session = OAuth2Session(client_id)
        return session.fetch_token(url, authorization_response=response, timeout=10)
    """
    assert [f.start_line for f in analyze(code) if f.rule_id == "PG-TIMEOUT001"] == [9]


def test_calls_through_functools_partial_are_calls_of_the_wrapped_function() -> None:
    code = """
    import functools
    import requests

    fetch = functools.partial(requests.get, headers={"Accept": "application/json"})
    fetch_quickly = functools.partial(requests.get, timeout=5)

    def load(urls):
        first = fetch(urls[0])
        rest = [fetch_quickly(url) for url in urls[1:]]
        return first, rest
    """
    findings = analyze(code)
    timeout = only(findings, "PG-TIMEOUT001")
    assert timeout.start_line == 9 and "functools.partial` of line 5" in timeout.message
    assert timeout.suggestion is None
    assert only(findings, "PG-LOOP002").start_line == 10


def test_clients_made_by_a_boto3_session_are_aws_clients() -> None:
    code = """
    import boto3
    from botocore.config import Config

    class Mailer:
        def create_session(self) -> boto3.Session:
            return boto3.Session(profile_name="mail")

        def open(self):
            self.connection = self.create_session().client("ses", config=Config(read_timeout=5))

        def send_all(self, messages):
            for message in messages:
                self.connection.send_raw_email(RawMessage={"Data": message})

    def bucket_names():
        session = boto3.Session()
        return [b.name for b in session.resource("s3").buckets.all()]
    """
    findings = analyze(code)
    assert only(findings, "PG-LOOP003").start_line == 14
    timeout = only(findings, "PG-TIMEOUT002")
    assert timeout.start_line == 18 and "config=botocore.config.Config(" in timeout.message


def test_a_boto3_client_held_by_a_thread_local_behind_a_property_is_an_aws_client() -> None:
    code = """
    from threading import local

    import boto3
    from botocore.client import Config

    class _Connections(local):
        def __init__(self, storage):
            self.session = boto3.session.Session()
            self.s3 = self.session.client("s3", config=Config(connect_timeout=storage.timeout))

    class Storage:
        def setup(self):
            self._connections = _Connections(self)

        @property
        def s3(self):
            return self._connections.s3

        def touch_all(self, keys):
            for key in keys:
                self.s3.copy_object(Bucket="b", Key=key, CopySource={"Bucket": "b", "Key": key})
    """
    loop = only(analyze(code), "PG-LOOP003")
    assert loop.start_line == 22 and "self.s3.copy_object" in loop.message


def test_a_client_subclass_calling_its_base_request_makes_a_request() -> None:
    code = """
    import httpx

    class Client(httpx.Client):
        def request(self, method, path, **kwargs):
            response = super().request(method, path, **kwargs)
            response.raise_for_status()
            return response.json()

    class Other:
        def request(self, method, path):
            return super().request(method, path)
    """
    blind = only(analyze(code), "PG-OBS003")
    # `super()` is typed as the first base: the call is httpx's client request
    assert blind.start_line == 5 and "(calls `httpx`)" in blind.message


def test_a_helper_that_loops_over_items_itself_is_reported_inside_not_again_outside() -> None:
    code = """
    import boto3

    def _write_files(s3, names):
        for name in names:
            s3.put_object(Bucket="b", Key=name, Body=b"")

    def _write_one(s3, name):
        s3.put_object(Bucket="b", Key=name, Body=b"")

    def upload(groups):
        s3 = boto3.client("s3", config=None)
        for folder, names in groups.items():
            _write_files(s3, names)
            _write_one(s3, folder)
    """
    loops = sorted(f.start_line for f in analyze(code) if f.rule_id == "PG-LOOP003")
    assert loops == [6, 15]


def test_a_client_parameter_annotated_with_a_union_of_clients_is_a_client() -> None:
    code = """
    from typing import Union

    from httpx import AsyncClient, Client

    def gen(client: Union[Client, AsyncClient], data):
        return client.post("https://api.example.com", json=data, timeout=None).json()

    def other(client: Union[str, bytes], data):
        return client.split(data)
    """
    timeout = only(analyze(code), "PG-TIMEOUT001")
    assert timeout.start_line == 7 and "timeout=None" in timeout.message


def test_a_method_returning_the_requests_module_makes_its_calls_requests() -> None:
    code = """
    import requests

    class Request:
        def adapter(self):
            return requests

    class GetRequest(Request):
        def run(self, url):
            response = self.adapter().get(url, auth=self.auth)
            response.raise_for_status()
            return response
    """
    timeout = only(analyze(code), "PG-TIMEOUT001")
    assert timeout.start_line == 10 and "requests.get" in timeout.message


def test_a_call_of_a_call_result_does_not_stop_the_analysis() -> None:
    code = """
    import urllib.request

    def factory():
        return lambda url: url

    def fetch(url):
        factory()(url)
        return urllib.request.urlopen(url).read()
    """
    assert only(analyze(code), "PG-TIMEOUT001").start_line == 9
