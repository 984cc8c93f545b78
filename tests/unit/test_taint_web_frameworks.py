"""Request handlers of Tornado and plain WSGI apps, known by type and by the WSGI calling shape,
and path confinement by commonprefix/commonpath; each case has a safe twin."""

from __future__ import annotations

from tests.unit.taint_helpers import rules_of, taint

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
