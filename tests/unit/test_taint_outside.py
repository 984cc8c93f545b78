"""Lessons from real handler code: inherited helpers, and project code outside the change."""

from __future__ import annotations

import pytest

from tests.unit.taint_helpers import reports, rules_of, taint

BASE = (
    "from flask import url_for\n\nclass BaseView:\n"
    "    def get_url(self, endpoint, **kwargs):\n        return url_for(endpoint, **kwargs)\n"
)
VIEW = (
    "from flask import request, redirect\nfrom app.base import BaseView\n\nclass Files(BaseView):\n"
    "    def delete(self):\n        path = request.form['path']\n"
    "        return redirect(self.get_url('.index', path=path))\n"
)


def test_a_method_inherited_from_a_changed_module_is_followed() -> None:
    assert taint({"app/base.py": BASE, "app/views.py": VIEW}) == []  # url_for: no open redirect


def test_project_code_outside_the_change_gives_a_low_confidence_flow() -> None:
    code = (
        "from flask import request, redirect\nfrom app.utils import make_safe\n\n@app.route('/x')\n"
        "def x():\n    return redirect(make_safe(request.args['next']))\n"
    )
    assert taint({"app/views.py": code}) == []  # hidden at the default min_confidence: medium
    low = taint({"app/views.py": code}, {"min_confidence": "low"})
    assert rules_of(low) == ["taint-open-redirect"] and low[0].confidence == "low"


def test_ssrf_through_client_objects_by_type() -> None:
    code = (
        "import aiohttp, httpx, requests\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
        "@app.route('/fetch')\nasync def fetch():\n    url = request.args['u']\n"
        "    async with aiohttp.ClientSession() as http:\n        await http.get(url)\n"
        "    client = httpx.Client()\n    client.post(url)\n"
        "    s = requests.Session()\n    s.request('GET', url)\n"
        "    return 'ok'\n"
    )
    findings = taint({"app/views.py": code})
    assert [(f.rule_id, f.start_line, f.cwe) for f in findings] == [
        ("taint-ssrf", 9, 918),
        ("taint-ssrf", 11, 918),
        ("taint-ssrf", 13, 918),
    ]


def test_a_check_in_the_caller_proves_a_private_helpers_sink() -> None:
    from prguard.analyzers.taint import TaintAnalyzer

    from tests.unit.taint_helpers import context

    code = (
        "import os, re\nfrom flask import Flask, request, abort\napp = Flask(__name__)\n\n"
        "@app.route('/deploy')\ndef deploy():\n    branch = request.form['branch']\n"
        "    if not re.fullmatch(r'[A-Za-z0-9_-]{1,64}', branch):\n        abort(400)\n"
        "    _checkout(branch)\n    return 'ok'\n\n"
        "def _checkout(branch):\n    os.system('git checkout ' + branch)\n"
    )
    analyzer = TaintAnalyzer()
    assert list(analyzer.analyze([context("app/views.py", code)])) == []
    assert (14, 78) in analyzer.cleared["app/views.py"]
    unchecked = code.replace(
        "    if not re.fullmatch(r'[A-Za-z0-9_-]{1,64}', branch):\n        abort(400)\n", ""
    )
    analyzer = TaintAnalyzer()
    assert [f.start_line for f in analyzer.analyze([context("app/views.py", unchecked)])] == [12]
    assert (12, 78) not in analyzer.cleared.get("app/views.py", set())


def test_a_plugin_loader_taking_its_callers_name_is_not_code_injection() -> None:
    code = "import importlib\n\ndef load(name):\n    return importlib.import_module(name)\n"
    assert taint({"lib/plugins.py": code}) == []
    view = (
        "import importlib\nfrom flask import Flask, request\napp = Flask(__name__)\n\n@app.route('/p')\n"
        "def plugin():\n    importlib.import_module(request.args['m'])\n    return 'ok'\n"
    )
    assert rules_of(taint({"app/views.py": view})) == ["taint-code-injection"]


UPLOADER = """
import os
import aiofiles
from fastapi import UploadFile


class Uploads:
    def __init__(self, folder: str):
        self.folder = folder

    async def save(self, name: str, content: bytes):
        async with aiofiles.open(os.path.join(self.folder, name), "wb") as out:
            await out.write(content)

    async def upload(self, file: UploadFile):
        return await self.save(file.filename, await file.read())
"""


def test_an_uploaded_files_name_is_the_clients_wherever_the_file_comes_from() -> None:
    """fastapi-admin's `FileUpload.upload(file: UploadFile)`: Starlette keeps the name the
    client sent, directories and all; `aiofiles.open` opens a path as `open` does."""
    assert rules_of(taint({"admin/file_upload.py": UPLOADER})) == ["taint-path-traversal"]
    named = UPLOADER.replace("file.filename", "secure_filename(file.filename)")
    named = named.replace("import aiofiles", "import aiofiles\nfrom werkzeug.utils import secure_filename")
    assert taint({"admin/file_upload.py": named}) == []


CONFIGURED_RENDERER = """
from django.conf import settings
from django.http import HttpResponse
from django.utils.module_loading import import_string


def preview(request):
    render = import_string(settings.MARKDOWN_RENDERER)
    return HttpResponse(render(request.POST["content"]))
"""


def test_a_function_a_setting_names_is_out_of_sight_as_project_code_is() -> None:
    """martor's and markdownx's previews render with the function their settings name (by
    default one that cleans HTML): a low-confidence flow, hidden by default."""
    assert taint(CONFIGURED_RENDERER) == []
    shown = taint(CONFIGURED_RENDERER, {"min_confidence": "low"})
    assert rules_of(shown) == ["taint-xss"] and shown[0].confidence == "low"
    direct = CONFIGURED_RENDERER.replace("render(request.POST", "(request.POST")
    assert rules_of(taint(direct)) == ["taint-xss"]


STORED_KEY = """
import os
import tempfile
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from .models import Captcha


def audio(request, key):
    try:
        Captcha.objects.get({lookup}=key)
    except Captcha.DoesNotExist:
        {handler}
    os.remove(os.path.join(tempfile.gettempdir(), key + ".wav"))
"""


@pytest.mark.parametrize(
    ("lookup", "handler", "found"),
    [
        ("hashkey", "return HttpResponse(status=410)", False),
        ("hashkey__exact", "raise", False),
        ("hashkey", "pass", True),  # not found, and used all the same
        ("hashkey__startswith", "return HttpResponse(status=410)", True),
    ],
)
def test_a_key_found_in_the_database_is_the_databases(lookup: str, handler: str, found: bool) -> None:
    """django-simple-captcha names its temporary file after a key it looked up first: only a
    stored key gets there."""
    code = STORED_KEY.format(lookup=lookup, handler=handler)
    assert bool(taint({"captcha/views.py": code})) is found


LDAP_HELPER = """
import ldap
from ldap.filter import escape_filter_chars


class Directory:
    def __init__(self, url):
        self.conn = ldap.initialize(url)

    def find_user(self, username):
        return self.conn.search_s("dc=example", ldap.SCOPE_SUBTREE, {filter_text})
"""


@pytest.mark.parametrize(
    ("filter_text", "found"),
    [
        ('f"(&(objectClass=person)(uid={username}))"', True),
        ('"(uid=%s)" % username', True),
        ('"(uid={0})".format(username)', True),
        ('"(uid=%s)" % escape_filter_chars(username)', False),
        ("username", False),  # the whole filter is what the caller asks for: the API
    ],
)
def test_a_parameter_written_into_an_ldap_filter_is_the_callers(filter_text: str, found: bool) -> None:
    """Flask LDAP extensions build the user search from `authenticate(username, ...)`: the
    login form's text, unless escaped."""
    code = LDAP_HELPER.format(filter_text=filter_text)
    assert (rules_of(taint({"flask_ldap/directory.py": code})) == ["taint-ldap-injection"]) is found


@pytest.mark.parametrize(
    ("helper", "found"),
    [
        ("def pick(query):\n    return query.get('next', '/')\n", True),
        ("def pick(objects):\n    return objects.get('next', '/')\n", True),
        # a model's query is the database's
        (
            "from app.models import Page\ndef pick(query):\n    return Page.query.get(query['id']).url\n",
            False,
        ),
    ],
)
def test_a_variable_named_query_is_no_database_read(helper: str, found: bool) -> None:
    """`*.query.get` stands for `Model.query.get`: a parameter named `query` holding the
    request's arguments is still the request's."""
    code = f"from django.shortcuts import redirect\n\n{helper}\n\ndef view(request):\n"
    code += "    return redirect(pick(request.GET))\n"
    assert (rules_of(taint({"app/views.py": code})) == ["taint-open-redirect"]) is found


@pytest.mark.parametrize("module", ["django.http", "django.http.response"])
def test_a_response_imported_from_where_it_is_defined_is_the_same_sink(module: str) -> None:
    """shuup imports `HttpResponseNotFound` from `django.http.response`, where Django defines it."""
    code = f"from {module} import HttpResponseNotFound\n\n\ndef missing(request, view):\n"
    code += '    return HttpResponseNotFound("No view %s" % view)\n'
    assert rules_of(taint({"shop/views.py": code})) == ["taint-xss"]


def test_reverse_under_its_old_module_name_builds_a_site_url() -> None:
    """django-mfa2 falls back to `django.core.urlresolvers.reverse` (Django before 2.0)."""
    code = (
        "from django.http import HttpResponseRedirect\ntry:\n    from django.urls import reverse\n"
        "except ImportError:\n    from django.core.urlresolvers import reverse\n\n\n"
        "def goto(request, method):\n    return HttpResponseRedirect(reverse(method.lower() + '_auth'))\n"
    )
    assert taint({"mfa/views.py": code}) == []


@pytest.mark.parametrize(
    ("engine", "found"),
    [("from django.template import Template", False), ("from jinja2 import Template", True)],
)
def test_a_library_compiling_the_template_it_is_given(engine: str, found: bool) -> None:
    """Django's template language runs no Python: dbtemplates checking an admin's template text is its
    API. Jinja's runs code outside a sandbox: the caller's text there is reported."""
    code = f"{engine}\n\n\ndef check_template_syntax(template):\n    return Template(template.content)\n"
    assert bool(taint({"dbtemplates/utils/template.py": code})) is found


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("os.system('ping -c 1 ' + host)", True),
        ("subprocess.run(f'git clone {host} /srv/repo', shell=True)", True),
        # a shell run on the caller's text: whatever reaches the caller reaches the shell
        ("subprocess.run(host, shell=True)", True),
        ("subprocess.Popen([host, '/tmp/job.pdf'])", False),  # the program the caller names
    ],
)
def test_a_parameter_written_into_a_command_line_is_the_callers(body: str, found: bool) -> None:
    """A library's `ping(host)` that writes `host` into a command line is its caller's injection;
    one that runs the program the caller names, without a shell, is its API."""
    code = f"import os\nimport subprocess\n\n\ndef run(host):\n    {body}\n"
    assert (rules_of(taint({"lib/net.py": code})) == ["taint-command-injection"]) is found


@pytest.mark.parametrize(
    ("sink", "found"),
    [
        ("self.command + [name]", False),
        ("['lp', '-d', self.command, name]", False),
        ("'lp ' + self.command", True),
    ],
)
def test_a_command_a_constructor_was_given_is_the_objects_api(sink: str, found: bool) -> None:
    """A print server's `RunCommandPrinter(command)` runs the command its operator configured."""
    shell = ", shell=True" if found else ""
    code = (
        "import subprocess\n\n\nclass RunCommandPrinter:\n    def __init__(self, command):\n"
        "        self.command = command\n\n"
        f"    def print_job(self, name):\n        subprocess.Popen({sink}{shell})\n"
    )
    assert (rules_of(taint({"printing/behaviour.py": code})) == ["taint-command-injection"]) is found


def test_commands_an_object_was_given_run_through_its_helper_are_its_api() -> None:
    """sphinx-autobuild's Builder runs its operator's pre-build commands through a private helper."""
    code = (
        "import subprocess\n\n\nclass Builder:\n    def __init__(self, pre_build_commands):\n"
        "        self.pre_build_commands = pre_build_commands\n\n"
        "    def __call__(self):\n        self._run_commands(self.pre_build_commands)\n\n"
        "    def _run_commands(self, commands):\n        for command in commands:\n"
        "            subprocess.run(command, check=True)\n"
    )
    assert taint({"autobuild/build.py": code}) == []
    shell = code.replace(
        "subprocess.run(command, check=True)", "subprocess.run('make ' + command, shell=True)"
    )
    assert rules_of(taint({"autobuild/build.py": shell})) == ["taint-command-injection"]


SHORTENER = (
    "from fastapi import FastAPI\nfrom fastapi.responses import RedirectResponse\n{imports}\n"
    "app = FastAPI()\n{made}\n\n@app.get('/{{code}}')\ndef go(code: str):\n"
    "    return RedirectResponse(url={lookup}, status_code=307)\n"
)


@pytest.mark.parametrize(
    ("imports", "made", "lookup", "found"),
    [
        # a store class of this project the change does not show: unseen code, a low-confidence flow
        ("from app.storage import LinkStore", "store: LinkStore = LinkStore()", "store.resolve(code)", False),
        # an unknown library's object asked for what it holds under the code: the store's data
        ("import pugsql", "queries = pugsql.module('sql/')", "queries.get_url(id=code)['url']", False),
        ("import pugsql", "queries = pugsql.module('sql/')", "queries.find_by_code(code).url", False),
        # the same object's other methods may hand the data back
        ("import pugsql", "queries = pugsql.module('sql/')", "queries.normalise(code)", True),
        # a lookup verb on an object made by this project's code, or of no known maker, proves nothing
        ("from app.links import make", "queries = make()", "queries.get_url(id=code)", False),
        ("", "from app.links import *", "queries.get_url(id=code)", True),
        # rows a statement on a database returns are its data, whatever chose them
        (
            "import sqlite3",
            "db = sqlite3.connect('x.db')",
            "db.execute('select url from l where c=?', (code,)).fetchone()[0]",
            False,
        ),
        # one stored record found by a field (dataset's and pymongo's `find_one`)
        (
            "import dataset",
            "table = dataset.connect('sqlite:///x.db')['links']",
            "table.find_one(code=code)['url']",
            False,
        ),
        ("from app.db import links", "", "links.find_one({'code': code})['url']", False),
        (
            "from sqlalchemy import select\nfrom app.models import Link\nfrom app.db import session",
            "",
            "session.execute(select(Link.url).where(Link.code == code)).scalar_one()",
            False,
        ),
        (
            "from sqlalchemy import update\nfrom app.models import Link\nfrom app.db import session",
            "",
            "session.execute(update(Link).where(Link.code == code).returning(Link.url)).first()[0]",
            False,
        ),
    ],
)
def test_what_a_store_answers_for_a_key_is_the_stores(
    imports: str, made: str, lookup: str, found: bool
) -> None:
    """A URL shortener redirecting to what its store holds for the client's code: the code picks
    the row; the URL is the store's (pygmy-url on pugsql, bh-urlshortener on SQLAlchemy)."""
    code = SHORTENER.format(imports=imports, made=made, lookup=lookup)
    assert ("taint-open-redirect" in rules_of(taint(code))) is found


@pytest.mark.parametrize(
    ("start", "found"),
    [
        ('request.scope.get("root_path", "")', False),  # where the server mounts the app
        ('request.scope["root_path"]', False),
        ('request.scope.get("path", "")', True),  # the path the client asked for
        ('request.query_params.get("next", "")', True),
    ],
)
def test_what_the_server_puts_in_an_asgi_scope_is_the_servers(start: str, found: bool) -> None:
    """rq-dashboard-fast redirects to its own mount path (`root_path`) plus a constant."""
    code = (
        "from fastapi import FastAPI, Request\nfrom fastapi.responses import RedirectResponse\n"
        "app = FastAPI()\n\n@app.get('/')\nasync def home(request: Request):\n"
        f"    return RedirectResponse(url={start} + '/queues', status_code=302)\n"
    )
    assert ("taint-open-redirect" in rules_of(taint(code))) is found


@pytest.mark.parametrize(
    ("cleaned", "found"),
    [
        ("re.sub('[^a-f0-9]', '', value)", False),  # pyramid-file-session's session id
        ("re.sub(r'[^A-Za-z0-9_-]+', '_', value)", False),
        ("re.sub(r'[^\\w.-]', '', value)", True),  # `..` is left
        ("re.sub('[^a-f0-9/]', '', value)", True),  # `/` is left
        ("re.sub('[^a-f0-9]', '/', value)", True),  # the replacement brings `/`
        ("re.sub('[a-f0-9]', '', value)", True),  # removes the allowed ones instead
        ("re.sub('[^a-f0-9]', '', value, count=1)", True),  # only the first is removed
    ],
)
def test_removing_every_character_outside_a_class_leaves_only_the_class(cleaned: str, found: bool) -> None:
    """A session id cleaned to hex digits names a file among the server's own: no traversal, and
    no pickle the client wrote."""
    code = (
        "import os, pickle, re\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
        "@app.route('/s')\ndef session():\n    value = request.cookies.get('sid', '')\n"
        f"    name = {cleaned}\n"
        "    with open(os.path.join('/var/sessions', name), 'rb') as f:\n        return str(pickle.load(f))\n"
    )
    assert ("taint-path-traversal" in rules_of(taint(code))) is found


@pytest.mark.parametrize(
    ("path", "found"),
    [
        # gooey-theatergwd (round 274): no separator survives, and `.json` ends the name
        ('os.path.join(SHOWS, safe + ".json")', False),
        ('f"{SHOWS}/{safe}.json"', False),
        ("os.path.join(SHOWS, safe)", True),  # `..` alone is the folder's parent
        ('os.path.join(SHOWS, safe + ".")', True),  # `...` is no name: `..` and a dot
        ('os.path.join(SHOWS, re.sub(r"[^\\w/.-]", "_", name) + ".json")', True),  # `/` survives
    ],
)
def test_text_cleaned_of_every_separator_then_named_is_a_file_in_its_folder(path: str, found: bool) -> None:
    code = (
        "import os, re\nfrom flask import Flask, request\napp = Flask(__name__)\nSHOWS = '/srv/shows'\n\n"
        "@app.route('/shows')\ndef show():\n    name = request.args['name']\n"
        "    safe = re.sub(r'[^\\w\\-. ]', '_', name)\n"
        f"    with open({path}) as f:\n        return f.read()\n"
    )
    assert ("taint-path-traversal" in rules_of(taint(code))) is found


def test_a_function_shaped_like_a_view_takes_what_its_callers_pass() -> None:
    """django-rq's `rq_viewname(request, viewname)` builds a view name; its views call it with
    constants. Called from this project's code, its parameters are the caller's, not URL parts."""
    helper = (
        "from django.http import HttpRequest\nfrom django.shortcuts import redirect\n\n"
        "def rq_viewname(request: HttpRequest, viewname: str) -> str:\n"
        "    return f'django_rq:{{viewname}}'\n\n"
        "def delete_job(request: HttpRequest, job_id: str):\n"
        "    return redirect(rq_viewname(request, {arg}))\n"
    )
    assert taint(helper.format(arg='"jobs"')) == []
    assert rules_of(taint(helper.format(arg="job_id"))) == ["taint-open-redirect"]


@pytest.mark.parametrize(
    ("built", "found"),
    [
        ("url = service['url']\n    url += '/' + extra", False),  # pyramid-twitcher's proxy
        ("url = service['url'] + '/' + extra", False),
        ("url = service['url']\n    url += extra", True),
        ("url = 'http://'\n    url += extra + '/wps'", True),
    ],
)
def test_a_path_after_a_start_the_caller_gave_stays_on_its_host(built: str, found: bool) -> None:
    code = (
        "import requests\n\ndef owsproxy(request, service):\n"
        "    extra = request.matchdict.get('extra_path')\n"
        f"    {built}\n    return requests.get(url, timeout=5)\n"
    )
    assert ("taint-ssrf" in rules_of(taint(code))) is found


@pytest.mark.parametrize(("method", "found"), [("get_resource", False), ("normalise", True)])
def test_a_library_typed_object_asked_for_a_key_answers_with_its_data(method: str, found: bool) -> None:
    """simple-repository-server: a router built around a `SimpleRepository` serves the file the
    repository names for the requested project and resource."""
    code = (
        "from fastapi import APIRouter\nfrom fastapi.responses import FileResponse\n"
        "from simple_repository import SimpleRepository\n\n"
        "def build_router(repository: SimpleRepository) -> APIRouter:\n    router = APIRouter()\n\n"
        "    @router.get('/resources/{project}/{name}')\n    async def resource(project: str, name: str):\n"
        f"        found = await repository.{method}(project, name)\n"
        "        return FileResponse(path=found.path)\n\n    return router\n"
    )
    assert ("taint-path-traversal" in rules_of(taint(code))) is found


@pytest.mark.parametrize(
    ("base", "call", "found"),
    [
        # `_auth` is set by a base class of this project the review does not see
        ("PalletAuth", "self._auth.complete_log_in(request.args)", False),
        # what a method of such a base returns is made by project code too
        ("PalletAuth", "self._build_auth(request.args).complete_log_in(request.args)", False),
        # a class of no such base: an object of unknown make keeps what it was given
        ("object", "self._auth.complete_log_in(request.args)", True),
    ],
)
def test_objects_an_unseen_base_class_makes_are_project_code(base: str, call: str, found: bool) -> None:
    """identity's Flask and Django helpers redirect to what their `Auth` (set up by a base class
    in another module) stored for the login: a call into project code the change does not show."""
    code = (
        "from flask import request, redirect\nfrom app.pallet import PalletAuth\n\n"
        f"class Auth({base}):\n    def auth_response(self):\n"
        f"        result = {call}\n        return redirect(result.get('next_link') or '/')\n"
    )
    assert reports("taint-open-redirect", code, "app/flask.py") is found


#: a library function rendering a template its caller points at (BODY: how it gets the text)
RENDER_MAIL = (
    "def render_mail(config_path, **values):\n    BODY\n    return env.from_string(text).render(**values)\n"
)


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("with open(config_path) as handle:\n        text = handle.read()", False),  # libreforms' mails
        ("text = open(config_path).read()", False),
        ("text = config_path", True),  # the caller's own text
    ],
)
def test_a_file_the_caller_names_holds_what_was_written_there(body: str, found: bool) -> None:
    """A library that compiles the template kept in a file its caller names reads that file,
    not text the caller wrote: Jinja's own loaders do the same."""
    code = "import jinja2\n\nenv = jinja2.Environment()\n\n\n" + RENDER_MAIL.replace("BODY", body)
    assert reports("taint-template-injection", code, "lib/mail.py") is found


def test_a_file_a_request_names_keeps_the_requests_data_through_a_helper() -> None:
    """The same helper, called by a view with the client's path: the client may have written
    that file (an upload), so what it holds still reaches the template."""
    code = (
        "import jinja2\nfrom flask import Flask, request\n\n"
        "app = Flask(__name__)\nenv = jinja2.Environment()\n\n\n"
        + RENDER_MAIL.replace("BODY", "with open(config_path) as handle:\n        text = handle.read()")
        + "\n\n@app.route('/mail')\ndef mail():\n    return render_mail(request.args['p'])\n"
    )
    assert reports("taint-template-injection", code)


def test_an_upload_saved_before_its_name_is_reused_is_still_the_upload() -> None:
    """airflow-xtended-api saves the upload under its own file name, then reuses `dag_file` for
    the module it loads: where it is saved, the name still holds the upload."""
    code = (
        "import os\nfrom flask import request\nfrom app.api import blueprint, utils\n\n\n"
        "@blueprint.route('/deploy', methods=['POST'])\ndef deploy():\n"
        "    dag_file = request.files['dag_file']\n"
        "    path = os.path.join('/srv/dags', dag_file.filename)\n"
        "    dag_file.save(path)\n"
        "    dag_file = utils.create_module_from_file(path)\n"
        "    return dag_file.dag_id\n"
    )
    assert "taint-path-traversal" in rules_of(taint({"app/api/deploy.py": code}))


def test_a_models_method_is_the_projects_code_out_of_sight() -> None:
    """`get_object_or_404(qs, pk=pk)` answers with one of the project's models: what its method
    makes of the request's data (`photo.resized_url(preset)`) is unseen project code, a flow at
    low confidence, not the request's data as such (myks-gallery, round 113)."""
    code = (
        "from django.http import HttpResponseRedirect\nfrom django.shortcuts import get_object_or_404\n"
        "from .models import Photo\n\n\n"
        "def resized_photo(request, preset, pk):\n"
        "    photo = get_object_or_404(Photo.objects.visible(), pk=int(pk))\n"
        "    return HttpResponseRedirect(photo.resized_url(preset))\n"
    )
    found = taint({"gallery/views.py": code})
    assert [f for f in found if f.confidence.value != "low"] == []
    direct = code.replace("photo.resized_url(preset)", "preset")
    assert [f.confidence.value for f in taint({"gallery/views.py": direct})] == ["high"]
