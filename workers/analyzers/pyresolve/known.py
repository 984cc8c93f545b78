"""What the resolver knows about libraries it cannot read: types of factories, objects,
attributes, method results, containers' elements, and which types extend which.

Types are spelled by qualified name (`ldap3.Connection`). `list[T]` is a sequence of T
(iterating or indexing it gives a T). Add a library by adding rows; nothing else reads
these tables directly.
"""

from __future__ import annotations

import ast
import re

_ET = "xml.etree.ElementTree"
_LX = "lxml.etree"
_DJ_RESPONSE = "django.http.HttpResponse"

#: Calls that return an object of a known type (constructors need no row: see `is_class_name`).
FACTORY_RETURNS: dict[str, str] = {
    "urllib.request.build_opener": "urllib.request.OpenerDirector",
    "django.template.loader.get_template": "django.template.backends.django.Template",
    "django.template.loader.select_template": "django.template.backends.django.Template",
    # Django model classes loaded by name at run time (swappable models): the class object, so
    # `Model = load_model("app", "Model")` then `Model(...)` is an instance of some model
    "swapper.load_model": "type[django.db.models.Model]",
    "django.apps.apps.get_model": "type[django.db.models.Model]",
    "django.contrib.auth.get_user_model": "type[django.db.models.Model]",
    # `socket.socket` is a class with a lower-case name: made, or made by a helper
    "socket.socket": "socket.socket",
    "socket.create_server": "socket.socket",
    "socket.create_connection": "socket.socket",
    "socket.fromfd": "socket.socket",
    "logging.getLogger": "logging.Logger",
    "logging.getLoggerClass": "logging.Logger",
    "structlog.get_logger": "structlog.BoundLogger",
    "structlog.getLogger": "structlog.BoundLogger",
    "structlog.stdlib.get_logger": "structlog.BoundLogger",
    f"{_ET}.parse": f"{_ET}.ElementTree",
    f"{_ET}.fromstring": f"{_ET}.Element",
    f"{_ET}.XML": f"{_ET}.Element",
    f"{_ET}.SubElement": f"{_ET}.Element",
    "xml.etree.cElementTree.parse": f"{_ET}.ElementTree",
    "xml.etree.cElementTree.fromstring": f"{_ET}.Element",
    "defusedxml.ElementTree.parse": f"{_ET}.ElementTree",
    "defusedxml.ElementTree.fromstring": f"{_ET}.Element",
    "defusedxml.cElementTree.parse": f"{_ET}.ElementTree",
    "defusedxml.cElementTree.fromstring": f"{_ET}.Element",
    f"{_LX}.parse": f"{_LX}._ElementTree",
    f"{_LX}.fromstring": f"{_LX}._Element",
    f"{_LX}.XML": f"{_LX}._Element",
    f"{_LX}.HTML": f"{_LX}._Element",
    f"{_LX}.SubElement": f"{_LX}._Element",
    f"{_LX}.Element": f"{_LX}._Element",
    "lxml.html.fromstring": "lxml.html.HtmlElement",
    "lxml.html.parse": f"{_LX}._ElementTree",
    "lxml.html.document_fromstring": "lxml.html.HtmlElement",
    "lxml.objectify.fromstring": f"{_LX}._Element",
    "lxml.objectify.parse": f"{_LX}._ElementTree",
    "defusedxml.lxml.fromstring": f"{_LX}._Element",
    "defusedxml.lxml.parse": f"{_LX}._ElementTree",
    "xml.dom.minidom.parse": "xml.dom.minidom.Document",
    "xml.dom.minidom.parseString": "xml.dom.minidom.Document",
    "sqlite3.connect": "sqlite3.Connection",
    "psycopg2.connect": "psycopg2.extensions.connection",
    "psycopg.connect": "psycopg.Connection",
    "pymysql.connect": "pymysql.connections.Connection",
    "MySQLdb.connect": "MySQLdb.connections.Connection",
    "tarfile.open": "tarfile.TarFile",
    "ldap.initialize": "ldap.ldapobject.LDAPObject",
    "PIL.Image.open": "PIL.Image.Image",
    "PIL.Image.new": "PIL.Image.Image",
    "flask.make_response": "flask.Response",
    "flask.jsonify": "flask.Response",
    "flask.send_file": "flask.Response",
    "flask.send_from_directory": "flask.Response",
    "flask.redirect": "werkzeug.wrappers.Response",
    "werkzeug.utils.redirect": "werkzeug.wrappers.Response",
    "django.shortcuts.render": _DJ_RESPONSE,
    "django.shortcuts.redirect": "django.http.HttpResponseRedirect",
    "requests.session": "requests.Session",
    "urllib3.PoolManager": "urllib3.PoolManager",
    "requests.get": "requests.Response",
    "requests.post": "requests.Response",
    "jinja2.Environment": "jinja2.Environment",
    "paramiko.SSHClient": "paramiko.SSHClient",
    "os.fdopen": "io.IOBase",
    "io.open": "io.IOBase",
    "open": "io.IOBase",
    "re.compile": "re.Pattern",
    # AWS clients: botocore makes each service's class at run time; all share these bases
    "boto3.client": "botocore.client.BaseClient",
    "boto3.resource": "boto3.resources.base.ServiceResource",
}

#: Zope (and Plone on it): the publisher binds a published method's parameters named `REQUEST` and
#: `RESPONSE` by name, and acquisition gives any object of a Zope module the request as `.REQUEST`.
#: Their top-level packages; a module importing one of them is a Zope module.
ZOPE_PACKAGES = frozenset(
    {"Zope2", "ZPublisher", "OFS", "AccessControl", "App", "Acquisition", "Products", "plone"}
)
ZOPE_REQUEST = "ZPublisher.HTTPRequest.HTTPRequest"
ZOPE_RESPONSE = "ZPublisher.HTTPResponse.HTTPResponse"
ZOPE_PUBLISHED_PARAMETERS: dict[str, str] = {"REQUEST": ZOPE_REQUEST, "RESPONSE": ZOPE_RESPONSE}

#: Twisted Web: a `Resource` subclass's `render_GET(self, request)` (any `render*`) and
#: `getChild(self, path, request)` receive the client's request: (base, method name prefix) ->
#: (the request parameter's position, its type).
TWISTED_REQUEST = "twisted.web.http.Request"
RESOURCE_REQUEST_PARAMETERS: dict[tuple[str, str], tuple[int, str]] = {
    ("twisted.web.resource.Resource", "render"): (1, TWISTED_REQUEST),
    ("twisted.web.resource.Resource", "getChild"): (2, TWISTED_REQUEST),
}

#: Falcon calls a resource's responders (`on_get`, `on_post_item` ...) with its request second.
FALCON_REQUEST = "falcon.Request"
FALCON_RESPONDER = re.compile(r"on_(?:get|head|post|put|patch|delete|options|websocket)(?:_\w+)?")

#: Module-level objects a library provides.
OBJECT_TYPES: dict[str, str] = {
    "flask.request": "flask.Request",
    "flask.current_app": "flask.Flask",
    "flask.session": "flask.sessions.SessionMixin",
    "flask.g": "flask.ctx._AppCtxGlobals",
    "quart.request": "flask.Request",
    "bottle.request": "bottle.BaseRequest",
    "django.db.connection": "django.db.backends.base.base.BaseDatabaseWrapper",
    "django.core.files.storage.default_storage": "django.core.files.storage.Storage",
    "loguru.logger": "loguru.Logger",
    "logging.root": "logging.Logger",
}

#: (type, attribute) -> the attribute's type.
ATTRIBUTE_TYPES: dict[tuple[str, str], str] = {
    ("flask.Request", "files"): "werkzeug.datastructures.FileMultiDict",
    ("flask.Request", "args"): "werkzeug.datastructures.MultiDict",
    ("flask.Request", "form"): "werkzeug.datastructures.MultiDict",
    ("bottle.BaseRequest", "files"): "bottle.FormsDict",
    ("flask.Flask", "logger"): "logging.Logger",
    ("django.http.HttpRequest", "FILES"): "django.utils.datastructures.FileMultiValueDict",
    ("django.http.HttpRequest", "session"): "django.contrib.sessions.backends.base.SessionBase",
    ("rest_framework.request.Request", "FILES"): "django.utils.datastructures.FileMultiValueDict",
    ("django.views.generic.base.View", "request"): "django.http.HttpRequest",
    ("rest_framework.views.APIView", "request"): "rest_framework.request.Request",
    ("tornado.web.RequestHandler", "request"): "tornado.httputil.HTTPServerRequest",
    (ZOPE_REQUEST, "RESPONSE"): ZOPE_RESPONSE,
    (ZOPE_REQUEST, "response"): ZOPE_RESPONSE,
    # Plone/Five browser views get the request as `self.request`
    ("zope.publisher.browser.BrowserView", "request"): ZOPE_REQUEST,
    ("logging.Logger", "parent"): "logging.Logger",
    ("logging.LoggerAdapter", "logger"): "logging.Logger",
    (f"{_ET}.ElementTree", "_root"): f"{_ET}.Element",
    # Starlette (and FastAPI) hand a request the application that serves it, and aiohttp too
    ("starlette.requests.Request", "app"): "starlette.applications.Starlette",
    ("aiohttp.web.Request", "app"): "aiohttp.web.Application",
    ("aiohttp.web.Application", "router"): "aiohttp.web.UrlDispatcher",
    ("pathlib.Path", "parent"): "pathlib.Path",
    # the standard library's HTTP handlers write their response to the socket unbuffered
    ("http.server.BaseHTTPRequestHandler", "wfile"): "socketserver._SocketWriter",
}

#: (type, method) -> the type of what the method returns.
METHOD_RETURNS: dict[tuple[str, str], str] = {
    ("logging.Logger", "getChild"): "logging.Logger",
    ("boto3.Session", "client"): "botocore.client.BaseClient",
    ("boto3.session.Session", "client"): "botocore.client.BaseClient",
    ("boto3.Session", "resource"): "boto3.resources.base.ServiceResource",
    ("boto3.session.Session", "resource"): "boto3.resources.base.ServiceResource",
    ("structlog.BoundLogger", "bind"): "structlog.BoundLogger",
    ("loguru.Logger", "bind"): "loguru.Logger",
    ("loguru.Logger", "opt"): "loguru.Logger",
    (f"{_ET}.ElementTree", "getroot"): f"{_ET}.Element",
    (f"{_ET}.ElementTree", "find"): f"{_ET}.Element",
    (f"{_ET}.ElementTree", "findall"): f"list[{_ET}.Element]",
    (f"{_ET}.ElementTree", "iter"): f"list[{_ET}.Element]",
    (f"{_ET}.ElementTree", "iterfind"): f"list[{_ET}.Element]",
    (f"{_ET}.Element", "find"): f"{_ET}.Element",
    (f"{_ET}.Element", "findall"): f"list[{_ET}.Element]",
    (f"{_ET}.Element", "iter"): f"list[{_ET}.Element]",
    (f"{_ET}.Element", "iterfind"): f"list[{_ET}.Element]",
    (f"{_LX}._ElementTree", "getroot"): f"{_LX}._Element",
    (f"{_LX}._ElementTree", "find"): f"{_LX}._Element",
    (f"{_LX}._ElementTree", "findall"): f"list[{_LX}._Element]",
    (f"{_LX}._ElementTree", "iter"): f"list[{_LX}._Element]",
    (f"{_LX}._Element", "find"): f"{_LX}._Element",
    (f"{_LX}._Element", "findall"): f"list[{_LX}._Element]",
    (f"{_LX}._Element", "iter"): f"list[{_LX}._Element]",
    (f"{_LX}._Element", "getroottree"): f"{_LX}._ElementTree",
    ("xml.dom.minidom.Document", "getElementsByTagName"): "list[xml.dom.minidom.Element]",
    ("sqlite3.Connection", "cursor"): "sqlite3.Cursor",
    ("psycopg2.extensions.connection", "cursor"): "psycopg2.extensions.cursor",
    ("psycopg.Connection", "cursor"): "psycopg.Cursor",
    ("pymysql.connections.Connection", "cursor"): "pymysql.cursors.Cursor",
    ("MySQLdb.connections.Connection", "cursor"): "MySQLdb.cursors.Cursor",
    ("django.db.backends.base.base.BaseDatabaseWrapper", "cursor"): "django.db.backends.utils.CursorWrapper",
    ("tarfile.TarFile", "getmembers"): "list[tarfile.TarInfo]",
    ("tarfile.TarFile", "next"): "tarfile.TarInfo",
    ("tarfile.TarFile", "getmember"): "tarfile.TarInfo",
    ("zipfile.ZipFile", "infolist"): "list[zipfile.ZipInfo]",
    ("zipfile.ZipFile", "getinfo"): "zipfile.ZipInfo",
    ("jinja2.Environment", "from_string"): "jinja2.Template",
    **{
        (engine, method): "django.template.base.Template"
        for engine in ("django.template.Engine", "django.template.engine.Engine")
        for method in ("get_template", "from_string", "select_template")
    },
    ("jinja2.Environment", "get_template"): "jinja2.Template",
    ("requests.Session", "get"): "requests.Response",
    ("requests.Session", "post"): "requests.Response",
    ("requests.Session", "request"): "requests.Response",
    ("PIL.Image.Image", "convert"): "PIL.Image.Image",
    ("PIL.Image.Image", "resize"): "PIL.Image.Image",
    ("PIL.Image.Image", "crop"): "PIL.Image.Image",
    ("PIL.Image.Image", "rotate"): "PIL.Image.Image",
    ("PIL.Image.Image", "copy"): "PIL.Image.Image",
    ("PIL.Image.Image", "transpose"): "PIL.Image.Image",
    # a path object's derived paths are path objects (their methods are file operations)
    **{
        ("pathlib.Path", method): "pathlib.Path"
        for method in (
            *("joinpath", "absolute", "resolve", "with_name", "with_suffix", "with_stem"),
            *("expanduser", "relative_to"),
        )
    },
}

#: Mapping-like containers whose items (`c[key]`, `c.get(key)`) have a known type.
ELEMENT_TYPES: dict[str, str] = {
    "werkzeug.datastructures.FileMultiDict": "werkzeug.datastructures.FileStorage",
    "django.utils.datastructures.FileMultiValueDict": "django.core.files.uploadedfile.UploadedFile",
    # only Bottle's `request.files` is given this type here: its items are uploads
    "bottle.FormsDict": "bottle.FileUpload",
}

#: type -> the types it extends or is used as (a subclass, or an API-compatible stand-in).
#: Model classes Django itself ships, which projects extend (`class User(AbstractUser)`).
DJANGO_CONTRIB_MODELS = frozenset(
    {
        "django.contrib.auth.models.AbstractUser",
        "django.contrib.auth.models.AbstractBaseUser",
        "django.contrib.auth.base_user.AbstractBaseUser",
        "django.contrib.auth.models.PermissionsMixin",
        "django.contrib.auth.models.User",
        "django.contrib.auth.models.Group",
        "django.contrib.auth.models.Permission",
        "django.contrib.contenttypes.models.ContentType",
        "django.contrib.sessions.models.Session",
        "django.contrib.sessions.base_session.AbstractBaseSession",
        "django.contrib.sites.models.Site",
        "django.contrib.admin.models.LogEntry",
        "django.contrib.flatpages.models.FlatPage",
        "django.contrib.redirects.models.Redirect",
    }
)
SUPERTYPES: dict[str, tuple[str, ...]] = {
    **{model: ("django.db.models.Model",) for model in DJANGO_CONTRIB_MODELS},
    "flask.Response": ("werkzeug.wrappers.Response",),
    "werkzeug.wrappers.response.Response": ("werkzeug.wrappers.Response",),
    "werkzeug.Response": ("werkzeug.wrappers.Response",),
    "flask.wrappers.Response": ("flask.Response",),
    "flask.wrappers.Request": ("flask.Request",),
    "werkzeug.wrappers.Request": ("flask.Request",),
    "django.http.response.HttpResponse": (_DJ_RESPONSE,),
    "django.http.JsonResponse": (_DJ_RESPONSE,),
    "django.http.HttpResponseRedirect": (_DJ_RESPONSE,),
    "django.http.HttpResponsePermanentRedirect": (_DJ_RESPONSE,),
    "django.http.HttpResponseNotFound": (_DJ_RESPONSE,),
    "django.http.HttpResponseBadRequest": (_DJ_RESPONSE,),
    "django.http.HttpResponseForbidden": (_DJ_RESPONSE,),
    "django.http.HttpResponseNotAllowed": (_DJ_RESPONSE,),
    "django.http.HttpResponseServerError": (_DJ_RESPONSE,),
    "django.http.StreamingHttpResponse": (_DJ_RESPONSE,),
    "django.http.FileResponse": (_DJ_RESPONSE,),
    "django.template.response.TemplateResponse": (_DJ_RESPONSE,),
    "rest_framework.response.Response": (_DJ_RESPONSE,),
    "django.http.request.HttpRequest": ("django.http.HttpRequest",),
    "django.core.handlers.wsgi.WSGIRequest": ("django.http.HttpRequest",),
    "rest_framework.request.Request": ("django.http.HttpRequest",),
    "django.core.files.uploadedfile.InMemoryUploadedFile": ("django.core.files.uploadedfile.UploadedFile",),
    "django.core.files.uploadedfile.TemporaryUploadedFile": ("django.core.files.uploadedfile.UploadedFile",),
    "django.core.files.storage.FileSystemStorage": ("django.core.files.storage.Storage",),
    "django.views.View": ("django.views.generic.base.View",),
    "django.views.generic.View": ("django.views.generic.base.View",),
    "django.views.generic.TemplateView": ("django.views.generic.base.View",),
    "django.views.generic.base.TemplateView": ("django.views.generic.base.View",),
    "django.views.generic.RedirectView": ("django.views.generic.base.View",),
    "django.views.generic.ListView": ("django.views.generic.base.View",),
    "django.views.generic.DetailView": ("django.views.generic.base.View",),
    "django.views.generic.FormView": ("django.views.generic.base.View",),
    "django.views.generic.CreateView": ("django.views.generic.base.View",),
    "django.views.generic.UpdateView": ("django.views.generic.base.View",),
    "django.views.generic.DeleteView": ("django.views.generic.base.View",),
    "django.views.generic.edit.FormView": ("django.views.generic.base.View",),
    "django.views.generic.list.ListView": ("django.views.generic.base.View",),
    "django.views.generic.detail.DetailView": ("django.views.generic.base.View",),
    "rest_framework.views.APIView": ("django.views.generic.base.View",),
    "rest_framework.generics.GenericAPIView": ("rest_framework.views.APIView",),
    "rest_framework.generics.ListAPIView": ("rest_framework.generics.GenericAPIView",),
    "rest_framework.generics.RetrieveAPIView": ("rest_framework.generics.GenericAPIView",),
    "rest_framework.generics.CreateAPIView": ("rest_framework.generics.GenericAPIView",),
    "rest_framework.generics.ListCreateAPIView": ("rest_framework.generics.GenericAPIView",),
    "rest_framework.generics.RetrieveUpdateDestroyAPIView": ("rest_framework.generics.GenericAPIView",),
    "rest_framework.viewsets.ViewSet": ("rest_framework.views.APIView",),
    "rest_framework.viewsets.GenericViewSet": ("rest_framework.views.APIView",),
    "rest_framework.viewsets.ModelViewSet": ("rest_framework.views.APIView",),
    "rest_framework.viewsets.ReadOnlyModelViewSet": ("rest_framework.views.APIView",),
    "flask.views.MethodView": ("flask.views.View",),
    "flask.MethodView": ("flask.views.View",),
    "logging.LoggerAdapter": ("logging.Logger",),
    "logging.RootLogger": ("logging.Logger",),
    "structlog.BoundLogger": ("logging.Logger",),
    "structlog.stdlib.BoundLogger": ("logging.Logger",),
    "loguru.Logger": ("logging.Logger",),
    "lxml.html.HtmlElement": (f"{_LX}._Element",),
    "xml.etree.cElementTree.Element": (f"{_ET}.Element",),
    "xml.etree.cElementTree.ElementTree": (f"{_ET}.ElementTree",),
    "ldap3.core.connection.Connection": ("ldap3.Connection",),
    # Starlette's responses, also under FastAPI's names: each a `Response` (its `set_cookie` too)
    **{
        f"{package}.responses.{name}": ("starlette.responses.Response",)
        for package in ("starlette", "fastapi")
        for name in (
            "HTMLResponse",
            "PlainTextResponse",
            "JSONResponse",
            "RedirectResponse",
            "StreamingResponse",
            "FileResponse",
        )
    },
    "fastapi.Response": ("starlette.responses.Response",),
    "fastapi.responses.Response": ("starlette.responses.Response",),
    "fastapi.Request": ("starlette.requests.Request",),
    "fastapi.FastAPI": ("starlette.applications.Starlette",),
    "fastapi.applications.FastAPI": ("starlette.applications.Starlette",),
    "fastapi.UploadFile": ("starlette.datastructures.UploadFile",),
    "fastapi.datastructures.UploadFile": ("starlette.datastructures.UploadFile",),
    "fastapi.requests.Request": ("starlette.requests.Request",),
    "starlette.requests.HTTPConnection": ("starlette.requests.Request",),
    "aiohttp.web_request.Request": ("aiohttp.web.Request",),
    "aiohttp.web.BaseRequest": ("aiohttp.web.Request",),
    "aiohttp.web_request.BaseRequest": ("aiohttp.web.Request",),
    "tornado.web.StaticFileHandler": ("tornado.web.RequestHandler",),
    "twisted.web.server.Request": ("twisted.web.http.Request",),
    "twisted.web.static.File": ("twisted.web.resource.Resource",),
    "Products.Five.BrowserView": ("zope.publisher.browser.BrowserView",),
    "Products.Five.browser.BrowserView": ("zope.publisher.browser.BrowserView",),
    "plone.app.layout.viewlets.common.ViewletBase": ("zope.publisher.browser.BrowserView",),
    "tornado.websocket.WebSocketHandler": ("tornado.web.RequestHandler",),
    # the Jupyter servers' handler bases (Jupyter Server, the classic notebook, JupyterHub) are
    # Tornado request handlers: their extensions' handlers read the request as Tornado's do
    **dict.fromkeys(
        (
            *(f"jupyter_server.base.handlers.{name}" for name in ("JupyterHandler", "APIHandler")),
            "jupyter_server.base.handlers.AuthenticatedHandler",
            *(f"notebook.base.handlers.{name}" for name in ("IPythonHandler", "APIHandler")),
            "notebook.base.handlers.AuthenticatedHandler",
            *(f"jupyterhub.handlers.{name}" for name in ("BaseHandler", "base.BaseHandler")),
            *(f"jupyterhub.apihandlers.{name}" for name in ("APIHandler", "base.APIHandler")),
            "jupyterhub.services.auth.HubOAuthCallbackHandler",
        ),
        ("tornado.web.RequestHandler",),
    ),
    "http.server.SimpleHTTPRequestHandler": ("http.server.BaseHTTPRequestHandler",),
    "http.server.CGIHTTPRequestHandler": ("http.server.SimpleHTTPRequestHandler",),
    "xmlrpc.server.SimpleXMLRPCRequestHandler": ("http.server.BaseHTTPRequestHandler",),
}

#: Typing wrappers whose first argument is the type (`Optional[X]`, `Annotated[X, ...]`).
#: the names of the path separator (and of the filesystem's root, alone): what `p.split(sep)` splits at
PATH_SEPARATORS = frozenset({"os.sep", "os.path.sep", "posixpath.sep"})
#: the pathlib classes whose call makes a path object of its one argument (`Path(p)`)
PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"})
UNIONS: frozenset[str] = frozenset({"typing.Union", "Union", "typing_extensions.Union"})
TRANSPARENT_GENERICS = frozenset(
    {"typing.Optional", "Optional", "typing.Annotated", "Annotated", "typing.Final", "Final"}
)

#: Calls that import a module by name: the name is the qualified name of the result.
IMPORT_CALLS = frozenset({"importlib.import_module", "__import__", "importlib.__import__"})

#: Calls whose result calls its first argument: `partial(f, ...)(...)` is a call of `f`.
PARTIAL_CALLS = frozenset({"functools.partial", "functools.partialmethod"})
#: Decorators (by their last name: `property`, `functools.cached_property`, Django's) that make a
#: method read as an attribute: `self.session` is what the method returns.
PROPERTY_DECORATORS = frozenset({"property", "cached_property"})

#: Module names that stand for the builtins (`builtins.eval` is `eval`).
BUILTIN_MODULES = frozenset({"builtins", "__builtin__", "__builtins__"})

#: Top-level packages whose request objects hand out what the client sent by item
#: (`REQUEST["next"]`): only modules importing one of them can read a typed item source.
ITEM_SOURCE_PACKAGES: frozenset[str] = ZOPE_PACKAGES

#: (type, constant key) -> the type of the item: a Zope request's `REQUEST["RESPONSE"]`.
ITEM_TYPES: dict[tuple[str, str], str] = {
    (ZOPE_REQUEST, "RESPONSE"): ZOPE_RESPONSE,
}

#: Frameworks whose handlers get a request object as a parameter named `request`.
REQUEST_PARAMETER_TYPES: dict[str, str] = {
    "django": "django.http.HttpRequest",
    "rest_framework": "rest_framework.request.Request",
    "aiohttp": "aiohttp.web.Request",
    "starlette": "starlette.requests.Request",
    "fastapi": "starlette.requests.Request",
}

#: Django's admin classes, whose actions (`def act(self, request, queryset)`) get a queryset of the
#: model the class is registered for.
DJANGO_MODEL_ADMINS: frozenset[str] = frozenset(
    {"django.contrib.admin.ModelAdmin", "django.contrib.admin.options.ModelAdmin"}
)
DJANGO_ADMIN_REGISTER: frozenset[str] = frozenset(
    {
        "django.contrib.admin.register",
        "django.contrib.admin.decorators.register",
        "django.contrib.admin.site.register",
    }
)

#: Django's model base class, under both of its import paths: a class extending it is a model.
DJANGO_MODEL_BASES: frozenset[str] = frozenset({"django.db.models.Model", "django.db.models.base.Model"})
#: `Model.objects` (and the other default managers) is typed `QUERYSET[Model]`.
QUERYSET = "django.db.models.QuerySet"
DJANGO_MANAGER_BASES: frozenset[str] = frozenset(
    {"django.db.models.Manager", "django.db.models.manager.Manager", "django.db.models.manager.BaseManager"}
)
DJANGO_MANAGERS: frozenset[str] = frozenset({"objects", "_default_manager", "_base_manager"})
#: Queryset methods that give another queryset of the same model.
QUERYSET_CHAINS: frozenset[str] = frozenset(
    {
        "all",
        "filter",
        "exclude",
        "order_by",
        "select_related",
        "prefetch_related",
        "distinct",
        "only",
        "defer",
        "annotate",
        "using",
        "select_for_update",
        "reverse",
        "iterator",
        "none",
    }
)
#: Calls that hand back the items of the iterable they are given, in a list or one by one
#: (`sorted(rows)`, `tqdm(assets)`): iterating the result gives the same items.
ITERATION_WRAPPERS: frozenset[str] = frozenset(
    {
        "sorted",
        "list",
        "tuple",
        "reversed",
        "iter",
        "tqdm.tqdm",
        "tqdm.auto.tqdm",
        "tqdm.std.tqdm",
        "tqdm.notebook.tqdm",
        "tqdm.rich.tqdm",
        "rich.progress.track",
    }
)
#: Queryset methods that give a pair of an instance of the model and a flag (`obj, created = ...`).
QUERYSET_PAIRS: frozenset[str] = frozenset(
    {"get_or_create", "update_or_create", "aget_or_create", "aupdate_or_create"}
)
#: Queryset methods that give one instance of the model.
QUERYSET_INSTANCES: frozenset[str] = frozenset({"get", "create", "first", "last", "latest", "earliest"})
#: Methods an ORM model class is called with that give one of its rows (peewee's `Model.get(...)`,
#: `Model.create(...)`): on a class of the module with a base, that class's instance.
MODEL_CLASS_INSTANCES: frozenset[str] = frozenset({"get", "get_or_none", "get_by_id", "create"})
#: ... and those that give a pair of a row and a flag (`row, created = Model.get_or_create(...)`).
MODEL_CLASS_PAIRS: frozenset[str] = frozenset({"get_or_create"})


#: Names `six.moves` gives standard-library modules and functions (Python 2 compatibility code).
SIX_MOVES: dict[str, str] = {
    "six.moves.urllib": "urllib",
    "six.moves.urllib_parse": "urllib.parse",
    "six.moves.urllib_request": "urllib.request",
    "six.moves.http_client": "http.client",
    "six.moves.cPickle": "pickle",
    "six.moves.builtins": "builtins",
    "six.moves.input": "builtins.input",
    "six.moves.configparser": "configparser",
    "six.moves.html_parser": "html.parser",
    "six.moves.queue": "queue",
    "six.moves.shlex_quote": "shlex.quote",
    "six.moves.xmlrpc_client": "xmlrpc.client",
}


#: Modules whose names a package re-exports from its top (or under a newer name): `from
#: django.http.response import HttpResponse` names the `django.http.HttpResponse` the rule tables know.
REEXPORTED_FROM: dict[str, str] = {
    "django.core.urlresolvers": "django.urls",  # its name before Django 2.0
    "django.http.response": "django.http",
    "django.http.request": "django.http",
    "flask.helpers": "flask",
    "flask.templating": "flask",
    "jinja2.environment": "jinja2",
}


def canonical_import(dotted: str) -> str:
    """The standard-library name of what `six.moves` re-exports (`six.moves.http_client.HTTPConnection`
    is `http.client.HTTPConnection`), the public name of what a package re-exports
    (`django.http.response.HttpResponse` is `django.http.HttpResponse`); any other name as it is."""
    if dotted.startswith("six.moves."):
        for alias, target in SIX_MOVES.items():
            if dotted == alias or dotted.startswith(alias + "."):
                return target + dotted[len(alias) :]
        return dotted
    module, _, name = dotted.rpartition(".")
    return f"{REEXPORTED_FROM[module]}.{name}" if module in REEXPORTED_FROM else dotted


#: Standard-library modules of Python 2 only, and the packages the standard library took in
#: (`cElementTree`, `elementtree`): compatibility code imports them in a fallback branch.
PYTHON2_MODULES = frozenset(
    {
        "urllib2",
        "cElementTree",
        "elementtree",
        "urlparse",
        "httplib",
        "cPickle",
        "StringIO",
        "cStringIO",
        "ConfigParser",
        "Queue",
        "HTMLParser",
        "__builtin__",
        "xmlrpclib",
        "cookielib",
        "Cookie",
        "commands",
        "BaseHTTPServer",
        "SimpleHTTPServer",
        "CGIHTTPServer",
        "SocketServer",
    }
)


def is_python2_module(dotted: str) -> bool:
    """Whether a name lies in a Python-2-only module (`urllib2.urlopen`; `urllib` itself exists in both)."""
    return dotted.split(".")[0] in PYTHON2_MODULES


def bind_import(imports: dict[str, str], name: str, dotted: str) -> None:
    """Bind an imported name to what it names (`six.moves` names made standard), unless that
    would replace a binding with a Python 2 module's (the fallback branch of compatibility code:
    `import urllib2 as url_request` after `import urllib.request as url_request`)."""
    dotted = canonical_import(dotted)
    if name in imports and is_python2_module(dotted):
        return
    imports[name] = dotted


def bind_plain_import(imports: dict[str, str], alias: ast.alias) -> None:
    """Bind the name an `import` statement's alias binds (`import a.b` binds `a`). A later import
    of the name wins, as in Python (`import httpx` after a failed `import httpx2 as httpx`)."""
    if alias.asname:
        bind_import(imports, alias.asname, alias.name)
        return
    top = alias.name.split(".")[0]
    if imports.get(top, top).split(".")[0] != top:
        bind_import(imports, top, top)
    imports.setdefault(top, top)


#: packages a module tries to import before a standard-library fallback because it is written for
#: them (`try: from lxml import etree` / `except ImportError: from xml.etree import ElementTree`):
#: the name is theirs where the code runs
PREFERRED_TO_FALLBACKS = frozenset({"lxml", "defusedxml"})
