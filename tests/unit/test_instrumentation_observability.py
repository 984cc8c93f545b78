"""PG-OBS001/002/003 observability blind spots and PG-RETRY001 missing retries."""

from __future__ import annotations

from prguard.policies.loader import load_policy

from tests.unit.instrumentation_helpers import analyze, only, rules

AI = load_policy().for_change(True).analyzer("instrumentation")
HUMAN = load_policy().analyzer("instrumentation")


def _obs(code: str, *, settings=None, path: str = "svc/app.py") -> list:
    return [f for f in analyze(code, settings=settings, path=path) if f.rule_id.startswith("PG-OBS")]


def test_celery_task_without_instrumentation_anchors_on_def_with_function_range() -> None:
    code = """
    from celery import shared_task

    from billing.models import Invoice

    @shared_task(bind=True, acks_late=True)
    def close_invoice(self, invoice_id):
        invoice = Invoice.objects.get(pk=invoice_id)
        invoice.close()
        return invoice.pk
    """
    finding = only(_obs(code), "PG-OBS002")
    assert (finding.start_line, finding.end_line, finding.relevant_lines) == (7, 7, (6, 10))
    assert "`close_invoice()` (Celery task)" in finding.message and finding.severity == "low"


def test_tasks_that_log_directly_through_a_helper_metric_or_span_are_fine() -> None:
    code = """
    import logging

    from celery import Celery
    from celery.utils.log import get_task_logger
    from opentelemetry import trace
    from prometheus_client import Counter

    app = Celery("jobs")
    task_log = get_task_logger(__name__)
    audit = logging.getLogger("audit")
    tracer = trace.get_tracer(__name__)
    PROCESSED = Counter("jobs_processed_total", "Jobs processed", ["kind"])

    def _record(event, **fields):
        audit.info(event, extra=fields)

    @app.task
    def a(x):
        task_log.info("a %s", x)

    @app.task
    def b(x):
        _record("b.done", x=x)

    @app.task(name="jobs.c")
    def c(x):
        PROCESSED.labels(kind="c").inc()

    @app.task
    def d(x):
        with tracer.start_as_current_span("d"):
            return x * 2

    @app.task
    @tracer.start_as_current_span("e")
    def e(x):
        return x

    class Reporter:
        def __init__(self):
            import sentry_sdk

            self.sentry_sdk = sentry_sdk

        @app.task
        def f(self, exc):
            self.sentry_sdk.capture_exception(exc)
    """
    assert _obs(code) == []


def test_org_instrumentation_names_from_policy() -> None:
    code = """
    from acme_obs import track
    from dramatiq import actor

    @actor(max_retries=3)
    def reindex(doc_id):
        track("reindex", doc_id=doc_id)
    """
    assert rules(_obs(code)) == ["PG-OBS002"]
    assert _obs(code, settings={"instrumentation_names": ["acme_obs.track"]}) == []


def test_rq_job_and_invoke_task() -> None:
    code = """
    from invoke import task
    from rq.decorators import job

    @job("default", connection=redis_conn)
    def resize(image_id):
        return image_id

    @task
    def build(c):
        c.run("make")
    """
    finding = only(_obs(code), "PG-OBS002")
    assert finding.start_line == 6 and "RQ task" in finding.message


def test_outbound_call_function_without_logging() -> None:
    code = """
    import logging
    import requests

    logger = logging.getLogger(__name__)

    def fetch_rates(base):
        return requests.get("https://rates.example/latest", params={"base": base}, timeout=5).json()

    def fetch_logged(base):
        resp = requests.get("https://rates.example/latest", params={"base": base}, timeout=5)
        logger.info("rates fetched", extra={"status": resp.status_code})
        return resp.json()
    """
    finding = only(_obs(code), "PG-OBS003")
    assert finding.start_line == 7 and "requests.get" in finding.message


FLASK = """
import logging

from flask import Blueprint, jsonify, request

bp = Blueprint("orders", __name__)
log = logging.getLogger(__name__)


def _audit(action, **fields):
    log.info(action, extra=fields)


@bp.route("/orders", methods=["POST"])
def create_order():
    order = save(request.get_json())
    return jsonify(order), 201


@bp.get("/orders/<int:order_id>")
def get_order(order_id):
    _audit("order.read", order_id=order_id)
    return jsonify(load(order_id))
"""


def test_handlers_are_required_only_for_ai_authored_changes() -> None:
    assert _obs(FLASK, settings=HUMAN) == []
    finding = only(_obs(FLASK, settings=AI), "PG-OBS001")
    assert finding.start_line == 15 and "`route /orders`" in finding.message
    assert finding.relevant_lines == (14, 17)


def test_fastapi_starlette_and_request_hooks() -> None:
    fastapi = """
    from fastapi import APIRouter
    from starlette.routing import Route

    router = APIRouter()

    @router.post("/items")
    async def create_item(item: dict):
        return item

    async def homepage(request):
        return {"ok": True}

    routes = [Route("/", homepage)]
    """
    findings = _obs(fastapi, settings=AI)
    assert [(f.rule_id, f.start_line) for f in findings] == [("PG-OBS001", 8), ("PG-OBS001", 11)]

    hooked = """
    import logging
    from flask import Flask, g

    app = Flask(__name__)
    logger = logging.getLogger(__name__)

    @app.after_request
    def log_request(response):
        logger.info("request done", extra={"status": response.status_code})
        return response

    @app.get("/ping")
    def ping():
        return "pong"
    """
    assert _obs(hooked, settings=AI) == []


def test_django_views_and_drf_viewsets() -> None:
    code = """
    import logging

    from django.http import JsonResponse
    from rest_framework import viewsets
    from rest_framework.decorators import action

    logger = logging.getLogger(__name__)

    def dashboard(request):
        return JsonResponse({"ok": True})

    def _helper(request):
        return None

    class OrderViewSet(viewsets.ModelViewSet):
        def create(self, request):
            return super().create(request)

        @action(detail=True, methods=["post"])
        def refund(self, request, pk=None):
            logger.info("refund %s", pk)

    class LoggedViewSet(viewsets.ViewSet):
        def initial(self, request, *args, **kwargs):
            logger.info("%s %s", request.method, request.path)
            super().initial(request, *args, **kwargs)

        def list(self, request):
            return []
    """
    findings = _obs(code, settings=AI, path="shop/views.py")
    assert [(f.rule_id, f.start_line) for f in findings] == [("PG-OBS001", 10), ("PG-OBS001", 17)]
    # outside a views module a function taking `request` is not assumed to be a view; the viewset still is
    assert [f.start_line for f in _obs(code, settings=AI, path="shop/services.py")] == [17]


def test_observability_switches() -> None:
    code = """
    from celery import shared_task

    @shared_task
    def ping():
        return "pong"
    """
    assert rules(_obs(code)) == ["PG-OBS002"]
    assert _obs(code, settings={"checks": {"observability": {"enabled": False}}}) == []
    assert _obs(code, settings={"checks": {"observability": {"require_on": ["handlers"]}}}) == []


RETRIES = {"checks": {"retries": {"enabled": True}}}


def _retry(code: str) -> list:
    return [f for f in analyze(code, settings=RETRIES) if f.rule_id == "PG-RETRY001"]


def test_task_http_call_without_retry_policy() -> None:
    code = """
    import logging
    import requests
    from celery import shared_task

    log = logging.getLogger(__name__)

    @shared_task
    def push_invoice(invoice):
        log.info("pushing %s", invoice["id"])
        requests.post("https://erp.example/invoices", json=invoice, timeout=10)
    """
    finding = only(_retry(code), "PG-RETRY001")
    assert finding.start_line == 11 and "push_invoice" in finding.message
    assert [f for f in analyze(code) if f.rule_id == "PG-RETRY001"] == []  # off by default


def test_tenacity_autoretry_self_retry_and_retry_adapter_count() -> None:
    code = """
    import logging
    import requests
    from celery import shared_task
    from requests.adapters import HTTPAdapter
    from tenacity import retry, stop_after_attempt, wait_exponential
    from urllib3.util.retry import Retry

    log = logging.getLogger(__name__)
    http = requests.Session()
    http.mount("https://", HTTPAdapter(max_retries=Retry(total=5, backoff_factor=0.5)))

    @shared_task
    @retry(stop=stop_after_attempt(3), wait=wait_exponential())
    def a(x):
        log.info("a")
        requests.post("https://erp.example/a", json=x, timeout=10)

    @shared_task(autoretry_for=(requests.RequestException,), retry_backoff=True)
    def b(x):
        log.info("b")
        requests.post("https://erp.example/b", json=x, timeout=10)

    @shared_task(bind=True, max_retries=5)
    def c(self, x):
        log.info("c")
        try:
            requests.post("https://erp.example/c", json=x, timeout=10)
        except requests.RequestException as exc:
            raise self.retry(exc=exc)

    @shared_task
    def d(x):
        log.info("d")
        http.post("https://erp.example/d", json=x, timeout=10)
    """
    assert _retry(code) == []


def test_flask_views_registered_with_add_url_rule_are_handlers() -> None:
    code = """
    import logging
    from flask import Blueprint, Flask, jsonify

    app = Flask(__name__)
    bp = Blueprint("api", __name__)
    log = logging.getLogger(__name__)


    def index():
        return jsonify({})


    def status():
        return jsonify({})


    def helper():
        return 1


    class Api:
        def __init__(self, app):
            self.app = app
            app.add_url_rule("/jobs", view_func=self.jobs)
            app.add_url_rule("/logged", view_func=self.logged)

        def jobs(self):
            return jsonify(self.app.config)

        def logged(self):
            log.info("listed")
            return jsonify({})

        def other(self):
            return 1


    app.add_url_rule("/", endpoint="index", view_func=index)
    bp.add_url_rule("/status", "status", status)
    """
    findings = _obs(code, settings=AI)
    # `endpoint=` names the route; `view_func=` is the view, also when it is a method of the class
    assert [(f.rule_id, f.start_line) for f in findings] == [
        ("PG-OBS001", 10),
        ("PG-OBS001", 14),
        ("PG-OBS001", 28),
    ]
    assert "`Api.jobs()` (route endpoint)" in findings[2].message
    assert _obs(code, settings=HUMAN) == []


def test_a_helper_of_a_helper_that_logs_covers_the_request() -> None:
    code = """
    import logging

    import requests

    log = logging.getLogger(__name__)

    class ApiClient:
        def _handle_response(self, response):
            if response.status_code == 400:
                self.__error(response)
            return response.json()

        @staticmethod
        def __error(response):
            log.error("URL: %s", response.url)
            raise ValueError(response.url)

        def get_url(self, link):
            return self._handle_response(requests.get(link, timeout=5))

        def _parse(self, response):
            return self._decode(response)

        def _decode(self, response):
            return self._check(response)

        def _check(self, response):
            log.warning("status %s", response.status_code)
            return response.json()

        def get_deep(self, link):
            return self._parse(requests.get(link, timeout=5))
    """
    # two helpers down logs; three helpers down is too far to count
    assert [f.start_line for f in analyze(code) if f.rule_id == "PG-OBS003"] == [32]


def test_a_method_or_error_named_like_monitoring_is_no_record_unless_it_logs() -> None:
    code = """
    import requests

    class MonitorNotFound(Exception):
        pass

    class Monitor:
        def _monitor_api_url(self, key):
            return "https://cron.example/api/monitors/" + key

        def fetch(self, key):
            resp = requests.get(self._monitor_api_url(key), timeout=10)
            if resp.status_code == 404:
                raise MonitorNotFound(key)
            return resp.json()
    """
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-OBS003", 11)]


def test_a_session_made_in_the_class_body_is_the_classs_client() -> None:
    code = """
    import requests
    from requests.adapters import HTTPAdapter

    def retry_session(retries, session=None):
        session = session or requests.Session()
        session.mount("https://", HTTPAdapter(max_retries=retries))
        return session

    class Monitor:
        _req = retry_session(retries=3)

        @classmethod
        def fetch_page(cls, page):
            return cls._req.get("https://cron.example/api/monitors", params={"page": page}, timeout=10)
    """
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-OBS003", 14)]


def test_a_class_whose_name_holds_a_logging_word_is_made_not_a_record() -> None:
    code = """
    from django.http import HttpResponseRedirect
    from django.views.generic import View
    from itsdangerous import URLSafeTimedSerializer

    class LoginView(View):
        def get(self, request):
            token = URLSafeTimedSerializer("key").loads(request.GET["access_token"])
            return HttpResponseRedirect("/next?u=" + token)

    class QuietView(View):
        def get(self, request):
            timed_log(request.path)
            return HttpResponseRedirect("/")

    def timed_log(path):
        import logging
        logging.getLogger(__name__).info("visit %s", path)
    """
    found = [(f.rule_id, f.start_line) for f in analyze(code, settings=AI)]
    assert found == [("PG-OBS001", 7)]


def test_a_callers_log_covers_a_thin_helper_only_when_it_records_the_calls_outcome() -> None:
    code = """
    import logging

    import requests

    log = logging.getLogger(__name__)

    class Backend:
        def get_token(self, payload):
            return requests.post("https://idp.example/token", data=payload, timeout=5).json()

        def get_user(self, token):
            return requests.get("https://idp.example/me", params={"t": token}, timeout=5).json()

        def get_keys(self):
            return requests.get("https://idp.example/keys", timeout=5).json()

        def authenticate(self, payload):
            info = self.get_token(payload)
            if info:
                try:
                    return self.create_user(info)
                except ValueError as exc:
                    log.warning("failed to create user: %s", exc)
            return None

        def profile(self, token):
            user = self.get_user(token)
            if not user:
                log.info("no profile for the token")
            return user

        def keys(self):
            try:
                return self.get_keys()
            except requests.RequestException:
                log.exception("could not fetch the keys")
                raise

        def create_user(self, info):
            return info

        def get_raw(self, url):
            return requests.get(url, timeout=5)

        def debug_fetch(self, url, debug=False):
            resp = self.get_raw(url)
            data = resp.json()
            if debug:
                log.info("got %s", data)
            return data
    """
    blind = [f.start_line for f in analyze(code) if f.rule_id == "PG-OBS003"]
    # get_token: the only log after it is about creating the user; get_raw's caller logs what it gave
    assert blind == [9]


def test_a_helper_that_logs_before_the_request_or_on_another_path_does_not_record_it() -> None:
    code = """
    import logging

    import requests

    log = logging.getLogger(__name__)

    def make_url(kind, **params):
        url = "https://chain.example/" + kind + "?" + "&".join(f"{k}={v}" for k, v in params.items())
        log.info(url)
        return url

    def empty_answer(ids):
        log.info("asked for %d ids", len(ids))
        return []

    def details(ids):
        url = make_url("txs", ids=";".join(ids))
        return requests.get(url, timeout=5).json()

    def many(ids):
        if not ids:
            return empty_answer(ids)
        return requests.get("https://chain.example/txs", params={"ids": ids}, timeout=5).json()

    def checked(ids):
        r = requests.get("https://chain.example/txs", params={"ids": ids}, timeout=5)
        if r.status_code != 200:
            return empty_answer(ids)
        return r.json()
    """
    blind = [f.start_line for f in analyze(code) if f.rule_id == "PG-OBS003"]
    assert blind == [17, 21]  # `checked` logs through `audit` after its request


def test_a_helper_in_views_py_that_answers_a_question_is_not_a_view() -> None:
    code = """
    from django.http import HttpResponse
    from urllib.request import urlopen

    def is_spam(request, text):
        answer = urlopen("https://spam.example/check?c=" + text, timeout=5).read()
        return answer == b"true"

    def comment(request):
        return HttpResponse("ok")
    """
    found = sorted((f.rule_id, f.start_line) for f in analyze(code, path="blog/views.py", settings=AI))
    assert found == [("PG-OBS001", 9), ("PG-OBS003", 5)]


def test_a_class_of_the_file_named_like_a_view_base_is_not_a_view_unless_it_extends_one() -> None:
    """python-taiga: `class ListResource(Resource)` over the file's own `Resource` (an API model)
    has a `list` method that is no request handler; over an imported `Resource` it is one."""
    code = """
from flask_restful import Resource as RestResource


class Resource:
    def __init__(self, requester):
        self.requester = requester


class ListResource(Resource):
    def list(self, **params):
        return self.requester.get("/items", query=params)


class Base(RestResource):
    pass


class Items(Base):
    def get(self):
        return {"items": []}
"""
    settings = load_policy().for_change(ai_authored=True).analyzer("instrumentation")
    found = [(f.rule_id, f.start_line) for f in analyze(code, settings=settings)]
    assert found == [("PG-OBS001", 20)]


def test_a_view_its_views_file_also_calls_is_still_a_view_when_decorated_or_reversed() -> None:
    """django-shopify-auth: `authenticate` returns `finalize(request, ...)` in dev mode; both are
    views (decorated, and `reverse(finalize)`), while an undecorated helper called here is not."""
    code = """
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.urls import reverse


def finalize(request, token=None):
    return HttpResponseRedirect(request.GET["next"])


def helper(request, token=None):
    return HttpResponseRedirect(request.GET["next"])


@login_required
def guarded(request):
    return HttpResponseRedirect(request.GET["next"])


@login_required
def start(request):
    if request.GET.get("dev"):
        return guarded(request) or helper(request)
    return HttpResponseRedirect(reverse(finalize))
"""
    settings = load_policy().for_change(ai_authored=True).analyzer("instrumentation")
    found = [(f.rule_id, f.start_line) for f in analyze(code, path="shop/views.py", settings=settings)]
    assert found == [("PG-OBS001", 7), ("PG-OBS001", 16), ("PG-OBS001", 21)]


def test_a_package_metrics_module_and_a_timer_around_the_call_are_instrumentation() -> None:
    """tap-gitlab and tap-jira (Singer taps): `with metrics.http_request_timer(endpoint):` around
    the request, in the function or in the caller of a thin `send`."""
    code = """
import requests
from singer import metrics


class Client:
    def __init__(self):
        self.session = requests.Session()

    def make_request(self, method, endpoint, **kwargs):
        with metrics.http_request_timer(endpoint):
            return self.session.request(method, endpoint, **kwargs)

    def send(self, method, path, **kwargs):
        return self.session.send(requests.Request(method, path).prepare(), **kwargs)

    def request(self, stream, *args, **kwargs):
        with metrics.http_request_timer(stream) as timer:
            response = self.send(*args, **kwargs)
            timer.tags["status"] = response.status_code
        return response.json()

    def bare(self, url):
        return self.session.get(url, timeout=5)
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-OBS003", 23)]


def test_a_helper_picked_into_a_local_name_is_covered_by_the_caller_that_logs() -> None:
    """canvasapi: `req_method = self._get_request` (or `_post_request`) by HTTP method, then
    `response = req_method(url, ...)` and `logger.info(... response.status_code)`."""
    code = """
import logging

import requests

logger = logging.getLogger(__name__)


class Requester:
    def __init__(self):
        self._session = requests.Session()

    def request(self, method, url):
        if method == "GET":
            req_method = self._get_request
        else:
            req_method = self._post_request
        response = req_method(url)
        logger.info("Response: %s %s", url, response.status_code)
        return response

    def _get_request(self, url):
        return self._session.get(url, timeout=5)

    def _post_request(self, url):
        return self._session.post(url, timeout=5)

    def _put_request(self, url):
        return self._session.put(url, timeout=5)
"""
    assert [(f.rule_id, f.start_line) for f in analyze(code)] == [("PG-OBS003", 28)]
