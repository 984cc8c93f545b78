"""Request handlers of Tornado and plain WSGI apps, known by type and by the WSGI calling shape,
and path confinement by commonprefix/commonpath; each case has a safe twin."""

from __future__ import annotations

import textwrap

import pytest

from tests.unit.taint_helpers import reports, rules_of, taint

TORNADO_PATH = """
import os
import tornado.web

class Files(tornado.web.RequestHandler):
    def get(self, path):
        root = "/srv/static"
        full = os.path.join(root, path)
        with open(full, "rb") as handle:
            self.write(handle.read())
"""

TORNADO_PATH_CONFINED = """
import os
import tornado.web

class Files(tornado.web.RequestHandler):
    def get(self, path):
        root = os.path.realpath("/srv/static")
        full = os.path.realpath(os.path.join(root, path))
        if os.path.commonprefix([root, full]) != root:
            self.set_status(403)
            return
        with open(full, "rb") as handle:
            self.write(handle.read())
"""

TORNADO_NOT_A_HANDLER = """
import os

class Files:
    def get(self, path):
        with open(os.path.join("/srv/static", path), "rb") as handle:
            return handle.read()
"""

TORNADO_REDIRECT = """
from tornado.web import RequestHandler

class Login(RequestHandler):
    def post(self):
        target = self.get_argument("next")
        self.redirect(target)
"""

TORNADO_REDIRECT_CONSTANT = """
from tornado.web import RequestHandler

class Login(RequestHandler):
    def post(self):
        name = self.get_argument("next")
        self.redirect("/home")
"""

TORNADO_REQUEST_PATH = """
from tornado.web import RequestHandler

class Static(RequestHandler):
    def get(self):
        self.redirect(self.request.path + "/", permanent=True)
"""

WSGI_APP = """
import os

class Server:
    def serve(self, env, respond):
        path = env["PATH_INFO"]
        full = os.path.join("/srv/site", path.lstrip("/"))
        respond("200 OK", [("Content-Type", "text/html")])
        return [open(full, "rb").read()]
"""

WSGI_APP_NORMALISED = """
import os
import posixpath

class Server:
    def serve(self, env, respond):
        path = posixpath.normpath("/" + env["PATH_INFO"]).lstrip("/")
        full = os.path.join("/srv/site", path)
        respond("200 OK", [("Content-Type", "text/html")])
        return [open(full, "rb").read()]
"""

NOT_WSGI = """
import os

class Server:
    def serve(self, env, respond):
        path = env["PATH_INFO"]
        respond(path)
        return [open(os.path.join("/srv/site", path), "rb").read()]
"""


def test_tornado_handler_parameters_are_url_parts() -> None:
    assert rules_of(taint(TORNADO_PATH)) == ["taint-path-traversal"]


def test_commonprefix_of_resolved_paths_confines() -> None:
    assert taint(TORNADO_PATH_CONFINED) == []


def test_a_class_that_is_no_handler_has_no_sources() -> None:
    assert taint(TORNADO_NOT_A_HANDLER) == []


def test_tornado_arguments_and_redirect() -> None:
    assert rules_of(taint(TORNADO_REDIRECT)) == ["taint-open-redirect"]
    assert taint(TORNADO_REDIRECT_CONSTANT) == []
    assert rules_of(taint(TORNADO_REQUEST_PATH)) == ["taint-open-redirect"]


def test_wsgi_environ_is_user_input() -> None:
    assert rules_of(taint(WSGI_APP)) == ["taint-path-traversal"]


def test_normpath_of_a_rooted_path_cannot_climb() -> None:
    assert taint(WSGI_APP_NORMALISED) == []


def test_wsgi_is_known_by_the_start_response_call_not_the_names() -> None:
    assert taint(NOT_WSGI) == []


WSGI_HANDING_ON = """
import requests
from urllib.parse import parse_qs


class Mention:
    def __init__(self, fields, start_response):
        self.source = fields["source"][0]
        self.start_response = start_response

    def fetch(self):
        return requests.get(self.source, timeout=5)


class App:
    def __call__(self, environ, start_response):
        fields = parse_qs(environ["wsgi.input"].read().decode())
        Mention(fields, start_response).fetch()
        return []
"""


def test_an_app_with_pep_3333s_names_that_hands_start_response_on_is_wsgi() -> None:
    assert rules_of(taint(WSGI_HANDING_ON)) == ["taint-ssrf"]
    renamed = WSGI_HANDING_ON.replace("environ, start_response", "env, respond").replace(
        "(fields, start_response)", "(fields, respond)"
    )
    renamed = renamed.replace('environ["wsgi.input"]', 'env["wsgi.input"]')
    assert taint(renamed) == []  # other names, and `respond` never called: no WSGI app by its shape


def test_normpath_of_an_unrooted_path_proves_nothing() -> None:
    rooted = 'posixpath.normpath("/" + env["PATH_INFO"])'
    climbing = WSGI_APP_NORMALISED.replace(rooted, 'posixpath.normpath(env["PATH_INFO"])')
    assert climbing != WSGI_APP_NORMALISED
    assert rules_of(taint(climbing)) == ["taint-path-traversal"]


def _security_review(code: str) -> list:
    from prguard.analyzers.security import SecurityAnalyzer
    from prguard.analyzers.taint import TaintAnalyzer
    from prguard.engine.model import ChangedFile
    from prguard.engine.review import review
    from prguard.policies.loader import load_policy

    changed = ChangedFile(path="app/db.py", status="added", head=code.encode(), base=None, patch=None)
    policy = load_policy(repo_text="scope: changed_files\n")
    return review([changed], policy, analyzers=[SecurityAnalyzer(), TaintAnalyzer()]).findings


def test_a_name_bound_nowhere_is_unknown_not_constant() -> None:
    """bandit's finding stays when the value comes from a name the module never binds (a star
    import, a name the snippet leaves out): nothing proves it constant."""
    unknown = "def find(cur):\n    cur.execute(\"SELECT * FROM foo WHERE id = '%s'\" % identifier)\n"
    assert any(f.cwe == 89 for f in _security_review(unknown))
    constant = "identifier = 'a'\n" + unknown
    assert not any(f.cwe == 89 for f in _security_review(constant))


NOTIFY = """
from jinja2 import Environment, BaseLoader

def render_notification(settings, values):
    env = Environment(loader=BaseLoader)
    return env.from_string(settings.get("body", "")).render(**values)
"""


def test_a_template_built_from_the_callers_argument_is_template_injection() -> None:
    """A template is code: like eval, a public function that compiles its caller's text as a
    template is reported (trust_parameters: false), and a sandboxed environment is not."""
    assert rules_of(taint(NOTIFY)) == ["taint-template-injection"]
    sandboxed = NOTIFY.replace("from jinja2 import Environment, BaseLoader", "from jinja2 import BaseLoader")
    sandboxed = sandboxed.replace("Environment(loader", "ImmutableSandboxedEnvironment(loader")
    sandboxed = "from jinja2.sandbox import ImmutableSandboxedEnvironment\n" + sandboxed
    assert taint(sandboxed) == []
    assert taint(NOTIFY, {"trust_parameters": True}) == []


def test_a_call_into_another_module_does_not_call_a_function_of_the_same_name() -> None:
    """`builtins.eval(expression)` inside a public `eval(expression)`: the module's own `eval` is
    not called in the change, so its parameter is the caller's argument."""
    code = "import builtins\n\ndef eval(expression, names):\n    return builtins.eval(expression, names)\n"
    assert rules_of(taint(code)) == ["taint-code-injection"]
    called_here = code + "\n\ndef area():\n    return eval('2 * 3', {})\n"
    assert taint(called_here) == []


SESSIONS = """
import os
import pickle
from flask import request


class FileStore:
    def __init__(self, folder):
        self.folder = folder

    def load(self, sid):
        with open(os.path.join(self.folder, sid), "rb") as handle:
            return handle.read()


class Interface:
    def __init__(self, store):
        self.store = store

    def open_session(self):
        sid = request.cookies.get("session", "")
        return self.store.load(sid)


def make_interface(folder):
    return Interface(FileStore(folder))
"""


def test_a_method_of_an_object_passed_to_the_constructor_is_followed() -> None:
    """`self.store.load(sid)`: `store` is what the module passes to `Interface(...)`, a
    `FileStore`, so the cookie reaches `FileStore.load`'s `open`."""
    assert rules_of(taint(SESSIONS)) == ["taint-path-traversal"]
    assert taint(SESSIONS.replace("self.store.load(sid)", "self.store.load('fixed')")) == []


TORNADO_RAW_REQUEST = """
import subprocess
import tornado.web

class Run(tornado.web.RequestHandler):
    def get(self):
        subprocess.run("grep " + self.request.{member}, shell=True)
"""


def test_tornado_request_line_and_body_are_user_input() -> None:
    """`self.request` of a handler is an HTTPServerRequest by type: its URI, query, body and parsed
    arguments are the client's; the same read on an object of no known type is not a source."""
    for member in ("uri", "query", "body", "arguments['q'][0]", "query_arguments['q'][0]"):
        assert rules_of(taint(TORNADO_RAW_REQUEST.format(member=member))) == ["taint-command-injection"], (
            member
        )
    plain = TORNADO_RAW_REQUEST.replace("(tornado.web.RequestHandler)", "").format(member="query")
    assert taint(plain) == []


TORNADO_SLASH_REDIRECT = """
import tornado.web

class Static(tornado.web.RequestHandler):
    def get(self):
        if not self.request.path.endswith("/"):
            if self.request.path.startswith("//"):
                raise tornado.web.HTTPError(403)
            self.redirect(self.request.path + "/", permanent=True)
"""


def test_a_requested_path_refused_when_protocol_relative_is_a_local_redirect() -> None:
    """The requested path starts with `/`; refusing `//` leaves no other host to go to. The same
    check on a query argument proves nothing (it need not start with `/`, and a browser reads
    `/\\host` as `//host`) unless the value is rooted and both prefixes are refused."""
    assert taint(TORNADO_SLASH_REDIRECT) == []
    unguarded = TORNADO_SLASH_REDIRECT.replace('startswith("//")', 'startswith("///")')
    assert rules_of(taint(unguarded)) == ["taint-open-redirect"]
    argument = TORNADO_SLASH_REDIRECT.replace("self.request.path", "target").replace(
        "    def get(self):\n", '    def get(self):\n        target = self.get_argument("next")\n'
    )
    assert rules_of(taint(argument)) == ["taint-open-redirect"]
    rooted = argument.replace('self.get_argument("next")', '"/" + self.get_argument("next")')
    assert rules_of(taint(rooted)) == ["taint-open-redirect"]
    both = rooted.replace('startswith("//")', 'startswith(("//", "/\\\\"))')
    assert '"/\\\\"' in both
    assert taint(both) == []


AIOHTTP_FILES = """
import os
from aiohttp import web

async def download(request):
    name = request.{member}
    with open(os.path.join("/srv/files", name), "rb") as handle:
        return web.Response(body=handle.read())

async def upload(request):
    form = await request.post()
    with open(os.path.join("/srv/files", form["name"]), "wb") as handle:
        handle.write(b"")
"""


def test_aiohttp_request_parts_are_user_input() -> None:
    """A handler's `request` in an aiohttp module is a web.Request: route parts, query, URL path
    and the posted form are the client's."""
    for member in ("match_info['name']", "query['name']", "rel_url.path", "path"):
        found = rules_of(taint(AIOHTTP_FILES.format(member=member)))
        assert found == ["taint-path-traversal", "taint-path-traversal"], member
    assert (
        taint(AIOHTTP_FILES.replace("from aiohttp import web", "import flask as web").format(member="query"))
        == []
    )


REGISTRY_FILES = """
import os
from typing import Optional

import tornado.web


class Registry:
    def __init__(self):
        self._roots = {}

    def root_of(self, name: str) -> Optional[str]:
        return self._roots.get(name, None)


class Files(tornado.web.RequestHandler):
    def initialize(self, registry: "Registry"):
        self._registry = registry

    def get(self, path: str) -> None:
        parts = path.split("/")
        root = self._registry.root_of(parts[0])
        if root is None:
            return
        root = os.path.realpath(root)
        full = os.path.realpath(os.path.join(root, "/".join(parts[1:])))
        if os.path.commonprefix([root, full]) != root:
            self.set_status(403)
            return
        with open(full, "rb") as handle:
            self.write(handle.read())
"""


def test_a_root_looked_up_by_user_key_confines_like_a_constant_one() -> None:
    """`root` is what the server stored under the user's key, not the user's text: confining the
    resolved path to it holds. A root built from the user's text proves nothing."""
    assert taint(REGISTRY_FILES) == []
    unchecked = REGISTRY_FILES.replace(
        "commonprefix([root, full]) != root", "commonprefix([root, full]) is None"
    )
    assert rules_of(taint(unchecked)) == ["taint-path-traversal"]
    built = REGISTRY_FILES.replace("return self._roots.get(name, None)", 'return os.path.join("/srv", name)')
    assert rules_of(taint(built)) == ["taint-path-traversal"]


HTTPX_PROXY = """
import httpx
from flask import request

client = httpx.Client()

def proxy():
    outgoing = client.build_request("GET", request.args["url"])
    return client.send(outgoing).text

def proxy_request():
    outgoing = httpx.Request("GET", request.args["url"])
    return client.send(outgoing).text

def search():
    outgoing = client.build_request("GET", "https://api.example.com/search", params={"q": request.args["q"]})
    return client.send(outgoing).text
"""


def test_an_httpx_request_built_from_user_url_is_ssrf() -> None:
    """A request built to send later carries its URL: building it from the user's URL is the sink;
    user data in its parameters is not."""
    findings = taint(HTTPX_PROXY)
    assert rules_of(findings) == ["taint-ssrf", "taint-ssrf"]
    assert sorted(f.start_line for f in findings) == [7, 11]


TRAILING_SLASH = """
from tornado import web

class TrailingSlash(web.RequestHandler):
    def get(self):
        path, *rest = self.request.uri.partition("?")
        path = "/" + path.strip("/")
        self.redirect("".join([path, *rest]))
"""

WITH_PARAMS = """
from tornado import web

class RedirectWithParams(web.RequestHandler):
    def initialize(self, url):
        self._url = url

    def get(self):
        sep = "&" if "?" in self._url else "?"
        self.redirect(sep.join([self._url, self.request.query]))
"""


def test_a_redirect_whose_start_the_server_fixes_stays_on_site() -> None:
    """`/` + the requested path without its slashes is a path here, and a query string appended
    to a URL the server chose cannot change the host; the user's text at the start still can."""
    assert taint(TRAILING_SLASH) == []
    assert taint(WITH_PARAMS) == []
    unstripped = TRAILING_SLASH.replace('path = "/" + path.strip("/")', 'path = path.rstrip("/")')
    assert rules_of(taint(unstripped)) == ["taint-open-redirect"]
    argument = TRAILING_SLASH.replace("self.request.uri", 'self.get_argument("next")')
    assert rules_of(taint(argument)) == ["taint-open-redirect"]  # `/\\host` is `//host` to a browser
    user_first = WITH_PARAMS.replace("[self._url, self.request.query]", "[self.request.query, self._url]")
    assert rules_of(taint(user_first)) == ["taint-open-redirect"]


CONFIGURED_START = """
import urllib.parse
from django.conf import settings
from django.shortcuts import redirect


def login(request):
    query = urllib.parse.urlencode({"next": request.GET["next"]})
    return redirect(TARGET)
"""


@pytest.mark.parametrize(
    ("target", "found"),
    [
        ('settings.IDP_URL + "?" + query', False),
        ('f"{settings.IDP_URL}?{query}"', False),
        ("f\"{settings.IDPS[request.GET['idp']]}?{query}\"", False),
        ('request.registry.settings["idp.url"] + "?" + query', False),
        ("f\"{request.GET['idp']}?{query}\"", True),  # the user's start names the host
        ("query + settings.IDP_URL", True),
    ],
)
def test_a_redirect_that_starts_with_a_setting_stays_on_its_host(target: str, found: bool) -> None:
    """What follows a URL read from the server's configuration (Django's settings, Pyramid's
    registry settings, Flask's `current_app.config`) cannot change its host."""
    code = CONFIGURED_START.replace("TARGET", target)
    assert (rules_of(taint(code)) == ["taint-open-redirect"]) is found


STATIC_HELPER = """
import httpx
from flask import Flask, request

app = Flask(__name__)
client = httpx.Client()


class Proxy:
    @staticmethod
    def build(url):
        return client.build_request("GET", url)


@app.route("/proxy")
def proxy():
    helper = Proxy()
    return client.send(helper.build(request.args["url"])).text
"""


def test_a_static_method_called_on_an_object_gets_the_arguments_as_given() -> None:
    """No `self` is bound to a static method: `helper.build(url)` passes `url` to its first
    parameter (a plain method's first parameter is the object)."""
    assert rules_of(taint(STATIC_HELPER)) == ["taint-ssrf"]
    assert taint(STATIC_HELPER.replace('request.args["url"]', '"https://api.example.com/"')) == []


LOGIN_REDIRECT = """
from urllib.parse import urlencode

from tornado import web

class Page(web.RequestHandler):
    def get(self):
        url = self.settings["login_url"]
        url += "?" + urlencode(dict(next=self.request.uri))
        self.redirect(url)
"""


def test_a_query_appended_in_place_to_a_server_url_stays_on_site() -> None:
    """`url += "?" + ...` after a URL from the settings: the `next` parameter cannot move the
    redirect; appending to the user's own URL still can."""
    assert taint(LOGIN_REDIRECT) == []
    users = LOGIN_REDIRECT.replace('self.settings["login_url"]', 'self.get_argument("to")')
    assert rules_of(taint(users)) == ["taint-open-redirect"]


CONTENT_TYPE = """
import mimetypes

from tornado import web

class Files(web.RequestHandler):
    def get(self, path):
        mime_type, _ = mimetypes.guess_type(path)
        self.set_header("Content-Type", mime_type or "application/octet-stream")
        self.set_header("X-Name", path)
"""


def test_a_guessed_mime_type_comes_from_the_servers_table() -> None:
    """The type `mimetypes` guesses from a user's file name is one of its own table's; the name
    itself in a header is still reported."""
    findings = taint(CONTENT_TYPE)
    assert rules_of(findings) == ["taint-header-injection"]
    assert findings[0].start_line == 9


def _relative_to_handler(check: str, handler: str = "raise HTTPException(status_code=403)") -> str:
    return f"""
from pathlib import Path
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse
app = FastAPI()
ROOT = Path("/srv/static")

@app.get("/files/{{name:path}}")
def serve(name: str):
    target = ROOT / name
    try:
        {check}
    except ValueError:
        {handler}
    return FileResponse(target)
"""


def test_relative_to_of_the_resolved_path_in_a_try_confines() -> None:
    assert taint(_relative_to_handler("target.resolve().relative_to(ROOT.resolve())")) == []
    resolved_first = _relative_to_handler("target = target.resolve()\n        target.relative_to(ROOT)")
    assert taint(resolved_first) == []


def test_relative_to_that_proves_nothing() -> None:
    unresolved = _relative_to_handler("target.relative_to(ROOT)")  # `a/../../etc` passes
    walking_up = _relative_to_handler("target.resolve().relative_to(ROOT, walk_up=True)")
    handled = _relative_to_handler("target.resolve().relative_to(ROOT)", handler="pass")
    for code in (unresolved, walking_up, handled):
        assert rules_of(taint(code)) == ["taint-path-traversal"], code


SUBSCRIPT_REDIRECT = """
from urllib.parse import urlparse
from flask import Flask, request, redirect
app = Flask(__name__)

@app.route("/done")
def done():
    state = request.get_json()
    if urlparse(state["next"][0]).netloc != request.host:
        return redirect("/")
    return redirect(state["next"][0])
"""


def test_a_proof_about_a_subscript_holds_where_it_is_read_again() -> None:
    """`data["next"]` checked and then used, as a plain variable would be; any change of the
    container or of that item since the check drops the proof."""
    assert taint(SUBSCRIPT_REDIRECT) == []
    other_item = SUBSCRIPT_REDIRECT.replace('redirect(state["next"][0])', 'redirect(state["next"][1])')
    assert rules_of(taint(other_item)) == ["taint-open-redirect"]
    for change in (
        'state["next"] = request.args.getlist("n")',
        "state = request.get_json()",
        "state.update(request.args)",
        'state["next"][0] = request.args["n"]',
    ):
        changed = SUBSCRIPT_REDIRECT.replace(
            "    return redirect(state", f"    {change}\n    return redirect(state"
        )
        assert rules_of(taint(changed)) == ["taint-open-redirect"], change


def test_a_proof_on_one_branch_of_a_subscript_does_not_hold_after_the_join() -> None:
    code = SUBSCRIPT_REDIRECT.replace(
        '        return redirect("/")\n', '        pass\n    else:\n        print("checked")\n'
    )
    assert rules_of(taint(code)) == ["taint-open-redirect"]


GRPC_SERVICER = """
from pathlib import Path
from app.generated import files_pb2, files_pb2_grpc

ROOT = Path("/srv/logs")


class Files(files_pb2_grpc.FilesServicer):
    def Read(self, request, context):
        return files_pb2.Reply(data=open(ROOT / request.name).read())

    def _helper(self, name, other):
        return open(ROOT / name).read()
"""

GRPC_REGISTERED = """
from pathlib import Path
from app.generated import files_pb2, files_pb2_grpc

ROOT = Path("/srv/logs")


class Agent:
    async def run(self, server):
        files_pb2_grpc.add_FilesServicer_to_server(self, server)

    async def Read(self, req, ctx):
        return files_pb2.Reply(data=(ROOT / req.name).read_text())
"""


def test_grpc_servicer_requests_are_client_input() -> None:
    """A gRPC service's request message is the client's, whether the class subclasses the
    generated `...Servicer` or hands itself to `add_...Servicer_to_server`; a class that does
    neither, and a method that is not a call's entry, has no such source."""
    assert rules_of(taint(GRPC_SERVICER)) == ["taint-path-traversal"]
    assert rules_of(taint(GRPC_REGISTERED)) == ["taint-path-traversal"]
    plain = GRPC_SERVICER.replace("(files_pb2_grpc.FilesServicer)", "")
    assert taint(plain) == []
    unregistered = GRPC_REGISTERED.replace("files_pb2_grpc.add_FilesServicer_to_server(self, server)", "pass")
    assert taint(unregistered) == []


STATIC_FILES_OVERRIDE = """
import os
from starlette.responses import FileResponse
from starlette.staticfiles import StaticFiles


class GZStaticFiles(StaticFiles):
    async def get_response(self, path, scope):
        full_path = os.path.join(str(self.directory), str(path))
        if os.path.exists(full_path + ".gz"):
            return FileResponse(full_path + ".gz", headers={"Content-Encoding": "gzip"})
        return await super().get_response(path, scope)
"""


def test_a_static_files_override_gets_the_requested_path() -> None:
    """Starlette hands `StaticFiles.get_response` the requested path before any check of its own:
    a subclass serving a file of its own from it serves what the client named (saq's gzip
    variant, round 105). A class that is no `StaticFiles` has no such source."""
    assert rules_of(taint({"app/web.py": STATIC_FILES_OVERRIDE})) == ["taint-path-traversal"]
    plain = STATIC_FILES_OVERRIDE.replace("(StaticFiles)", "").replace(
        "await super().get_response(path, scope)", "None"
    )
    assert taint({"app/web.py": plain}) == []


def test_a_path_object_made_of_a_resolved_path_stays_resolved() -> None:
    """`Path(os.path.abspath(p))` then `relative_to(root)` confines, in the handler or in a helper
    it calls (Ray's fix); `Path(p)` alone proves nothing."""
    helper = """
import os
from pathlib import Path
from flask import Flask, request
app = Flask(__name__)
ROOT = Path("/srv")

def resolve(root, filename):
    filepath = Path(os.path.abspath(root / filename))
    try:
        filepath.relative_to(root)
    except ValueError:
        raise FileNotFoundError(filename)
    return filepath.resolve()

@app.route("/a")
def a():
    return open(resolve(ROOT, request.args["n"])).read()
"""
    assert taint(helper) == []
    unresolved = helper.replace("Path(os.path.abspath(root / filename))", "Path(root / filename)")
    assert rules_of(taint(unresolved)) == ["taint-path-traversal"]


def _parents_handler(check: str) -> str:
    return f"""
import os
from pathlib import Path
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse
app = FastAPI()
ROOT = "/srv/static"

@app.get("/files/{{name:path}}")
def serve(name: str):
    target = "/".join((ROOT, name))
    if {check}:
        raise HTTPException(404)
    return FileResponse(target)
"""


def test_a_root_among_the_resolved_paths_parents_confines_it() -> None:
    assert taint(_parents_handler("not Path(ROOT) in Path(target).resolve().parents")) == []
    assert taint(_parents_handler("Path(ROOT) not in Path(target).resolve().parents")) == []
    # unresolved parents keep `..`; a root the user chose proves nothing
    unresolved, users_root = (
        "Path(ROOT) not in Path(target).parents",
        "Path(name) not in Path(target).resolve().parents",
    )
    for check in (unresolved, users_root):
        assert rules_of(taint(_parents_handler(check))) == ["taint-path-traversal"], check


ZOPE_PUBLISHED = """
from OFS.SimpleItem import SimpleItem


class Thing(SimpleItem):
    def logout(self, REQUEST):
        \"\"\"Published: Zope binds REQUEST by name.\"\"\"
        referrer = REQUEST.get("HTTP_REFERER")
        REQUEST["RESPONSE"].redirect(referrer)

    def login(self):
        \"\"\"Published: the request is acquired.\"\"\"
        request = self.REQUEST
        response = request["RESPONSE"]
        came_from = request.form["came_from"]
        return response.redirect(came_from)

    def next(self, REQUEST, RESPONSE):
        \"\"\"Published.\"\"\"
        RESPONSE.redirect(REQUEST["next"])
"""

ZOPE_SERVER_CHOSEN = """
from OFS.SimpleItem import SimpleItem


class Thing(SimpleItem):
    def home(self, REQUEST):
        \"\"\"Published: the site's own URL, and the request's RESPONSE object, are no user input.\"\"\"
        REQUEST["RESPONSE"].redirect(self.absolute_url())
        REQUEST.RESPONSE.redirect(self.absolute_url() + "/view")
"""

NOT_ZOPE = """
class Thing:
    def logout(self, REQUEST):
        REQUEST["RESPONSE"].redirect(REQUEST.get("HTTP_REFERER"))
"""


def test_zope_published_request_and_its_response_redirect() -> None:
    found = taint(ZOPE_PUBLISHED)
    assert rules_of(found) == ["taint-open-redirect"] * 3
    assert sorted(f.start_line for f in found) == [8, 15, 19]


def test_zope_redirect_to_the_sites_own_url_is_clean() -> None:
    assert taint(ZOPE_SERVER_CHOSEN) == []


def test_a_request_parameter_outside_zope_is_nothing_known() -> None:
    assert taint(NOT_ZOPE) == []


TWISTED_RESOURCE = """
import treq
from twisted.web.resource import Resource
from twisted.web.client import Agent
from twisted.internet import reactor


class Fetch(Resource):
    isLeaf = True

    def render_GET(self, req):
        target = req.args[b"url"][0].decode()
        return treq.get(target)

    def render_POST(self, request):
        host = request.getHeader("x-upstream")
        Agent(reactor).request(b"GET", host.encode())
        return b""

    def getChild(self, path, request):
        request.redirect(request.args[b"next"][0])
        return self
"""

TWISTED_SERVER_CHOSEN = """
import treq
from twisted.web.resource import Resource


class Fetch(Resource):
    isLeaf = True
    upstream = "https://api.example.com/status"

    def render_GET(self, request):
        request.redirect(b"/login")
        return treq.get(self.upstream)
"""

NOT_A_RESOURCE = """
import treq


class Fetch:
    def render_GET(self, req):
        return treq.get(req.args[b"url"][0].decode())
"""


def test_twisted_resource_request_is_user_input() -> None:
    found = taint(TWISTED_RESOURCE)
    assert rules_of(found) == ["taint-open-redirect", "taint-ssrf", "taint-ssrf"]
    assert sorted(f.start_line for f in found) == [12, 16, 20]


def test_twisted_resource_with_server_chosen_urls_is_clean() -> None:
    assert taint(TWISTED_SERVER_CHOSEN) == []


def test_render_get_of_a_class_that_is_no_resource_has_no_typed_request() -> None:
    assert taint(NOT_A_RESOURCE) == []


def test_frappe_whitelisted_methods_take_the_requests_arguments() -> None:
    """`@frappe.whitelist()` functions are called over HTTP with the request's arguments, and
    `frappe.form_dict` holds them; `frappe.db.sql` runs SQL; `frappe.throw` raises."""
    code = (
        "import os\nimport frappe\n\n"
        "@frappe.whitelist()\ndef get(name):\n    return open(os.path.join('/srv', name)).read()\n\n"
        "@frappe.whitelist()\ndef rows(company):\n"
        "    return frappe.db.sql(\"select name from tabX where company = '%s'\" % company)\n\n"
        "@frappe.whitelist()\ndef safe_rows(company):\n"
        "    return frappe.db.sql('select name from tabX where company = %s', (company,))\n\n"
        "@frappe.whitelist()\ndef checked(name):\n"
        "    if '/' in name or '..' in name:\n        frappe.throw('bad name')\n"
        "    return open(os.path.join('/srv', name)).read()\n\n"
        "@frappe.whitelist()\ndef counted(n: int):\n    return open('/srv/%d' % n).read()\n\n"
        "def form():\n    n = frappe.form_dict.get('n')\n"
        '    return frappe.db.sql("select 1 from t where n = \'" + n + "\'")\n'
    )
    found = [(f.rule_id, f.start_line) for f in taint(code)]
    assert found == [
        ("taint-path-traversal", 6),
        ("taint-sql-injection", 10),
        ("taint-sql-injection", 28),
    ]


PYRAMID_VIEW = """
import subprocess

from pyramid.view import view_config


@view_config(route_name="run")
def run(request):
    subprocess.run("ls " + request.{member}, shell=True)
    return {{}}
"""


@pytest.mark.parametrize("member", ["matchdict['name']", "params.get('name')", "json_body['name']"])
def test_a_pyramid_requests_route_parts_params_and_body_are_the_clients(member: str) -> None:
    assert rules_of(taint(PYRAMID_VIEW.format(member=member))) == ["taint-command-injection"]


@pytest.mark.parametrize("module", ["pyramid.response", "pyramid.static"])
def test_a_pyramid_file_response_sends_the_file_it_is_named(module: str) -> None:
    """`pyramid.static` imports `FileResponse` from `pyramid.response`: one class, two homes."""
    code = (
        f"import os\nfrom {module} import FileResponse\n\nclass ImageView:\n"
        "    def __init__(self, request):\n        self.request = request\n\n    def __call__(self):\n"
        "        name = self.request.matchdict['name']\n"
        "        return FileResponse(os.path.join('/srv/img', name), self.request)\n"
    )
    assert rules_of(taint(code)) == ["taint-path-traversal"]


@pytest.mark.parametrize(
    ("signature", "use", "found"),
    [
        ("self, name", "name", True),
        ("self, *path", "'/'.join(path)", True),  # the URL's remaining segments
        ("self, **params", "params.get('name', '')", True),  # every query and form field
        ("self, **params", "'report'", False),
    ],
)
def test_a_cherrypy_exposed_methods_parameters_are_the_request(signature: str, use: str, found: bool) -> None:
    code = (
        "import os\nimport cherrypy\n\n\nclass Root:\n    @cherrypy.expose\n"
        f"    def download(self{signature[4:]}):\n"
        f"        return cherrypy.lib.static.serve_file(os.path.join('/srv/files', {use}))\n"
    )
    assert (rules_of(taint(code)) == ["taint-path-traversal"]) is found


@pytest.mark.parametrize(
    "base", ["BaseHTTPRequestHandler", "SimpleHTTPRequestHandler", "CGIHTTPRequestHandler"]
)
def test_the_standard_librarys_handlers_read_the_request_line(base: str) -> None:
    """A gallery server extending `SimpleHTTPRequestHandler` lists the directory a URL names."""
    code = (
        "import os\nimport urllib.parse\nfrom http import server\n\n\n"
        f"class Gallery(server.{base}):\n    def do_GET(self):\n"
        "        folder = urllib.parse.unquote(urllib.parse.urlparse(self.path).path[1:])\n"
        "        self.wfile.write('\\n'.join(os.listdir(folder)).encode())\n"
    )
    assert rules_of(taint(code)) == ["taint-path-traversal"]


@pytest.mark.parametrize(
    ("content_type", "body", "found"),
    [
        ("text/html", "error", True),
        ("text/html; charset=utf-8", "error", True),
        ("text/html", "html.escape(error)", False),
        ("application/json", "error", False),
        ("text/plain", "error", False),
    ],
)
def test_a_standard_library_handler_writes_a_page_it_declares_html(
    content_type: str, body: str, found: bool
) -> None:
    """A command line tool's OAuth callback server (mykrok's) writes the `error` query parameter
    into the page it answers with: the body goes out through `self.wfile`, apart from the headers,
    so the page is HTML only when the handler says so."""
    code = (
        "import html\nfrom http.server import BaseHTTPRequestHandler\n"
        "from urllib.parse import parse_qs, urlparse\n\n\n"
        "class Callback(BaseHTTPRequestHandler):\n    def do_GET(self):\n"
        "        error = parse_qs(urlparse(self.path).query).get('error', ['?'])[0]\n"
        "        self.send_response(400)\n"
        f"        self.send_header('Content-Type', '{content_type}')\n"
        "        self.end_headers()\n"
        f"        self.wfile.write(f'<p>{{{body}}}</p>'.encode())\n"
    )
    assert (rules_of(taint(code)) == ["taint-xss"]) is found


def test_a_standard_library_handler_is_judged_by_the_type_sent_before_each_write() -> None:
    """kindle-anki's handler answers one path with a page and another with JSON: each body is
    what the Content-Type header sent just before it says."""
    code = (
        "import json\nfrom http.server import BaseHTTPRequestHandler\n"
        "from urllib.parse import parse_qs, urlparse\n\n\n"
        "class Study(BaseHTTPRequestHandler):\n    def do_GET(self):\n"
        "        deck = parse_qs(urlparse(self.path).query).get('deck', [''])[0]\n"
        "        if self.path.startswith('/api'):\n"
        "            self.send_header('Content-Type', 'application/json')\n"
        "            self.end_headers()\n"
        "            self.wfile.write(json.dumps({'deck': deck}).encode())\n"
        "            return\n"
        "        self.send_header('Content-Type', 'text/html')\n"
        "        self.end_headers()\n"
        "        self.wfile.write(f'<h1>{deck}</h1>'.encode())\n"
    )
    assert [(f.rule_id, f.start_line) for f in taint(code)] == [("taint-xss", 16)]


@pytest.mark.parametrize(
    "read",
    [
        "request.query.get('name', '')",
        "request.query['name']",
        "request.query.name",
        "request.forms.get('name')",
        "request.params.get('name')",
        "request.get_header('X-Name')",
        "request.get_cookie('name')",
    ],
)
def test_bottles_request_is_the_clients(read: str) -> None:
    """Bottle's thread-local `request`: `query.get` is no model's query."""
    code = "import os\nfrom bottle import Bottle, request\napp = Bottle()\n\n\n@app.get('/f')\ndef f():\n"
    code += f"    return open(os.path.join('/srv', {read})).read()\n"
    assert rules_of(taint(code)) == ["taint-path-traversal"]


@pytest.mark.parametrize(
    ("saved", "found"),
    [
        ("upload.save(os.path.join('/srv/media', upload.raw_filename))", True),
        ("open(os.path.join('/srv/media', request.files['photo'].raw_filename), 'wb')", True),
        ("upload.save(request.forms.get('folder'))", True),
        # `.filename` is Bottle's cleaned base name; a folder given to `save` gets that name
        ("upload.save(os.path.join('/srv/media', upload.filename))", False),
        ("upload.save('/srv/media')", False),
    ],
)
def test_a_bottle_upload_keeps_the_clients_raw_file_name(saved: str, found: bool) -> None:
    code = "import os\nfrom bottle import request, route\n\n\n@route('/up', method='POST')\ndef up():\n"
    code += f"    upload = request.files.get('photo')\n    {saved}\n    return 'ok'\n"
    assert (rules_of(taint(code)) == ["taint-path-traversal"]) is found


@pytest.mark.parametrize(
    ("route", "found"),
    [
        ("@route('/files/<name>')", True),
        ("@route('/files/<name:path>')", True),  # Bottle names the parameter first
        ("@app.get('/files/<name:path>')", True),
        ("@app.post('/files/<name:re:[a-z/.]+>')", True),
        ("@app.get('/files/<name:int>')", False),
    ],
)
def test_bottle_route_parameters_are_the_urls(route: str, found: bool) -> None:
    code = (
        "from bottle import Bottle, route\napp = Bottle()\n\n\n"
        f"{route}\ndef serve(name):\n    return open('/srv/files/%s' % name).read()\n"
    )
    assert (rules_of(taint(code)) == ["taint-path-traversal"]) is found


@pytest.mark.parametrize(
    ("imports", "registration"),
    [
        ("from flask import Flask\napp = Flask(__name__)", "app.add_url_rule('/f/<name>', 'serve', serve)"),
        ("from flask import Flask\napp = Flask(__name__)", "app.add_url_rule('/f/<name>', view_func=serve)"),
        ("from bottle import Bottle\napp = Bottle()", "app.route('/f/<name>', 'GET', serve)"),
        ("from bottle import Bottle\napp = Bottle()", "app.route('/f/<name:path>', callback=serve)"),
    ],
)
def test_a_view_registered_by_a_call_takes_its_routes_parameters(imports: str, registration: str) -> None:
    code = f"{imports}\n\n\ndef serve(name):\n    return open('/srv/' + name).read()\n\n\n{registration}\n"
    assert rules_of(taint(code)) == ["taint-path-traversal"]


def test_bottle_refuses_newlines_in_header_values() -> None:
    code = (
        "from bottle import Bottle, request, response\napp = Bottle()\n\n\n@app.get('/d')\ndef d():\n"
        "    response.set_header('X-Name', request.query.get('n'))\n    return ''\n"
    )
    assert [(f.rule_id, f.severity.value) for f in taint(code)] == [("taint-header-injection", "low")]


ERRBOT_PLUGIN = """
import subprocess
from errbot import BotPlugin, webhook


class Relay(BotPlugin):
    @webhook("/login/<uuid>")
    def login(self, request, uuid):
        return "Session '{}' is unknown".format(uuid)

    @webhook
    def deploy(self, request):
        subprocess.run("deploy " + request["branch"], shell=True)
        return "ok"

    def helper(self, text):
        return "<b>" + text + "</b>"
"""


def test_an_errbot_webhook_takes_the_requests_body_and_route_parts() -> None:
    """errbot serves a plugin's `@webhook` methods from its Flask app: the body and the route's
    parts are the client's, and returned text is HTML (err-stackstorm, round 49)."""
    found = sorted((f.rule_id, f.start_line) for f in taint(ERRBOT_PLUGIN))
    # a method errbot does not serve is a helper: what it returns is no response
    assert found == [("taint-command-injection", 12), ("taint-xss", 8)]


FALCON_RESOURCE = """
import os
import falcon


class Files:
    def on_get(self, req, resp, name):
        resp.stream = open(os.path.join("/srv", name), "rb")

    def on_post_run(self, req, resp):
        os.system("ls " + req.get_param("path"))
        os.system("grep " + req.media["q"])
        raise falcon.HTTPFound(req.get_param("next"))

    def on_get_count(self, req, resp, number: int):
        resp.stream = open(os.path.join("/srv", str(number)), "rb")

    def helper(self, req, resp, name):
        return os.path.join("/srv", name)
"""


def test_a_falcon_responder_takes_its_request_and_url_fields() -> None:
    """Falcon calls `on_<verb>[_suffix](self, req, resp, **fields)`: the request's parameters and
    body and the URL template's fields are the client's (round 51's falcon-dbapi, falcon-autocrud)."""
    found = sorted((f.rule_id, f.start_line) for f in taint(FALCON_RESOURCE))
    assert found == [
        ("taint-command-injection", 10),
        ("taint-command-injection", 11),
        ("taint-open-redirect", 12),
        ("taint-path-traversal", 7),
    ]


SANIC_APP = """
import os
from sanic import Sanic, response

app = Sanic("files")


@app.get("/files/<name>")
async def files(request, name):
    return await response.file(os.path.join("/srv", name))


@app.get("/numbered/<number:int>")
async def numbered(request, number):
    return await response.file(os.path.join("/srv", str(number)))


@app.get("/go")
async def go(request):
    return response.redirect(request.args.get("next"))


@app.get("/hello/<name>")
async def hello(request, name):
    return response.text("hello " + name)
"""


def test_a_sanic_route_takes_its_url_parts() -> None:
    """Sanic's `<name>` (name first, an `int` converter makes a number); a handler returns a
    response object, so plain text is no HTML."""
    found = sorted((f.rule_id, f.start_line) for f in taint(SANIC_APP))
    assert found == [("taint-open-redirect", 19), ("taint-path-traversal", 9)]


JUPYTER_HANDLER = """
import subprocess
from {module} import {base}
from jupyterhub.utils import url_path_join
from tornado.httpclient import AsyncHTTPClient


class Handler({base}):
    async def get(self):
        nxt = self.get_argument("next", None, True)
        if nxt:
            self.redirect(nxt)
        base_url = f"{{self.request.protocol}}://{{self.request.host}}"
        resp = await AsyncHTTPClient().fetch(url_path_join(base_url, "api/contents"))
        api = url_path_join(self.settings["api_url"], self.get_argument("path"))
        await AsyncHTTPClient().fetch(api)
        subprocess.run(resp.body.decode(), shell=True)
"""


@pytest.mark.parametrize("host", ["self.request.host", "self.request.host_name", "self.request.full_url()"])
def test_the_host_header_tornado_reads_is_the_clients(host: str) -> None:
    code = (
        "import requests\nfrom tornado.web import RequestHandler\n\nclass H(RequestHandler):\n"
        f"    def get(self):\n        requests.get('http://' + {host} + '/x', timeout=3)\n"
        f"        self.redirect({host})\n"
    )
    assert rules_of(taint(code)) == ["taint-ssrf"]  # a redirect to the request's own host stays on site


@pytest.mark.parametrize(
    ("module", "base"),
    [
        ("jupyterhub.handlers", "BaseHandler"),
        ("jupyter_server.base.handlers", "APIHandler"),
        ("notebook.base.handlers", "IPythonHandler"),
    ],
)
def test_a_jupyter_servers_handler_is_a_tornado_handler(module: str, base: str) -> None:
    """JupyterHub, Jupyter Server and the classic notebook build their handlers on Tornado's:
    `get_argument`, `self.request.host` (the client's Host header) are the client's; a path joined
    after the server's API URL stays on that host; what a server sends back runs nowhere safe."""
    found = sorted((f.rule_id, f.start_line) for f in taint(JUPYTER_HANDLER.format(module=module, base=base)))
    assert found == [
        ("taint-command-injection", 16),  # the response of a request to the client's host
        ("taint-open-redirect", 11),
        ("taint-ssrf", 13),  # the host is the client's Host header
    ]


ASGI_APP = """
import os
from urllib.parse import urljoin
import httpx


class Proxy:
    upstream = "http://backend:8000/"

    async def __call__(self, scope, receive, send):
        async with httpx.AsyncClient() as client:
            await client.get(urljoin(self.upstream, scope["path"]))
            await client.get(self.upstream + scope.get("root_path", ""))
        os.system("echo " + scope["query_string"].decode())

    def __init__(self, scope, receive, send):  # not an application: no coroutine
        self.log = open(scope["path"])
"""


def test_an_asgi_applications_scope_is_the_clients() -> None:
    """An ASGI application, known by the specification's names (`scope, receive, send`, async):
    the path, query string and headers in its scope are the client's; `root_path`, where the
    server mounts it, is not (mlflow-plugin-manager's static route, round 53)."""
    found = sorted((f.rule_id, f.start_line) for f in taint(ASGI_APP))
    assert found == [("taint-command-injection", 13), ("taint-ssrf", 11)]


PROJECT_CONSTANT_START = """
from django.http import HttpResponseRedirect

from .app_settings import CANONICAL_DOMAIN


def go(request):
    slug = request.META["HTTP_HOST"].split(".", 1)[0]
    return HttpResponseRedirect("{}/{}".format(START, slug))
"""


@pytest.mark.parametrize(
    ("start", "found"),
    [
        ("CANONICAL_DOMAIN", False),
        ('""', True),  # nothing before the `/`: `//evil.example` leaves the site
        ("request.GET['domain']", True),
    ],
)
def test_a_redirect_that_starts_with_a_project_constant_stays_on_its_host(start: str, found: bool) -> None:
    """An upper-case name imported from the project's own settings module is the server's
    configuration, as Django's `settings.X` is: what follows it and a `/` cannot change the host."""
    code = PROJECT_CONSTANT_START.replace("START", start)
    assert (rules_of(taint(code)) == ["taint-open-redirect"]) is found


DJANGO_TEMPLATE_RENDER = """
from django.http import HttpResponse
from django.template import Context, Engine, Template, loader


def engine():
    return Engine(dirs=["templates"]ENGINE_OPTIONS)


def view(request):
    page = PAGE
    return HttpResponse(page.render(CONTEXT))
"""


@pytest.mark.parametrize(
    ("page", "context", "options", "found"),
    [
        ('loader.get_template("x.html")', '{"q": request.GET["q"]}', "", False),
        ('engine().get_template("x.html")', 'Context({"q": request.GET["q"]})', "", False),
        ('Template("<p>{{ q }}</p>")', 'Context({"q": request.GET["q"]})', "", False),
        ('engine().get_template("x.html")', 'Context({"q": request.GET["q"]})', ", autoescape=False", True),
        (
            'engine().from_string("<p>{{ q }}</p>")',
            'Context({"q": request.GET["q"]})',
            ", autoescape=False",
            True,
        ),
    ],
)
def test_a_django_template_escapes_what_it_renders(
    page: str, context: str, options: str, found: bool
) -> None:
    """Django's templates escape the context's values unless their engine turns auto-escaping
    off: the rendered page is no XSS, as `render_to_string`'s is not."""
    code = DJANGO_TEMPLATE_RENDER.replace("PAGE", page).replace("CONTEXT", context)
    code = code.replace("ENGINE_OPTIONS", options)
    assert (rules_of(taint(code)) == ["taint-xss"]) is found


SIBLING_BASE = """
from tornado.web import RequestHandler


class BaseHandler(RequestHandler):
    def redirect(self, url, permanent=False, status=None):
        CHECK
        return SUPER.redirect(url, status=status or 302)
"""
SIBLING_VIEW = """
from .base import BaseHandler


class Login(BaseHandler):
    def post(self):
        next_ = self.get_argument("next", "")
        return self.redirect(next_ or "/")
"""


@pytest.mark.parametrize("call", ["super(BaseHandler, self)", "super()"])
def test_a_handler_whose_base_class_is_in_another_changed_file(call: str) -> None:
    """`Login(BaseHandler)` with `BaseHandler(RequestHandler)` in a sibling file of the change is a
    Tornado handler (its arguments are the client's); `super().redirect(url)` in the base's
    override is Tornado's redirect, so the override's own line is a sink for its callers."""
    base = SIBLING_BASE.replace("SUPER", call).replace("CHECK", "pass")
    findings = taint({"app/base.py": base, "app/views.py": SIBLING_VIEW})
    assert sorted((f.path, f.rule_id) for f in findings) == [
        ("app/base.py", "taint-open-redirect"),
        ("app/views.py", "taint-open-redirect"),
    ]


XBLOCK = """
import pkg_resources
from webob import Response
from xblock.core import XBlock


class PeerInstruction(XBlock):
    @staticmethod
    def resource_string(path):
        return pkg_resources.resource_string(__name__, path).decode("utf8")

    @XBlock.handler
    def get_asset(self, request, suffix=""):
        filename = NAME
        return Response(self.resource_string("static/partials/" + filename), content_type="text/html")

    @XBlock.json_handler
    def save(self, data, suffix=""):
        return {"asset": pkg_resources.resource_string(__name__, "static/" + data["name"])}
"""


@pytest.mark.parametrize(("name", "found"), [("request.params.get('f')", 2), ('"answer.html"', 1)])
def test_an_xblock_handler_takes_the_learner_s_request(name: str, found: int) -> None:
    """`@XBlock.handler` methods get the learner's webob request, `@XBlock.json_handler` ones the
    learner's JSON: a package resource named by either leaves the package (ubcpi's get_asset)."""
    findings = taint(XBLOCK.replace("NAME", name))
    assert rules_of(findings) == ["taint-path-traversal"] * found


@pytest.mark.parametrize(
    ("read", "found"),
    [
        ("request.REQUEST.get('next', '/')", True),  # Django before 1.9: GET and POST merged
        ("request.POST.get('next', '/')", True),
        ("request.session.get('next', '/')", False),
    ],
)
def test_old_djangos_merged_request_dict_is_the_clients(read: str, found: bool) -> None:
    """django-legal's terms view redirects to `request.REQUEST['next']` after a netloc check an
    empty netloc (`///evil.example`) passes (round 131)."""
    code = f"""
from urllib.parse import urlparse
from django.http import HttpResponseRedirect
from django.views.generic import View


class Accept(View):
    def post(self, request):
        redirect_to = {read}
        netloc = urlparse(redirect_to)[1]
        if netloc and netloc != request.get_host():
            redirect_to = "/"
        return HttpResponseRedirect(redirect_to)
"""
    assert ("taint-open-redirect" in rules_of(taint(code))) is found


@pytest.mark.parametrize(
    "rule",
    [
        "'{0}/cameras/<camera_id>/status'.format(prefix)",
        "prefix + '/cameras/<camera_id>/status'",
        "f'{prefix}/cameras/<camera_id>/status'",
        "'/cameras/<camera_id>/status'",
    ],
)
def test_a_route_rule_after_a_prefix_still_names_its_url_parts(rule: str) -> None:
    code = (
        "from flask import Flask\n\ndef add_routes(server, prefix=''):\n    app = server.app\n\n"
        f"    @app.route({rule})\n    def status(camera_id):\n"
        "        return 'No camera with ID {0}'.format(camera_id), 404\n"
    )
    assert "taint-xss" in rules_of(taint(code))
    numbered = code.replace("<camera_id>", "<int:camera_id>")
    assert "taint-xss" not in rules_of(taint(numbered))


_NEXT_MIXIN = """
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import UpdateView


class NextMixin:
    def get_success_url(self):
        {body}
        return super().get_success_url()
"""


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("return self.request.GET['next']", True),  # FormMixin redirects to it
        ("return self.request.GET.get('next') or '/'", True),
        (
            "url = self.request.GET['next']\n"
            "        if url_has_allowed_host_and_scheme(url, allowed_hosts={self.request.get_host()}):\n"
            "            return url",
            False,
        ),
        ("return '/done/?next=' + self.request.GET['next']", False),  # a path of this site's
    ],
)
def test_a_django_success_url_is_where_the_view_redirects(body: str, found: bool) -> None:
    assert ("taint-open-redirect" in rules_of(taint(_NEXT_MIXIN.format(body=body)))) is found


def test_a_success_url_outside_django_is_only_a_method() -> None:
    code = _NEXT_MIXIN.format(body="return self.request.GET['next']").replace("django", "mylib")
    assert "taint-open-redirect" not in rules_of(taint(code))


_ONE_SEGMENT_VIEW = """
import os
from flask import Flask, send_file
app = Flask(__name__)
ROOT = "/srv/files"

@app.route("/files/<{converter}name>/<ext>")
def serve(name, ext):
    return send_file({path})
"""


@pytest.mark.parametrize(
    ("path", "converter", "found"),
    [
        ("os.path.join(ROOT, name + '.jpg')", "", False),  # one segment and `.jpg`: never `..`
        ("f'{ROOT}/{name}.pdf'", "", False),
        ("ROOT + '/' + name + '.pdf'", "", False),
        ("f'{ROOT}/{name}.{ext}'", "", False),  # two segments with a dot: three characters
        ("f\"{ROOT}/{name.replace('_', '/')}.pdf\"", "", True),  # no longer one segment
        ("ROOT + '/' + name", "", True),  # `..` alone climbs
        ("f'{ROOT}/{name}.'", "", True),  # `.` and `.`
        ("f'{ROOT}/{name}/{ext}.txt'", "", True),  # `name` is a component of its own
        ("f'{ROOT}/{name}.pdf'", "path:", True),  # a path part may hold `/`
    ],
)
def test_a_url_segment_with_a_suffix_is_a_name_in_a_folder(path: str, converter: str, found: bool) -> None:
    code = _ONE_SEGMENT_VIEW.format(path=path, converter=converter)
    assert ("taint-path-traversal" in rules_of(taint(code))) is found


def test_a_url_segment_bound_again_is_judged_by_its_new_value() -> None:
    code = _ONE_SEGMENT_VIEW.format(path="f'{ROOT}/{name}.pdf'", converter="").replace(
        "    return send_file", "    name = name.replace('_', '/')\n    return send_file"
    )
    assert "taint-path-traversal" in rules_of(taint(code))


@pytest.mark.parametrize(("part", "found"), [("{crc32}", False), ("{crc32:path}", True)])
def test_a_starlette_path_parameter_is_one_segment(part: str, found: bool) -> None:
    code = (
        "from fastapi import FastAPI\nfrom fastapi.responses import FileResponse\napp = FastAPI()\n"
        f"OUT = '/srv/out'\n\n@app.get('/render/{{output_type}}/{part}')\n"
        "def render(output_type: str, crc32: str):\n"
        "    return FileResponse(f'{OUT}/{crc32}.{output_type}')\n"
    )
    assert ("taint-path-traversal" in rules_of(taint(code))) is found


_PATTERNED_PARAMETER = """
import os
from typing import Annotated
from fastapi import FastAPI, Path, Query
app = FastAPI()
ROOT = "/srv/data"
NAME = r"^[a-zA-Z0-9_]+(?:\\.[a-zA-Z0-9_]+)*$"


@app.get("/files/{name}/raw")
def raw(name: DECLARED):
    return open(os.path.join(ROOT, name)).read()
"""


@pytest.mark.parametrize(
    ("declared", "found"),
    [
        ("str = Path(..., regex=NAME)", False),  # FastAPI before 0.100
        ("str = Path(pattern=NAME)", False),
        ('Annotated[str, Query(pattern=r"^[a-z0-9-]+$")] = "x"', False),
        ('str = Query(..., pattern=r"[a-z0-9-]+")', True),  # searched for: not anchored
        ('str = Query(..., pattern=r"^[a-z0-9./-]+$")', True),  # `/` and `..` get through
        ('str = Query(..., pattern=r"^[a-z.]+$")', True),  # `..` alone
        ("str = Query(...)", True),
        ('str = Depends(lambda: "x")', False),  # not the client's
    ],
)
def test_a_fastapi_parameter_pattern_is_checked_before_the_call(declared: str, found: bool) -> None:
    """FastAPI answers 422 to a parameter its pattern is not found in: the view sees only values
    `re.search(pattern, value)` accepted, which proves what an anchored allow-list proves."""
    code = _PATTERNED_PARAMETER.replace("DECLARED", declared).replace("Query", "Query, Depends", 1)
    assert ("taint-path-traversal" in rules_of(taint(code))) is found


def test_a_pattern_on_a_parameter_of_a_function_not_fastapis_proves_nothing() -> None:
    code = _PATTERNED_PARAMETER.replace("DECLARED", "str = Path(..., regex=NAME)")
    code = code.replace(
        "from fastapi import FastAPI, Path, Query", "from fastapi import FastAPI\nfrom pathlib import Path"
    )
    assert "taint-path-traversal" in rules_of(taint(code))


def test_a_success_url_back_to_the_referer_is_low() -> None:
    found = taint(_NEXT_MIXIN.format(body="return self.request.META.get('HTTP_REFERER')"))
    assert [f.severity.value for f in found if f.rule_id == "taint-open-redirect"] == ["low"]


def test_djangosaml2s_referral_check_keeps_a_success_url_on_site() -> None:
    """openwisp-radius returns `validate_referral_url(request, next)`: djangosaml2 answers the URL
    only when it is on an allowed host, else its login redirect setting."""
    checked = "from djangosaml2.utils import validate_referral_url\n" + _NEXT_MIXIN.format(
        body="return validate_referral_url(self.request, self.request.GET.get('next'))"
    )
    assert "taint-open-redirect" not in rules_of(taint(checked))
    unchecked = _NEXT_MIXIN.format(body="return self.request.GET.get('next')")
    assert "taint-open-redirect" in rules_of(taint(unchecked))


def test_a_method_of_that_name_with_its_own_parameters_is_not_djangos() -> None:
    code = (
        "from django.views import View\n\nclass Login(View):\n"
        "    def get_redirect_url(self, target):\n        return target\n\n"
        "    def get(self, request):\n        return self.start(self.get_redirect_url(request.GET['t']))\n"
    )
    assert "taint-open-redirect" not in rules_of(taint(code))


def test_a_format_field_of_a_route_rule_is_no_url_part() -> None:
    """`"{prefix}/files/{{name}}".format(prefix=BASE)`: `{prefix}` is filled by the format, so a
    handler parameter of that name is a query parameter, which may hold `/`; `{name}` stays."""
    code = (
        "from fastapi import FastAPI\nfrom fastapi.responses import FileResponse\napp = FastAPI()\n"
        "BASE = '/api'\nOUT = '/srv/out'\n\n@app.get('{prefix}/files/{{name}}'.format(prefix=BASE))\n"
        "def serve(prefix: str, name: str):\n    return FileResponse(f'{OUT}/{prefix}.pdf')\n"
    )
    assert "taint-path-traversal" in rules_of(taint(code))
    assert "taint-path-traversal" not in rules_of(taint(code.replace("{prefix}.pdf", "{name}.pdf")))


QUART_APP = """
from quart import Quart, Response, redirect, render_template_string, request, send_file, url_for
app = Quart(__name__)

@app.route("/login", methods=["POST"])
async def login():
    form = await request.form
    return redirect(request.args.get("next") or url_for("index"))

@app.route("/file")
async def download():
    return await send_file(request.args["path"])

@app.route("/preview")
async def preview():
    return await render_template_string(request.args["page"])

@app.route("/echo")
async def echo():
    return Response("<p>" + request.args["text"] + "</p>")
"""


def test_quarts_helpers_are_flasks_sinks() -> None:
    """Quart mirrors Flask's API: aiosyslogd's login sends the user on to `?next=` unchecked."""
    assert sorted((f.rule_id, f.start_line) for f in taint(QUART_APP)) == [
        ("taint-open-redirect", 7),
        ("taint-path-traversal", 11),
        ("taint-template-injection", 15),
        ("taint-xss", 19),
    ]


STARLETTE_PATHS = """
import httpx
from starlette.requests import Request
from starlette.responses import RedirectResponse

BACKEND = "http://backend:8000"


async def forward(request: Request, backend_url: str):
    async with httpx.AsyncClient() as client:
        return await client.request(request.method, backend_url.rstrip("/") + request.url.path)


async def back(request: Request):
    return RedirectResponse(request.url.path)


async def with_slash(request: Request):
    return RedirectResponse(request.url.path + "/")


async def anywhere(request: Request):
    async with httpx.AsyncClient() as client:
        return await client.get(request.url.path)
"""


def test_starlettes_requested_path_starts_with_a_slash() -> None:
    """python-traefik forwards `backend_url.rstrip("/") + request.url.path`: a requested path
    starts with `/`, so the backend's host stays. Redirected back as it is, it is this site's
    page; with a `/` added, `//evil.example` becomes a host, as Flask's `request.path` does."""
    assert sorted((f.rule_id, f.start_line) for f in taint(STARLETTE_PATHS)) == [
        ("taint-open-redirect", 18),
        ("taint-ssrf", 23),
    ]


@pytest.mark.parametrize(
    ("body", "found"),
    [
        # the requested path kept first, with a query the server starts after it (rq-dashboard-fast)
        (
            'target = str(request.url.path)\nif q:\n    target = f"{target}?{q}"\n'
            "return RedirectResponse(target)",
            False,
        ),
        # the part before a route's own literal: the prefix the app is mounted under (taskiq-dashboard)
        (
            'prefix = request.url.path.rsplit("/actions/delete/", 1)[0]\n'
            'return RedirectResponse(prefix or "/")',
            False,
        ),
        ('return RedirectResponse(request.url.path.split("/actions/")[0] or "/")', False),
        # changed first, the path is the client's data again
        ('return RedirectResponse(request.url.path.rstrip("/") + "/")', True),
        ('return RedirectResponse(request.url.path.rsplit("/", 1)[1])', True),
        ("return RedirectResponse(request.url.path.rsplit(sep, 1)[0])", True),
        ('return RedirectResponse(request.url.path.rsplit("/a/", 1)[0] or "//evil.example")', True),
    ],
)
def test_the_requested_path_or_its_leading_part_is_this_sites_page(body: str, found: bool) -> None:
    code = (
        "from starlette.requests import Request\nfrom starlette.responses import RedirectResponse\n\n\n"
        "async def back(request: Request, q: str, sep: str):\n" + textwrap.indent(body, "    ") + "\n"
    )
    assert ("taint-open-redirect" in rules_of(taint(code))) is found


TORNADO_WRITES = """
import json
import tornado.web


class Config(tornado.web.RequestHandler):
    def get(self):
        key = self.get_argument("key")
        self.write("Party configuration '" + key + "' not found")


class Plain(tornado.web.RequestHandler):
    def get(self):
        key = self.get_argument("key")
        self.set_header("Content-Type", "text/plain")
        self.write("no " + key)


class AsJson(tornado.web.RequestHandler):
    def get(self):
        self.write({"key": self.get_argument("key")})


class Dumped(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps({"key": self.get_argument("key")}))


class Finished(tornado.web.RequestHandler):
    def get(self):
        self.finish("<p>" + self.get_argument("key") + "</p>")
"""


def test_a_tornado_handlers_text_is_a_page_unless_typed_otherwise() -> None:
    """Tornado sends what a handler writes as text/html unless it set another Content-Type
    first; a dict it sends as JSON (Mopidy-Party echoes an unknown `?key=` in its 404)."""
    assert sorted((f.rule_id, f.start_line) for f in taint(TORNADO_WRITES)) == [
        ("taint-xss", 8),
        ("taint-xss", 31),
    ]


MIDDLEWARE_REDIRECTS = """
from django.http import HttpResponseRedirect
from starlette.applications import Starlette
from starlette.responses import RedirectResponse

app = Starlette()


@app.middleware("http")
async def strip_token(request, call_next):
    if request.query_params.get("token"):
        return RedirectResponse(request.url.path)
    return await call_next(request)


class LockdownMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "preview-logout" in request.GET:
            return HttpResponseRedirect(request.path)
        return self.get_response(request)
"""


def test_middleware_sees_every_path_so_its_own_path_may_name_a_host() -> None:
    """django-lockdown's middleware sends the browser back to `request.path`: middleware runs for a
    request to `//evil.example/` too, which no route would have matched."""
    assert sorted((f.rule_id, f.start_line) for f in taint(MIDDLEWARE_REDIRECTS)) == [
        ("taint-open-redirect", 11),
        ("taint-open-redirect", 21),
    ]


NETBOX_RETURN_URL = """
from django.utils.http import url_has_allowed_host_and_scheme
from netbox.views.generic import ObjectDeleteView


class BackupDeleteView(BASE):
    def get_return_url(self, request, obj=None):
        return_url = request.GET.get("return_url") or request.POST.get("return_url")
        if return_url and CHECK:
            return return_url
        return "/plugins/backups/"
"""


@pytest.mark.parametrize(
    ("base", "check", "found"),
    [
        ("ObjectDeleteView", 'return_url.startswith("/")', True),  # `//evil.example` starts with `/`
        (
            "ObjectDeleteView",
            "url_has_allowed_host_and_scheme(return_url, allowed_hosts=None)",
            False,
        ),
        ("object", 'return_url.startswith("/")', False),  # not a NetBox view: nobody redirects to it
    ],
)
def test_netbox_views_redirect_to_their_return_url(base: str, check: str, found: bool) -> None:
    """NetBox's object views redirect to what `get_return_url(request, obj)` returns after an edit
    or a delete (netbox-config-backup, round 246)."""
    code = NETBOX_RETURN_URL.replace("BASE", base).replace("CHECK", check)
    assert ("taint-open-redirect" in rules_of(taint({"netbox_backup/views.py": code}))) is found


GRAPHQL_RESOLVERS = """
import os

import graphene
import strawberry
from ariadne import MutationType, QueryType

query = QueryType()
mutation = MutationType()


@strawberry.type
class Query:
    @strawberry.field
    def listing(self, info, folder: str) -> str:
        return os.popen("ls " + folder).read()

    @strawberry.mutation
    def resize(self, size: int) -> str:
        return os.popen("convert -resize " + str(size)).read()

    def helper(self, folder: str) -> str:
        return folder


class GrapheneQuery(graphene.ObjectType):
    def resolve_listing(root, info, folder):
        return os.popen("ls " + folder).read()


@query.field("listing")
def resolve_listing(_, info, folder):
    return os.popen("ls " + folder).read()


@mutation.field("resize")
def resolve_resize(_, info, size: int):
    return os.popen("convert -resize " + str(size)).read()
"""


def test_graphql_resolvers_take_the_client_s_query_arguments() -> None:
    """Strawberry's `@strawberry.field`, a Graphene type's `resolve_<field>` and Ariadne's
    `@query.field(...)` receive what the client's query passes (csv-graphql-cli, gdom: round 253);
    an `int` argument is a number the GraphQL layer checked."""
    found = sorted((f.rule_id, f.start_line) for f in taint({"app/schema.py": GRAPHQL_RESOLVERS}))
    assert found == [
        ("taint-command-injection", 15),
        ("taint-command-injection", 27),
        ("taint-command-injection", 32),
    ]
    assert all("GraphQL argument `folder`" in f.message for f in taint({"app/schema.py": GRAPHQL_RESOLVERS}))


FORM_VIEW = """
from django.shortcuts import redirect
from django.views.generic import FormView


class Submit(FormView):
    def form_valid(self, form):
        form.save()
        return redirect(TARGET)
"""


@pytest.mark.parametrize(
    ("target", "found"),
    [
        ('form.cleaned_data["next"]', True),
        ("form.data.get('next')", True),
        ("form.instance.website", True),
        # djangocms-forms (round 273): the form definition's URL, set by the site's editors
        ("form.redirect_url", False),
        ("form.form_definition.redirect_url", False),
    ],
)
def test_a_bound_forms_own_attributes_are_its_class_s_not_the_client_s(target: str, found: bool) -> None:
    assert reports("taint-open-redirect", FORM_VIEW.replace("TARGET", target)) is found


CKAN_VIEW = """
import ckan.plugins.toolkit as tk
from flask import Blueprint

bp = Blueprint("files", __name__)


@bp.route("/files/delete", methods=["POST"])
def delete():
    came_from = SOURCE
    if came_from:
        return tk.redirect_to(came_from)
    return tk.redirect_to("files.index")
"""


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('tk.h.get_request_param("came_from")', True),  # ckanext-files' delete_file
        ('tk.request.args.get("came_from")', True),
        ('tk.url_for("files.index")', False),
    ],
)
def test_ckan_request_parameters_reach_its_redirect_helper(source: str, found: bool) -> None:
    """CKAN reads a request parameter through `toolkit.h.get_request_param` and redirects with
    `toolkit.redirect_to`, which sends a full URL on as it is."""
    code = CKAN_VIEW.replace("SOURCE", source)
    assert ("taint-open-redirect" in rules_of(taint(code))) is found


_STATIC_HANDLER = """
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlparse

STATIC = Path("/srv/static")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self._serve_static(READ)

    def _serve_static(self, rel_path):
        safe = Path(rel_path.lstrip(STRIP))
        if ".." in safe.parts:
            return None
        self.wfile.write((STATIC / safe).read_bytes())
"""


@pytest.mark.parametrize(
    ("read", "strip", "found"),
    [
        ("urlparse(self.path).path", '"/"', False),  # pybackup-engine's static files
        ("self.path", '"/"', False),
        ("urlparse(self.path).path", '" "', True),  # may still be absolute
        ("urlparse(self.path).path", "b'/'", True),  # no string: proves nothing
    ],
)
def test_a_path_stripped_of_leading_slashes_and_refused_dots_stays_in_its_folder(
    read: str, strip: str, found: bool
) -> None:
    """`p.lstrip("/")` leaves no leading `/` whatever `p` is (only a string takes a string of
    characters to strip), and a URL's `path` field is a string: refused `..` too, it stays under
    the folder it is joined to, also in a helper the handler hands it to."""
    code = _STATIC_HANDLER.replace("READ", read).replace("STRIP", strip)
    assert ("taint-path-traversal" in rules_of(taint(code))) is found


@pytest.mark.parametrize(
    ("route", "found"),
    [
        ('@routes.get("/doc/{name}")', False),  # aiohttp's default pattern holds no `/`
        ('@routes.get("/doc/{name:.*}")', True),
        ('@routes.get("/doc/{name:[^{}]+}")', True),
    ],
)
def test_an_aiohttp_route_part_of_one_segment_names_a_file_in_its_folder(route: str, found: bool) -> None:
    code = "import os\nfrom aiohttp import web\nroutes = web.RouteTableDef()\n\n\n" + route + "\n"
    code += "async def doc(request):\n    name = request.match_info['name']\n"
    code += "    with open(os.path.join('/srv/docs', name + '.md')) as f:\n"
    code += "        return web.Response(text=f.read())\n"
    assert (rules_of(taint(code)) == ["taint-path-traversal"]) is found


@pytest.mark.parametrize(("path", "found"), [('"/r/{name}"', False), ('"/r/{name:.+}"', True)])
def test_an_aiohttp_handler_registered_on_the_router_takes_its_routes_parts(path: str, found: bool) -> None:
    code = "import os\nfrom aiohttp import web\n\n\nasync def doc(request):\n"
    code += "    name = request.match_info.get('name')\n"
    code += "    with open(os.path.join('/srv/docs', name + '.md')) as f:\n"
    code += "        return web.Response(text=f.read())\n"
    code += f"\n\napp = web.Application()\napp.router.add_get({path}, doc)\n"
    assert (rules_of(taint(code)) == ["taint-path-traversal"]) is found


@pytest.mark.parametrize(
    ("made", "found"),
    [
        # a folder of a type this run does not know, then the client's text after `/`: a path
        ("request.app.state.folder_path / 'sites' / data.get('filename')", True),
        ("request.app.state.folder_path / 'sites' / 'index.html'", False),
    ],
)
def test_a_name_joined_with_slash_onto_an_unknown_folder_is_a_path(made: str, found: bool) -> None:
    code = "from fastapi import FastAPI, Request\napp = FastAPI()\n\n\n@app.post('/delete')\n"
    code += f"async def delete(request: Request):\n    data = await request.json()\n    target = {made}\n"
    code += "    target.unlink()\n    return {'ok': True}\n"
    assert (rules_of(taint(code)) == ["taint-path-traversal"]) is found


CHECKED_AFTER_JOIN = """
import os
from pathlib import Path
from flask import Flask, request, abort
app = Flask(__name__)
STATIC = Path("/srv/static")


@app.route("/f")
def f():
    name = request.args["name"]
    JOIN
    if TEST:
        abort(404)
    BETWEEN
    return open(target).read()
"""


@pytest.mark.parametrize(
    ("join", "test", "between", "found"),
    [
        # the name checked after the path was made of it: the path is checked too
        ("target = STATIC / name", '"/" in name or name.startswith(".")', "", False),
        ("target = os.path.join(STATIC, name)", '"/" in name or ".." in name', "", False),
        # a check that leaves `..` through, a name bound again, a path made again: not proven
        ("target = STATIC / name", '"/" in name', "", True),
        ("target = STATIC / name", '"/" in name or name == "."', "", True),  # `..` gets through
        ("target = STATIC / name\n    name = 'x'", '"/" in name or name.startswith(".")', "", True),
        (
            "target = STATIC / name",
            '"/" in name or name.startswith(".")',
            "target = STATIC / request.args['other']",
            True,
        ),
    ],
)
def test_a_check_of_a_name_holds_of_the_path_made_of_it_just_before(
    join: str, test: str, between: str, found: bool
) -> None:
    code = (
        CHECKED_AFTER_JOIN.replace("JOIN", join).replace("TEST", test).replace("BETWEEN", between or "pass")
    )
    assert ("taint-path-traversal" in rules_of(taint(code))) is found


def test_an_aiohttp_part_refused_when_it_starts_with_a_dot_names_a_file_in_the_folder() -> None:
    """opentapovac's `/static/{name}`: one segment, refused when it starts with `.`."""
    code = "from pathlib import Path\nfrom aiohttp import web\nroutes = web.RouteTableDef()\n"
    code += "STATIC = Path('/srv/static')\n\n\n@routes.get('/static/{name}')\nasync def static(request):\n"
    code += "    name = request.match_info['name']\n    f = STATIC / name\n"
    code += "    if name.startswith('.') or not f.is_file():\n        raise web.HTTPNotFound()\n"
    code += "    return web.Response(text=f.read_text())\n"
    assert "taint-path-traversal" not in rules_of(taint(code))
    assert "taint-path-traversal" in rules_of(taint(code.replace("{name}", "{name:.*}")))
