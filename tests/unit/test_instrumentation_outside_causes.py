"""Causes found on the outside corpus (issue #20), each fixed in general: a client read through a
property or through an attribute of a per-thread holder, a print-only handler that waits and goes on in
a polling loop, Django model classes loaded by name."""

from __future__ import annotations

import ast
import textwrap

from prguard.policies.loader import load_policy

from tests.unit.instrumentation_helpers import analyze, apply_suggestion, only
from tests.unit.resolver_helpers import type_of_expression

_PER_THREAD_SESSION = """
import threading
import requests

class Api:
    def __init__(self):
        self.local = threading.local()

    @property
    def session(self):
        if getattr(self.local, "session", None) is None:
            self.local.session = requests.Session()
        return self.local.session

    def send(self, payload, timeout=None):
        return self.session.post("https://api.example/send", data=payload, timeout=timeout)

    def ping(self):
        return self.session.get("https://api.example/ping")
"""


def test_attribute_of_a_holder_of_unknown_type_is_typed_by_its_assignments() -> None:
    code = _PER_THREAD_SESSION + "\n    def peek(self):\n        self.local.session\n"
    assert type_of_expression(code, "self.local.session") == "requests.Session"


def test_property_is_typed_by_what_it_returns() -> None:
    code = _PER_THREAD_SESSION + "\n    def peek(self):\n        self.session\n"
    assert type_of_expression(code, "self.session") == "requests.Session"
    # a plain method is not a property: `self.make` is the bound method, not its result
    plain = """
    import requests

    class Api:
        def make(self):
            return requests.Session()

        def peek(self):
            self.make
    """
    assert type_of_expression(plain, "self.make") is None


def test_client_read_through_a_property_gets_timeout_and_observability_findings() -> None:
    findings = analyze(_PER_THREAD_SESSION)
    timeout = only(findings, "PG-TIMEOUT001")
    assert timeout.start_line == 19 and "self.session.get" in timeout.message
    assert sorted(f.start_line for f in findings if f.rule_id == "PG-OBS003") == [15, 18]


_POLL = """
import logging
import time
import traceback

logger = logging.getLogger(__name__)

def follow(client, handle):
    while True:
        try:
            events = client.get_events()
        except Exception:
            print(f"Unexpected error:\\n{traceback.format_exc()}")
            time.sleep(1)
            continue
        for event in events:
            handle(event)
"""


def test_print_and_wait_then_continue_in_a_polling_loop_swallows_the_error() -> None:
    findings = analyze(_POLL)
    swallowed = only(findings, "PG-ERR001")
    assert swallowed.start_line == 12 and "continue" in swallowed.message
    assert swallowed.suggestion is not None
    fixed = apply_suggestion(_POLL, swallowed)
    assert "logger.exception(" in fixed and "print(" in fixed
    assert "time.sleep(1)" in fixed and "continue" in fixed
    ast.parse(textwrap.dedent(fixed))


def test_wait_in_a_bounded_retry_loop_or_with_a_log_is_not_swallowing() -> None:
    retry = """
    import time

    def fetch(client):
        for attempt in range(3):
            try:
                return client.get_events()
            except Exception:
                time.sleep(2 ** attempt)
                continue
        raise RuntimeError("no events")
    """
    assert not [f for f in analyze(retry) if f.rule_id.startswith("PG-ERR")]
    logged = _POLL.replace("print(", "logger.exception(")
    assert not [f for f in analyze(logged) if f.rule_id.startswith("PG-ERR")]


def test_model_class_loaded_by_name_makes_model_instances() -> None:
    code = """
    from django.contrib.auth import get_user_model
    from swapper import load_model

    def peek():
        Notification = load_model("notifications", "Notification")
        Notification(verb="x")
        User = get_user_model()
        User.objects.filter(is_active=True)
    """
    assert type_of_expression(code, "Notification(verb='x')") == "django.db.models.Model"
    assert (
        type_of_expression(code, "User.objects.filter(is_active=True)")
        == "django.db.models.QuerySet[django.db.models.Model]"
    )


def test_save_per_item_of_a_model_loaded_by_name_is_a_query_per_item() -> None:
    code = """
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from swapper import load_model

    def notify(recipients, verb):
        Notification = load_model("notifications", "Notification")
        for recipient in recipients:
            note = Notification(recipient=recipient, verb=verb)
            note.save()

    def deactivate():
        User = get_user_model()
        for user in User.objects.filter(is_active=True):
            user.is_active = False
            user.save()

    def touch(rows):
        Entry = apps.get_model("blog", "Entry")
        entries = [Entry(**row) for row in rows]
        Entry.objects.bulk_create(entries)
    """
    loops = sorted(f.start_line for f in analyze(code) if f.rule_id == "PG-LOOP001")
    assert loops == [10, 16]


def test_command_line_helper_that_prints_and_exits_on_failure_needs_no_log() -> None:
    code = """
    import sys
    import requests

    def board_id(options):
        response = requests.get(options.url, params={"key": options.key}, timeout=10)
        if response.status_code != 200:
            print("Error: cannot read the board")
            sys.exit(1)
        return response.json()["id"]

    def webhook(options):
        response = requests.post(options.url, data={"key": options.key}, timeout=10)
        if response.status_code != 200:
            raise SystemExit(2)
        return response.json()["id"]

    def fetch(options):
        response = requests.get(options.url, timeout=10)
        print(response.status_code)
        return response.json()
    """
    # prints and exits: command-line code; exits without a word, or prints without exiting: reported
    assert sorted(f.start_line for f in analyze(code) if f.rule_id == "PG-OBS003") == [12, 18]


_MOUNTED = """
import requests
from requests.adapters import HTTPAdapter

class TimeoutHTTPAdapter(HTTPAdapter):
    def __init__(self, *args, timeout=5, **kwargs):
        self.timeout = timeout
        super().__init__(*args, **kwargs)

class Api:
    def __init__(self):
        self.client = self.make()

    @property
    def session(self):
        s = requests.Session()
        s.mount("https://", ADAPTER)
        return s

    def make(self):
        s = requests.Session()
        s.mount("https://", ADAPTER)
        return s

    def ping(self):
        return self.session.get("https://api.example/ping")

    def pong(self):
        return self.client.get("https://api.example/pong")
"""


def test_session_from_a_factory_or_property_keeps_the_timeout_its_mounted_adapter_gives() -> None:
    with_timeout = analyze(_MOUNTED.replace("ADAPTER", "TimeoutHTTPAdapter(timeout=5)"))
    assert not [f for f in with_timeout if f.rule_id == "PG-TIMEOUT001"]
    retries_only = analyze(_MOUNTED.replace("ADAPTER", "HTTPAdapter(max_retries=3)"))
    assert sorted(f.start_line for f in retries_only if f.rule_id == "PG-TIMEOUT001") == [26, 29]


def test_a_django_field_lookup_makes_a_chain_a_query_whatever_its_receiver() -> None:
    code = """
    def prune(history, rows, stop):
        for row in rows:
            history.filter(history_date__lte=stop).first()
            history.filter(history_date__lte=stop)
            history.filter(name="x").first()
            row.items.exclude(state__in=("a", "b")).count()

    def oldest(history, stop):
        return history.filter(history_date__lte=stop).first()

    def each(histories, stop):
        for history in histories:
            oldest(history, stop)
    """
    loops = sorted(f.start_line for f in analyze(code) if f.rule_id == "PG-LOOP001")
    # the lazy `filter(...)` alone runs nothing; `filter(name=...)` has no lookup to go by
    assert loops == [4, 7, 14]


def test_a_callable_chosen_by_a_conditional_is_any_of_its_choices() -> None:
    """`get = session.get if session else requests.get; get(url)` runs requests.get when no session
    is given: the request has no timeout either way the caller cannot tell (one value is enough)."""
    code = """
import requests

def fetch(url, session=None):
    get = session.get if session else requests.get
    return get(url).json()

def fetch_or(url, session=None):
    session = session or requests.Session()
    return session.get(url).json()

def fetch_timed(url, session=None):
    get = session.get if session else requests.get
    return get(url, timeout=5).json()
"""
    found = [(f.rule_id, f.start_line) for f in analyze(code) if f.rule_id == "PG-TIMEOUT001"]
    assert found == [("PG-TIMEOUT001", 6), ("PG-TIMEOUT001", 10)]


def test_a_bound_method_of_a_typed_client_kept_in_a_name_is_a_request() -> None:
    """`requests_method = self.session.get` then `requests_method(url)`: the name holds a session's
    request method, so the function makes a request (and a loop over it is a request per item)."""
    code = """
import requests

class Client:
    def __init__(self, session=None):
        self.session = session or requests.Session()

    def _request(self, url, post_json=None):
        requests_method = self.session.get
        if post_json is not None:
            requests_method = self.session.post
        return requests_method(url, timeout=5).json()

    def _shape(self, url):
        method = self.session.headers.get
        return method(url)
"""
    findings = analyze(code)
    assert [(f.rule_id, f.start_line) for f in findings if f.rule_id == "PG-OBS003"] == [("PG-OBS003", 8)]


def test_a_helper_that_builds_a_request_argument_does_not_instrument_the_request() -> None:
    """`timeout=self.get_timeout()`: the helper runs before the request, so its log line (a bad
    setting) records nothing about how the request went; a helper given the response does."""
    code = """
import logging
import requests

log = logging.getLogger(__name__)

class Api:
    def get_timeout(self):
        try:
            return float(self.raw_timeout)
        except ValueError:
            log.error("bad timeout %r", self.raw_timeout)
        return 10

    def check(self, response):
        log.info("status %s", response.status_code)
        return response

    def get_data(self, url):
        return requests.get(url, timeout=self.get_timeout()).json()

    def get_checked(self, url):
        return self.check(requests.get(url, timeout=self.get_timeout()))
"""
    findings = analyze(code)
    assert [(f.rule_id, f.start_line) for f in findings if f.rule_id == "PG-OBS003"] == [("PG-OBS003", 19)]


_SESSION_SUBCLASS = """
import logging
from requests import Session

log = logging.getLogger(__name__)
TIMEOUT = 30

class ApiSession(Session):
    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        response = super().request(method, url, **kwargs)
        LOG_LINE
        return response

class Pager(ApiSession):
    def iter_all(self, url):
        offset = 0
        while True:
            page = self.get(url, params={"offset": offset}).json()
            if not page["more"]:
                return
            offset += len(page["items"])
"""


def test_a_session_subclass_whose_request_override_sets_a_timeout_and_logs_covers_its_calls() -> None:
    """`self.get(...)` on a subclass of `requests.Session`: every request goes through the class's
    `request` override, so the timeout and the log line it adds hold for the call."""
    logged = analyze(_SESSION_SUBCLASS.replace("LOG_LINE", 'log.debug("%s %s", method, url)'))
    assert not [f for f in logged if f.rule_id in ("PG-TIMEOUT001", "PG-OBS003")]
    silent = analyze(_SESSION_SUBCLASS.replace("LOG_LINE", "pass"))
    assert not [f for f in silent if f.rule_id == "PG-TIMEOUT001"]
    # both the override (its `super().request` is the request) and the pager that uses it log nothing
    assert [(f.rule_id, f.start_line) for f in silent if f.rule_id == "PG-OBS003"] == [
        ("PG-OBS003", 9),
        ("PG-OBS003", 16),
    ]


def test_a_function_made_a_task_by_calling_the_decorator_is_a_task() -> None:
    """`add_attempt = shared_task(add_attempt)` (often under a setting) registers the function as a
    Celery task just as `@shared_task` does."""
    code = """
from celery import shared_task

from .data import store_attempt


def add_attempt(user, ip):
    store_attempt(user, ip)


def plain(user, ip):
    store_attempt(user, ip)


if USE_CELERY:
    add_attempt = shared_task(add_attempt)
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-OBS002", 7)]


def test_a_loop_over_configured_entries_is_not_a_loop_over_data() -> None:
    """A loop over `settings.X` (or a list made from it) runs once per configured entry: a number the
    operator sets, not a per-row N+1. A loop over rows still is."""
    code = """
from django.conf import settings

from .models import JobLog


def check_jobs():
    jobs = [load(path) for path in settings.JOB_CLASSES]
    for job in jobs:
        JobLog.objects.filter(code=job.code).count()
    for alias, options in getattr(settings, "DATABASES", {}).items():
        JobLog.objects.using(alias).count()


def check_rows(rows):
    for row in rows:
        JobLog.objects.filter(code=row.code).count()


def check_servers(shuffle):
    if shuffle:
        servers = list(settings.SERVERS)[:]
    else:
        servers = settings.SERVERS
    for server in servers:
        JobLog.objects.filter(code=server).count()
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code) if f.rule_id == "PG-LOOP001"] == [
        ("PG-LOOP001", 17)
    ]


def test_a_caller_that_logs_before_calling_a_request_helper_does_not_record_its_outcome() -> None:
    """A thin request helper counts as instrumented by its callers only when they log after the
    call (what it gave); a warning logged before the call says nothing about the request."""
    code = """
import logging
import requests

log = logging.getLogger(__name__)

def _token(url):
    return requests.post(url, timeout=5).json()

def authorize(url, legacy):
    if legacy:
        log.warning("legacy flow")
    return _token(url)

def refresh(url):
    token = _token(url)
    log.info("refreshed")
    return token
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code) if f.rule_id == "PG-OBS003"] == [
        ("PG-OBS003", 7)
    ]
    after = code.replace(
        '        log.warning("legacy flow")\n    return _token(url)',
        '        pass\n    t = _token(url)\n    log.info("ok")\n    return t',
    )
    assert not [f for f in analyze(after) if f.rule_id == "PG-OBS003"]


def test_a_method_of_a_local_class_called_on_an_instance_is_followed() -> None:
    """`api = Api(); for x in items: api.fetch(x)` and a comprehension over instances made in a list:
    the instance's class is of this file, so its method is the helper the loop calls per item."""
    code = """
import logging
import requests

log = logging.getLogger(__name__)

class Api:
    def fetch(self, x):
        response = requests.get("https://api.example/" + x, timeout=5)
        log.info("fetched %s", x)
        return response.json()

def run(items):
    api = Api()
    for x in items:
        api.fetch(x)

def whoami_all(tokens):
    apis = [Api() for token in tokens]
    return [a.fetch("me") for a in apis]
"""
    loops = [(f.rule_id, f.start_line) for f in analyze(code) if f.rule_id == "PG-LOOP002"]
    assert loops == [("PG-LOOP002", 16), ("PG-LOOP002", 20)]


def test_rows_of_a_models_own_manager_in_a_classmethod_are_rows() -> None:
    """`cls.objects.all()` in a classmethod of a model: `cls` is the model class, so deleting each
    row is a query per row."""
    code = """
from django.db import models

class Ticket(models.Model):
    @classmethod
    def clean(cls):
        for t in cls.objects.all():
            if t.expired:
                t.delete()

    def check(cls):
        for t in cls.objects.all():
            t.delete()
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-LOOP001", 9)]


def test_a_twiml_document_is_not_a_paid_client() -> None:
    """TwiML's `VoiceResponse().reject()` writes XML for the reply; a twilio REST client's call bills."""
    code = """
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

def reply():
    r = VoiceResponse()
    r.reject()
    return str(r)

def text_all(numbers):
    client = Client()
    for n in numbers:
        client.messages.create(to=n, from_="+100", body="hi")
"""
    found = [(f.rule_id, f.start_line) for f in analyze(code) if f.rule_id != "PG-TIMEOUT001"]
    assert ("PG-LOOP003", 13) in found
    assert not [line for _, line in found if line <= 8]


def test_a_parameter_every_call_fills_from_settings_is_configuration() -> None:
    """`_check_databases(watchman_settings.DATABASES)` is the only call: the loop over the
    parameter runs once per configured database; another call passing rows makes it data."""
    code = """
from django.db import connections

from watchman import settings as watchman_settings


def _check_database(alias):
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_databases(databases):
    return [_check_database(alias) for alias in sorted(databases)]


def databases():
    return {"databases": _check_databases(watchman_settings.WATCHMAN_DATABASES)}
"""
    assert not [f for f in analyze(code) if f.rule_id == "PG-LOOP001"]
    mixed = code + "\n\ndef every(rows):\n    return _check_databases(rows)\n"
    assert [f.start_line for f in analyze(mixed) if f.rule_id == "PG-LOOP001"] == [13]


def test_a_session_method_taken_by_name_is_a_request() -> None:
    """`getattr(self.session, method)(url, ...)`: one of the session's methods, chosen at run time;
    whichever it is, it makes a request."""
    code = """
import requests

class Hunter:
    def __init__(self, session=None):
        self.session = session or requests.Session()

    def query(self, url, method="get"):
        return getattr(self.session, method)(url, timeout=10).json()

    def label(self, name):
        return getattr(self, name)()
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-OBS003", 8)]


def test_a_connection_class_chosen_by_a_property_opens_a_connection() -> None:
    """`self.connection_class(host, port)` where the property returns `smtplib.SMTP_SSL` or
    `smtplib.SMTP`: opening it connects to the mail server, an outbound call."""
    code = """
import smtplib

class Backend:
    def __init__(self, host, use_ssl=False):
        self.host = host
        self.use_ssl = use_ssl

    @property
    def connection_class(self):
        return smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP

    @property
    def label(self):
        return "smtp"

    def open(self):
        self.connection = self.connection_class(self.host, 25, timeout=10)
        return True

    def name(self):
        return self.label.upper()
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-OBS003", 17)]


def test_compatibility_imports_and_module_aliases_name_the_python_3_function() -> None:
    """`import urllib.request as url_request` (`urllib2` in the fallback branch) then
    `urlopen = url_request.urlopen`: `urlopen(url)` is urllib.request's, with no timeout."""
    code = """
import sys
if sys.version_info[0] >= 3:
    import urllib.request as url_request
else:
    import urllib2 as url_request

urlopen = url_request.urlopen


def fetch(url):
    return urlopen(url).read()
"""
    assert sorted((f.rule_id, f.start_line) for f in analyze(code)) == [
        ("PG-OBS003", 11),
        ("PG-TIMEOUT001", 12),
    ]


def test_a_loop_over_page_numbers_is_a_loop_over_batches() -> None:
    code = """
import requests


def search(url, total, per_page=100):
    rows = []
    for page in range(1, total // per_page + 1):
        rows += requests.get(url, params={"page": page}, timeout=5).json()
    return rows


def each(url, ids):
    for i in range(1, len(ids) + 1):
        requests.get(url, params={"id": ids[i - 1]}, timeout=5)


def remaining(url, first, params):
    pages = (first["total"] - 1) // first["per_page"]
    start = first["per_page"]
    for _ in range(pages):
        params["startIndex"] = str(start)
        first["items"] += requests.get(url, params=params, timeout=5).json()
        start += first["per_page"]
"""
    loops = [f.start_line for f in analyze(code) if f.rule_id == "PG-LOOP002"]
    assert loops == [14]  # nvdlib's `pages = (total - 1) // per_page` is a page count too


def test_a_queue_drained_while_its_length_is_positive_is_a_loop_per_item() -> None:
    """`while len(backlog) > 0: payload = backlog.popleft()` takes one item per pass, like
    `while backlog:`; a request per pass is a request per item."""
    code = """
import requests

def resend(backlog, url):
    while len(backlog) > 0:
        payload = backlog.popleft()
        requests.post(url, json=payload, timeout=5)

def poll(url, state):
    while len(state) > 0:
        requests.get(url, timeout=5)
        state.clear()
"""
    assert [f.start_line for f in analyze(code) if f.rule_id == "PG-LOOP002"] == [7]


def test_a_request_function_taken_by_name_from_requests_and_called_at_once() -> None:
    """`getattr(requests, method)(url, ...)` in a function: a request, whichever method."""
    code = """
import requests

class Client:
    def _req(self, url, method="get"):
        return getattr(requests, method)(url, timeout=self.timeout)
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-OBS003", 5)]


def test_a_helper_the_views_call_is_not_a_view() -> None:
    """`respond(request, 201)` in views.py, called by the views themselves: the URL resolver never
    calls it, so it is no Django view (the views that call it still are)."""
    code = """
from django.http import HttpResponse, HttpResponseRedirect


def respond(request, code):
    target = request.GET.get("next")
    if target:
        return HttpResponseRedirect(target)
    return HttpResponse(status=code)


def follow(request, pk):
    return respond(request, 201)
"""
    settings = load_policy().for_change(ai_authored=True).analyzer("instrumentation")
    found = [(f.rule_id, f.start_line) for f in analyze(code, path="shop/views.py", settings=settings)]
    assert found == [("PG-OBS001", 12)]


def test_a_session_kept_on_the_instances_class_is_known() -> None:
    """`self.__class__._session = requests.Session()` (shared by every instance) then
    `self.__class__._session.request(...)` without a timeout."""
    code = """
import logging
import requests

log = logging.getLogger(__name__)

class Api:
    _session = None

    def __init__(self, session=None):
        if self.__class__._session is None or session is not None:
            self.__class__._session = requests.Session() if session is None else session

    def call(self, method, url):
        response = self.__class__._session.request(method, url)
        log.info("%s %s", method, response.status_code)
        return response
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-TIMEOUT001", 15)]


def test_a_client_of_a_fallback_import_is_known() -> None:
    """gidgethub: `import httpx2 as httpx`, falling back to `import httpx`, then a request
    through the `httpx.AsyncClient` the constructor is given."""
    code = """
try:
    import httpx2 as httpx
except ModuleNotFoundError:
    import httpx


class GitHubAPI:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def _request(self, method, url, body=b""):
        response = await self._client.request(method, url, content=body)
        return response.status_code
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-OBS003", 12)]


def test_a_generator_yielding_from_a_small_literal_gives_few_items() -> None:
    """whoisit: `for url in self._bootstrap(): ... gen.send(response)`, the generator yielding the
    five URLs of a class attribute's dict literal; a generator yielding rows is a loop over data."""
    code = """
import requests


class Bootstrap:
    URLS = {"asn": "https://x.example/asn.json", "dns": "https://x.example/dns.json"}

    def _urls(self):
        for name, url in self.URLS.items():
            response = yield url
            yield

    def _rows(self, table):
        for row in table.fetchall():
            yield row["url"]

    def bootstrap(self):
        gen = self._urls()
        for url in gen:
            gen.send(requests.get(url, timeout=5))

    def refresh(self, table):
        for url in self._rows(table):
            requests.get(url, timeout=5)
"""
    loops = [f.start_line for f in analyze(code) if f.rule_id == "PG-LOOP002"]
    assert loops == [24]


def test_a_counting_while_loop_that_turns_pages_is_pagination() -> None:
    """StackAPI: `while run_cnt <= self.max_pages: run_cnt += 1; ... params["page"] += 1`, one
    request per page of results; a counting loop sending one item per pass is per item."""
    code = """
import requests


def fetch(url, params, max_pages):
    run_cnt = 1
    while run_cnt <= max_pages:
        run_cnt += 1
        items = requests.get(url, params=params, timeout=5).json()
        params["page"] += 1


def send_each(url, rows):
    n = 0
    while n < len(rows):
        requests.post(url, json=rows[n], timeout=5)
        n += 1
"""
    loops = [f.start_line for f in analyze(code) if f.rule_id == "PG-LOOP002"]
    assert loops == [16]


def test_a_while_loop_eating_its_input_item_by_item_is_per_item() -> None:
    """google_images_download: `while count < limit + 1: item, end = next_item(page); ...;
    page = page[end:]` downloads one image per item parsed off the page."""
    code = """
import requests


def download_all(page, limit):
    count = 1
    while count < limit + 1:
        item, end = next_item(page)
        if item == "no_links":
            break
        requests.get(item, timeout=5)
        if item:
            count += 1
        page = page[end:]


def poll(url, limit):
    count = 0
    while count < limit:
        if requests.get(url, timeout=5).ok:
            count += 1


def flush(url, buf, size):
    while buf:
        batch = buf[:size]
        requests.post(url, json=batch, timeout=5)
        buf = buf[size:]
"""
    loops = [f.start_line for f in analyze(code) if f.rule_id == "PG-LOOP002"]
    assert loops == [11]  # mixpanel's `flush` sends a batch per pass


def test_settings_read_by_name_or_imported_from_a_settings_module_are_configuration() -> None:
    """django-telegram-notifier: `chat_ids: list[str] = get_setting("CHAT_IDS")`, then a message per
    chat; django-amazon-translate: `for lang in AVAILABLE_LANGUAGES` imported from
    `modeltranslation.settings`. A list a caller passes is data."""
    code = """
import logging
import os

import requests
from modeltranslation.settings import AVAILABLE_LANGUAGES

log = logging.getLogger(__name__)


def notify(url, message):
    chat_ids: list[str] = get_setting("CHAT_IDS")
    for chat_id in chat_ids:
        requests.post(url, data={"chat_id": chat_id, "text": message}, timeout=3)
    for host in os.getenv("HOSTS", "").split(","):
        requests.post(host, data={"text": message}, timeout=3)
    for lang in AVAILABLE_LANGUAGES:
        requests.post(url, data={"lang": lang, "text": message}, timeout=3)
    log.info("sent")


def notify_all(url, chat_ids, message):
    for chat_id in chat_ids:
        requests.post(url, data={"chat_id": chat_id, "text": message}, timeout=3)
    log.info("sent")
"""
    loops = [f.start_line for f in analyze(code) if f.rule_id == "PG-LOOP002"]
    assert loops == [24]


def test_a_thin_helper_is_covered_two_callers_up() -> None:
    """django-telegram-notifier: `_post()` is called by `notify()` (which logs after it) and by
    `_send_document()`, whose only caller `notify()` logs after calling it."""
    code = """
import logging

import httpx

log = logging.getLogger(__name__)


def notify(url, message, document=None):
    if document:
        _send_document(url, document)
    else:
        _post(url, data={"text": message})
    log.info("notification sent")


def _send_document(url, document):
    _post(url, data={"document": document})


def _post(url, *, data):
    with httpx.Client() as client:
        client.post(url, data=data, timeout=3)
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == []
