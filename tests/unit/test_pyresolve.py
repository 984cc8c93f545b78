"""The shared resolver: names through imports and aliases, types of objects, one matching syntax."""

from __future__ import annotations

import ast
import textwrap

import pytest
from prguard.analyzers.pyresolve import PatternIndex, Resolver, matches, matches_any

from tests.unit.resolver_helpers import type_of_expression


def _calls(code: str, module: str = "app.mod") -> dict[str, tuple[str, ...]]:
    tree = ast.parse(textwrap.dedent(code))
    resolver = Resolver(tree, module)
    return {ast.unparse(n): resolver.call_names(n) for n in ast.walk(tree) if isinstance(n, ast.Call)}


@pytest.mark.parametrize(
    ("code", "call", "name"),
    [
        ("import subprocess as sp\nsp.run(x)", "sp.run(x)", "subprocess.run"),
        ("from os import system as s\ns(x)", "s(x)", "os.system"),
        ("import builtins\nbuiltins.eval(x)", "builtins.eval(x)", "eval"),
        ("import builtins as b\nb.exec(x)", "b.exec(x)", "exec"),
        (
            "import importlib\nimportlib.import_module('pickle').loads(x)",
            "importlib.import_module('pickle').loads(x)",
            "pickle.loads",
        ),
        ("import importlib\nm = importlib.import_module('os')\nm.system(x)", "m.system(x)", "os.system"),
        ("p = __import__('pickle')\np.loads(x)", "p.loads(x)", "pickle.loads"),
        ("import os\ngetattr(os, 'system')(x)", "getattr(os, 'system')(x)", "os.system"),
        ("import builtins\nf = getattr(builtins, 'eval')\nf(x)", "f(x)", "eval"),
        ("import os\nrun = os.system\nrun(x)", "run(x)", "os.system"),
        ("ev = eval\nev(x)", "ev(x)", "eval"),
        (
            "import functools, subprocess\nsh = functools.partial(subprocess.run, shell=True)\nsh(x)",
            "sh(x)",
            "subprocess.run",
        ),
        (
            "from functools import partial\nimport os\ndef f():\n    r = partial(os.system)\n    r(x)",
            "r(x)",
            "os.system",
        ),
        ("import requests\nrequests.session().get(u)", "requests.session().get(u)", "requests.session().get"),
        ("from .util import helper\nhelper(x)", "helper(x)", "app.util.helper"),
    ],
)
def test_names_resolve_through_imports_and_aliases(code: str, call: str, name: str) -> None:
    assert _calls(code)[call][0] == name


def test_a_name_bound_to_two_different_functions_is_not_an_alias() -> None:
    code = "import os, subprocess\nrun = os.system if a else subprocess.call\nrun(x)"
    assert _calls(code)["run(x)"] == ("run",)


def test_a_local_variable_shadows_an_import_in_its_function() -> None:
    code = """
        import subprocess as sp
        def f(sp):
            sp.run(x)
        sp.run(y)
    """
    calls = _calls(code)
    assert calls["sp.run(x)"] == ("sp.run",)  # the parameter, not the module
    assert calls["sp.run(y)"] == ("subprocess.run",)


@pytest.mark.parametrize(
    ("code", "expression", "type_name"),
    [
        ("from ldap3 import Connection\nc = Connection(s)\nc", "c", "ldap3.Connection"),
        ("import ldap3\ndef f(conn: ldap3.Connection):\n    conn", "conn", "ldap3.Connection"),
        (
            "import ldap3\nfrom typing import Optional\ndef f(c: Optional[ldap3.Connection]):\n    c",
            "c",
            "ldap3.Connection",
        ),
        ("import ldap3\ndef f(c: 'ldap3.Connection | None'):\n    c", "c", "ldap3.Connection"),
        ("import logging\nlog = logging.getLogger(__name__)\ndef f():\n    log", "log", "logging.Logger"),
        (
            "from flask import request\ndef f():\n    up = request.files['a']\n    up",
            "up",
            "werkzeug.datastructures.FileStorage",
        ),
        (
            "from flask import request\ndef f():\n    up = request.files.get('a')\n    up",
            "up",
            "werkzeug.datastructures.FileStorage",
        ),
        (
            "import flask\ndef f():\n    for u in flask.request.files.getlist('a'):\n        u",
            "u",
            "werkzeug.datastructures.FileStorage",
        ),
        (
            "import xml.etree.ElementTree as ET\nt = ET.parse(p)\nr = t.getroot()\nr",
            "r",
            "xml.etree.ElementTree.Element",
        ),
        ("from lxml import etree\nd = etree.fromstring(s)\nd", "d", "lxml.etree._Element"),
        (
            "import xml.etree.ElementTree as ET\nfor e in ET.parse(p).getroot().findall('x'):\n    e",
            "e",
            "xml.etree.ElementTree.Element",
        ),
        ("from django.http import HttpResponse\nr = HttpResponse('x')\nr", "r", "django.http.HttpResponse"),
        ("import tarfile\nwith tarfile.open(p) as t:\n    t", "t", "tarfile.TarFile"),
        ("import tarfile\nt = tarfile.open(p)\nfor m in t.getmembers():\n    m", "m", "tarfile.TarInfo"),
        ("import sqlite3\ncur = sqlite3.connect(p).cursor()\ncur", "cur", "sqlite3.Cursor"),
        (
            "from django.db import connection\nwith connection.cursor() as c:\n    c",
            "c",
            "django.db.backends.utils.CursorWrapper",
        ),
    ],
)
def test_types_of_objects(code: str, expression: str, type_name: str) -> None:
    assert type_of_expression(code, expression) == type_name


def test_self_attributes_set_in_init() -> None:
    code = """
        import ldap3, logging
        class Directory:
            def __init__(self, server):
                self.conn = ldap3.Connection(server)
                self.log = logging.getLogger("x")
            def find(self, who):
                self.conn
                self.log
    """
    assert type_of_expression(code, "self.conn") == "ldap3.Connection"
    assert type_of_expression(code, "self.log") == "logging.Logger"


def test_factory_functions_of_the_module() -> None:
    code = """
        import ldap3
        def connect(url) -> ldap3.Connection:
            return ldap3.Connection(url)
        def make():
            return ldap3.Connection("x")
        a = connect(u)
        b = make()
        a
        b
    """
    assert type_of_expression(code, "a") == "ldap3.Connection"
    assert type_of_expression(code, "b") == "ldap3.Connection"


def test_unknown_stays_unknown() -> None:
    assert type_of_expression("def f(x):\n    x", "x") is None
    assert type_of_expression("import ldap3\nc = ldap3.Connection(s) if a else other()\nc", "c") is None
    code = "import ldap3, logging\nc = ldap3.Connection(s)\nc = logging.getLogger()\nc"
    assert type_of_expression(code, "c") is None  # two types: unknown, not the last one
    assert type_of_expression("import ldap3\na, b = pair()\na", "a") is None


def test_none_does_not_hide_the_type() -> None:
    assert (
        type_of_expression("import ldap3\nc = None\nif x:\n    c = ldap3.Connection(s)\nc", "c")
        == "ldap3.Connection"
    )


def test_framework_parameters_and_class_based_views() -> None:
    django_view = "from django.http import HttpResponse\ndef view(request, slug):\n    request"
    assert type_of_expression(django_view, "request") == "django.http.HttpRequest"
    flask_only = "import flask\ndef view(request):\n    request"
    assert type_of_expression(flask_only, "request") is None  # no framework passes `request` there
    cbv = """
        from django.views.generic import DetailView
        class Page(DetailView):
            def get(self, *args, **kwargs):
                self.request
    """
    assert type_of_expression(cbv, "self.request") == "django.http.HttpRequest"
    drf = """
        from rest_framework.views import APIView
        class Api(APIView):
            def post(self, request):
                self.request
    """
    assert type_of_expression(drf, "self.request") == "rest_framework.request.Request"


def test_call_names_by_type_include_supertypes() -> None:
    code = """
        import logging
        from django.http import JsonResponse
        class Mine(logging.LoggerAdapter):
            pass
        lg = Mine(logging.getLogger(), {})
        lg.info(x)
        r = JsonResponse({})
        r.set_cookie(k, v)
    """
    calls = _calls(code)
    assert "logging.Logger.info" in calls["lg.info(x)"]
    assert "app.mod.Mine.info" in calls["lg.info(x)"]
    assert "django.http.HttpResponse.set_cookie" in calls["r.set_cookie(k, v)"]


def test_local_class_constructor_and_method_results() -> None:
    code = """
        import ldap3
        class Pool:
            def get(self) -> ldap3.Connection:
                return ldap3.Connection("x")
        p = Pool()
        c = p.get()
        c
    """
    assert type_of_expression(code, "c") == "ldap3.Connection"


@pytest.mark.parametrize(
    ("name", "pattern", "expected"),
    [
        ("cursor.execute", "*.execute", True),
        ("execute", "*.execute", True),
        ("executemany", "*.execute", False),
        ("sqlite3.Cursor.execute", "*.execute", True),
        ("requests.get", "requests.*", True),
        ("requests.adapters.HTTPAdapter.send", "requests.*", True),
        ("requests", "requests.*", False),
        ("django.http.HttpResponse", "django.*.HttpResponse", True),
        ("django.HttpResponse", "django.*.HttpResponse", False),
        ("subprocess.Popen", "subprocess.*open", True),  # legacy in-segment wildcard (policy rules)
        ("subprocess.popen.x", "subprocess.*open", False),
        ("os.system", "os.system", True),
        ("x.os.system", "os.system", False),
        ("anything.at.all", "*", True),
    ],
)
def test_one_matching_syntax(name: str, pattern: str, expected: bool) -> None:
    assert matches(name, pattern) is expected


def test_dotted_suffix_reading_only_when_asked() -> None:
    assert matches("self.request.GET", "request.GET", suffix=True)
    assert not matches("self.request.GET", "request.GET")
    assert matches("GET", "GET", suffix=True)


def test_pattern_index_finds_wildcards_and_exact_rows() -> None:
    index = PatternIndex(["os.system", "*.execute", "requests.*", "subprocess.*open"])
    assert index.matching("cursor.execute") == [1]
    assert index.matching("requests.post") == [2]
    assert index.matching("subprocess.Popen") == [3]
    assert index.first_match("os.popen") is None
    assert matches_any("a.execute", frozenset({"*.execute"}))


def test_a_comprehension_variable_has_the_element_type_of_what_it_runs_over() -> None:
    code = """
    class Progress:
        def get_info(self):
            return {}

    def info(children):
        progresses = [Progress(child) for child in children]
        [cp for cp in progresses]
        for p in progresses:
            p
        [q for q in children]
    """
    assert type_of_expression(code, "[cp for cp in progresses]") == "list[app.mod.Progress]"
    assert type_of_expression(code, "p") == "app.mod.Progress"
    assert type_of_expression(code, "[q for q in children]") is None


def test_a_placeholder_for_a_failed_optional_import_is_not_a_rebinding() -> None:
    code = """
        try:
            from lxml import etree
        except ImportError:
            etree = None
        try:
            import requests
        except (ImportError, AttributeError):
            requests = False
        try:
            import yaml
        except ValueError:
            yaml = None
        etree.fromstring(a)
        requests.get(b)
        yaml.load(c)
    """
    calls = _calls(code)
    assert calls["etree.fromstring(a)"][0] == "lxml.etree.fromstring"
    assert calls["requests.get(b)"][0] == "requests.get"
    assert calls["yaml.load(c)"] == ("yaml.load",)  # not an import failure: the name is rebound


def test_a_fallback_import_of_the_same_name_binds_it_as_the_alias_form_does() -> None:
    code = """
        try:
            import httpx2 as httpx
        except ModuleNotFoundError:
            import httpx
        try:
            import ujson as json
        except ImportError:
            import json
        import os.path
        import os
        httpx.get(a)
        json.loads(b)
        os.path.join(c)
    """
    calls = _calls(code)
    assert calls["httpx.get(a)"][0] == "httpx.get"
    assert calls["json.loads(b)"][0] == "json.loads"
    assert calls["os.path.join(c)"][0] == "os.path.join"


def test_the_pre_standard_elementtree_packages_are_only_fallbacks() -> None:
    """`cElementTree` and `elementtree` were ElementTree before the standard library took it in:
    compatibility code imports them last, and the name stays the standard library's."""
    code = """
        try:
            from xml.etree import cElementTree as ElementTree
        except ImportError:
            try:
                import cElementTree as ElementTree
            except ImportError:
                from elementtree import ElementTree
        ElementTree.fromstring(a)
    """
    assert _calls(code)["ElementTree.fromstring(a)"][0] == "xml.etree.cElementTree.fromstring"


def test_the_python2_http_server_modules_are_only_fallbacks() -> None:
    """`BaseHTTPServer` was Python 2's `http.server`: imported in the fallback branch, it does not
    take the name from the standard library's class (webwol's handler)."""
    code = """
        try:
            from http.server import BaseHTTPRequestHandler
        except ImportError:
            from BaseHTTPServer import BaseHTTPRequestHandler
        BaseHTTPRequestHandler.send_header(a)
    """
    calls = _calls(code)
    assert (
        calls["BaseHTTPRequestHandler.send_header(a)"][0] == "http.server.BaseHTTPRequestHandler.send_header"
    )


def test_a_class_a_function_makes_extends_its_bases() -> None:
    """`def build(config): class Handler(BaseHTTPRequestHandler): ...`: a class made in a function
    (a handler factory) has its bases' members, as a module-level class does."""
    tree = ast.parse(
        "from http.server import BaseHTTPRequestHandler\n"
        "def build(config):\n    class Handler(BaseHTTPRequestHandler):\n        pass\n    return Handler\n"
    )
    resolver = Resolver(tree, "app.server")
    assert resolver.supertypes("app.server.Handler") == [
        "app.server.Handler",
        "http.server.BaseHTTPRequestHandler",
    ]


def test_an_empty_list_agrees_with_a_list_of_one_known_type() -> None:
    code = """
    class Monitor:
        pass

    def load(keys):
        if keys:
            found = [Monitor() for k in keys]
        else:
            found = []
        found
        unknown = []
        unknown
        mixed = [Monitor()] if keys else 3
        mixed
    """
    assert type_of_expression(code, "found") == "list[app.mod.Monitor]"
    assert type_of_expression(code, "unknown") is None
    assert type_of_expression(code, "mixed") is None


def test_cls_objects_of_a_model_with_bases_from_elsewhere_is_its_queryset() -> None:
    code = """
    from django.db import models
    from org_utils.base import TimeStampedModel

    class Topology(TimeStampedModel):
        @classmethod
        def save_all(cls):
            queryset = cls.objects.filter(published=True)
            queryset
            for topology in queryset:
                topology
    """
    assert type_of_expression(code, "queryset") == "django.db.models.QuerySet[app.mod.Topology]"
    assert type_of_expression(code, "topology") == "app.mod.Topology"


def test_a_managers_own_querysets_hold_rows_of_some_model() -> None:
    code = """
    from django.db import models

    class ConfirmationManager(models.Manager):
        def delete_expired(self):
            rows = self.filter(sent=None)
            rows
            first = self.first()
            first
            for row in self.all():
                row
    """
    assert type_of_expression(code, "rows") == "django.db.models.QuerySet[django.db.models.Model]"
    assert type_of_expression(code, "first") == "django.db.models.Model"
    assert type_of_expression(code, "row") == "django.db.models.Model"


def test_a_name_only_a_star_import_can_explain_is_named_by_it() -> None:
    code = textwrap.dedent(
        """
        from app.helper import *
        from os import path

        def cancel(rows, request_post=None):
            for row in rows:
                request_get(row)
                len(row)
                request_post(row)
        """
    )
    tree = ast.parse(code)
    resolver = Resolver(tree, "app.orders")
    stars = {ast.unparse(n): resolver.star_names(n) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert stars["request_get(row)"] == ["app.helper.request_get"]
    assert stars["len(row)"] == []  # a builtin
    assert stars["request_post(row)"] == []  # a parameter


def test_a_class_a_class_attribute_names_makes_its_instances_through_self() -> None:
    code = """
    from django.views.generic import View
    from oidc.endpoints import TokenEndpoint

    class TokenView(View):
        endpoint_class = TokenEndpoint
        limit = 10

        def post(self, request):
            endpoint = self.endpoint_class(request)
            endpoint
            other = self.limit(request)
            other
    """
    assert type_of_expression(code, "endpoint") == "oidc.endpoints.TokenEndpoint"
    assert type_of_expression(code, "other") is None


def test_an_optional_parameter_or_a_fallback_has_the_fallbacks_type() -> None:
    """python-documentcloud: `session = session or requests.Session()` in a helper that mounts
    retries and returns the session."""
    code = """
        import requests

        def retry_session(retries=3, session=None):
            session = session or requests.Session()
            session
            return session

        def given(session):
            other = session or requests.Session()
            other

        retry_session()
    """
    assert type_of_expression(code, "session") == "requests.Session"
    assert type_of_expression(code, "other") is None  # a required parameter: the caller's, unknown
    assert type_of_expression(code, "retry_session()") == "requests.Session"


def test_an_isinstance_guard_holds_a_name_to_its_class() -> None:
    """django-exchange: an adapter made from a class loaded by name, then `if not
    isinstance(adapter, BaseAdapter): raise TypeError(...)`."""
    code = """
        from exchange.adapters import BaseAdapter

        def update_rates(name):
            adapter = import_class(name)()
            if not isinstance(adapter, BaseAdapter):
                raise TypeError(name)
            adapter

        def checked(value):
            assert isinstance(value, BaseAdapter)
            value

        def logged(item):
            if not isinstance(item, BaseAdapter):
                log.warning("not an adapter")
            item
    """
    assert type_of_expression(code, "adapter") == "exchange.adapters.BaseAdapter"
    assert type_of_expression(code, "value") == "exchange.adapters.BaseAdapter"
    assert type_of_expression(code, "item") is None  # the guard's body does not leave: no narrowing


def test_a_sphinx_docstring_types_a_parameter() -> None:
    """django-keycloak: `:param django_keycloak.models.Realm realm:` in a service function."""
    code = '''
        from shop.models import Book

        def refresh(realm, book, other):
            """Refresh.

            :param django_keycloak.models.Realm realm:
            :type book: Book
            :param other: not typed here
            """
            realm
            book
            other
    '''
    assert type_of_expression(code, "realm") == "django_keycloak.models.Realm"
    assert type_of_expression(code, "book") == "shop.models.Book"
    assert type_of_expression(code, "other") is None


def test_enumerate_zip_and_progress_bars_keep_the_items_type() -> None:
    """waybackpack: `for i, asset in enumerate(tqdm(self.assets) if progress else self.assets)`."""
    code = """
        from tqdm.auto import tqdm

        class Asset:
            pass

        def fetch_all(progress, names):
            assets = [Asset()]
            for i, asset in enumerate(tqdm(assets) if progress else assets):
                asset
            for name, other in zip(names, sorted(assets)):
                other
            for position, label in enumerate(names):
                position
    """
    assert type_of_expression(code, "asset") == "app.mod.Asset"
    assert type_of_expression(code, "other") == "app.mod.Asset"
    assert type_of_expression(code, "position") is None


def test_one_resolver_per_parsed_file_is_shared_and_names_its_package() -> None:
    from prguard.engine.plugin import SourceFile

    source = SourceFile("pkg/__init__.py", "from .models import Thing\nThing()\n")
    first = Resolver.of_source(source)
    assert Resolver.of_source(source) is first  # the second analyzer reuses the first's answers
    assert first.imports["Thing"] == "pkg.models.Thing"  # an __init__.py is its package
    assert Resolver.of_source(SourceFile("pkg/__init__.py", source.text)) is not first


def test_supertypes_are_read_once_and_callers_get_their_own_list() -> None:
    code = "import requests\nclass A(requests.Session):\n    pass\nclass B(A):\n    pass\n"
    resolver = Resolver(ast.parse(code), "app.mod")
    found = resolver.supertypes("app.mod.B")
    assert found[:3] == ["app.mod.B", "app.mod.A", "requests.Session"]
    found.clear()
    assert resolver.supertypes("app.mod.B")[:3] == ["app.mod.B", "app.mod.A", "requests.Session"]


def test_a_generic_base_is_the_class_it_parametrises() -> None:
    code = (
        "from mkdocs.plugins import BasePlugin\nfrom typing import Generic, TypeVar\nT = TypeVar('T')\n"
        "class Box(Generic[T]):\n    pass\nclass Drawio(BasePlugin[dict]):\n    pass\n"
        "class Crate(Box[int]):\n    pass\n"
    )
    resolver = Resolver(ast.parse(code), "app.mod")
    assert resolver.supertypes("app.mod.Drawio")[:2] == ["app.mod.Drawio", "mkdocs.plugins.BasePlugin"]
    assert resolver.supertypes("app.mod.Crate")[:3] == ["app.mod.Crate", "app.mod.Box", "typing.Generic"]


def test_local_names_are_what_a_function_binds_itself() -> None:
    code = (
        "import os\nX = 1\ndef outer(a, *rest):\n    b = 1\n    c: int = 2\n    for d in a:\n        pass\n"
        "    with open(a) as e:\n        pass\n    f, g = a\n    import json\n"
        "    def inner():\n        h = 3\n        return b\n    return inner\n"
    )
    tree = ast.parse(code)
    outer = tree.body[2]
    assert Resolver(tree, "app.mod").local_names(outer) == {"a", "rest", "b", "c", "d", "e", "f", "g", "json"}


def test_a_parameter_named_like_an_imported_module_is_not_the_module() -> None:
    code = """
        import os
        def shadowed(os, cmd):
            os.system(cmd)
        def assigned(cmd):
            os = FakeOs()
            os.system(cmd)
        def real(cmd):
            os.system(cmd)
    """
    tree = ast.parse(textwrap.dedent(code))
    resolver = Resolver(tree, "app.mod")
    found = [resolver.qualname(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call) and n.args]
    assert found == [None, None, "os.system"]


BRANCHES = """
import peewee

class Bookmark(peewee.Model):
    pass

def save(url, key):
    if key:
        bookmark, created = Bookmark.get_or_create(url=url)
    else:
        bookmark = Bookmark.get(Bookmark.url == url)
    OTHER
    bookmark
"""


@pytest.mark.parametrize(
    ("other", "type_name"),
    [
        ("pass", "app.mod.Bookmark"),  # digimarks: both branches give a row
        ("bookmark = None", "app.mod.Bookmark"),
        ("bookmark = url", None),  # the branches disagree
        ("bookmark, created = created, bookmark", None),  # unpacked twice: not followed
        ("global bookmark", None),
    ],
)
def test_a_name_unpacked_in_one_branch_and_assigned_in_another(other: str, type_name: str | None) -> None:
    """A name bound by one unpacking and by plain assignments has the type they agree on."""
    assert type_of_expression(BRANCHES.replace("OTHER", other), "bookmark") == type_name


def _types_of_reads(code: str, name: str) -> list[str | None]:
    """The type the resolver gives each expression statement that reads `name`, in order."""
    tree = ast.parse(textwrap.dedent(code))
    resolver = Resolver(tree, "app.mod")
    reads = [n.value for n in ast.walk(tree) if isinstance(n, ast.Expr) and ast.unparse(n.value) == name]
    return [resolver.type_of(read) for read in sorted(reads, key=lambda n: n.lineno)]


_TWO_TYPES = "import tarfile, sqlite3\n\n\ndef f(p, c, rows):\n"


@pytest.mark.parametrize(
    ("body", "types"),
    [
        # assigned twice: each read has the type of the assignment that reaches it
        ("x = tarfile.open(p)\nx\nx = sqlite3.connect(p)\nx", ["tarfile.TarFile", "sqlite3.Connection"]),
        (
            "x = tarfile.open(p)\nif c:\n    try:\n        x\n    except OSError:\n        pass\n"
            "x = sqlite3.connect(p)",
            ["tarfile.TarFile"],
        ),
        # the second assignment may or may not have run
        ("x = tarfile.open(p)\nif c:\n    x = sqlite3.connect(p)\nx", [None]),
        # a later assignment comes round again in the loop
        ("x = tarfile.open(p)\nfor r in rows:\n    x\n    x = sqlite3.connect(p)", [None]),
        ("x = tarfile.open(p)\nwhile c:\n    x\n    x = sqlite3.connect(p)", [None]),
        # two loops over the same name: inside each, the element of what that loop runs over
        # (tcai-pay-x clears a folder's names, then saves the uploads with the same `f`)
        (
            "for x in [tarfile.open(p)]:\n    x\nfor x in [sqlite3.connect(p)]:\n    x\n    x = c\n    x",
            ["tarfile.TarFile", "sqlite3.Connection", None],
        ),
        ("for x in [tarfile.open(p)]:\n    pass\nelse:\n    x\nx = sqlite3.connect(p)", [None]),
    ],
)
def test_a_read_between_two_assignments_has_the_type_of_the_first(body: str, types: list[str | None]) -> None:
    """airflow-xtended-api's `dag_file` is an upload, then the module it was loaded as: where the
    upload is saved, only the first assignment can have set it."""
    code = _TWO_TYPES + textwrap.indent(body, "    ") + "\n"
    assert _types_of_reads(code, "x") == types


def test_a_function_level_import_of_an_object_has_the_objects_type() -> None:
    """tcai-pay-x imports Flask's `request` inside the function that makes the app: its uploads are
    still Flask's file objects."""
    code = (
        "def run_app():\n    from flask import request\n\n    def upload():\n"
        "        request.files\n        for f in request.files.getlist('docs'):\n            f\n"
    )
    assert _types_of_reads(code, "request.files") == ["werkzeug.datastructures.FileMultiDict"]
    assert _types_of_reads(code, "f") == ["werkzeug.datastructures.FileStorage"]
    rebound = code.replace(
        "    from flask import request\n", "    from flask import request\n    request = 1\n"
    )
    assert _types_of_reads(rebound, "request.files") == [None]


@pytest.mark.parametrize(
    ("first", "fallback", "name"),
    [
        ("from lxml import etree", "from xml.etree import ElementTree as etree", "lxml.etree.fromstring"),
        ("import defusedxml.ElementTree as etree", "import xml.etree.ElementTree as etree", None),
    ],
)
def test_an_import_error_fallback_leaves_the_name_to_the_first_import(
    first: str, fallback: str, name: str | None
) -> None:
    """`try: from lxml import etree` / `except ImportError: from xml.etree import ElementTree as
    etree`: where lxml is installed, which is where the code is meant to run, `etree` is lxml's."""
    code = f"try:\n    {first}\nexcept ImportError:\n    {fallback}\netree.fromstring(a)\n"
    resolved = _calls(code)["etree.fromstring(a)"][0]
    assert resolved == (name or "defusedxml.ElementTree.fromstring")
