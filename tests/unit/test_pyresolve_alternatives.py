"""The resolver's weaker answers: what a name, `self.x` or a parameter *may* be."""

from __future__ import annotations

import ast
import textwrap

from prguard.analyzers.pyresolve import Resolver


def _last(code: str, expression: str) -> tuple[Resolver, ast.expr]:
    tree = ast.parse(textwrap.dedent(code))
    found = [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Expr) and ast.unparse(n.value) == expression
    ]
    assert found, expression
    return Resolver(tree, "app.mod"), found[-1]


def test_parameter_default_kept_on_self_is_a_possible_name() -> None:
    resolver, node = _last(
        """
        import requests as r

        class C:
            def __init__(self, http=r):
                self.http = http

            def go(self):
                self.http.post
        """,
        "self.http.post",
    )
    assert resolver.possible_qualnames(node) == ("requests.post",)
    assert resolver.qualname(node) != "requests.post"  # the strict answer is unchanged


def test_arguments_of_this_modules_calls_are_possible_names() -> None:
    resolver, node = _last(
        """
        import requests

        def send(method, url):
            method

        def get(url):
            return send(requests.get, url)

        def post(url):
            return send(method=requests.post, url=url)

        def other(url, f):
            return send(f, url)
        """,
        "method",
    )
    assert resolver.possible_qualnames(node) == ("requests.get", "requests.post")


def test_possible_types_keep_the_known_ones_and_drop_unknown_and_none() -> None:
    resolver, node = _last(
        """
        import requests
        from vendor import make

        class C:
            def __init__(self, flag, session=None):
                self.s = None
                if flag:
                    self.s = requests.Session()
                else:
                    self.s = make(session)

            def go(self):
                self.s
        """,
        "self.s",
    )
    assert resolver.type_of(node) is None  # strict: two different values
    assert resolver.possible_types(node) == ("requests.Session",)


def test_unknown_parameter_has_no_alternatives() -> None:
    resolver, node = _last(
        """
        class C:
            def __init__(self, session):
                self.session = session

            def go(self):
                self.session.get
        """,
        "self.session.get",
    )
    assert resolver.possible_qualnames(node) == ()
    assert resolver.possible_types(node) == ()


def test_a_call_of_a_module_function_may_be_any_of_its_returns() -> None:
    resolver, node = _last(
        """
        import requests
        from vendor import per_thread

        def _get_session(ttl):
            if ttl == 0:
                return requests.sessions.Session()
            return per_thread("session", requests.sessions.Session)

        def download(url):
            _get_session(1)
        """,
        "_get_session(1)",
    )
    assert resolver.type_of(node) is None  # strict: the two returns disagree
    assert resolver.possible_types(node) == ("requests.sessions.Session",)


def test_getattr_with_a_name_chosen_at_run_time_is_any_attribute() -> None:
    resolver, node = _last(
        """
        import requests

        def call(method):
            func = getattr(requests, method)
            func
        """,
        "func",
    )
    assert resolver.possible_qualnames(node) == ("requests.*",)
    assert resolver.qualname(node) == "func"  # the strict answer is unchanged


def test_a_class_passed_up_to_the_base_and_called_there_makes_its_instances() -> None:
    resolver, node = _last(
        """
        import httpx

        class BaseClient:
            def __init__(self, client, host):
                self._client = client(base_url=host)

        class Client(BaseClient):
            def __init__(self, host):
                super().__init__(httpx.Client, host)

            def request(self):
                self._client
        """,
        "self._client",
    )
    assert resolver.possible_types(node) == ("httpx.Client",)


def test_a_module_imported_by_name_is_a_possible_name() -> None:
    resolver, node = _last(
        """
        import importlib

        class Resource:
            def __init__(self):
                self.httplib = importlib.import_module("http.client")

            def connect(self):
                self.httplib.HTTPSConnection
        """,
        "self.httplib.HTTPSConnection",
    )
    assert resolver.possible_qualnames(node) == ("http.client.HTTPSConnection",)


def test_an_attribute_a_holder_class_sets_from_its_arguments_is_what_was_passed() -> None:
    resolver, node = _last(
        """
        import requests

        class Requester:
            def __init__(self, post, get):
                setattr(self, "post", post)
                self.get = get

        class Emitter:
            def __init__(self, session=None):
                if session is None:
                    self.request_method = Requester(post=requests.post, get=requests.get)
                else:
                    self.request_method = Requester(session.post, session.get)

            def send(self):
                self.request_method.get
                self.request_method.post
        """,
        "self.request_method.get",
    )
    assert resolver.possible_qualnames(node) == ("requests.get",)
    post = [
        n
        for n in ast.walk(resolver.tree)
        if isinstance(n, ast.Expr) and ast.unparse(n) == "self.request_method.post"
    ]
    assert resolver.possible_qualnames(post[0].value) == ("requests.post",)


def test_a_name_unpacked_from_a_lookup_table_of_tuples_may_be_each_rows_element() -> None:
    resolver, node = _last(
        """
        import requests

        class Api:
            def perform(self, url, kind):
                lookup = {
                    "GET": (self.session.get, "params"),
                    "POST": (requests.post, "data"),
                }
                method, payload = lookup[kind]
                method
        """,
        "method",
    )
    assert "requests.post" in resolver.possible_qualnames(node)


def test_a_value_wrapped_around_itself_keeps_the_types_of_its_other_values() -> None:
    resolver, node = _last(
        """
        import requests
        from cachecontrol import CacheControl

        class Service:
            def __init__(self, cache=None):
                self.session = requests.Session()
                if cache:
                    self.session = CacheControl(self.session, cache=cache)

            def get(self):
                self.session
        """,
        "self.session",
    )
    assert resolver.possible_types(node) == ("requests.Session",)


def test_the_default_of_a_keyword_taken_from_kwargs_is_a_possible_value() -> None:
    resolver, node = _last(
        """
        import requests

        class Client:
            def __init__(self, token, **kwargs):
                self.session = kwargs.get("session", requests.Session())
                self.headers = self.options.get("headers", requests.Session())

            def send(self):
                self.session
        """,
        "self.session",
    )
    assert resolver.possible_types(node) == ("requests.Session",)
