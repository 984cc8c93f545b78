"""A client class of another module whose request method is inherited from a base class of a third
module: the method is found where it is defined, so a loop calling it per item is reported."""

from __future__ import annotations

import textwrap

from prguard.index.snapshot import RepositorySnapshot

from tests.unit.engine_helpers import added
from tests.unit.instrumentation_helpers import review_instrumentation

CONNECTION = textwrap.dedent(
    """\
    import logging

    import requests

    log = logging.getLogger(__name__)


    class ConnectionManager:
        def __init__(self, base_url, timeout=60):
            self.base_url = base_url
            self.timeout = timeout
            self._s = requests.Session()

        def raw_put(self, path, data):
            log.debug("PUT %s", path)
            return self._s.put(self.base_url + path, data=data, timeout=self.timeout)
    """
)

OPENID = textwrap.dedent(
    """\
    from .connection import ConnectionManager


    class OpenIDConnection(ConnectionManager):
        def token(self):
            return self.base_url
    """
)

ADMIN = textwrap.dedent(
    """\
    import json
    import logging

    from kc.openid import OpenIDConnection

    log = logging.getLogger(__name__)


    class Admin:
        def __init__(self, url, connection: OpenIDConnection | None = None):
            self.connection = connection or OpenIDConnection(url)

        def update_user(self, user_id, payload):
            return self.connection.raw_put(f"/users/{user_id}", data=json.dumps(payload))

        def disable_all_users(self, users):
            log.info("disabling %d users", len(users))
            for user in users:
                self.update_user(user["id"], {"enabled": False})
    """
)


def test_request_method_inherited_from_a_base_class_of_a_third_module_is_followed() -> None:
    snapshot = RepositorySnapshot.from_files(
        {"kc/__init__.py": b"", "kc/connection.py": CONNECTION.encode(), "kc/openid.py": OPENID.encode()}
    )
    result = review_instrumentation([added("kc/admin.py", ADMIN)], repository=snapshot)
    loops = [f for f in result.findings if f.rule_id == "PG-LOOP002"]
    assert [(f.path, f.start_line) for f in loops] == [("kc/admin.py", 19)]
    assert "`kc.connection.ConnectionManager.raw_put()`" in loops[0].message


OPENID_OVERRIDE = textwrap.dedent(
    """\
    from .connection import ConnectionManager


    class OpenIDConnection(ConnectionManager):
        def raw_put(self, path, data):
            self.refresh()
            return super().raw_put(path, data)

        def refresh(self):
            return self.base_url
    """
)


def test_an_override_delegating_to_super_does_what_the_base_method_does() -> None:
    snapshot = RepositorySnapshot.from_files(
        {
            "kc/__init__.py": b"",
            "kc/connection.py": CONNECTION.encode(),
            "kc/openid.py": OPENID_OVERRIDE.encode(),
        }
    )
    result = review_instrumentation([added("kc/admin.py", ADMIN)], repository=snapshot)
    loops = [f for f in result.findings if f.rule_id == "PG-LOOP002"]
    assert [(f.path, f.start_line) for f in loops] == [("kc/admin.py", 19)]
    assert (
        "`kc.openid.OpenIDConnection.raw_put()` → `kc.connection.ConnectionManager.raw_put()`"
        in loops[0].message
    )


READER_BASE = textwrap.dedent(
    """\
    import requests


    class BaseReader:
        def __init__(self, symbols, timeout=30):
            self.symbols = symbols
            self.session = requests.Session()
            self.timeout = timeout

        def _read_url(self, url):
            return self._get_response(url).text

        def _get_response(self, url):
            return self.session.get(url, timeout=self.timeout)
    """
)

READER = textwrap.dedent(
    """\
    from readers.base import BaseReader


    class SeriesReader(BaseReader):
        def read(self):
            def fetch(url):
                return self._read_url(url)

            return [fetch(f"https://data.example/{s}") for s in self.symbols]
    """
)


def test_a_closure_of_the_loop_calling_an_inherited_request_method_is_followed() -> None:
    loops = _loops({"readers/__init__.py": "", "readers/base.py": READER_BASE}, "readers/series.py", READER)
    assert [line for line, _ in loops] == [9]
    assert "`readers.base.BaseReader._get_response()`" in loops[0][1]


GEOCODER = textwrap.dedent(
    """\
    import requests


    class GeocoderApi:
        def __init__(self, api_key, timeout=20):
            self._api_key = api_key
            self._timeout = timeout

        def __get(self, params):
            return requests.get("https://geo.example/v1", params=params, timeout=self._timeout).json()

        def free_form(self, text):
            return self.__get({"q": text, "apiKey": self._api_key})
    """
)

ROUTING = textwrap.dedent(
    """\
    from geo.geocoder import GeocoderApi


    class RoutingApi:
        def __init__(self, api_key):
            self._api_key = api_key

        def _coordinates(self, name):
            found = GeocoderApi(self._api_key).free_form(name)
            return found["items"][0]["position"]

        def matrix(self, origins):
            return [self._coordinates(o) if isinstance(o, str) else o for o in origins]
    """
)


def test_another_files_helper_behind_a_helper_of_this_file_is_followed_two_calls_deep() -> None:
    loops = _loops({"geo/__init__.py": "", "geo/geocoder.py": GEOCODER}, "geo/routing.py", ROUTING)
    assert [line for line, _ in loops] == [13]
    assert "`geo.geocoder.GeocoderApi.free_form()`" in loops[0][1]


BROKER = textwrap.dedent(
    """\
    import requests


    class Broker:
        def __init__(self, key):
            self.key = key
            self.connection = self.get_connection(key)
            self.http = requests.Session()

        @staticmethod
        def get_connection(key):
            return None
    """
)

SQS = textwrap.dedent(
    """\
    from boto3 import Session

    from queues.base import Broker


    class Sqs(Broker):
        @staticmethod
        def get_connection(key) -> Session:
            return Session(region_name="eu-west-1")

        def get_queue(self):
            sqs = self.connection.resource("sqs")
            return sqs.get_queue_by_name(QueueName=self.key)

        def ping(self):
            return self.http.get("https://queue.example/ping")
    """
)


def test_attributes_a_base_class_of_another_module_sets_are_typed() -> None:
    found = sorted(
        (f.rule_id, f.start_line)
        for f in _review({"queues/__init__.py": "", "queues/base.py": BROKER}, "queues/sqs.py", SQS)
    )
    # the base stores what `get_connection` returns: this class's override, a boto3 session
    assert ("PG-TIMEOUT002", 12) in found
    # the base's own requests session
    assert ("PG-TIMEOUT001", 16) in found


BASEAPI = textwrap.dedent(
    """\
    import logging

    import requests

    log = logging.getLogger(__name__)


    class BaseAPI:
        def __init__(self, token):
            self.token = token
            self._session = requests.Session()

        def __perform_request(self, url, kind="GET"):
            lookup = {
                "GET": (self._session.get, "params"),
                "POST": (requests.post, "data"),
            }
            method, payload = lookup[kind]
            log.debug("%s %s", kind, url)
            return method(url, timeout=30)

        def get_data(self, url, kind="GET"):
            return self.__perform_request(url, kind).json()
    """
)

ACTION = textwrap.dedent(
    """\
    from cloud.baseapi import BaseAPI


    class Action(BaseAPI):
        def load(self):
            return self.get_data(f"actions/{self.id}")
    """
)

DROPLET = textwrap.dedent(
    """\
    from cloud.action import Action


    def actions(token, answer):
        found = []
        for row in answer["actions"]:
            action = Action(token)
            action.load()
            found.append(action)
        return found
    """
)


def test_helpers_of_another_modules_own_file_cost_no_level_there_either() -> None:
    package = {"cloud/__init__.py": "", "cloud/baseapi.py": BASEAPI, "cloud/action.py": ACTION}
    loops = _loops(package, "cloud/droplet.py", DROPLET)
    assert [line for line, _ in loops] == [8]


def _review(package: dict[str, str], path: str, code: str) -> list:
    """Findings on `code`, added at `path`, with the package's other files as the repository."""
    snapshot = RepositorySnapshot.from_files({name: text.encode() for name, text in package.items()})
    return review_instrumentation([added(path, code)], repository=snapshot).findings


def _loops(package: dict[str, str], path: str, code: str) -> list[tuple[int, str]]:
    return [(f.start_line, f.message) for f in _review(package, path, code) if f.rule_id == "PG-LOOP002"]


WNS = textwrap.dedent(
    """\
    import logging
    from urllib.request import urlopen

    log = logging.getLogger(__name__)


    def send_message(uri, message):
        log.info("sending to %s", uri)
        return urlopen(uri, data=message.encode(), timeout=10).read()


    def send_bulk_message(uri_list, message):
        return [send_message(uri, message) for uri in uri_list]
    """
)

QUERYSET = textwrap.dedent(
    """\
    from push.wns import send_bulk_message, send_message


    def send_per_app(devices_by_app, message):
        for app_id, uris in devices_by_app.items():
            send_bulk_message(uris, message)


    def send_each(uris, message):
        for uri in uris:
            send_message(uri, message)
    """
)


def test_a_helper_that_loops_over_the_items_itself_is_reported_there_not_at_the_outer_loop() -> None:
    loops = _loops({"push/__init__.py": "", "push/wns.py": WNS}, "push/devices.py", QUERYSET)
    assert [line for line, _ in loops] == [11]


ERRORS = textwrap.dedent(
    """\
    import logging

    from shop.models import ProcessingError

    log = logging.getLogger(__name__)


    def log_exception(data, message):
        ProcessingError.objects.create(data=data, message=message)


    def report_exception(data, message):
        log.error("%s: %s", message, data)
    """
)

CLIENT = textwrap.dedent(
    """\
    import requests

    from shop import errors


    def notify(url, data):
        r = requests.post(url, json=data, timeout=5)
        errors.log_exception(data, r.status_code)
        return r


    def notify_reported(url, data):
        r = requests.post(url, json=data, timeout=5)
        errors.report_exception(data, r.status_code)
        return r
    """
)


def test_a_repository_function_named_like_logging_counts_only_if_it_logs() -> None:
    package = {"shop/__init__.py": "", "shop/errors.py": ERRORS, "shop/models.py": "x = 1\n"}
    findings = _review(package, "shop/client.py", CLIENT)
    assert [(f.rule_id, f.start_line) for f in findings if f.rule_id == "PG-OBS003"] == [("PG-OBS003", 6)]
