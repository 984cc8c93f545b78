"""What a web app sends back: unescaped markup, cookie flags, tracebacks, CORS, query operators."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from prguard.analyzers.asttools import const_str, is_name, keyword_value, nodes_of
from prguard.analyzers.taint.rules import ALL, SANITIZERS
from prguard.analyzers.templating import environment_class, escapes
from prguard.analyzers.vuln_rules.regex import fold
from prguard.analyzers.vuln_rules.shapes import (
    NUMERIC_CALLS,
    CheckerBase,
    VulnHit,
    falsy,
    is_formatted,
    parameters,
    short,
    under_condition,
)
from prguard.analyzers.vuln_rules.table import RULES

#: the environments bandit's B701 reads itself
_BANDIT_ENVIRONMENTS = frozenset({"jinja2.Environment", "jinja2.environment.Environment"})

MARKUP_CALLS = frozenset(
    {
        "markupsafe.Markup",
        "flask.Markup",
        "jinja2.Markup",
        "django.utils.safestring.mark_safe",
        "django.utils.safestring.SafeString",
        "django.http.HttpResponse",
        "flask.make_response",
        "flask.Response",
        "werkzeug.wrappers.Response",
        "starlette.responses.HTMLResponse",
        "fastapi.responses.HTMLResponse",
    }
)

#: calls whose result is safe in markup: taint's XSS sanitizers and conversions (one catalogue),
#: and JSON text, which markup this module judges may hold
_SAFE_IN_HTML = frozenset(name for name, kinds in SANITIZERS.items() if "xss" in kinds or ALL in kinds)
_ESCAPES = _SAFE_IN_HTML | {"json.dumps"}

_COOKIE_SETTINGS = {
    "SESSION_COOKIE_SECURE": "PG-VULN006",
    "CSRF_COOKIE_SECURE": "PG-VULN006",
    "SESSION_COOKIE_HTTPONLY": "PG-VULN007",
    "REMEMBER_COOKIE_SECURE": "PG-VULN006",
}

#: the standard library's cookie jars, whose morsels carry a cookie's attributes
_COOKIE_JARS = frozenset({"http.cookies.SimpleCookie", "http.cookies.BaseCookie", "Cookie.SimpleCookie"})

_COOKIE_RECEIVERS = (
    "werkzeug.wrappers.Response.set_cookie",
    "flask.Response.set_cookie",
    "django.http.HttpResponse.set_cookie",
    "starlette.responses.Response.set_cookie",
)

_WEB_PACKAGES = ("flask", "werkzeug", "django", "starlette", "fastapi", "quart")

CORS_MIDDLEWARE = frozenset(
    {"starlette.middleware.cors.CORSMiddleware", "fastapi.middleware.cors.CORSMiddleware"}
)

FLASK_CORS = frozenset({"flask_cors.CORS", "flask_cors.cross_origin"})

_DJANGO_CORS_ALL = frozenset({"CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"})

_TRACEBACK_TEXT = frozenset(
    {"traceback.format_exc", "traceback.format_exception", "traceback.format_tb", "traceback.format_stack"}
)

EXIT_CALLS = frozenset({"sys.exit", "os._exit", "builtins.exit", "builtins.quit", "exit", "quit"})


#: last words of names that hold numbers (`self.lineno`, `frame.id`, `row_count`)
_NUMERIC_WORDS = frozenset(
    {"id", "lineno", "line", "count", "num", "number", "size", "index", "len", "length", "total", "pk"}
)

_TAGS = (
    "a ",
    "a>",
    "p>",
    "p ",
    "div",
    "span",
    "b>",
    "i>",
    "li",
    "ul",
    "td",
    "tr",
    "h1",
    "h2",
    "h3",
    "img",
    "script",
    "html",
    "body",
    "strong",
    "em>",
    "br",
    "pre",
    "code",
    "option",
    "input",
    "form",
    "table",
    "title",
    "label",
    "button",
    "iframe",
    "small",
)


def _formatting(
    node: ast.expr, constants: dict[str, ast.expr] | None = None
) -> tuple[str | None, list[ast.expr]]:
    """(the constant text, the interpolated values) of an f-string, `%` or `.format` or `+` build.
    The template of `%` and `.format` may be a module constant (`PAGE_HTML % {...}`)."""
    constants = constants or {}
    if isinstance(node, ast.JoinedStr):
        text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        return text, [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        template = fold(node.left, constants)
        if not isinstance(template, str):
            return None, []
        right = node.right
        values = list(right.elts) if isinstance(right, ast.Tuple) else [right]
        if isinstance(right, ast.Dict):
            values = [v for v in right.values if v is not None]
        return template, values
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        template = fold(node.func.value, constants)
        if not isinstance(template, str):
            return None, []
        return template, [*node.args, *(k.value for k in node.keywords)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        parts: list[ast.expr] = []
        _flatten_add(node, parts)
        text = "".join(p for p in (const_str(x) for x in parts) if p is not None)
        if text == "" or all(const_str(x) is not None for x in parts):
            return None, []
        return text, [x for x in parts if const_str(x) is None]
    return None, []


def _flatten_add(node: ast.expr, out: list[ast.expr]) -> None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        _flatten_add(node.left, out)
        _flatten_add(node.right, out)
    else:
        out.append(node)


def _numeric_name(name: str) -> bool:
    return name.lower().rsplit("_", 1)[-1] in _NUMERIC_WORDS


def _looks_like_html(text: str) -> bool:
    lowered = text.lower()
    return "<" in lowered and any(f"<{tag}" in lowered or f"</{tag}" in lowered for tag in _TAGS)


def _is_view(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A request handler: a route decorator, or Django's `request` first parameter."""
    for decorator in function.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        if (
            call is not None
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in ("route", "get", "post", "put", "patch", "delete", "api_route")
        ):
            return True
    params = [a.arg for a in function.args.posonlyargs + function.args.args]
    return params[:1] == ["request"] or params[:2] == ["self", "request"]


def any_origin(node: ast.expr) -> bool:
    """`'*'`, `['*']`, or flask-cors resources whose origins are `'*'`."""
    if const_str(node) == "*":
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return any(const_str(e) == "*" for e in node.elts)
    if isinstance(node, ast.Dict):  # flask-cors resources={r"/api/*": {"origins": "*"}}
        return any(
            isinstance(v, ast.Dict)
            and any(
                const_str(k) == "origins" and any_origin(o) for k, o in zip(v.keys, v.values, strict=True)
            )
            for v in node.values
        )
    return False


def _switched_on(attributes: dict[str, ast.expr | None], name: str) -> bool:
    """A morsel attribute set to anything but a false constant (None: set, to what is unknown)."""
    if name not in attributes:
        return False
    value = attributes[name]
    return value is None or not falsy(value)


class WebChecks(CheckerBase):
    """What a web app sends back: markup, cookies, tracebacks, CORS, query operators and template
    escaping (PG-VULN003, 006, 009, 017, 019, 032)."""

    def _is_response(self, node: ast.Call, names: tuple[str, ...]) -> bool:
        if any(n in _COOKIE_RECEIVERS for n in names):
            return True
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if receiver is None or self.resolver.type_of(receiver) is not None:
            return False
        if any(self.resolver.imports_package(p) for p in _WEB_PACKAGES):
            return True
        # no framework in view: the web frameworks' own keyword, turned off on purpose, decides
        flags = (keyword_value(node, name) for name in ("secure", "httponly"))
        return any(flag is not None and falsy(flag) for flag in flags)

    def _jinja_environment(self, node: ast.Call, qual: str) -> Iterator[VulnHit]:
        """A Jinja environment made without auto-escaping, of a class bandit's B701 does not name:
        a subclass of `jinja2.Environment` (not the sandbox's, which renders untrusted templates,
        mostly text: prompts, mails, queries). Only where the class is called, not a helper that
        returns an environment made elsewhere."""
        if qual in _BANDIT_ENVIRONMENTS or not self.resolver.imports_package("jinja2"):
            return
        made = self.resolver.type_of(node)
        if made is None or made.rsplit(".", 1)[-1] != qual.rsplit(".", 1)[-1]:
            return  # not a class called by its name
        if environment_class(self.resolver, node) not in _BANDIT_ENVIRONMENTS or escapes(self.resolver, node):
            return
        yield VulnHit(RULES["PG-VULN032"], node, f"{short(node.func)}() without autoescape")

    def _cookie(self, node: ast.Call) -> Iterator[VulnHit]:
        if any(k.arg is None for k in node.keywords):
            return  # **options: cannot tell
        secure = keyword_value(node, "secure")
        httponly = keyword_value(node, "httponly")
        if secure is None or falsy(secure):
            yield VulnHit(RULES["PG-VULN006"], node, "set_cookie() without secure=True")
        elif httponly is None or falsy(httponly):
            yield VulnHit(RULES["PG-VULN007"], node, "set_cookie() without httponly=True")
        value = node.args[1] if len(node.args) > 1 else keyword_value(node, "value")
        drawn = self.random_origin(value) if value is not None else None
        if drawn:
            yield VulnHit(RULES["PG-VULN018"], node, f"a cookie value drawn from {drawn}()")

    def _morsel_cookie(self, node: ast.Assign) -> Iterator[VulnHit]:
        """A cookie built on the standard library's `SimpleCookie` (`cookie[name] = token`, then
        its morsel's attributes) without the Secure or HttpOnly attribute anywhere in the function.
        A cookie whose attributes are never set is read or passed on, not built to send."""
        target = node.targets[0] if len(node.targets) == 1 else None
        if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)):
            return
        if not (self.resolver.imports_package("http") or self.resolver.imports_package("Cookie")):
            return  # no cookie jar can be made here
        jar = target.value
        function = self.resolver.scope_of(node)
        made = [v for v in self.resolver.possible_values(jar) if v is not jar]
        if function is None or not made or not all(self._new_cookie_jar(v) for v in made):
            return
        first = next(
            a
            for a in nodes_of(function, ast.Assign)
            if len(a.targets) == 1
            and isinstance(a.targets[0], ast.Subscript)
            and is_name(a.targets[0].value, jar.id)
        )
        if first is not node:
            return  # one finding per cookie, where its value is first set
        attributes = self._morsel_attributes(function, jar.id)
        if not attributes:
            return
        if not _switched_on(attributes, "secure"):
            yield VulnHit(RULES["PG-VULN006"], node, f"{jar.id}[...] cookie without its 'secure' attribute")
        elif not _switched_on(attributes, "httponly"):
            yield VulnHit(RULES["PG-VULN007"], node, f"{jar.id}[...] cookie without its 'httponly' attribute")

    def _new_cookie_jar(self, value: ast.expr) -> bool:
        return (
            isinstance(value, ast.Call)
            and not value.args
            and not value.keywords
            and self.resolver.qualname(value.func) in _COOKIE_JARS
        )

    @staticmethod
    def _morsel_attributes(function: ast.AST, jar: str) -> dict[str, ast.expr | None]:
        """The attributes set on the morsels of the cookie jar `jar` in `function`: `jar[k][attr] =
        value`, or `jar[k].update({attr: value})` (None: a value that cannot be read)."""
        found: dict[str, ast.expr | None] = {}
        for assign in nodes_of(function, ast.Assign):
            for target in assign.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Subscript)
                    and is_name(target.value.value, jar)
                    and (attribute := const_str(target.slice)) is not None
                ):
                    found[attribute.lower()] = assign.value
        for call in nodes_of(function, ast.Call):
            func = call.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "update"
                and isinstance(func.value, ast.Subscript)
                and is_name(func.value.value, jar)
            ):
                given = call.args[0] if call.args else None
                if not isinstance(given, ast.Dict):
                    found["secure"] = found["httponly"] = None  # cannot tell: no finding
                    continue
                for key, value in zip(given.keys, given.values, strict=True):
                    if key is not None and (attribute := const_str(key)) is not None:
                        found[attribute.lower()] = value
        return found

    def _where(self, node: ast.Dict) -> Iterator[VulnHit]:
        for key, value in zip(node.keys, node.values, strict=True):
            if const_str(key) == "$where" and value is not None and is_formatted(value):
                yield VulnHit(RULES["PG-VULN019"], node, f"$where from {short(value, 40)}")

    def _cherrypy_sessions(self, node: ast.Dict) -> Iterator[VulnHit]:
        """A CherryPy config turning sessions on (`'tools.sessions.on': True`) without
        `tools.sessions.secure` / `httponly`: CherryPy's session cookie has neither by default."""
        given = {const_str(k): v for k, v in zip(node.keys, node.values, strict=True) if k is not None}
        switch = given.get("tools.sessions.on")
        if not (isinstance(switch, ast.Constant) and switch.value is True):
            return
        for flag, rule in (
            ("tools.sessions.secure", "PG-VULN006"),
            ("tools.sessions.httponly", "PG-VULN007"),
        ):
            value = given.get(flag)
            if value is None or (isinstance(value, ast.Constant) and not value.value):
                yield VulnHit(RULES[rule], switch, f"CherryPy sessions on without {flag}")

    def _django_cors(self) -> Iterator[VulnHit]:
        """django-cors-headers settings: every origin allowed and credentials on, in one module."""
        settings = {
            stmt.targets[0].id: stmt
            for stmt in self.tree.body
            if isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Constant)
            and stmt.value.value is True
        }
        allow_all = next((settings[k] for k in sorted(_DJANGO_CORS_ALL) if k in settings), None)
        if allow_all is not None and "CORS_ALLOW_CREDENTIALS" in settings:
            yield VulnHit(
                RULES["PG-VULN009"], allow_all, "every origin allowed with CORS_ALLOW_CREDENTIALS = True"
            )

    def _returned_traceback(self, node: ast.Return) -> Iterator[VulnHit]:
        """A request handler returns a formatted traceback (directly or through a local name)."""
        scope = self.resolver.scope_of(node)
        if scope is None or not _is_view(scope):
            return
        if any(isinstance(x, ast.IfExp) for x in ast.walk(node.value)):
            return
        for sub in ast.walk(node.value):
            origin = sub
            if isinstance(sub, ast.Name):
                origin = self._assigned(sub)
            if origin is None or any(isinstance(x, ast.IfExp) for x in ast.walk(origin)):
                continue
            for call in ast.walk(origin):
                if (
                    isinstance(call, ast.Call)
                    and (self.resolver.qualname(call.func) or "") in _TRACEBACK_TEXT
                ):
                    # a condition may be a debug or staff gate: only unconditional exposure counts
                    # (asked last: it walks the whole function, and most returns call no traceback)
                    if not under_condition(scope, node):
                        yield VulnHit(RULES["PG-VULN017"], node, f"the view returns {short(call)}")
                    return

    def _setting(self, node: ast.Assign) -> Iterator[VulnHit]:
        if isinstance(node.value, ast.Constant) and node.value.value is True:
            yield from self._flask_debug(node)
            return
        if not (isinstance(node.value, ast.Constant) and node.value.value is False):
            return
        for target in node.targets:
            key = None
            if isinstance(target, ast.Name):
                key = target.id
            elif isinstance(target, ast.Subscript):
                key = const_str(target.slice)
            if key in _COOKIE_SETTINGS:
                yield VulnHit(RULES[_COOKIE_SETTINGS[key]], node, f"{key} = False")

    def _flask_debug(self, node: ast.Assign) -> Iterator[VulnHit]:
        """`app.debug = True` or `app.config["DEBUG"] = True` on a Flask application (by type)."""
        for target in node.targets:
            app = None
            if isinstance(target, ast.Attribute) and target.attr == "debug":
                app = target.value
            elif (
                isinstance(target, ast.Subscript)
                and const_str(target.slice) == "DEBUG"
                and isinstance(target.value, ast.Attribute)
                and target.value.attr == "config"
            ):
                app = target.value.value
            if app is not None and self.is_flask_app(app):
                yield VulnHit(RULES["PG-VULN031"], node, f"{short(target)} = True")

    def _returned_html(self, node: ast.Return) -> Iterator[VulnHit]:
        scope = self.resolver.scope_of(node)
        if scope is None:
            return
        if _is_view(scope):
            formatted = self._unescaped_html(node.value)
            if formatted:
                yield VulnHit(RULES["PG-VULN003"], node, f"the view returns {formatted}")
            return
        yield from self._partly_escaped(node.value, scope)

    def _partly_escaped(self, node: ast.expr | None, scope: ast.AST) -> Iterator[VulnHit]:
        """Markup returned by any function (a page a WSGI app or debugger serves, a widget's
        HTML) whose formatting escapes some values and not others: the author escapes this
        template's data, so a field, parameter or call result put in raw is the one forgotten.
        Values that are markup themselves (other formattings, joins of fragments, `render*()`),
        locals built in the function, numbers and constants are not judged."""
        if node is None:
            return
        template, values = _formatting(node, self._constants)
        if template is None or not _looks_like_html(template):
            return
        if not any(self._escape_call(v) for v in values):
            return
        params = parameters(scope)
        for value in values:
            if self._class_constant(value, scope):
                continue
            if self._raw_data(value, params) and not self._escaped(value):
                detail = f"returned HTML formatted with `{short(value)}` unescaped (its other values are)"
                yield VulnHit(RULES["PG-VULN003"], value, detail)

    def _class_constant(self, node: ast.expr, scope: ast.AST) -> bool:
        """`cls.STYLES` or `self.STYLES`: a constant the class body holds and no method sets."""
        return (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
            and self.resolver.class_constant(node.attr, scope) is not None
        )

    def _escape_call(self, node: ast.expr) -> bool:
        if not isinstance(node, ast.Call):
            return False
        qual = self.resolver.qualname(node.func) or ""
        return (qual in _ESCAPES and qual not in NUMERIC_CALLS) or qual.rsplit(".", 1)[-1] == "escape"

    def _raw_data(self, node: ast.expr, params: frozenset[str]) -> bool:
        """Text that comes from outside this formatting: an attribute or item read, a parameter,
        or a call on one (`re.sub(p, r, self.text)`); not markup, numbers or local fragments."""
        if isinstance(node, ast.Attribute):
            return not _numeric_name(node.attr)
        if isinstance(node, ast.Subscript):
            key = const_str(node.slice)
            return not (key and _numeric_name(key))
        if isinstance(node, ast.Name):
            return node.id in params and not _numeric_name(node.id)
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else ast.unparse(node.func)
            last = name.rsplit(".", 1)[-1].lower()
            if last == "join" or last.startswith("render") or last.endswith("html") or _numeric_name(last):
                return False
            if self._builds_html(last):
                return False
            arguments = [*node.args, *(k.value for k in node.keywords)]
            return any(self._raw_data(a, params) for a in arguments)
        return False

    def _builds_html(self, name: str) -> bool:
        """A function or method of this module by that name returns markup on every path
        (`get_description()` returning `f"<p>{escape(d)}</p>"`): judged where it is built."""
        if self._functions is None:
            self._functions = {}
            for sub in ast.walk(self.tree):
                if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef):
                    self._functions.setdefault(sub.name.lower(), []).append(sub)
        defs = self._functions.get(name, [])
        returns = [
            r.value for d in defs for r in ast.walk(d) if isinstance(r, ast.Return) and r.value is not None
        ]
        return bool(returns) and all(
            _looks_like_html(_formatting(r, self._constants)[0] or "") for r in returns
        )

    def _unescaped_html(self, node: ast.expr | None) -> str | None:
        """'an f-string of HTML with `x` unescaped' when `node` formats values into markup."""
        if node is None:
            return None
        template, values = _formatting(node, self._constants)
        if template is None or not _looks_like_html(template):
            return None
        for value in values:
            if not self._escaped(value):
                return f"HTML formatted with `{short(value)}` unescaped"
        return None

    def _escaped(self, node: ast.expr, depth: int = 0) -> bool:
        """Escaped, or a number: constants, escape calls, `str()` of either, counts and lengths."""
        if isinstance(node, ast.Constant) or depth > 5:
            return isinstance(node, ast.Constant)
        if isinstance(node, ast.Call):
            qual = self.resolver.qualname(node.func) or ""
            last = qual.rsplit(".", 1)[-1]
            if qual in _ESCAPES or last in ("escape", "quote", "url_for", "format_html", "count", "__len__"):
                return True
            if qual == "str" and len(node.args) == 1:
                return self._escaped(node.args[0], depth + 1)
        if isinstance(node, ast.Name):
            origin = self._assigned(node) or self._module_constant(node)  # `COLOR = "green"` at the top
            return origin is not None and self._escaped(origin, depth + 1)
        if isinstance(node, ast.IfExp):
            return self._escaped(node.body, depth + 1) and self._escaped(node.orelse, depth + 1)
        if isinstance(node, ast.BoolOp):
            # `flag and 'true' or 'false'`: what `and` yields when its test passes is its last operand
            results = [node.values[-1]] if isinstance(node.op, ast.And) else node.values
            return all(self._escaped(v, depth + 1) for v in results)
        return False
