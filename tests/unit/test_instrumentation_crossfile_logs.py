"""A task or handler whose work is done by a function of another file of the repository that logs is
instrumented; the question and its answer are cached with the file's output."""

from __future__ import annotations

import textwrap

from prguard.engine.cache import MemoryCache
from prguard.index.snapshot import RepositorySnapshot

from tests.unit.engine_helpers import added
from tests.unit.instrumentation_helpers import review_instrumentation

MAIL = textwrap.dedent(
    """\
    import logging

    log = logging.getLogger(__name__)


    def send_queued_until_done():
        log.info("sending queued mail")
        return 0


    def cleanup_expired(days):
        return days
    """
)

TASKS = textwrap.dedent(
    """\
    from celery import shared_task

    from post.mail import cleanup_expired, send_queued_until_done


    @shared_task
    def send_queued():
        send_queued_until_done()


    @shared_task
    def cleanup(days=90):
        cleanup_expired(days)
    """
)


def obs(result):
    return [(f.path, f.start_line) for f in result.findings if f.rule_id == "PG-OBS002"]


run = review_instrumentation


def test_task_calling_a_helper_of_the_repository_that_logs_is_instrumented() -> None:
    snapshot = RepositorySnapshot.from_files({"post/mail.py": MAIL.encode(), "post/__init__.py": b""})
    assert obs(run([added("post/tasks.py", TASKS)], repository=snapshot)) == [("post/tasks.py", 12)]
    # without the repository the helper is unknown: both tasks are reported
    assert obs(run([added("post/tasks.py", TASKS)])) == [("post/tasks.py", 7), ("post/tasks.py", 12)]


def test_the_helper_losing_its_log_line_invalidates_the_callers_cache_entry() -> None:
    cache = MemoryCache()
    tasks = added("post/tasks.py", TASKS)
    first = run([tasks, added("post/mail.py", MAIL)], cache=cache)
    assert obs(first) == [("post/tasks.py", 12)]
    silent = MAIL.replace('    log.info("sending queued mail")\n', "")
    second = run([tasks, added("post/mail.py", silent)], cache=cache)
    assert obs(second) == [("post/tasks.py", 7), ("post/tasks.py", 12)]


def test_a_per_item_call_on_an_object_made_inline_of_another_file_is_named_by_its_helper() -> None:
    """`Checker().validate(x)` in a loop, `Checker` of another file making a request: the call has
    no plain text of its own, so the finding names the helper it reaches."""
    checker = textwrap.dedent(
        """\
        import requests


        class Checker:
            def validate(self, email):
                return requests.get("https://verify.example/" + email, timeout=5).ok
        """
    )
    view = textwrap.dedent(
        """\
        import logging

        from post.checks import Checker

        log = logging.getLogger(__name__)


        def invite_all(emails):
            for email in emails:
                Checker().validate(email)
            log.info("invited")
        """
    )
    snapshot = RepositorySnapshot.from_files({"post/checks.py": checker.encode(), "post/__init__.py": b""})
    result = run([added("post/views.py", view)], repository=snapshot)
    loops = [f for f in result.findings if f.rule_id == "PG-LOOP002"]
    assert [(f.path, f.start_line) for f in loops] == [("post/views.py", 10)]
    assert loops[0].message.startswith("`validate(...)` runs inside `for email in emails`")


def test_saving_per_item_a_model_instance_a_helper_of_another_file_makes_is_a_query() -> None:
    """`inst = make_subscription(...)` from `.utils` (a relative import), then `inst.save()` per
    address: the helper returns a model instance, so each save is a query."""
    models = textwrap.dedent(
        """\
        from django.db import models


        class Subscription(models.Model):
            email = models.EmailField()
        """
    )
    utils = textwrap.dedent(
        """\
        from .models import Subscription


        def make_subscription(email):
            sub = Subscription(email=email)
            return sub


        def label(email):
            return email.lower()
        """
    )
    admin = textwrap.dedent(
        """\
        import logging

        from .utils import label, make_subscription

        log = logging.getLogger(__name__)


        def import_all(addresses):
            for email in addresses:
                inst = make_subscription(email)
                inst.save()
                name = label(email)
                name.strip()
            log.info("imported")
        """
    )
    snapshot = RepositorySnapshot.from_files(
        {"news/models.py": models.encode(), "news/utils.py": utils.encode(), "news/__init__.py": b""}
    )
    result = run([added("news/admin.py", admin)], repository=snapshot)
    assert [(f.rule_id, f.start_line) for f in result.findings if f.rule_id.startswith("PG-LOOP")] == [
        ("PG-LOOP001", 11)
    ]


GATEWAY = textwrap.dedent(
    """\
    import requests


    def post(url, params):
        response = requests.post(url, data=params, timeout=10)
        return dict(response.json())
    """
)

LOGGING_CALLER = textwrap.dedent(
    """\
    import logging

    from pay import gateway

    logger = logging.getLogger(__name__)


    def transaction(params):
        pairs = gateway.post("https://pay.example/tx", params)
        logger.debug("Raw response: %s", pairs)
        return pairs
    """
)

SILENT_CALLER = textwrap.dedent(
    """\
    from pay.gateway import post


    def refund(params):
        return post("https://pay.example/refund", params)
    """
)


def _request_helper_findings(*others: tuple[str, str]) -> list[tuple[str, int]]:
    snapshot = RepositorySnapshot.from_files(
        {"pay/__init__.py": b"", **{path: code.encode() for path, code in others}}
    )
    result = review_instrumentation([added("pay/gateway.py", GATEWAY)], repository=snapshot)
    return [(f.rule_id, f.start_line) for f in result.findings]


def test_a_request_helper_whose_callers_in_other_files_all_log_the_outcome_is_covered() -> None:
    """django-oscar-paypal: `gateway.post` is called by two other modules, which log the response."""
    assert _request_helper_findings(("pay/payflow.py", LOGGING_CALLER)) == []
    one_silent = (("pay/payflow.py", LOGGING_CALLER), ("pay/refunds.py", SILENT_CALLER))
    assert _request_helper_findings(*one_silent) == [("PG-OBS003", 4)]
    assert _request_helper_findings() == [("PG-OBS003", 4)]  # nobody calls it: nothing records it


def test_a_helper_whose_callee_in_a_further_module_logs_covers_the_task() -> None:
    """django-exchange: the task calls `update_rates()` (conversion.py), which calls the adapter's
    `update()` (adapters.py), which logs; two modules further is too far."""
    adapters = textwrap.dedent(
        """\
        import logging

        log = logging.getLogger(__name__)


        class BaseAdapter:
            def update(self):
                log.info("rates updated")
        """
    )
    conversion = textwrap.dedent(
        """\
        from fx.adapters import BaseAdapter


        def update_rates(name):
            adapter = load(name)()
            if not isinstance(adapter, BaseAdapter):
                raise TypeError(name)
            adapter.update()


        def refresh(name):
            update_rates(name)
        """
    )
    tasks = textwrap.dedent(
        """\
        from celery import shared_task

        from fx import conversion


        @shared_task
        def update_task(name=None):
            conversion.update_rates(name)
        """
    )
    far = tasks.replace("conversion.update_rates(name)", "relay.forward(name)").replace(
        "from fx import conversion", "from fx import relay"
    )
    relay = "from fx.conversion import refresh\n\n\ndef forward(name):\n    refresh(name)\n"
    snapshot = RepositorySnapshot.from_files(
        {
            "fx/__init__.py": b"",
            "fx/adapters.py": adapters.encode(),
            "fx/conversion.py": conversion.encode(),
            "fx/relay.py": relay.encode(),
        }
    )
    assert obs(run([added("fx/tasks.py", tasks)], repository=snapshot)) == []
    assert obs(run([added("fx/tasks.py", far)], repository=snapshot)) == [("fx/tasks.py", 7)]


def test_a_view_dispatching_to_methods_that_call_a_logging_facade_is_covered() -> None:
    """django-oscar-paypal: `post` runs `dispatch_map[action](txn)`, whose methods call a facade
    in another module that logs; a method that calls nothing logging leaves the view reported."""
    facade = textwrap.dedent(
        """\
        import logging

        log = logging.getLogger(__name__)


        def capture(ref):
            log.info("capture %s", ref)


        def void(ref):
            log.info("void %s", ref)
        """
    )
    views = textwrap.dedent(
        """\
        from django.views import generic

        from pay import facade


        class TransactionView(generic.DetailView):
            def post(self, request, *args, **kwargs):
                dispatch_map = {"capture": self.capture, "void": self.void}
                return dispatch_map[request.POST["action"]](request.POST["ref"])

            def capture(self, ref):
                facade.capture(ref)

            def void(self, ref):
                facade.void(ref)
        """
    )
    snapshot = RepositorySnapshot.from_files({"pay/__init__.py": b"", "pay/facade.py": facade.encode()})
    result = run([added("pay/views.py", views)], repository=snapshot, ai_authored=True)
    assert [f.rule_id for f in result.findings] == []
    silent = views.replace("facade.void(ref)", "return ref")
    result = run([added("pay/views.py", silent)], repository=snapshot, ai_authored=True)
    assert [(f.rule_id, f.start_line) for f in result.findings] == [("PG-OBS001", 7)]
