"""The taint analyzer's knowledge as data: sources, sinks, sanitizers, guards.

Names are qualified names as the analyzer resolves them through the module's
imports (`from flask import request` makes `request.args` read
`flask.request.args`). A name matches a pattern when it is equal to it, when the
pattern starts with `*.` and the name ends with the rest (`*.execute` matches
`cursor.execute`), or when a dotted pattern is a dotted suffix of the name
(`request.GET` matches `self.request.GET`). Policy files extend every table
(`analyzers.taint.extra_sources`, `extra_sinks`, `extra_sanitizers`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from prguard.analyzers.pyresolve.known import PATH_CLASSES
from prguard.analyzers.pyresolve.matching import PatternIndex, matches
from prguard.analyzers.pyresolve.matching import matches_any as _matches_any

ALL = "*"  # a sanitizer or guard that makes a value safe for every sink kind


@dataclass(frozen=True, slots=True)
class SinkKind:
    """One family of sinks: what it is called and how it is reported."""

    rule_id: str
    title: str
    cwe: int  # the precise CWE of the weakness
    severity: str


#: Sink families. `report_cwe` of a sink (below) may differ from `cwe` where bandit
#: reports the same call under another CWE, so the engine keeps one finding, not two.
KINDS: dict[str, SinkKind] = {
    "sql": SinkKind("taint-sql-injection", "SQL injection", 89, "high"),
    "command": SinkKind("taint-command-injection", "OS command injection", 78, "high"),
    "code": SinkKind("taint-code-injection", "code injection", 95, "high"),
    "path": SinkKind("taint-path-traversal", "path traversal", 22, "high"),
    "xss": SinkKind("taint-xss", "cross-site scripting", 79, "medium"),
    "redirect": SinkKind("taint-open-redirect", "open redirect", 601, "medium"),
    "ldap": SinkKind("taint-ldap-injection", "LDAP injection", 90, "high"),
    "xpath": SinkKind("taint-xpath-injection", "XPath injection", 643, "medium"),
    "deserialization": SinkKind(
        "taint-unsafe-deserialization", "deserialisation of untrusted data", 502, "high"
    ),
    "xxe": SinkKind("taint-xxe", "XML external entities", 611, "medium"),
    "trust-boundary": SinkKind("taint-trust-boundary", "untrusted data in the session", 501, "medium"),
    "header": SinkKind("taint-header-injection", "HTTP response header injection", 113, "medium"),
    "log": SinkKind("taint-log-injection", "log injection", 117, "low"),
    "ssrf": SinkKind("taint-ssrf", "server-side request forgery", 918, "high"),
    "regex": SinkKind("taint-regex-injection", "regular expression injection (ReDoS)", 730, "medium"),
    "ssti": SinkKind("taint-template-injection", "server-side template injection", 1336, "high"),
    "argument": SinkKind("taint-argument-injection", "argument injection", 88, "medium"),
}

#: Other CWEs pattern matchers file the same sink under (bandit: mark_safe B703 is 80,
#: eval/exec are 78, XML parsers and yaml.load are 20, urlopen is 22). A sink taint proves
#: safe clears pattern findings under any of them.
RELATED_CWES: dict[str, frozenset[int]] = {
    "xss": frozenset({79, 80}),
    "ssti": frozenset({79, 94, 1336}),
    "code": frozenset({78, 94, 95}),
    "xxe": frozenset({20, 611}),
    "deserialization": frozenset({20, 502}),
    "ssrf": frozenset({22, 918}),
}

#: Where untrusted data comes from. `kind` names a row of SOURCE_KINDS.
SOURCES: dict[str, str] = {
    # Flask / Werkzeug (also matched as `self.request.*`, and Starlette/DRF share some names)
    # Frappe: the request's arguments, also handed to whitelisted methods as parameters
    "frappe.form_dict": "web",
    # CKAN: a request parameter read through the template helpers (`toolkit.h`); its
    # `toolkit.request` is Flask's, read as `request.*` below
    "ckan.lib.helpers.get_request_param": "web",
    "ckan.plugins.toolkit.h.get_request_param": "web",
    "frappe.local.form_dict": "web",
    "request.args": "web",
    "request.form": "web",
    "request.values": "web",
    "request.json": "web",
    "request.get_json": "web",
    "request.headers": "web",
    "request.cookies": "web",
    "request.files": "web",
    "request.data": "web",
    "request.get_data": "web",
    "request.stream": "web",
    "request.path": "web",
    "request.full_path": "web",
    "request.url": "web",
    "request.url.path": "web",  # Starlette's requested path: read as one (it starts with `/`)
    "request.base_url": "web",
    "request.referrer": "web",
    "request.query_string": "web",
    "request.user_agent": "web",
    "request.view_args": "web",
    # Django / Django REST framework
    "request.GET": "web",
    "request.POST": "web",
    # Django before 1.9: GET and POST merged
    "request.REQUEST": "web",
    "request.body": "web",
    "request.COOKIES": "web",
    "request.FILES": "web",
    "request.META": "web",
    "request.query_params": "web",
    # Pyramid / WebOb (`request.GET`, `request.POST` and `request.body` are above)
    "request.matchdict": "web",
    "request.params": "web",
    "request.json_body": "web",
    "request.subpath": "web",
    # Tornado: a handler handed on under the name `request` (its own methods are typed sources)
    **dict.fromkeys(
        (f"request.get_{kind}argument{plural}" for kind in ("", "query_", "body_") for plural in ("", "s")),
        "web",
    ),
    # CherryPy: the request the framework keeps per thread (an exposed method's parameters too)
    "cherrypy.request.params": "web",
    "cherrypy.request.headers": "web",
    "cherrypy.request.query_string": "web",
    "cherrypy.request.body": "web",
    "cherrypy.request.cookie": "web",
    "cherrypy.request.path_info": "web",
    # Bottle: the request the framework keeps per thread (`params`, `json`, `files`, `cookies`,
    # `headers`, `body`, `path` and `url` are above)
    **{
        f"bottle.request.{member}": "web"
        for member in ("query", "forms", "get_header", "get_cookie", "fullpath", "urlparts")
    },
    # Starlette / FastAPI Request
    "request.path_params": "web",
    "request.form_data": "web",
    # Reflex: a State's event handler reads the page's URL through `self.router`
    "router.page.params": "web",
    "router.page.raw_path": "web",
    "router.page.full_raw_path": "web",
    "router.url.query_parameters": "web",
    # processes
    "input": "cli",
    "sys.argv": "argv",
    "sys.stdin": "cli",
    "os.environ": "env",
    "os.getenv": "env",
    "os.environb": "env",
    # HTTP clients: what a server sends back (a response, its body, its JSON)
    **{
        f"{client}.{verb}": "remote"
        for client in ("requests", "httpx")
        for verb in ("get", "post", "put", "patch", "delete", "request")
    },
    "urllib.request.urlopen": "remote",
}

#: Framework classes whose methods a subclass overrides to serve a request: the class, and per
#: method what the framework passes in its parameters after `self` (all of them, the client's).
OVERRIDDEN_HANDLERS: dict[str, dict[str, str]] = {
    # `StaticFiles` hands the requested path, not yet checked, and the ASGI scope
    "starlette.staticfiles.StaticFiles": {
        "get_response": "requested static path",
        "lookup_path": "requested static path",
    },
}

SOURCE_KINDS: dict[str, dict[str, Any]] = {
    # severity_drop: steps below the sink's severity; confidence: the best it can be
    "web": {"label": "user input", "severity_drop": 0, "confidence": "high"},
    "cli": {"label": "command-line input", "severity_drop": 1, "confidence": "medium"},
    "argv": {"label": "a command-line argument", "severity_drop": 1, "confidence": "medium"},
    "env": {"label": "an environment variable", "severity_drop": 1, "confidence": "low"},
    # a parameter of a public function, method or constructor: the library caller's data
    "caller": {"label": "the caller's argument", "severity_drop": 0, "confidence": "medium"},
    # an archive member's own name: chosen by whoever made the archive (zip-slip, tar-slip)
    "archive": {"label": "an archive member's name", "severity_drop": 0, "confidence": "medium"},
    # what another server sent: whoever runs or impersonates it chooses it
    "remote": {"label": "data received over the network", "severity_drop": 0, "confidence": "medium"},
    # a response's headers: the file name a Content-Disposition suggests is the sender's choice
    "remote-header": {"label": "a header another server sent", "severity_drop": 0, "confidence": "medium"},
}

#: request parsers whose `parse_args()` answers with the request's arguments, by name
REQUEST_PARSERS = (
    "flask_restful.reqparse.RequestParser.parse_args",
    "flask_restx.reqparse.RequestParser.parse_args",
)
#: `add_argument(type=...)` conversions that leave a number, a flag or a date: no text reaches a sink
PARSED_SAFE_TYPES = frozenset(
    {"int", "float", "bool", "decimal.Decimal", "uuid.UUID"}
    | {
        f"{package}.inputs.{name}"
        for package in ("flask_restful", "flask_restx")
        for name in (
            "boolean",
            "positive",
            "natural",
            "int_range",
            "date",
            "datetime_from_iso8601",
            "iso8601interval",
        )
    }
)

#: Typed sanitizers: `Type.method` results safe for the listed sink kinds, found by the
#: receiver's type (`z.open(name)` on a `zipfile.ZipFile`): an archive member's file object holds
#: what the archive holds, it is no path on the server.
TYPED_SANITIZERS: dict[str, frozenset[str]] = {
    "zipfile.ZipFile.open": frozenset({"path"}),
    "tarfile.TarFile.extractfile": frozenset({"path"}),
    # HTML sanitizers configured once and applied by a method: an allow-list of tags and attributes
    "html_sanitizer.Sanitizer.sanitize": frozenset({"xss"}),
    "html_sanitizer.sanitizer.Sanitizer.sanitize": frozenset({"xss"}),
    "bleach.Cleaner.clean": frozenset({"xss"}),
    "bleach.sanitizer.Cleaner.clean": frozenset({"xss"}),
    "nh3.Cleaner.clean": frozenset({"xss"}),
}

#: Typed sources (`Type.method` results and `Type.attribute` reads) and their kind: archive
#: member names are only dangerous as paths (see `ONLY_KINDS`).
TYPED_SOURCES: dict[str, str] = {
    "zipfile.ZipFile.namelist": "archive",
    "tarfile.TarFile.getnames": "archive",
    "zipfile.ZipInfo.filename": "archive",
    "zipfile.ZipInfo.orig_filename": "archive",
    "tarfile.TarInfo.name": "archive",
    "tarfile.TarInfo.path": "archive",
    "tarfile.TarInfo.linkname": "archive",
    # Tornado: a handler's request arguments and cookies (`self.get_argument("next")`)
    "tornado.web.RequestHandler.get_argument": "web",
    "tornado.web.RequestHandler.get_arguments": "web",
    "tornado.web.RequestHandler.get_query_argument": "web",
    "tornado.web.RequestHandler.get_query_arguments": "web",
    "tornado.web.RequestHandler.get_body_argument": "web",
    "tornado.web.RequestHandler.get_body_arguments": "web",
    "tornado.web.RequestHandler.get_cookie": "web",
    # Tornado: the handler's `self.request`, the raw request line and body
    **{
        f"tornado.httputil.HTTPServerRequest.{member}": "web"
        for member in ("uri", "path", "query", "body", "arguments", "query_arguments", "body_arguments")
    },
    **{f"tornado.httputil.HTTPServerRequest.{member}": "web" for member in ("headers", "files", "cookies")},
    # the Host header the client sent (a request's own URL: no redirect off-site through it)
    **{f"tornado.httputil.HTTPServerRequest.{member}": "web" for member in ("host", "host_name", "full_url")},
    # aiohttp: a handler's `request` (web.Request): route parts, query, URL, body readers
    **{
        f"aiohttp.web.Request.{member}": "web"
        for member in (
            "match_info",
            "query",
            "rel_url",
            "url",
            "path",
            "raw_path",
            "path_qs",
            "query_string",
            "headers",
            "cookies",
            "content",
            "post",
            "json",
            "text",
            "read",
            "multipart",
        )
    },
    # Flask-RESTful's and Flask-RESTX's request parsers: the arguments they read off the request
    **dict.fromkeys(REQUEST_PARSERS, "web"),
    # Zope/Plone: the published request (`REQUEST`, `self.REQUEST`, a view's `self.request`): its
    # form, cookies and environment, `REQUEST.get(name)`, `REQUEST.get_header(name)` and `REQUEST[name]`
    **{
        f"ZPublisher.HTTPRequest.HTTPRequest.{member}": "web"
        for member in ("form", "cookies", "environ", "other", "get", "get_header", "getHeader", "__getitem__")
    },
    # Twisted Web: a resource's request (`render_GET(self, request)`): arguments, body, URL, headers
    **{
        f"twisted.web.http.Request.{member}": "web"
        for member in (
            "args",
            "content",
            "uri",
            "path",
            "postpath",
            "requestHeaders",
            "received_cookies",
            "getHeader",
            "getCookie",
            "getAllHeaders",
        )
    },
    # Falcon: a responder's `req` (`on_get(self, req, resp, **fields)`): parameters, body, URL, headers
    **{
        f"falcon.Request.{member}": "web"
        for member in (
            "params",
            "get_param",
            "get_param_as_list",
            "get_param_as_json",
            "media",
            "get_media",
            "stream",
            "bounded_stream",
            "headers",
            "get_header",
            "cookies",
            "get_cookie_values",
            "path",
            "relative_uri",
            "uri",
            "url",
            "query_string",
            "forwarded_uri",
        )
    },
    # an uploaded file's name, as the client sent it (Django's UploadedFile keeps only its base
    # name, these do not): wherever the file object comes from, a parameter included
    "starlette.datastructures.UploadFile.filename": "web",
    "werkzeug.datastructures.FileStorage.filename": "web",
    # Bottle's `.filename` keeps only a safe base name; `.raw_filename` is what the client sent
    "bottle.FileUpload.raw_filename": "web",
    # the standard library's HTTP server: a handler's request line, path, headers and body
    **{
        f"http.server.BaseHTTPRequestHandler.{member}": "web"
        for member in ("path", "headers", "requestline", "raw_requestline", "rfile")
    },
    # raw sockets: a connection a listening socket accepts, and what any peer sends on it
    **{
        f"socket.socket.{method}": "remote"
        for method in ("accept", "recv", "recvfrom", "recvmsg", "makefile")
    },
    # HTTP client sessions: the response a request returns (see the `remote` kind)
    **{
        f"{client}.{verb}": "remote"
        for client in ("requests.Session", "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession")
        for verb in ("get", "post", "put", "patch", "delete", "request")
    },
    "tornado.httpclient.AsyncHTTPClient.fetch": "remote",
    "tornado.httpclient.HTTPClient.fetch": "remote",
    # Starlette / FastAPI: a handler's `request` (starlette.requests.Request)
    **{
        f"starlette.requests.Request.{member}": "web"
        for member in (
            "path_params",
            "query_params",
            "headers",
            "cookies",
            "url",
            "body",
            "json",
            "form",
            "stream",
        )
    },
}

#: Typed sources that are method calls (the others are attribute reads).
TYPED_SOURCE_CALLS: frozenset[str] = frozenset(
    {
        "zipfile.ZipFile.namelist",
        "tarfile.TarFile.getnames",
        *(name for name in TYPED_SOURCES if name.startswith("tornado.web.")),
        *(f"aiohttp.web.Request.{m}" for m in ("post", "json", "text", "read", "multipart")),
        *(f"starlette.requests.Request.{m}" for m in ("body", "json", "form", "stream")),
        *(f"ZPublisher.HTTPRequest.HTTPRequest.{m}" for m in ("get", "get_header", "getHeader")),
        *(f"twisted.web.http.Request.{m}" for m in ("getHeader", "getCookie", "getAllHeaders")),
        *(
            f"falcon.Request.{m}"
            for m in ("get_param", "get_param_as_list", "get_param_as_json", "get_media", "get_header")
        ),
        *REQUEST_PARSERS,
        "falcon.Request.get_cookie_values",
        "tornado.httputil.HTTPServerRequest.full_url",
        *(name for name, kind in TYPED_SOURCES.items() if kind == "remote"),
    }
)

#: Sources that are the URL path a browser requested: they start with `/`, and a browser has
#: already turned `\` into `/` in them, so refusing a leading `//` keeps a redirect on this site.
URL_PATH_SOURCES: frozenset[str] = frozenset(
    {
        "request.path",
        "request.full_path",
        "request.url.path",  # Starlette's and FastAPI's requested path
        "tornado.httputil.HTTPServerRequest.path",
        "tornado.httputil.HTTPServerRequest.uri",
        "aiohttp.web.Request.path",
        "aiohttp.web.Request.raw_path",
        "aiohttp.web.Request.path_qs",
        "twisted.web.http.Request.path",
        "twisted.web.http.Request.uri",
        "falcon.Request.path",
    }
)

#: Sources that are the whole URL the browser requested, its scheme and host included: sending
#: the browser there again (`redirect(request.url)` after a form) keeps it on the page it asked for.
OWN_URL_SOURCES: frozenset[str] = frozenset(
    {
        "request.url",
        "request.base_url",
        *(f"tornado.httputil.HTTPServerRequest.{member}" for member in ("host", "host_name", "full_url")),
    }
)

#: Web frameworks that refuse a CR or LF in a response header's value (Django's BadHeaderError,
#: Werkzeug's, Tornado's and Bottle's ValueError, the ASGI servers under Starlette, aiohttp's check): data
#: there cannot split the response, only set the header's content, so such a finding is low.
NEWLINE_REFUSING = (
    "django",
    "flask",
    "werkzeug",
    "starlette",
    "fastapi",
    "tornado",
    "aiohttp",
    "quart",
    "bottle",
)

#: Sink families where a public function's parameters are untrusted (`trust_parameters: false`):
#: running code, compiling templates (code too, outside a sandbox), loading objects and shell
#: commands built from whatever a caller passes, options of programs run without a shell, and
#: XML parsed with a parser that expands the entities the document declares.
CALLER_SINK_KINDS = frozenset({"code", "ssti", "deserialization", "command", "argument", "xxe"})
#: ... and where a parameter written into a query's text is: `f"(uid={username})"` is a login
#: helper's injection, while a parameter that is the whole filter or path is its API.
CALLER_EMBEDDED_SINK_KINDS = frozenset({"ldap", "xpath"})

#: Programs whose options run another command, load code or write a file the option names
#: (`git --upload-pack=…`, `hg --config=…`, `ssh -oProxyCommand=…`, `rsync -e …`, `tar
#: --to-command=…`, `curl -o …`, `find -exec …`, `say --input-file=…`): data in their argument list
#: that may start with `-` is argument injection, even without a shell. Other programs' options are
#: left alone.
OPTION_PROGRAMS: frozenset[str] = frozenset(
    {"git", "hg", "svn", "bzr", "nmap", "ssh", "scp", "sftp", "rsync", "tar", "zip", "unzip", "7z", "curl"}
    | {"wget", "find", "xargs", "sendmail", "ffmpeg", "convert", "magick", "gm", "pandoc", "psql"}
    | {"mysql", "pg_dump", "pip", "npm", "gpg", "openssl", "say", "espeak", "espeak-ng"}
)

#: Subcommands of those programs whose options neither run a command nor read or write a file the
#: option names (from the programs' manuals): data in their argument list is no injection there.
#: `git remote add origin <url>` takes `-t`, `-m`, `-f`, `--tags`, `--mirror` (the URL it stores is
#: fetched later under git's transport rules, which refuse `ext::` by default); `git status`,
#: `describe`, `rev-parse`, `merge-base`, `show-ref`, `for-each-ref`, `ls-tree`, `symbolic-ref` and
#: `check-ref-format` take formats, patterns and flags. `log`, `diff` and `show` are not here
#: (`--output=<file>` writes one), nor `clone`, `fetch`, `pull`, `push`, `ls-remote`, `archive`,
#: `submodule` (`--upload-pack`, `--exec`), `tag` and `commit` (`-F <file>`), `config` (`--file`).
OPTION_SAFE_SUBCOMMANDS: dict[str, frozenset[str]] = {
    "git": frozenset(
        {"remote", "status", "describe", "rev-parse", "merge-base", "show-ref", "for-each-ref", "ls-tree"}
        | {"symbolic-ref", "check-ref-format"}
    ),
}

#: Of those, the programs whose options run another command (`--upload-pack`, `--config`,
#: `-oProxyCommand`, `-e`, `--to-command`, `-exec`, `--script`): only there is a library caller's
#: argument reported too; a file name handed to `convert` or `ffmpeg` is the caller's business.
COMMAND_OPTION_PROGRAMS: frozenset[str] = frozenset(
    {"git", "hg", "svn", "bzr", "nmap", "ssh", "scp", "sftp", "rsync", "tar", "zip", "find", "xargs"}
    | {"sendmail"}
)

#: Options of those programs that always take the next argument as their value (a message, a
#: branch, an output or input file): what follows them is that value, never an option.
VALUE_OPTIONS: frozenset[str] = frozenset(
    {
        *("-m", "--message", "-b", "--branch", "-i", "--depth", "-F", "--file", "--author", "-t", "--tag"),
        *("-C", "--directory", "--git-dir", "--work-tree"),  # the directory to run in (git, tar, make)
    }
)

#: Decoders that call a function the caller gives with each object they decode (by keyword):
#: the hook's sinks see the decoded data.
DECODER_HOOKS: dict[str, tuple[str, ...]] = {
    "json.loads": ("object_hook", "object_pairs_hook"),
    "json.load": ("object_hook", "object_pairs_hook"),
}

#: Source kinds of calls that are sinks too (a client's request: its URL is an SSRF sink, its
#: response what the server sent): the call is checked as a sink before its result is the source.
CHECKED_SOURCE_KINDS = frozenset({"remote"})

#: Source kinds that are findings only at some sink families (elsewhere: unknown data, which is no
#: proof of safety either). A server's response is untrusted where it would run code, load objects,
#: compile a template or run a shell; elsewhere (a URL, a path, SQL) what it holds is too often the
#: service's own data to report. A program's command-line arguments come from the person running
#: it: a file or URL they name is theirs to read, and an option they pass on is theirs to pass, but
#: code, a shell command, a pickle or a query built from them still crosses into another
#: interpreter. (Standard input stays untrusted: a stdio server, an MCP tool's for one, reads its
#: client's messages there.) A server's response may also pass an option to a program.
ONLY_KINDS: dict[str, frozenset[str]] = {
    "archive": frozenset({"path"}),
    "remote": CALLER_SINK_KINDS,
    # a server's headers name no data of its own: a file name there is where a download is saved
    "remote-header": CALLER_SINK_KINDS | {"path"},
    "argv": (CALLER_SINK_KINDS - {"argument"}) | {"sql"},
}

#: One uploaded file read from the request's uploads by its form field: a file object, never a
#: path. Its stream is the content; Django keeps only the base name of its `name`; Flask's
#: `name` is the field the code looked it up by (its client-given `filename` is a source of its own).
UPLOADED_FILE_READ = re.compile(
    r"^(?:self\.)?request\.(?:files|FILES)(?:\[[^\]]*\]|\.get\([^)]*\)|\.getlist\([^)]*\))(?:\.name)?$"
)

#: Entries of the WSGI/CGI environment or the ASGI scope that the server sets, not the client:
#: the peer's address, the user the web server authenticated (REMOTE_USER, Shibboleth's attributes
#: are not HTTP_*), the server's own port and protocol, the path it mounts the app at (SCRIPT_NAME,
#: root_path). The client's headers arrive as HTTP_* (or the scope's `headers`) and are sources.
SERVER_SET_ENVIRON = re.compile(
    r"^(?:(?:self\.)?request\.(?:META|environ|scope)|environ|scope)(?:\[|\.get\()\s*['\"]"
    r"(?:REMOTE_ADDR|REMOTE_USER|REMOTE_HOST|AUTH_TYPE|SERVER_PORT|SERVER_PROTOCOL|SERVER_SOFTWARE|"
    r"GATEWAY_INTERFACE|SCRIPT_NAME|wsgi\.url_scheme|wsgi\.version|wsgi\.multithread|wsgi\.multiprocess|"
    r"root_path|app_root_path|client|server|type|http_version)['\"]"
)

#: the standard library's path joins (a folder, then names)
PATH_JOINS = frozenset({"os.path.join", "posixpath.join"})

#: Functions that join URL parts with a `/` between them (`url_path_join(base_url, "api", name)`):
#: what follows the first part is past its host, as after `base + "/" + name`.
URL_PATH_JOINS: frozenset[str] = frozenset(
    {
        "jupyter_server.utils.url_path_join",
        "notebook.utils.url_path_join",
        "jupyterhub.utils.url_path_join",
        "tornado.escape.url_path_join",
    }
)

#: The server's own configuration objects: what is read from them is the operator's choice.
SERVER_CONFIG_OBJECTS: frozenset[str] = frozenset(
    {
        "django.conf.settings",
        "flask.current_app.config",
        "quart.current_app.config",
        "request.registry.settings",  # Pyramid
        "request.app.config",  # Sanic
    }
)

#: Decorators that make an XBlock's method an HTTP handler the LMS routes learners' requests to
XBLOCK_HANDLERS: frozenset[str] = frozenset(
    {
        "xblock.core.XBlock.handler",
        "xblock.core.XBlock.json_handler",
        "xblock.XBlock.handler",
        "xblock.XBlock.json_handler",
    }
)

#: Application objects whose `config` attribute is the server's configuration (`app.config[...]`
#: for `app = Flask(__name__)`), found by the object's type rather than its name.
CONFIG_HOLDING_APPS: frozenset[str] = frozenset(
    {"flask.Flask", "flask.app.Flask", "quart.Quart", "sanic.Sanic", "bottle.Bottle"}
)

#: Application objects whose `state` attribute holds what the server set up at startup
#: (`request.app.state.upload_folder`), found by the object's type.
STATE_HOLDING_APPS: frozenset[str] = frozenset({"starlette.applications.Starlette"})

#: Sources that are not text (a JSON body is a dict; returning it from Flask is JSON).
NON_TEXT_SOURCES = frozenset({"request.json", "request.get_json", "request.files", "request.FILES"})

#: Calls whose result is safe for the listed sink kinds (ALL: for every kind).
SANITIZERS: dict[str, frozenset[str]] = {
    "os.path.basename": frozenset({"path"}),
    "werkzeug.utils.secure_filename": frozenset({"path"}),
    "werkzeug.secure_filename": frozenset({"path"}),
    "werkzeug.utils.safe_join": frozenset({"path"}),
    "werkzeug.security.safe_join": frozenset({"path"}),
    "flask.safe_join": frozenset({"path"}),
    "django.utils._os.safe_join": frozenset({"path"}),
    "django.utils.text.get_valid_filename": frozenset({"path"}),
    # answers the URL only when it is on an allowed host, else the login redirect setting
    "djangosaml2.utils.validate_referral_url": frozenset({"redirect"}),
    "html.escape": frozenset({"xss"}),
    "markupsafe.escape": frozenset({"xss"}),
    "flask.escape": frozenset({"xss"}),
    "jinja2.escape": frozenset({"xss"}),
    "django.utils.html.escape": frozenset({"xss"}),
    "django.utils.html.conditional_escape": frozenset({"xss"}),
    "django.utils.html.format_html": frozenset({"xss"}),
    "django.utils.html.strip_tags": frozenset({"xss"}),
    "bleach.clean": frozenset({"xss"}),
    "nh3.clean": frozenset({"xss"}),
    "cgi.escape": frozenset({"xss"}),
    "django.utils.html.escapejs": frozenset({"xss"}),
    "django.utils.html.json_script": frozenset({"xss"}),
    "django.utils.html.format_html_join": frozenset({"xss"}),
    # attributes rendered with each value escaped (Django's widgets and template tags use it)
    "django.forms.utils.flatatt": frozenset({"xss"}),
    "xml.sax.saxutils.escape": frozenset({"xss"}),
    "xml.sax.saxutils.quoteattr": frozenset({"xss"}),
    "markupsafe.Markup.escape": frozenset({"xss"}),
    # Pygments' formatters escape the text they colour (HtmlFormatter writes entities)
    "pygments.highlight": frozenset({"xss"}),
    "shlex.quote": frozenset({"command"}),
    "pipes.quote": frozenset({"command"}),
    "re.escape": frozenset({"regex"}),
    "ldap.filter.escape_filter_chars": frozenset({"ldap"}),
    "ldap3.utils.conv.escape_filter_chars": frozenset({"ldap"}),
    # formats a constant template with each value escaped for a filter
    "ldap.filter.filter_format": frozenset({"ldap"}),
    "ldap.dn.escape_dn_chars": frozenset({"ldap"}),
    "psycopg2.sql.Identifier": frozenset({"sql"}),
    "psycopg2.sql.Literal": frozenset({"sql"}),
    "psycopg.sql.Identifier": frozenset({"sql"}),
    "psycopg.sql.Literal": frozenset({"sql"}),
    "urllib.parse.quote": frozenset({"xss", "header", "log"}),
    "urllib.parse.quote_plus": frozenset({"xss", "header", "log", "path"}),
    "urllib.parse.urlencode": frozenset({"xss", "header", "log"}),
    # Django's wrappers of the same quoting (urlquote and urlquote_plus before Django 4)
    "django.utils.http.urlencode": frozenset({"xss", "header", "log"}),
    "django.utils.http.urlquote": frozenset({"xss", "header", "log"}),
    "django.utils.http.urlquote_plus": frozenset({"xss", "header", "log", "path"}),
    "repr": frozenset({"log"}),
    # a directory made in the temporary folder: an absolute path, never an option to a program
    "tempfile.mkdtemp": frozenset({"argument"}),
    # conversions that leave nothing to inject
    "int": frozenset({ALL}),
    "float": frozenset({ALL}),
    "bool": frozenset({ALL}),
    "len": frozenset({ALL}),
    "uuid.UUID": frozenset({ALL}),
    "decimal.Decimal": frozenset({ALL}),
    "datetime.date.fromisoformat": frozenset({ALL}),
    "datetime.datetime.fromisoformat": frozenset({ALL}),
    # slugs: letters, digits, `_` and `-` only, never a leading `-` (no dot, slash, quote or space)
    "django.utils.text.slugify": frozenset({ALL}),
    "slugify.slugify": frozenset({ALL}),
    "datasette.utils.to_css_class": frozenset({ALL}),
    **dict.fromkeys(
        (
            f"hashlib.{name}"
            for name in (
                *("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "blake2b", "blake2s", "new"),
                *("sha3_224", "sha3_256", "sha3_384", "sha3_512"),
            )
        ),
        frozenset({ALL}),
    ),
    "hmac.new": frozenset({ALL}),
    "hmac.compare_digest": frozenset({ALL}),
    "isinstance": frozenset({ALL}),
    "hash": frozenset({ALL}),
    "id": frozenset({ALL}),
    "type": frozenset({ALL}),
}

#: Calls whose result carries none of the argument's data, or safe output by construction:
#: auto-escaping templates, JSON responses, URL builders.
CLEAN_RESULTS: frozenset[str] = frozenset(
    {
        "flask.render_template",
        "flask.jsonify",
        "flask.url_for",
        "flask.abort",
        "django.shortcuts.render",
        "django.template.loader.render_to_string",
        "django.http.JsonResponse",
        "django.urls.reverse",
        "django.urls.reverse_lazy",
        "django.shortcuts.reverse",
        "rest_framework.response.Response",
        "fastapi.responses.JSONResponse",
        "starlette.responses.JSONResponse",
        # a type from the server's table, chosen by a file name's extension
        "mimetypes.guess_type",
        "mimetypes.guess_extension",
        "*.render_template",
        "*.url_for",
        # a Django model's canonical URL on this site (its own `reverse`), whichever row it is
        "*.get_absolute_url",
        # a hash's digest: hex digits or bytes no one chooses, whatever was fed in
        "*.hexdigest",
        "*.digest",
        # a file's metadata: sizes, times and modes, whatever the path named
        "os.stat",
        "os.fstat",
        "os.lstat",
        "os.path.getsize",
        "os.path.getmtime",
        "os.path.getatime",
        "os.path.getctime",
        "*.stat",
        "*.lstat",
        # the bare names of a folder's entries: the server's files, not the folder asked for
        "os.listdir",
    }
)

#: Of those, the builders of this site's own URLs for its routes.
SITE_URL_BUILDERS: frozenset[str] = frozenset(
    {
        "flask.url_for",
        "django.urls.reverse",
        "django.urls.reverse_lazy",
        "django.shortcuts.reverse",
        "*.url_for",
        "*.get_absolute_url",
    }
)

#: Loaders of the function or class a setting names by its dotted path: what it does is the
#: project's choice, out of sight as the project's own code is.
CONFIGURED_LOADERS: frozenset[str] = frozenset(
    {
        "django.utils.module_loading.import_string",
        "werkzeug.utils.import_string",
    }
)

#: Reads that check the server's own signature or authenticated encryption first (a forged
#: or changed value raises): what they return is what this server signed, not what the client
#: sent. Unknown rather than clean, as a database read is. itsdangerous' `loads_unsafe` and a
#: JWT decoded without its signature are not here.
SIGNED_READS: frozenset[str] = frozenset(
    {
        "itsdangerous.*.loads",
        "itsdangerous.*.unsign",
        "django.core.signing.loads",
        "django.core.signing.*.unsign",
        "django.core.signing.*.unsign_object",
        "cryptography.fernet.Fernet.decrypt",
        "cryptography.fernet.MultiFernet.decrypt",
        # an identity provider's tokens for a code: MSAL checks the callback's state against the
        # flow the server kept, and the token's signature, before answering with its claims
        "msal.ConfidentialClientApplication.acquire_token_by_auth_code_flow",
        "msal.PublicClientApplication.acquire_token_by_auth_code_flow",
        "msal.ClientApplication.acquire_token_by_auth_code_flow",
    }
)

#: Lookups that raise unless a stored record matches every field they are given: after one, an
#: exact-match field's value equals what the database holds (its keyword arguments only).
EXACT_LOOKUPS: frozenset[str] = frozenset(
    {
        "django.db.models.QuerySet.get",
        "django.db.models.Manager.get",
        "django.shortcuts.get_object_or_404",
    }
)

#: Calls that read from the database or another store: not attacker-controlled here,
#: but not provably constant either (they keep a pattern matcher's finding alive).
OPAQUE_RESULTS: frozenset[str] = frozenset(
    {
        "django.shortcuts.get_object_or_404",
        "django.shortcuts.get_list_or_404",
        "flask_sqlalchemy.get_or_404",
        "*.get_or_404",
        "*.first_or_404",
        "*.fetchone",
        "*.fetchall",
        "*.fetchmany",
        # one stored record (pymongo's and dataset's `find_one(field=value)`): the store's data
        "*.find_one",
        "*.scalar",
        "*.scalars",
        "*.scalar_one",
        # what a statement run on a database returns is its rows (`session.execute(select(...))`,
        # `cursor.execute(...)`): the database's data, even when the client's value chose them
        "*.execute",
        # a model's manager or query (`User.objects.get`, `User.query.get`): a local variable
        # named `query` or `objects` (`query.get("next")`) is no such thing
        "*.*.objects.get",
        "*.*.objects.filter",
        "*.*.objects.all",
        "*.*.objects.create",
        "*.*.query.get",
        "*.*.query.filter",
        "*.*.query.filter_by",
    }
)

#: Methods whose result is a number or a boolean however tainted the receiver is.
NON_PROPAGATING_METHODS: frozenset[str] = frozenset(
    {
        "isdigit",
        "isdecimal",
        "isnumeric",
        "isalnum",
        "isalpha",
        "isidentifier",
        "isspace",
        "islower",
        "isupper",
        "startswith",
        "endswith",
        "count",
        "find",
        "rfind",
        "index",
        "rindex",
        "exists",
        "is_file",
        "is_dir",
        "is_relative_to",
        "__len__",
        "__contains__",
    }
)

#: Methods that keep a string a string (the result is text built from the receiver).
STR_METHODS: frozenset[str] = frozenset(
    {
        "strip",
        "lstrip",
        "rstrip",
        "lower",
        "upper",
        "casefold",
        "title",
        "capitalize",
        "swapcase",
        "replace",
        "format",
        "format_map",
        "join",
        "split",
        "rsplit",
        "splitlines",
        "partition",
        "rpartition",
        "encode",
        "decode",
        "zfill",
        "ljust",
        "rjust",
        "center",
        "expandtabs",
        "removeprefix",
        "removesuffix",
        "translate",
        "get",
        "getlist",
        "read",
    }
)

#: Conditions that prove a value safe inside the branch where they hold.
#: name -> (position and keyword name of the checked argument, kinds made safe)
GUARD_CALLS: dict[str, tuple[int, str, frozenset[str]]] = {
    "django.utils.http.url_has_allowed_host_and_scheme": (0, "url", frozenset({"redirect", "ssrf"})),
    "django.utils.http.is_safe_url": (0, "url", frozenset({"redirect", "ssrf"})),
    "*.url_has_allowed_host_and_scheme": (0, "url", frozenset({"redirect", "ssrf"})),
    "*.is_safe_url": (0, "url", frozenset({"redirect", "ssrf"})),
    "*.is_safe_redirect_url": (0, "url", frozenset({"redirect"})),
    "os.path.isabs": (0, "s", frozenset()),
}

#: A project's own predicates that, by their name, tell whether a URL may be followed or
#: redirected to (`is_safe_url`, `is_trusted_sns_subscribe_url`, `redirect_is_allowed`,
#: `redirect_uri_allowed`, `url_is_local`): true,
#: they prove their first argument as GUARD_CALLS' URL checks do. A valid URL is no such thing
#: (a well-formed URL can still name any host), a valid redirect is (`is_valid_redirect`).
URL_CHECK_NAMES = re.compile(
    r"_*(?:is_(?:\w+_)?(?:safe|trusted|allowed|whitelisted|permitted|same_origin|same_site)_(?:\w+_)?"
    r"(?:url|uri|redirect|host|domain|location|next|target)"
    r"|(?:is_)?valid_(?:\w+_)?(?:redirect|next|return_to|destination)(?:_url|_uri|_target)?"
    r"|(?:is_)?(?:\w+_)?(?:url|uri|redirect|host|domain|next|target)_(?:is_)?(?:safe|trusted|allowed|permitted)"
    # OAuth clients' registered-URI checks: Authlib's `check_redirect_uri`, django-oauth-toolkit's
    # `redirect_uri_allowed` (above)
    r"|(?:check|verify)_redirect_uri"
    # a URL on this site: CKAN's `h.url_is_local`, `is_local_url`
    r"|(?:url|uri|redirect|next|target)_is_local|is_local_(?:url|uri|redirect|next|target))"
)

#: Receiver methods that, when true, prove the receiver harmless.
GUARD_METHODS: dict[str, frozenset[str]] = {
    "isdigit": frozenset({ALL}),
    "isdecimal": frozenset({ALL}),
    "isnumeric": frozenset({ALL}),
    "isalnum": frozenset({ALL}),
    "isalpha": frozenset({ALL}),
    "isidentifier": frozenset({ALL}),
}

#: Methods that validate a form or serializer, asked with no argument (Django's and DRF's
#: `is_valid()`, Flask-WTF's `validate_on_submit()`, WTForms' `validate()`): the data it was
#: made from has passed the fields' checks, which is what data kept in the session needs.
VALIDATING_METHODS: dict[str, frozenset[str]] = dict.fromkeys(
    ("is_valid", "validate_on_submit", "validate"), frozenset({"trust-boundary"})
)

_OAUTH = ("oauthlib", "requests_oauthlib", "authlib")
_SAML = ("saml2",)
#: python3-saml (`OneLogin_Saml2_Auth`): its `login()`, `logout()` and `process_slo()` answer
#: with the identity provider's URL from the settings, the return address in its RelayState
_ONELOGIN = ("onelogin",)
#: Identity-protocol clients' methods that build the request to a provider, by method name where
#: the module imports the protocol's package: the packages, and the (position, keyword) of the URL
#: argument, or None where the URL comes from the provider's configuration (SAML metadata). The
#: other arguments go into the URL's query or the signed message: they cannot move its host.
PROTOCOL_URL_BUILDERS: dict[str, tuple[tuple[str, ...], tuple[int, str] | None]] = {
    "prepare_request_uri": (_OAUTH, (0, "uri")),
    "prepare_authorization_request": (_OAUTH, (0, "authorization_url")),
    "prepare_token_request": (_OAUTH, (0, "token_url")),
    "prepare_refresh_token_request": (_OAUTH, (0, "token_url")),
    "prepare_token_revocation_request": (_OAUTH, (0, "revocation_url")),
    "authorization_url": (_OAUTH, (0, "url")),
    "create_authorization_url": (_OAUTH, (0, "url")),
    "apply_binding": (_SAML, (2, "destination")),
    "http_redirect_message": (_SAML, (1, "location")),
    "pick_binding": (_SAML, None),
    "response_args": (_SAML, None),
    "prepare_for_authenticate": (_SAML, None),
    "prepare_for_negotiated_authenticate": (_SAML, None),
    "handle_logout_request": (_SAML, None),
    "global_logout": (_SAML, None),
    "login": (_ONELOGIN, None),
    "logout": (_ONELOGIN, None),
    "process_slo": (_ONELOGIN, None),
}

#: Request objects built before they are sent: (position, keyword) of their URL.
REQUEST_BUILDERS: dict[str, tuple[int, str]] = {
    "urllib.request.Request": (0, "url"),
    "requests.Request": (1, "url"),
    "requests.models.Request": (1, "url"),
    "httpx.Request": (1, "url"),
    "tornado.httpclient.HTTPRequest": (0, "url"),
}

#: SQLAlchemy's statement constructors: what they and the statement's methods are given goes in as
#: bound parameters or names of mapped columns, never as SQL text (see `SQL_TEXT_MAKERS`)
SQL_STATEMENTS: frozenset[str] = frozenset(
    f"{module}.{name}"
    for module in (
        "sqlalchemy",
        "sqlalchemy.sql",
        "sqlalchemy.sql.expression",
        "sqlalchemy.future",
        "sqlmodel",
    )
    for name in ("select", "insert", "update", "delete", "union", "union_all", "exists")
)
#: ... and the ways SQL text gets into a statement: these keep what they are given
SQL_TEXT_MAKERS: frozenset[str] = frozenset(
    f"{module}.{name}"
    for module in ("sqlalchemy", "sqlalchemy.sql", "sqlalchemy.sql.expression", "sqlmodel")
    for name in ("text", "literal_column")
)
#: the tag of a statement built that way
SQL_STATEMENT = "sql-statement"

#: Lexical normalisations of a path: they keep where it leads, and never leave `..` inside it.
NORMPATHS: frozenset[str] = frozenset({"os.path.normpath", "posixpath.normpath"})

#: Calls that give back the path they are given, up to letter case (POSIX: unchanged).
CASE_FOLDS: frozenset[str] = frozenset({"os.path.normcase", "posixpath.normcase"})

#: Calls that resolve a path, so a later `.startswith(base)` check really confines it.
PATH_RESOLVERS: frozenset[str] = frozenset(
    {
        "os.path.realpath",
        "os.path.abspath",
        "os.path.normpath",
        "posixpath.realpath",
        "posixpath.abspath",
        "posixpath.normpath",
        "*.resolve",
    }
)

#: Calls that build a filesystem path object (its methods are file operations).
PATH_OBJECTS: frozenset[str] = PATH_CLASSES

#: Calls that split a URL; a check of the parts' host guards the URL itself.
URL_PARSERS: frozenset[str] = frozenset({"urllib.parse.urlparse", "urllib.parse.urlsplit"})

#: Response headers (lower case) that send the browser to the URL they hold: `Location`, and
#: htmx's `HX-Redirect` (the page sets `window.location` to it).
REDIRECT_HEADERS: frozenset[str] = frozenset({"location", "hx-redirect"})

#: Context managers that swallow what their body raises: the code after the block may run
#: whatever the body does (a `return` in it does not end the function).
SUPPRESSING_MANAGERS: frozenset[str] = frozenset(
    {"contextlib.suppress", "contextlib.ExitStack", "contextlib.AsyncExitStack", "pytest.raises"}
)

#: Calls after which a branch never continues.
TERMINATORS: frozenset[str] = frozenset(
    {
        "flask.abort",
        "abort",
        "sys.exit",
        "exit",
        "quit",
        "os._exit",
        "werkzeug.exceptions.abort",
        "frappe.throw",
    }
)

#: bases and class decorators of records: classes whose instances hold the values they are made with
RECORD_BASES = frozenset(
    {
        "pydantic.BaseModel",
        "pydantic.main.BaseModel",
        "pydantic.v1.BaseModel",
        "sqlmodel.SQLModel",
        "typing.NamedTuple",
        "typing.TypedDict",
        "msgspec.Struct",
    }
)
#: the record libraries' own methods that hand back the fields (pydantic's, named tuples')
RECORD_METHODS = frozenset(
    {"model_dump", "model_dump_json", "model_copy", "dict", "json", "copy", "_asdict", "_replace"}
)
RECORD_DECORATORS = frozenset(
    {
        "dataclasses.dataclass",
        "pydantic.dataclasses.dataclass",
        "attr.s",
        "attr.attrs",
        "attr.define",
        "attr.frozen",
        "attrs.define",
        "attrs.frozen",
    }
)

#: XML parser constructors that are hardened when these keywords have these values.
HARDENED_PARSERS: dict[str, dict[str, Any]] = {
    "lxml.etree.XMLParser": {"resolve_entities": False},
    "lxml.etree.XMLPullParser": {"resolve_entities": False},
}


def _sink(
    name: str,
    kind: str,
    args: Iterable[int | str] = (0,),
    *,
    report_cwe: int | None = None,
    severity: str | None = None,
    **conditions: Any,
) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "args": tuple(args),
        "report_cwe": report_cwe,
        "severity": severity,
        **conditions,
    }


#: a SaxonC processor's setting that stops it fetching any URL (external entities, DTDs)
_SAXON_NO_PROTOCOLS = ("set_configuration_property", ("http://saxon.sf.net/feature/allowedProtocols", ""))
_HTML_TYPES = {"html_only": True}
#: a client made with one of these transports calls an application in the same process, not a host
_NETWORK_CLIENT = {"not_in_process": frozenset({"httpx.ASGITransport", "httpx.WSGITransport"})}
#: Django's file objects: `x.save(name, ContentFile(data))` is a model field's or a storage's save,
#: which refuses `..` parts and absolute names, as the storage's own `save` does
_DJANGO_FILES = frozenset(
    {
        "django.core.files.base.ContentFile",
        "django.core.files.ContentFile",
        "django.core.files.base.File",
        "django.core.files.File",
        "django.core.files.uploadedfile.SimpleUploadedFile",
        "django.core.files.uploadedfile.InMemoryUploadedFile",
    }
)
#: Pyramid's and WebOb's redirect responses (same names in both)
_REDIRECT_RESPONSES = (
    "HTTPFound",
    "HTTPSeeOther",
    "HTTPMovedPermanently",
    "HTTPTemporaryRedirect",
    "HTTPPermanentRedirect",
)
#: Objects with a `set_cookie` that stores a cookie on the client side (test clients, cookie
#: jars): the cookie goes to the server with the client's next request, not to a browser.
_COOKIE_CLIENTS = (
    "werkzeug.test.Client",
    "flask.testing.FlaskClient",
    "django.test.Client",
    "django.test.client.Client",
    "http.cookiejar.CookieJar",
    "requests.cookies.RequestsCookieJar",
)
_DJANGO = ("django",)
#: keywords of HTML renderers that hand every URL a page links to the application's own fetcher
_FETCHERS = ("url_fetcher", "link_callback")
_XML = ("xml", "lxml", "defusedxml")
_LOGGING = ("logging", "structlog", "loguru")

#: Sinks. `args`: positions or keyword names of the dangerous arguments ("*": all of
#: them, "*args": every positional one, "receiver": the object the method is called on). Conditions:
#:   shell_flag: subprocess-style (whole command only with shell=True, else the program)
#:   argv: where the argument list of a program run without a shell is: (position, keyword) of a
#:     list whose first item names the program, or "*" for the call's own positional arguments
#:   html_only: not a sink when mimetype/content_type is a constant without "html"
#:   sent_as_html: a sink only when the Content-Type header the function sends last before the
#:     call says html (the standard library's handlers write the body and the headers apart)
#:   safe_loader: yaml.load is safe with one of these Loader names
#:   xml_parser: the keyword/position of a parser argument that can harden it
#:   unknown_receiver: a `*.method` stand-in for typed rows, used only when the receiver's type
#:     is unknown, it is an object (not a module, not a string) and the module imports one of
#:     these packages (see docs/users/security.md, "unknown types")
#:   module_receiver: `getattr(module, name)`: only when the first argument is an imported module
#:   location: how the framework writes a redirect's Location: "quoted" (percent-encoded: tabs, CR,
#:     LF and `\\` cannot reach the browser as such), "no-controls" (a control character is refused)
#:   when_flag: a sink only when the call passes this keyword and it is not a false constant
#:   no_caller: a public function's parameter (`trust_parameters: false`) is not a finding here
#:   receiver_tag: the receiver must be a value of this sort (e.g. a pathlib path)
#:   not_receivers: not a sink when the receiver is known to be one of these types (or a subtype)
#:   not_in_process: not a sink when the client was made with `transport=` one of these (an
#:     application in the same process answers, whatever the URL names)
#:   unless_content: not a sink when the second argument is made by one of these classes (a
#:     framework's file object: the call is that framework's save, which checks the name)
#:   unless_keywords: not a sink when the call passes one of these keywords (a fetcher of the
#:     application's own that decides which URLs a renderer may load)
#:   markup: the argument is HTML whose links a renderer loads: only data that could still add a
#:     tag or attribute counts (HTML-escaped text cannot)
SINKS: tuple[dict[str, Any], ...] = (
    # SQL
    _sink("*.execute", "sql", (0, "sql", "statement", "operation"), report_cwe=89),
    _sink("*.executemany", "sql", (0, "sql"), report_cwe=89),
    _sink("*.executescript", "sql", (0,), report_cwe=89),
    _sink("frappe.db.sql", "sql", (0, "query")),
    _sink("frappe.db.multisql", "sql", (0, "queries")),
    _sink("*.objects.raw", "sql", (0, "raw_query"), report_cwe=89),
    _sink("django.db.models.Manager.raw", "sql", (0, "raw_query")),
    _sink("django.db.models.QuerySet.extra", "sql", ("where", "select", "tables", "order_by")),
    _sink("*.extra", "sql", ("where", "select", "tables", "order_by"), unknown_receiver=_DJANGO),
    _sink("django.db.models.expressions.RawSQL", "sql", (0, "sql")),
    _sink("django.db.models.RawSQL", "sql", (0, "sql")),
    _sink("pandas.read_sql", "sql", (0, "sql")),
    _sink("pandas.read_sql_query", "sql", (0, "sql")),
    _sink("*.read_sql", "sql", (0, "sql")),
    # shell and processes
    _sink("os.system", "command"),
    _sink("os.popen", "command", (0, "cmd")),
    _sink("os.popen2", "command"),
    _sink("subprocess.getoutput", "command", (0, "cmd")),
    _sink("subprocess.getstatusoutput", "command", (0, "cmd")),
    _sink("commands.getoutput", "command"),
    _sink("asyncio.create_subprocess_shell", "command", (0, "cmd")),
    _sink("subprocess.Popen", "command", (0, "args"), shell_flag=True, argv=(0, "args")),
    _sink("subprocess.run", "command", (0, "args"), shell_flag=True, argv=(0, "args")),
    _sink("subprocess.call", "command", (0, "args"), shell_flag=True, argv=(0, "args")),
    _sink("subprocess.check_call", "command", (0, "args"), shell_flag=True, argv=(0, "args")),
    _sink("subprocess.check_output", "command", (0, "args"), shell_flag=True, argv=(0, "args")),
    # Tornado's process wrapper hands its arguments to subprocess.Popen
    _sink("tornado.process.Subprocess", "command", (0, "args"), shell_flag=True, argv=(0, "args")),
    _sink("asyncio.create_subprocess_exec", "command", (0, "program"), severity="medium", argv="*"),
    _sink("os.execv", "command", (0, "path"), severity="medium", argv=(1, "args")),
    _sink("os.execvp", "command", (0, "file"), severity="medium", argv=(1, "args")),
    _sink("os.execl", "command", (0, "path"), severity="medium"),
    _sink("os.execlp", "command", (0, "file"), severity="medium"),
    _sink("os.spawnv", "command", (1, "path"), severity="medium", argv=(2, "args")),
    _sink("os.spawnl", "command", (1, "path"), severity="medium"),
    _sink("pty.spawn", "command", (0, "argv"), severity="medium"),
    _sink("paramiko.SSHClient.exec_command", "command", (0, "command")),
    _sink("*.exec_command", "command", (0, "command"), unknown_receiver=("paramiko",)),
    # code
    _sink("eval", "code", (0, "source")),
    _sink("exec", "code", (0, "source")),
    _sink("compile", "code", (0, "source")),
    _sink("builtins.eval", "code", (0,)),
    _sink("builtins.exec", "code", (0,)),
    # dynamic imports and lookups: plugin loaders take names from their callers by design, so
    # only input from outside the process (a request, argv) counts here, not a caller's argument
    _sink("__import__", "code", (0, "name"), no_caller=True, module_name=True),
    _sink("importlib.import_module", "code", (0, "name"), no_caller=True, module_name=True),
    _sink("getattr", "code", (1,), module_receiver=True, no_caller=True),
    # an object named by text ("pkg.mod:func", "pkg.mod.Class"): imported, then called by the caller
    _sink("pydoc.locate", "code", (0, "path"), no_caller=True),
    # Hugging Face loaders run the Python files of the repository or folder they are named, when
    # `trust_remote_code` is on: a name from a request picks the code the server runs
    _sink("*.from_pretrained", "code", (0, "pretrained_model_name_or_path"), when_flag="trust_remote_code"),
    _sink("transformers.pipeline", "code", (1, "model"), when_flag="trust_remote_code"),
    _sink("datasets.load_dataset", "code", (0, "path"), when_flag="trust_remote_code"),
    _sink(
        "sentence_transformers.SentenceTransformer",
        "code",
        (0, "model_name_or_path"),
        when_flag="trust_remote_code",
    ),
    _sink("pkgutil.resolve_name", "code", (0, "name"), no_caller=True),
    _sink("werkzeug.utils.import_string", "code", (0, "import_name"), no_caller=True),
    _sink("django.utils.module_loading.import_string", "code", (0, "dotted_path"), no_caller=True),
    _sink("apscheduler.util.ref_to_obj", "code", (0, "ref"), no_caller=True),
    # APScheduler runs a job's `func` given as a textual reference: any importable callable
    _sink("apscheduler.schedulers.base.BaseScheduler.add_job", "code", (0, "func"), no_caller=True),
    _sink(
        "*.add_job",
        "code",
        (0, "func"),
        unknown_receiver=("apscheduler", "flask_apscheduler"),
        no_caller=True,
    ),
    _sink("code.InteractiveInterpreter.runsource", "code", (0,)),
    # files
    _sink("open", "path", (0, "file")),
    _sink("io.open", "path", (0, "file")),
    _sink("codecs.open", "path", (0, "filename")),
    _sink("builtins.open", "path", (0, "file")),
    _sink("aiofiles.open", "path", (0, "file")),
    _sink("anyio.open_file", "path", (0, "file")),
    _sink("os.open", "path", (0, "path")),
    _sink("os.remove", "path", (0, "path")),
    # a package's resource by its name inside the package: `..` leaves the package's folder
    _sink("pkg_resources.resource_string", "path", (1, "resource_name")),
    _sink("pkg_resources.resource_stream", "path", (1, "resource_name")),
    _sink("pkg_resources.resource_filename", "path", (1, "resource_name")),
    _sink("os.unlink", "path", (0, "path")),
    _sink("os.rmdir", "path", (0, "path")),
    _sink("os.removedirs", "path", (0, "name")),
    _sink("os.mkdir", "path", (0, "path")),
    _sink("os.makedirs", "path", (0, "name")),
    _sink("os.listdir", "path", (0, "path")),
    _sink("os.scandir", "path", (0, "path")),
    _sink("os.walk", "path", (0, "top")),
    _sink("os.rename", "path", (0, 1, "src", "dst")),
    _sink("os.replace", "path", (0, 1, "src", "dst")),
    _sink("os.chmod", "path", (0, "path")),
    _sink("os.chown", "path", (0, "path")),
    _sink("os.symlink", "path", (0, 1)),
    _sink("os.link", "path", (0, 1)),
    _sink("os.truncate", "path", (0, "path")),
    _sink("shutil.copy", "path", (0, 1, "src", "dst")),
    _sink("shutil.copy2", "path", (0, 1, "src", "dst")),
    _sink("shutil.copyfile", "path", (0, 1, "src", "dst")),
    _sink("shutil.copytree", "path", (0, 1, "src", "dst")),
    _sink("shutil.move", "path", (0, 1, "src", "dst")),
    _sink("shutil.rmtree", "path", (0, "path")),
    _sink("shutil.make_archive", "path", (0, "base_name", "root_dir")),
    _sink("shutil.unpack_archive", "path", (1, "extract_dir")),
    _sink("flask.send_file", "path", (0, "path_or_file", "filename_or_fp")),
    _sink("quart.send_file", "path", (0, "filename_or_io")),  # Quart mirrors Flask's helpers
    _sink("cherrypy.lib.static.serve_file", "path", (0, "path")),
    _sink("cherrypy.lib.static.serve_download", "path", (0, "path")),
    _sink("flask.send_from_directory", "path", (0, "directory")),
    _sink("quart.send_from_directory", "path", (0, "directory")),
    # a response that streams the file at `path` (FastAPI re-exports Starlette's)
    _sink("starlette.responses.FileResponse", "path", (0, "path")),
    _sink("fastapi.responses.FileResponse", "path", (0, "path")),
    _sink("aiohttp.web.FileResponse", "path", (0, "path")),
    # Litestar, and Starlite before its rename: the file a response serves
    _sink("litestar.response.FileResponse", "path", (0, "path")),
    _sink("litestar.response.File", "path", (0, "path")),
    _sink("starlite.response.FileResponse", "path", (0, "path")),
    _sink("starlite.FileResponse", "path", (0, "path")),
    _sink("tarfile.open", "path", (0, "name")),
    _sink("zipfile.ZipFile", "path", (0, "file")),
    _sink("PIL.Image.open", "path", (0, "fp")),
    _sink("werkzeug.datastructures.FileStorage.save", "path", (0, "dst")),
    _sink("bottle.FileUpload.save", "path", (0, "destination")),
    # Django's `Storage.save(name, ...)` is no row: it refuses `..` parts and absolute names
    # (validate_file_name) and FileSystemStorage joins with safe_join, so a name stays inside it
    _sink("PIL.Image.Image.save", "path", (0, "fp")),
    _sink(
        "*.save",
        "path",
        (0, "dst"),
        unknown_receiver=("flask", "werkzeug", "PIL"),
        unless_content=_DJANGO_FILES,
    ),
    _sink("*.read_text", "path", ("receiver",), receiver_tag="pathobj"),
    _sink("*.read_bytes", "path", ("receiver",), receiver_tag="pathobj"),
    _sink("*.write_text", "path", ("receiver",), receiver_tag="pathobj"),
    _sink("*.write_bytes", "path", ("receiver",), receiver_tag="pathobj"),
    _sink("*.unlink", "path", ("receiver",), receiver_tag="pathobj"),
    _sink("*.open", "path", ("receiver",), receiver_tag="pathobj"),
    _sink("*.rmdir", "path", ("receiver",), receiver_tag="pathobj"),
    # HTML
    _sink("markupsafe.Markup", "xss", (0, "object"), report_cwe=79),
    _sink("flask.Markup", "xss", (0, "object"), report_cwe=79),
    _sink("jinja2.Markup", "xss", (0, "object"), report_cwe=79),
    _sink("django.utils.safestring.mark_safe", "xss", (0, "s"), report_cwe=79),
    _sink("django.utils.safestring.SafeString", "xss", (0,), report_cwe=79),
    _sink("flask.render_template_string", "ssti", (0, "source")),
    _sink("quart.render_template_string", "ssti", (0, "source")),
    _sink("jinja2.Template", "ssti", (0, "source")),
    # Django's template language runs no Python: a library compiling the template text it is given
    # is its API (a request's text there is still reported)
    _sink("django.template.Template", "ssti", (0, "template_string"), no_caller=True),
    _sink("mako.template.Template", "ssti", (0, "text")),
    _sink("jinja2.Environment.from_string", "ssti", (0, "source")),
    _sink("*.from_string", "ssti", (0, "source"), unknown_receiver=("jinja2",)),
    # a dict or list handed to it is answered as JSON (Flask serialises it), not as HTML
    _sink("flask.make_response", "xss", (0,), json_containers=True, **_HTML_TYPES),
    _sink("flask.Response", "xss", (0, "response"), **_HTML_TYPES),
    _sink("quart.make_response", "xss", (0,), json_containers=True, **_HTML_TYPES),
    _sink("quart.Response", "xss", (0, "response"), **_HTML_TYPES),
    _sink("werkzeug.wrappers.Response", "xss", (0, "response"), **_HTML_TYPES),
    _sink("django.http.HttpResponse", "xss", (0, "content"), **_HTML_TYPES),
    _sink("django.http.HttpResponseBadRequest", "xss", (0, "content"), **_HTML_TYPES),
    _sink("django.http.HttpResponseNotFound", "xss", (0, "content"), **_HTML_TYPES),
    _sink("socketserver._SocketWriter.write", "xss", (0,), sent_as_html=True),
    # Tornado sends a text chunk as text/html unless the handler set another type first; a dict
    # it writes as JSON
    _sink("tornado.web.RequestHandler.write", "xss", (0, "chunk"), json_containers=True, typed_before=True),
    _sink("tornado.web.RequestHandler.finish", "xss", (0, "chunk"), json_containers=True, typed_before=True),
    # the client choosing the response's type: the browser renders what it is sent as that type, so
    # `text/html` (or an SVG) turns any body, stored or uploaded, into a page of its choosing
    *(
        _sink(name, "xss", keywords)
        for names, keywords in (
            (
                ("flask.Response", "quart.Response", "werkzeug.wrappers.Response"),
                ("mimetype", "content_type"),
            ),
            (("flask.send_file", "quart.send_file", "flask.send_from_directory"), ("mimetype",)),
            (("django.http.HttpResponse", "django.http.FileResponse"), ("content_type",)),
            (("starlette.responses.Response", "fastapi.responses.Response"), ("media_type",)),
        )
        for name in names
    ),
    _sink("fastapi.responses.HTMLResponse", "xss", (0, "content")),
    _sink("starlette.responses.HTMLResponse", "xss", (0, "content")),
    _sink("sanic.response.html", "xss", (0, "body")),
    _sink("sanic.response.redirect", "redirect", (0, "to")),
    _sink("sanic.response.file", "path", (0, "location")),
    _sink("sanic.response.file_stream", "path", (0, "location")),
    # redirects
    _sink("flask.redirect", "redirect", (0, "location")),
    _sink("quart.redirect", "redirect", (0, "location")),
    # CKAN's redirect helper: a path is put under the site's URL, a full URL is sent on as it is
    _sink("ckan.lib.helpers.redirect_to", "redirect", (0, "url")),
    _sink("ckan.plugins.toolkit.redirect_to", "redirect", (0, "url")),
    _sink("ckan.plugins.toolkit.h.redirect_to", "redirect", (0, "url")),
    _sink("cherrypy.HTTPRedirect", "redirect", (0, "urls")),
    _sink("reflex.redirect", "redirect", (0, "path")),  # an event handler's answer: the browser goes there
    # Pyramid's redirect responses take the location first; WebOb's take it by keyword only
    *(_sink(f"pyramid.httpexceptions.{name}", "redirect", (0, "location")) for name in _REDIRECT_RESPONSES),
    *(_sink(f"webob.exc.{name}", "redirect", ("location",)) for name in _REDIRECT_RESPONSES),
    *(_sink(f"falcon.{name}", "redirect", (0, "location")) for name in _REDIRECT_RESPONSES),
    *(_sink(f"falcon.redirects.{name}", "redirect", (0, "location")) for name in _REDIRECT_RESPONSES),
    _sink("pyramid.response.FileResponse", "path", (0, "path")),
    _sink("pyramid.static.FileResponse", "path", (0, "path")),  # the same class, imported there
    _sink("werkzeug.utils.redirect", "redirect", (0, "location")),
    _sink("django.shortcuts.redirect", "redirect", (0, "to"), location="quoted"),
    _sink("django.http.HttpResponseRedirect", "redirect", (0, "redirect_to"), location="quoted"),
    _sink("django.http.HttpResponsePermanentRedirect", "redirect", (0, "redirect_to"), location="quoted"),
    _sink("fastapi.responses.RedirectResponse", "redirect", (0, "url"), location="quoted"),
    _sink("starlette.responses.RedirectResponse", "redirect", (0, "url"), location="quoted"),
    _sink("tornado.web.RequestHandler.redirect", "redirect", (0, "url"), location="no-controls"),
    _sink("ZPublisher.HTTPResponse.HTTPResponse.redirect", "redirect", (0, "location")),
    _sink("twisted.web.http.Request.redirect", "redirect", (0, "url")),
    # LDAP
    _sink("*.search_s", "ldap", (2, "filterstr")),
    _sink("*.search_st", "ldap", (2, "filterstr")),
    _sink("*.search_ext", "ldap", (2, "filterstr")),
    _sink("*.search_ext_s", "ldap", (2, "filterstr")),
    _sink("ldap3.Connection.search", "ldap", (1, "search_filter")),
    _sink("*.search", "ldap", (1, "search_filter"), unknown_receiver=("ldap3",)),
    # XPath
    _sink("*.xpath", "xpath", (0, "_path")),
    _sink("lxml.etree.XPath", "xpath", (0, "path")),
    _sink("lxml.etree.ETXPath", "xpath", (0, "path")),
    *(_sink(f"elementpath.{name}", "xpath", (1, "path")) for name in ("select", "iter_select")),
    _sink("elementpath.Selector", "xpath", (0, "path")),
    _sink("xml.etree.ElementTree.Element.find", "xpath", (0, "path")),
    _sink("xml.etree.ElementTree.ElementTree.find", "xpath", (0, "path")),
    _sink("lxml.etree._Element.find", "xpath", (0, "path")),
    _sink("lxml.etree._ElementTree.find", "xpath", (0, "path")),
    _sink("xml.etree.ElementTree.Element.findall", "xpath", (0, "path")),
    _sink("xml.etree.ElementTree.ElementTree.findall", "xpath", (0, "path")),
    _sink("lxml.etree._Element.findall", "xpath", (0, "path")),
    _sink("lxml.etree._ElementTree.findall", "xpath", (0, "path")),
    _sink("xml.etree.ElementTree.Element.findtext", "xpath", (0, "path")),
    _sink("xml.etree.ElementTree.ElementTree.findtext", "xpath", (0, "path")),
    _sink("lxml.etree._Element.findtext", "xpath", (0, "path")),
    _sink("lxml.etree._ElementTree.findtext", "xpath", (0, "path")),
    _sink("xml.etree.ElementTree.Element.iterfind", "xpath", (0, "path")),
    _sink("xml.etree.ElementTree.ElementTree.iterfind", "xpath", (0, "path")),
    _sink("lxml.etree._Element.iterfind", "xpath", (0, "path")),
    _sink("lxml.etree._ElementTree.iterfind", "xpath", (0, "path")),
    _sink("*.find", "xpath", (0, "path"), unknown_receiver=_XML),
    _sink("*.findall", "xpath", (0, "path"), unknown_receiver=_XML),
    _sink("*.findtext", "xpath", (0, "path"), unknown_receiver=_XML),
    _sink("*.iterfind", "xpath", (0, "path"), unknown_receiver=_XML),
    # deserialisation (a loader given a file name loads the caller's own file: `no_caller`)
    _sink("pickle.loads", "deserialization", (0, "data"), report_cwe=502),
    _sink("pickle.load", "deserialization", (0, "file"), report_cwe=502),
    _sink("cPickle.loads", "deserialization", (0,), report_cwe=502),
    _sink("_pickle.loads", "deserialization", (0,), report_cwe=502),
    _sink("dill.loads", "deserialization", (0,), report_cwe=502),
    _sink("marshal.loads", "deserialization", (0,), report_cwe=502),
    _sink("marshal.load", "deserialization", (0,), report_cwe=502),
    _sink("shelve.open", "deserialization", (0, "filename"), report_cwe=502, no_caller=True),
    _sink("jsonpickle.decode", "deserialization", (0, "string")),
    _sink("joblib.load", "deserialization", (0, "filename"), report_cwe=502, no_caller=True),
    # a TorchScript archive is a file it reads (torch.load's unpickling is bandit's B614 and PG-VULN023:
    # as a taint sink, a constant path's proof would drop them)
    _sink("torch.jit.load", "path", (0, "f")),
    _sink("cloudpickle.loads", "deserialization", (0, "data"), report_cwe=502),
    _sink("cloudpickle.load", "deserialization", (0, "file"), report_cwe=502),
    _sink("dill.load", "deserialization", (0, "file"), report_cwe=502),
    _sink("pandas.read_pickle", "deserialization", (0, "filepath_or_buffer"), no_caller=True),
    _sink("yaml.load", "deserialization", (0, "stream"), safe_loader=True),
    _sink("yaml.load_all", "deserialization", (0, "stream"), safe_loader=True),
    _sink("yaml.unsafe_load", "deserialization", (0, "stream")),
    _sink("yaml.full_load", "deserialization", (0, "stream")),
    # XML
    _sink("lxml.etree.fromstring", "xxe", (0, "text"), xml_parser=(1, "parser")),
    _sink("lxml.etree.XML", "xxe", (0, "text"), xml_parser=(1, "parser")),
    _sink("lxml.etree.parse", "xxe", (0, "source"), xml_parser=(1, "parser")),
    # Python's own parsers (xml.etree, minidom, pulldom, sax) load no external entities: what the
    # client's document can do there is bandit's B313-B319, an entity-expansion bomb on an old expat
    # SaxonC fetches external entities and DTDs by URL unless its processor allows no protocol
    *(
        _sink(f"{package}.PySaxonProcessor.parse_xml", "xxe", ("xml_text",), hardened_by=_SAXON_NO_PROTOCOLS)
        for package in ("saxonche", "saxonc", "saxoncpe", "saxoncee")
    ),
    # session and cookies
    *(_sink(f"{session}.update", "trust-boundary", (0,)) for session in ("flask.session", "request.session")),
    *(
        _sink(f"{session}.setdefault", "trust-boundary", (0, 1))
        for session in ("flask.session", "request.session")
    ),
    _sink("*.set_cookie", "trust-boundary", (1, "value"), not_receivers=_COOKIE_CLIENTS),
    _sink("*.set_signed_cookie", "trust-boundary", (1, "value")),
    # response headers
    _sink("*.headers.add", "header", (1, "_value")),
    _sink("*.headers.set", "header", (1, "_value")),
    _sink("*.headers.setdefault", "header", (1,)),
    _sink("*.set_header", "header", (1,)),
    # writes the header line as given: a CR LF in the value starts a header or a body of its own
    _sink("http.server.BaseHTTPRequestHandler.send_header", "header", (1, "value")),
    # logs: the message and its %-arguments; `extra=` fields go to structured (escaping)
    # formatters and `exc_info=` is the exception, neither is the log line an attacker can forge
    _sink("logging.debug", "log", ("*args",)),
    _sink("logging.info", "log", ("*args",)),
    _sink("logging.warning", "log", ("*args",)),
    _sink("logging.error", "log", ("*args",)),
    _sink("logging.critical", "log", ("*args",)),
    _sink("logging.Logger.debug", "log", ("*args",)),
    _sink("logging.Logger.info", "log", ("*args",)),
    _sink("logging.Logger.warning", "log", ("*args",)),
    _sink("logging.Logger.warn", "log", ("*args",)),
    _sink("logging.Logger.error", "log", ("*args",)),
    _sink("logging.Logger.critical", "log", ("*args",)),
    _sink("logging.Logger.exception", "log", ("*args",)),
    _sink("logging.Logger.log", "log", ("*args",)),
    _sink("*.debug", "log", ("*args",), unknown_receiver=_LOGGING),
    _sink("*.info", "log", ("*args",), unknown_receiver=_LOGGING),
    _sink("*.warning", "log", ("*args",), unknown_receiver=_LOGGING),
    _sink("*.warn", "log", ("*args",), unknown_receiver=_LOGGING),
    _sink("*.error", "log", ("*args",), unknown_receiver=_LOGGING),
    _sink("*.critical", "log", ("*args",), unknown_receiver=_LOGGING),
    _sink("*.exception", "log", ("*args",), unknown_receiver=_LOGGING),
    # outbound requests
    _sink("requests.get", "ssrf", (0, "url")),
    _sink("requests.post", "ssrf", (0, "url")),
    _sink("requests.put", "ssrf", (0, "url")),
    _sink("requests.patch", "ssrf", (0, "url")),
    _sink("requests.delete", "ssrf", (0, "url")),
    _sink("requests.head", "ssrf", (0, "url")),
    _sink("requests.request", "ssrf", (1, "url")),
    _sink("*.session().get", "ssrf", (0, "url")),
    _sink("requests.Session.get", "ssrf", (0, "url")),
    _sink("requests.Session.post", "ssrf", (0, "url")),
    _sink("requests.Session.put", "ssrf", (0, "url")),
    _sink("requests.Session.patch", "ssrf", (0, "url")),
    _sink("requests.Session.delete", "ssrf", (0, "url")),
    _sink("requests.Session.head", "ssrf", (0, "url")),
    _sink("requests.Session.options", "ssrf", (0, "url")),
    _sink("requests.Session.request", "ssrf", (1, "url")),
    *(
        _sink(f"httpx.{client}.{verb}", "ssrf", (1 if verb == "request" else 0, "url"), **_NETWORK_CLIENT)
        for client in ("Client", "AsyncClient")
        for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request")
    ),
    _sink("aiohttp.ClientSession.get", "ssrf", (0, "url")),
    _sink("aiohttp.ClientSession.post", "ssrf", (0, "url")),
    _sink("aiohttp.ClientSession.put", "ssrf", (0, "url")),
    _sink("aiohttp.ClientSession.patch", "ssrf", (0, "url")),
    _sink("aiohttp.ClientSession.delete", "ssrf", (0, "url")),
    _sink("aiohttp.ClientSession.head", "ssrf", (0, "url")),
    _sink("aiohttp.ClientSession.options", "ssrf", (0, "url")),
    _sink("tornado.httpclient.AsyncHTTPClient.fetch", "ssrf", (0, "request")),
    _sink("tornado.httpclient.HTTPClient.fetch", "ssrf", (0, "request")),
    _sink("tornado.httpclient.HTTPRequest", "ssrf", (0, "url")),
    _sink("aiohttp.ClientSession.request", "ssrf", (1, "url")),
    _sink("urllib3.PoolManager.request", "ssrf", (1, "url")),
    # Twisted's HTTP client and treq on it
    _sink("twisted.web.client.Agent.request", "ssrf", (1, "uri")),
    *(
        _sink(f"treq.{verb}", "ssrf", (0, "url"))
        for verb in ("get", "post", "put", "patch", "delete", "head")
    ),
    _sink("treq.request", "ssrf", (1, "url")),
    # httpx: a request built from a URL and sent later (`client.send(request)`): reported where
    # the URL goes in (the request's params, headers or body may carry user data harmlessly)
    _sink("httpx.Request", "ssrf", (1, "url")),
    _sink("httpx.Client.build_request", "ssrf", (1, "url"), **_NETWORK_CLIENT),
    _sink("httpx.AsyncClient.build_request", "ssrf", (1, "url"), **_NETWORK_CLIENT),
    _sink("httpx.put", "ssrf", (0, "url")),
    _sink("httpx.patch", "ssrf", (0, "url")),
    _sink("httpx.delete", "ssrf", (0, "url")),
    _sink("httpx.head", "ssrf", (0, "url")),
    _sink("httpx.stream", "ssrf", (1, "url")),
    _sink("httpx.get", "ssrf", (0, "url")),
    _sink("httpx.post", "ssrf", (0, "url")),
    _sink("httpx.request", "ssrf", (1, "url")),
    _sink("urllib.request.urlopen", "ssrf", (0, "url")),
    _sink("urllib.request.Request", "ssrf", (0, "url")),
    _sink("urllib.urlopen", "ssrf", (0, "url")),
    _sink("urllib3.request", "ssrf", (1, "url")),
    # youtube-dl and yt-dlp fetch any page they are handed (their generic extractor too)
    *(
        _sink(f"{package}.YoutubeDL.{method}", "ssrf", (0, argument))
        for package in ("youtube_dl", "yt_dlp")
        for method, argument in (("extract_info", "url"), ("download", "url_list"))
    ),
    _sink("http.client.HTTPConnection", "ssrf", (0, "host")),
    # feedparser fetches a URL it is handed (and reads a local file named so)
    _sink("feedparser.parse", "ssrf", (0, "url_file_stream_or_string")),
    # HTML renderers load what a page links (`<img src>`, `<link href>`, `<iframe>`): a URL to
    # render, or markup with the client's tags in it, makes the server fetch what they name
    _sink("weasyprint.HTML", "ssrf", (0, "guess", "url"), unless_keywords=_FETCHERS),
    _sink("weasyprint.HTML", "ssrf", ("string",), unless_keywords=_FETCHERS, markup=True),
    _sink("pdfkit.from_url", "ssrf", (0, "url")),
    _sink("pdfkit.from_string", "ssrf", (0, "input"), markup=True),
    _sink("xhtml2pdf.pisa.CreatePDF", "ssrf", (0, "src"), unless_keywords=_FETCHERS, markup=True),
    _sink("xhtml2pdf.pisa.pisaDocument", "ssrf", (0, "src"), unless_keywords=_FETCHERS, markup=True),
    # headless browsers open the page they are sent to (Playwright's and pyppeteer's `goto`)
    _sink("*.goto", "ssrf", (0, "url"), unknown_receiver=("playwright", "pyppeteer")),
    _sink("http.client.HTTPSConnection", "ssrf", (0, "host")),
    # regular expressions
    _sink("re.compile", "regex", (0, "pattern")),
    _sink("re.match", "regex", (0, "pattern")),
    _sink("re.search", "regex", (0, "pattern")),
    _sink("re.fullmatch", "regex", (0, "pattern")),
    _sink("re.findall", "regex", (0, "pattern")),
    _sink("re.finditer", "regex", (0, "pattern")),
    _sink("re.sub", "regex", (0, "pattern")),
    _sink("re.subn", "regex", (0, "pattern")),
    _sink("re.split", "regex", (0, "pattern")),
)

_RESPONSE_TYPES = ("django.http.HttpResponse", "werkzeug.wrappers.Response", "starlette.responses.Response")

#: Item assignments that are sinks: `container[key] = value` where the container matches by
#: name and, when given, by type (`types`: the container's; `owner_types`: the object whose
#: attribute the container is). An unknown type is not a sink here: item stores into dicts
#: are far too common to lean the other way. A `session` store is read back by the site's views.
STORE_SINKS: tuple[dict[str, Any], ...] = (
    {"name": "flask.session", "kind": "trust-boundary", "session": True},
    {"name": "request.session", "kind": "trust-boundary", "session": True},
    {"name": "cherrypy.session", "kind": "trust-boundary", "session": True},
    {"name": "*.headers", "kind": "header"},
    {"name": "*.cookies", "kind": "trust-boundary", "owner_types": _RESPONSE_TYPES},
    {"name": "*", "kind": "header", "types": ("django.http.HttpResponse",)},
)

#: the last names of the session objects the store sinks name (`flask.session`, `request.session`):
#: an item read of an object so named may read back what a view kept there
SESSION_NAMES = frozenset(row["name"].rsplit(".", 1)[-1] for row in STORE_SINKS if row.get("session"))

#: Safe YAML loaders (yaml.load(data, Loader=...)).
SAFE_YAML_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})


@dataclass(frozen=True)
class Sink:
    name: str
    kind: str
    args: tuple[int | str, ...]
    cwe: int
    report_cwe: int
    severity: str
    conditions: Mapping[str, Any] = field(default_factory=dict)

    @property
    def meta(self) -> SinkKind:
        return KINDS[self.kind]


class RuleError(ValueError):
    """A policy-declared rule that cannot be used (names the key)."""


def name_matches(name: str, pattern: str) -> bool:
    """Qualified name against a rule pattern: the shared syntax (pyresolve.matching) with the
    taint tables' dotted-suffix reading (`request.GET` matches `self.request.GET`)."""
    return matches(name, pattern, suffix=True)


class PatternTable(PatternIndex):
    """Name patterns indexed by their last dotted segment (taint tables: dotted-suffix reading)."""

    def __init__(self, patterns: Iterable[str], values: Iterable[Any] = ()) -> None:
        super().__init__(patterns, values, suffix=True)


def matches_any(name: str, patterns: frozenset[str]) -> bool:
    """Whether a name matches any pattern of a fixed table (cached: tables never change)."""
    return _matches_any(name, patterns, suffix=True)


@dataclass
class RuleSet:
    """The tables in force for one review: built-ins plus the policy's additions."""

    sources: dict[str, str]
    sinks: list[Sink]
    store_sinks: list[dict[str, Any]]
    sanitizers: dict[str, frozenset[str]]
    min_confidence: str = "medium"
    trust_parameters: bool = False
    follow_helpers: bool = False
    _sink_cache: dict[str, tuple[Sink, ...]] = field(default_factory=dict)
    _sink_table: PatternTable | None = None
    _san_table: PatternTable | None = None
    _src_table: PatternTable | None = None
    _san_cache: dict[str, frozenset[str] | None] = field(default_factory=dict)
    _src_cache: dict[str, str | None] = field(default_factory=dict)
    _typed_methods: frozenset[str] | None = None

    def is_sink_method(self, method: str) -> bool:
        """Whether some sink is a method of that name on a typed receiver (`Type.method`), or the
        constructor a subclass calls on its base (`super().__init__(url)` builds the base sink)."""
        if self._typed_methods is None:
            self._typed_methods = frozenset(
                s.name.rsplit(".", 1)[-1] for s in self.sinks if "." in s.name and not s.name.startswith("*")
            ) | {"__init__"}
        return method in self._typed_methods

    def sink_last_names(self) -> frozenset[str] | None:
        """The last name segments a call that may be a sink can end with (None: any name)."""
        names = frozenset(sink.name.rsplit(".", 1)[-1] for sink in self.sinks)
        return None if "*" in names else names | {"__init__"}

    def receiver_value_sinks(self, method: str) -> tuple[Sink, ...]:
        """Sinks of a method called on an expression with no name (`(root / name).read_text()`)
        that judge the receiver by its value (`receiver_tag`), so need no name or type."""
        return tuple(s for s in self.sinks_for(f"<expression>.{method}") if "receiver_tag" in s.conditions)

    def sinks_for(self, name: str) -> tuple[Sink, ...]:
        found = self._sink_cache.get(name)
        if found is None:
            if self._sink_table is None:
                self._sink_table = PatternTable((s.name for s in self.sinks), self.sinks)
            candidates = [self._sink_table.values[at] for at, _ in self._sink_table.candidates(name)]
            exact = tuple(s for s in candidates if s.name == name)
            found = exact or tuple(s for s in candidates if name_matches(name, s.name))
            self._sink_cache[name] = found
        return found

    def sanitizer(self, name: str) -> frozenset[str] | None:
        if name not in self._san_cache:
            kinds = self.sanitizers.get(name)
            if kinds is None:
                if self._san_table is None:
                    self._san_table = PatternTable(self.sanitizers, self.sanitizers.values())
                position = self._san_table.first_match(name, dotted_only=True)
                kinds = self._san_table.values[position] if position is not None else None
            self._san_cache[name] = kinds
        return self._san_cache[name]

    def source(self, name: str) -> str | None:
        if name not in self._src_cache:
            kind = self.sources.get(name)
            if kind is None:
                if self._src_table is None:
                    self._src_table = PatternTable(self.sources, self.sources.values())
                position = self._src_table.first_match(name, dotted_only=True)
                kind = self._src_table.values[position] if position is not None else None
            self._src_cache[name] = kind
        return self._src_cache[name]


def _builtin_sinks() -> list[Sink]:
    sinks = []
    for row in SINKS:
        kind = KINDS[row["kind"]]
        conditions = {
            k: v for k, v in row.items() if k not in ("name", "kind", "args", "report_cwe", "severity")
        }
        sinks.append(
            Sink(
                name=row["name"],
                kind=row["kind"],
                args=row["args"],
                cwe=kind.cwe,
                report_cwe=row["report_cwe"] or kind.cwe,
                severity=row["severity"] or kind.severity,
                conditions=conditions,
            )
        )
    return sinks


def build_rules(settings: Mapping[str, Any] | None) -> RuleSet:
    """Built-in tables extended by the policy's `analyzers.taint` section.

    Rule sets are cached by their settings, so the name-matching caches inside them
    stay warm from one review to the next.
    """
    keys = (
        "extra_sources",
        "extra_sinks",
        "extra_sanitizers",
        "min_confidence",
        "trust_parameters",
        "follow_helpers",
    )
    wanted = {k: (settings or {}).get(k) for k in keys}
    return _cached_rules(json.dumps(wanted, sort_keys=True, default=str))


@lru_cache(maxsize=32)
def _cached_rules(settings_json: str) -> RuleSet:
    return _build_rules(json.loads(settings_json))


def _build_rules(settings: Mapping[str, Any]) -> RuleSet:
    sources = dict(SOURCES)
    for index, entry in enumerate(settings.get("extra_sources") or ()):
        name, kind = (
            (entry, "web") if isinstance(entry, str) else (entry.get("name"), entry.get("kind", "web"))
        )
        if not isinstance(name, str) or not name:
            raise RuleError(f"extra_sources[{index}]: needs a name")
        if kind not in SOURCE_KINDS:
            raise RuleError(f"extra_sources[{index}]: kind must be one of {sorted(SOURCE_KINDS)}")
        sources[name] = kind
    sanitizers = dict(SANITIZERS)
    for index, entry in enumerate(settings.get("extra_sanitizers") or ()):
        if isinstance(entry, str):
            name, kinds = entry, [ALL]
        else:
            name, kinds = entry.get("name"), entry.get("kinds") or [ALL]
        if not isinstance(name, str) or not name:
            raise RuleError(f"extra_sanitizers[{index}]: needs a name")
        unknown = [k for k in kinds if k != ALL and k not in KINDS]
        if unknown:
            raise RuleError(f"extra_sanitizers[{index}]: unknown kinds {unknown}")
        sanitizers[name] = frozenset(kinds)
    sinks = _builtin_sinks()
    for index, entry in enumerate(settings.get("extra_sinks") or ()):
        sinks.append(_policy_sink(index, entry))
    return RuleSet(
        sources=sources,
        sinks=sinks,
        store_sinks=list(STORE_SINKS),
        sanitizers=sanitizers,
        min_confidence=str(settings.get("min_confidence") or "medium"),
        trust_parameters=bool(settings.get("trust_parameters", False)),
        follow_helpers=bool(settings.get("follow_helpers", False)),
    )


def _policy_sink(index: int, entry: Mapping[str, Any]) -> Sink:
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise RuleError(f"extra_sinks[{index}]: needs a name")
    kind = entry.get("kind")
    cwe = entry.get("cwe")
    if kind is None:
        kind = next((k for k, meta in KINDS.items() if meta.cwe == cwe), None)
    if kind not in KINDS:
        raise RuleError(f"extra_sinks[{index}]: kind must be one of {sorted(KINDS)} (or give a known cwe)")
    meta = KINDS[kind]
    args = tuple(entry.get("args") or (0,))
    return Sink(
        name=name,
        kind=kind,
        args=args,
        cwe=int(cwe or meta.cwe),
        report_cwe=int(cwe or meta.cwe),
        severity=str(entry.get("severity") or meta.severity),
        conditions={"message": entry["message"]} if entry.get("message") else {},
    )
