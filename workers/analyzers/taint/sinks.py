"""Sinks: tainted data reaching a dangerous argument, and the hit it makes."""

from __future__ import annotations

import ast
import re
from typing import Any

from prguard.analyzers.asttools import const_str, keyword_value, nodes_of
from prguard.analyzers.media_types import (
    MEDIA_TYPE_KEYWORDS,
    header_dict_declares_non_html,
    headers_declare_non_html,
    is_non_html,
    sends_html_type,
    typed_afterwards,
    typed_non_html_before,
)
from prguard.analyzers.pyresolve.alternatives import argument_of
from prguard.analyzers.pyresolve.known import PATH_CLASSES
from prguard.analyzers.taint.arguments import argument_list, may_be_options, option_program
from prguard.analyzers.taint.guards import back_to_own_host, on_site_at
from prguard.analyzers.taint.hits import SinkHit
from prguard.analyzers.taint.keys import (
    FIXED_HOST,
    LOCAL_PATH,
    State,
    caller_injects,
    node_text,
    reads_self,
    reportable,
)
from prguard.analyzers.taint.opt_in import gate_of
from prguard.analyzers.taint.rules import (
    COMMAND_OPTION_PROGRAMS,
    KINDS,
    NEWLINE_REFUSING,
    REDIRECT_HEADERS,
    RELATED_CWES,
    SAFE_YAML_LOADERS,
    SITE_URL_BUILDERS,
    UPLOADED_FILE_READ,
    URL_PATH_SOURCES,
    Sink,
    matches_any,
)
from prguard.analyzers.taint.values import (
    CLEAN,
    PARAM,
    Step,
    Trace,
    Value,
    join,
)

#: constant starts after which the next piece of a URL is its host (or, with none, the whole target)
_HOST_POSITION = frozenset({"", "http://", "https://"})
#: the Referer header as the frameworks give it
_REFERER_NAMES = frozenset({"http_referer", "referer", "referrer"})
#: the mappings that hold request headers: a query or form field called `referrer` is no header
_HEADER_MAPPINGS = frozenset({"headers", "META", "environ"})

#: the types whose objects are of a sort a sink asks of its receiver (`receiver_tag`)
_TAG_TYPES: dict[str, frozenset[str]] = {"pathobj": PATH_CLASSES}


def _all_of(parts: list[bool | None]) -> bool | None:
    """Alternatives together: False if any is something else, True if any is the Referer."""
    return False if False in parts else (True if True in parts else None)


def _reads_referer(node: ast.expr, qual: str) -> bool:
    """`request.referrer`, `request.META.get("HTTP_REFERER")`, `request.headers["Referer"]`."""
    if qual.endswith("request.referrer"):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        key, mapping = (node.args[0] if node.args else None), node.func.value
    elif isinstance(node, ast.Subscript):
        key, mapping = node.slice, node.value
    else:
        return False
    if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
        return False
    name = key.value.lower()
    if name == "http_referer":
        return True
    return name in _REFERER_NAMES and _holds_headers(mapping)


def _holds_headers(mapping: ast.expr) -> bool:
    """`request.headers`, `request.META`, `environ`, `headers`: a mapping of the request's headers."""
    if isinstance(mapping, ast.Attribute):
        return mapping.attr in _HEADER_MAPPINGS
    return isinstance(mapping, ast.Name) and (
        mapping.id in _HEADER_MAPPINGS or mapping.id.endswith("headers")
    )


_FLASK_RETURN = Sink("return", "xss", (0,), 79, 79, "medium")

#: shells and the flag that makes their next argument a script
_SHELL_SCRIPT_FLAGS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("sh", "bash", "dash", "zsh", "ksh", "ash"), frozenset({"-c"})),
    **dict.fromkeys(("cmd", "cmd.exe"), frozenset({"/c", "/C", "/k", "/K"})),
    **dict.fromkeys(("powershell", "powershell.exe", "pwsh"), frozenset({"-Command", "-c"})),
    # AppleScript runs shell commands (`do shell script`, Terminal's `do script`)
    "osascript": frozenset({"-e"}),
}


#: words a SQL statement can start with (any dialect's)
_SQL_START_WORDS = (
    "select insert update delete replace merge with create drop alter truncate grant revoke begin "
    "start commit rollback savepoint release set show describe desc explain pragma call exec execute "
    "values analyze analyse vacuum attach detach reindex copy lock unlock use declare do handler load "
    "rename optimize check checksum repair kill flush reset prepare deallocate listen notify unlisten "
    "comment cluster discard reassign refresh import table upsert"
)
_SQL_STARTS = frozenset(_SQL_START_WORDS.split())
_FIRST_WORD = re.compile(r"\s*\(*\s*([A-Za-z_]\w*)")


#: a module name's constant start that names its top-level package (`app.reports.`): whatever
#: follows, the module imported is one of that package's (a name cannot climb out of it)
_PACKAGE_PINNED = re.compile(r"[A-Za-z_]\w*\.")
#: a name's constant start that ends a word (`perform_`, `do_`): the module's functions of that
#: naming convention, which the code dispatches among
_DISPATCH_PREFIX = re.compile(r"[A-Za-z]\w*_")


def _may_be_sql(prefix: str) -> bool:
    """False when the text's constant start cannot begin a SQL statement whatever follows:
    `f"task_{x}"` handed to some object's `execute` is no query (`"SEL" + x` still may be)."""
    found = _FIRST_WORD.match(prefix)
    if found is None:
        return True  # nothing constant, a comment or a quote first: it may be
    word = found.group(1).lower()
    if found.end() == len(prefix):  # the word may go on in the data
        return any(start.startswith(word) for start in _SQL_STARTS)
    return word in _SQL_STARTS


def _shell_script(command: Value) -> Value | None:
    """The script of `["sh", "-c", script, ...]` (or `bash -lc`, `cmd /c`, `osascript -e`): what the
    shell (or AppleScript, which runs shell commands) parses."""
    items = command.items
    if items is None or not all(k in items for k in (0, 1, 2)):
        return None
    program, flag = items[0].const, items[1].const
    if not (isinstance(program, str) and isinstance(flag, str)):
        return None
    flags = _SHELL_SCRIPT_FLAGS.get(program.replace("\\", "/").rsplit("/", 1)[-1])
    if flags is None:
        return None
    sh_style = flag.startswith("-") and "c" in flag[1:] and flag[1:].isalpha() and "-c" in flags
    return items[2] if flag in flags or sh_style else None


#: Imported names that are objects, not modules: the application a framework proxies to (its
#: extensions hang off it: `current_app.apscheduler.add_job(...)`).
_APP_OBJECTS = ("flask.current_app", "flask.g", "quart.current_app", "quart.g")


def _may_use_shell(kwargs: dict[str, Value]) -> bool:
    """`shell=` given and not a false constant."""
    return _turned_on(kwargs, "shell")


def _turned_on(kwargs: dict[str, Value], keyword: str) -> bool:
    """A keyword flag given and not a false constant (`shell=True`, `trust_remote_code=flag`)."""
    flag = kwargs.get(keyword)
    return flag is not None and not (flag.has_const() and not flag.const)


#: literals Flask answers as JSON when a view hands them to `make_response`
_JSON_CONTAINERS = (ast.Dict, ast.DictComp, ast.List, ast.ListComp)


def _family_sink(name: str, kind: str, conditions: dict[str, Any] | None = None) -> Sink:
    """A sink found by its shape, not by a row of the table: reported with its family's CWE and
    severity."""
    meta = KINDS[kind]
    return Sink(name, kind, (), meta.cwe, meta.cwe, meta.severity, conditions or {})


class Sinks:
    """Sinks: a tainted value reaching a dangerous argument becomes a hit, unless a proof clears it.
    A part of `Runner`."""

    def check_sink(
        self, sink: Sink, node: ast.Call, receiver: Value | None, args: list[Value], kwargs: dict[str, Value]
    ) -> None:
        cond = sink.conditions
        if "unknown_receiver" in cond and not self._unknown_receiver_counts(node, receiver, cond):
            return
        if cond.get("module_receiver") and not self._module_argument(node):
            return
        if "receiver_tag" in cond and not self._receiver_of_sort(node, receiver, cond["receiver_tag"]):
            return
        if sink.kind == "header" and len(args) > 1 and str(args[0].const).lower() in REDIRECT_HEADERS:
            name = f"{node_text(self.mod, node.func)}({args[0].const!r}, …)"
            self._check_location(node, args[1], name, node_text(self.mod, node.args[1]), node.args[1])
        func = node.func
        if (
            "not_receivers" in cond
            and isinstance(func, ast.Attribute)
            and self.mod.is_a(func.value, cond["not_receivers"])
        ):
            return
        if any(k.arg in cond.get("unless_keywords", ()) for k in node.keywords):
            return
        if "unless_content" in cond and self._made_by(node.args[1:2], cond["unless_content"]):
            return
        if "not_in_process" in cond and self._in_process_client(node, cond["not_in_process"]):
            return
        if cond.get("json_containers") and node.args and isinstance(node.args[0], _JSON_CONTAINERS):
            return
        if cond.get("html_only"):
            for name in MEDIA_TYPE_KEYWORDS:  # a constant, or a name that holds one
                given = kwargs.get(name)
                media = self._media_type(node, name, given) if given is not None else None
                if isinstance(media, str) and is_non_html(media):
                    return
            stmt = self._stmt
            made_here = stmt is not None and getattr(stmt, "value", None) is node
            if self.func is not None and made_here and typed_afterwards(self.func.node, stmt):
                return
            headers = keyword_value(node, "headers")
            if (
                self.func is not None
                and headers is not None
                and header_dict_declares_non_html(self.func.node, headers)
            ):
                return
        if cond.get("sent_as_html") and not (
            self.func is not None and sends_html_type(self.func.node, node.lineno)
        ):
            return
        if cond.get("typed_before"):  # a page unless typed otherwise first, and only if it is text
            chunk = args[0] if args else kwargs.get("chunk")
            if chunk is None or "text" not in chunk.tags:
                return
            if self.func is not None and typed_non_html_before(self.func.node, node.lineno):
                return
        if cond.get("safe_loader"):
            loader = (
                node.args[1]
                if len(node.args) > 1
                else next((k.value for k in node.keywords if k.arg == "Loader"), None)
            )
            if loader is not None and (self.mod.qualname(loader) or "").split(".")[-1] in SAFE_YAML_LOADERS:
                return
        if "hardened_by" in cond and self._receiver_set_up(node, *cond["hardened_by"]):
            return
        if "xml_parser" in cond:
            position, keyword = cond["xml_parser"]
            parser = args[position] if len(args) > position else kwargs.get(keyword)
            if parser is not None and "hardened" in parser.tags:
                return
        if "when_flag" in cond and not _turned_on(kwargs, cond["when_flag"]):
            return  # `from_pretrained(name)` without `trust_remote_code=True` loads weights, runs no code
        checked = self._sink_arguments(sink, node, receiver, args, kwargs)
        program_only = False
        if "argv" in cond and not (cond.get("shell_flag") and _may_use_shell(kwargs)):
            self._check_options(node, cond["argv"], argument_list(node, cond["argv"], args, kwargs))
        if cond.get("shell_flag") and not _may_use_shell(kwargs):
            scripts = [(_shell_script(v), text) for v, text in checked[:1]]
            if scripts and scripts[0][0] is not None:  # ["sh", "-c", script]: a shell after all
                checked = [(script, text) for script, text in scripts if script is not None]
            else:
                checked = [(self._program_of(v), text) for v, text in checked[:1]]
                program_only = True
        if sink.kind == "redirect" and self._to_own_path(sink, node):
            return
        reached = False
        only_parameters = True
        back_to_referer = sink.kind == "redirect" and self._back_to_referer(sink, node)
        for value, text in checked:
            if not self._dangerous_shape(sink.kind, value):
                continue
            if cond.get("module_name") and _PACKAGE_PINNED.match(value.prefix or ""):
                continue  # `import_module(f"app.reports.report_{name}")`: a module of the app's package
            if cond.get("module_receiver") and _DISPATCH_PREFIX.fullmatch(value.prefix or ""):
                continue  # `getattr(views, "perform_%s" % flag)`: one of the handlers named for dispatch
            for trace in value.all_traces():
                if not trace.reaches(sink.kind) or on_site_at(cond.get("location"), trace):
                    continue
                if cond.get("markup") and not trace.reaches("xss"):
                    continue  # escaped text in a page: no tag of the client's to fetch from
                if (
                    sink.kind == "redirect"
                    and (value.prefix or "") in _HOST_POSITION
                    and back_to_own_host(trace)
                ):
                    continue  # `"http://" + request.META["HTTP_HOST"]`: the host the browser is on
                if sink.kind == "path" and UPLOADED_FILE_READ.match(trace.source):
                    continue  # the uploaded file object (its client-given name is a source of its own)
                reached = True
                only_parameters = only_parameters and trace.kind == PARAM
                if not reportable(trace, sink.kind, sink):
                    if reads_self(trace):
                        self.summary.receiver_hits.append(self._hit(sink, node, text, trace, program_only))
                    continue  # unknown data: no finding, but no proof either
                if trace.kind == "caller" and (
                    self._caller_opted_in(node)
                    or not caller_injects(sink.kind, bool(value.prefix), program_only)
                ):
                    continue  # the caller passed the flag that turns this on, or the sink is its API
                hit = self._hit(sink, node, text, trace, program_only)
                hit.embedded = bool(value.prefix)
                hit.back_to_referer = back_to_referer
                self._record(hit)
        cwes = frozenset({sink.report_cwe, sink.cwe} | RELATED_CWES.get(sink.kind, frozenset()))
        if not checked and (node.args or node.keywords):
            return  # given arguments, none where the sink reads: nothing seen, nothing proven
        if not reached:
            # bandit places some findings on an argument (B608 on the SQL text), which may start
            # on a line of its own in a call written over several
            given = (*node.args, *(k.value for k in node.keywords))
            for line in {node.lineno, *(a.lineno for a in given)}:
                for cwe in cwes:
                    self.summary.cleared.add((line, cwe))
        elif only_parameters:
            self.summary.param_only[(node.lineno, sink.kind)] = cwes

    def _receiver_of_sort(self, node: ast.Call, receiver: Value | None, tag: str) -> bool:
        """Whether a method's receiver is a value of the sort a sink needs: tagged so, or of a type
        that makes it one (`self.path.parent.joinpath(name)`, where `__init__` set `self.path` to a
        `Path`: a path object whatever its value was made of)."""
        if receiver is None or not isinstance(node.func, ast.Attribute):
            return False
        if tag in receiver.tags:
            return True
        types = _TAG_TYPES.get(tag)
        return types is not None and self.mod.is_a(node.func.value, types)

    def _receiver_set_up(self, node: ast.Call, method: str, constants: tuple[Any, ...]) -> bool:
        """The object a method is called on was set up before, in the same function, with
        `obj.<method>(*constants)` (`proc.set_configuration_property(ALLOWED_PROTOCOLS, "")`)."""
        func = node.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return False
        body = self.func.node if self.func is not None else self.mod.tree
        return any(
            isinstance(call.func, ast.Attribute)
            and call.func.attr == method
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == func.value.id
            and call.lineno < node.lineno
            and [a.value if isinstance(a, ast.Constant) else None for a in call.args] == list(constants)
            for call in nodes_of(body, ast.Call)
        )

    def _caller_opted_in(self, node: ast.AST) -> bool:
        """The sink runs only when a flag of this function that is off by default is on."""
        if self.func is None:
            return False
        return gate_of(self.func.opted_in_spans, [node.lineno]) is not None

    def _unknown_receiver_counts(self, node: ast.Call, receiver: Value | None, cond: Any) -> bool:
        """A `*.method` row stands for a typed sink whose receiver's type is unknown here.

        It counts only when the type really is unknown (a known type has its own rows), the
        receiver is an object (not an imported module or a string) and the module imports
        the library the typed sink belongs to: the API shape, never the variable's name.
        """
        func = node.func
        if not isinstance(func, ast.Attribute):
            return False
        if self.mod.receiver_type(func.value) is not None:
            return False
        root = func.value
        while isinstance(root, ast.Attribute):
            root = root.value
        imported = self.mod.imports.get(root.id) if isinstance(root, ast.Name) else None
        if imported is not None and imported not in _APP_OBJECTS:
            return False  # an imported module's function, not an object's method
        if receiver is not None and ("text" in receiver.tags or isinstance(receiver.const, str)):
            return False
        return self.mod.imports_any(tuple(cond["unknown_receiver"]))

    def _module_argument(self, node: ast.Call) -> bool:
        """`getattr(os, name)`: the first argument is an imported module or object, not data."""
        first = node.args[0] if node.args else None
        while isinstance(first, ast.Attribute):
            first = first.value
        return isinstance(first, ast.Name) and first.id in self.mod.imports

    def _sink_arguments(
        self, sink: Sink, node: ast.Call, receiver: Value | None, args: list[Value], kwargs: dict[str, Value]
    ) -> list[tuple[Value, str]]:
        out = []
        for spec in sink.args:
            if spec == "*":
                out.extend((v, node_text(self.mod, n)) for v, n in zip(args, node.args, strict=False))
                out.extend(
                    (kwargs[k.arg], node_text(self.mod, k.value)) for k in node.keywords if k.arg in kwargs
                )
            elif spec == "*args":  # the positional arguments only (a log message and its % values)
                out.extend((v, node_text(self.mod, n)) for v, n in zip(args, node.args, strict=False))
            elif spec == "receiver":
                if receiver is not None and isinstance(node.func, ast.Attribute):
                    out.append((receiver, node_text(self.mod, node.func.value)))
            elif isinstance(spec, int):
                if spec < len(args) and not isinstance(node.args[spec], ast.Starred):
                    out.append((args[spec], node_text(self.mod, node.args[spec])))
            else:
                for keyword in node.keywords:
                    if keyword.arg == spec:
                        out.append((kwargs[spec], node_text(self.mod, keyword.value)))
        if not out:  # `add_job(**data)`: the named argument is one of the mapping's entries
            names = [spec for spec in sink.args if isinstance(spec, str) and not spec.startswith("*")]
            for index, keyword in enumerate(node.keywords):
                if keyword.arg is None and names:
                    mapping = kwargs[f"**{index}"]
                    text = node_text(self.mod, keyword.value)
                    out.extend((mapping.at(name), f"{text}[{name!r}]") for name in names)
        return out

    def _redirect_target(self, sink: Sink, node: ast.Call) -> ast.expr | None:
        index = next((spec for spec in sink.args if isinstance(spec, int)), None)
        name = next((spec for spec in sink.args if isinstance(spec, str)), "")
        return argument_of(node, name, index)

    def _in_process_client(self, node: ast.Call, transports: frozenset[str]) -> bool:
        """`httpx.AsyncClient(transport=httpx.ASGITransport(app=app))`: every way the client was
        made hands its requests to an application in this process."""
        if not isinstance(node.func, ast.Attribute):
            return False
        client = node.func.value
        made = [v for v in self.mod.resolver.possible_values(client) if v is not client]
        if isinstance(client, ast.Name):
            made += self.mod.resolver.with_values(client)
        return bool(made) and all(
            isinstance(value, ast.Call)
            and isinstance(transport := keyword_value(value, "transport"), ast.Call)
            and (self.mod.qualname(transport.func) or "") in transports
            for value in made
        )

    def _made_by(self, args: list[ast.expr], classes: frozenset[str]) -> bool:
        """The argument is an object of one of these classes: made by a call to one, or typed so."""
        if not args:
            return False
        made = args[0]
        if isinstance(made, ast.Call) and (self.mod.qualname(made.func) or "") in classes:
            return True
        return self.mod.is_a(made, classes)

    def _back_to_referer(self, sink: Sink, node: ast.Call) -> bool:
        """`redirect(request.referrer or url_for("index"))`: the target is the Referer (or the
        site's own), the page the user came from; an attacker's page sends its visitor back to itself."""
        target = self._redirect_target(sink, node)
        return target is not None and self._referer_or_own(target, 0) is True

    def _media_type(self, node: ast.Call, keyword: str, given: Value) -> object:
        """The media type a response call names: a constant, or the constant the view's class
        sets for it in its body (`content_type=self.content_type`, `content_type = "text/plain"`)."""
        if given.has_const() or self.func is None:
            return given.const
        named = keyword_value(node, keyword)
        if (
            isinstance(named, ast.Attribute)
            and isinstance(named.value, ast.Name)
            and named.value.id == "self"
        ):
            return self.mod.resolver.class_constant(named.attr, self.func.node)
        return None

    def _to_own_path(self, sink: Sink, node: ast.Call) -> bool:
        """`redirect(request.path)` after a form's POST: the browser goes back to the very path
        it asked for. That path leaves the site only if a route takes one starting with `//`;
        routes name their first segment, so it is this site's page (not in middleware, which
        every path reaches). A path changed first
        (`request.path + "/"`, `path.rstrip("/")`) is judged as the data it is; a query the
        server starts after it (`f"{request.path}?page={n}"`) leaves the path as it was."""
        if self._in_middleware():
            return False  # middleware runs for every path, `//evil.example/` too: no route names it
        return self._own_path(self._redirect_target(sink, node), 0)

    def _in_middleware(self) -> bool:
        """The running function is middleware (`@app.middleware("http")`, a method of a
        `...Middleware` class, a function so named), which sees requests no route matched."""
        if self.func is None:
            return False
        decorated = any(
            isinstance(target := d.func if isinstance(d, ast.Call) else d, ast.Attribute)
            and target.attr == "middleware"
            for d in self.func.node.decorator_list
        )
        return decorated or "middleware" in self.func.qualname.lower()

    def _own_path(self, target: ast.expr | None, depth: int, seen: frozenset[str] = frozenset()) -> bool:
        """`target` is the requested path, or its leading part (`path.rsplit("/actions/", 1)[0]`,
        what a route mounted under a prefix sees of it), kept in a local name or given to `str()`
        first, optionally with a query the server starts after it; or a constant path here."""
        target = _before_query(target)
        if depth > 3 or target is None:
            return False
        if isinstance(target, ast.Constant):
            text = target.value
            return isinstance(text, str) and text.startswith("/") and text[1:2] not in ("/", "\\")
        if isinstance(target, ast.BoolOp) and isinstance(target.op, ast.Or):
            return all(self._own_path(part, depth + 1, seen) for part in target.values)
        if isinstance(target, ast.Name):
            if target.id in seen:
                return True  # `p = f"{p}?{query}"`: judged by p's other values
            values = [v for v in self.mod.resolver.possible_values(target) if v is not target]
            return bool(values) and all(self._own_path(v, depth + 1, seen | {target.id}) for v in values)
        if isinstance(target, ast.Call) and self.mod.qualname(target.func) == "str" and len(target.args) == 1:
            return self._own_path(target.args[0], depth + 1, seen)
        if (
            isinstance(target, ast.Subscript)
            and isinstance(target.slice, ast.Constant)
            and target.slice.value == 0
            and isinstance(target.value, ast.Call)
            and isinstance(target.value.func, ast.Attribute)
            and target.value.func.attr in ("split", "rsplit", "partition", "rpartition")
            and target.value.args
            and isinstance(target.value.args[0], ast.Constant)
        ):
            return self._own_path(target.value.func.value, depth + 1, seen)  # the path's leading part
        if not isinstance(target, ast.Attribute):
            return False
        if matches_any(self.mod.qualname(target) or "", URL_PATH_SOURCES):
            return True
        owner = self.mod.receiver_type(target.value)
        return owner is not None and matches_any(f"{owner}.{target.attr}", URL_PATH_SOURCES)

    def _referer_or_own(self, node: ast.expr, depth: int) -> bool | None:
        """True: the Referer (with the site's own fallbacks); None: only the site's own; False: else."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return None
        if isinstance(node, ast.BoolOp | ast.IfExp):
            parts = node.values if isinstance(node, ast.BoolOp) else [node.body, node.orelse]
            return _all_of([self._referer_or_own(part, depth) for part in parts])
        if isinstance(node, ast.Name) and depth < 3:
            parts = [
                self._referer_or_own(value, depth + 1)
                if not suffix
                else (self.mod.qualname(value) or "").endswith("request") and suffix == ".referrer"
                for value, suffix in self.mod.resolver.possible_reads(node)
                if value is not node
            ]
            return _all_of(parts) if parts else False
        qual = self.mod.qualname(node.func if isinstance(node, ast.Call) else node) or ""
        if isinstance(node, ast.Call) and matches_any(qual, SITE_URL_BUILDERS):
            return None
        return _reads_referer(node, qual) or False

    @classmethod
    def _run_without_shell(cls, command: Value) -> Value:
        """What of a command a process call without a shell runs as code: the script of
        `["sh", "-c", script]`, else the program (the other items are its arguments)."""
        script = _shell_script(command)
        return script if script is not None else cls._program_of(command)

    @staticmethod
    def _program_of(command: Value) -> Value:
        """The program a process call runs: the first element of a list, or the whole string."""
        if command.items is not None and 0 in command.items:
            return command.items[0]
        if "text" in command.tags or isinstance(command.const, str):
            return command
        return command.element()

    @staticmethod
    def _dangerous_shape(kind: str, value: Value) -> bool:
        """False when the string's constant start already pins what the sink cares about."""
        prefix = value.prefix or ""
        if kind == "ssrf":
            return not FIXED_HOST.match(prefix)
        if kind == "redirect":
            return not (FIXED_HOST.match(prefix) or LOCAL_PATH.match(prefix))
        if kind == "sql":
            return _may_be_sql(prefix)
        return True

    def _check_store_sink(self, target: ast.Subscript, value: Value, state: State, key: Value) -> None:
        found = self.program.store_sink(self.mod, target.value)
        if found is None:
            return
        row, text = found
        kind = row["kind"]
        if kind == "trust-boundary":
            if row.get("session") and isinstance(key.const, str):  # read back by the site's views
                where = Step(self.mod.path, target.lineno, f"kept in `{text}[{key.const!r}]`")
                self.program.keep_in_session(row["name"], key.const, value, where)
            value = join(value, key)  # `session[name] = "1"`: the client names what the server keeps
        if kind == "header" and isinstance(key.const, str) and key.const.lower() in REDIRECT_HEADERS:
            written = self._stmt_value(target)
            self._check_location(
                target,
                value,
                f"{text}[{key.const!r}] =",
                node_text(self.mod, written),
                written if isinstance(written, ast.expr) and written is not target else None,
            )
        sink = _family_sink(f"{text}[…] =", kind)
        reached = False
        for trace in value.all_traces():
            if trace.reaches(kind):
                reached = True
                if reportable(trace, kind):
                    self._record(
                        self._hit(sink, target, node_text(self.mod, self._stmt_value(target)), trace, False)
                    )
        if not reached:
            self.summary.cleared.add((target.lineno, KINDS[kind].cwe))

    def _check_options(self, node: ast.Call, where: Any, argv: Value | None) -> None:
        """Untrusted data a program may read as one of its options: argument injection."""
        program = option_program(argv) if argv is not None else None
        if program is None:
            return
        advice = f"`{program}` may read a value that starts with `-` as an option: put `--` before the data."
        # a library caller's argument counts only where an option runs another command
        no_caller = program not in COMMAND_OPTION_PROGRAMS
        sink = _family_sink(program, "argument", {"message": advice, "no_caller": no_caller})
        listed = argument_of(node, where[1], where[0]) if isinstance(where, tuple) else None
        text = (
            node_text(self.mod, listed)
            if listed is not None
            else ", ".join(node_text(self.mod, a) for a in node.args)
        )
        # items spliced in whole (`["git", *args]`): the function's caller chose every argument, its
        # options too (see Program._caller_hits); what a caller puts among them is judged at its call
        spliced = _family_sink(
            program, "argument", {"message": advice, "no_caller": no_caller, "spliced": True}
        )
        placed = may_be_options(argv, unplaced=False)
        items = [(item, sink) for item in placed] + [
            (item, spliced) for item in may_be_options(argv)[len(placed) :]
        ]
        for item, item_sink in items:
            for trace in item.all_traces():
                if trace.reaches("argument") and reportable(trace, "argument", item_sink):
                    self._record(self._hit(item_sink, node, text, trace, False))

    def _check_location(
        self, node: ast.AST, value: Value, name: str, arg_text: str, target: ast.expr | None = None
    ) -> None:
        """A `Location` header set by hand, or a URL a view redirects to, is a redirect: where its
        value may send the browser (`target`: the expression it is written as, when known)."""
        sink = _family_sink(name, "redirect")
        if not self._dangerous_shape("redirect", value):
            return
        back = target is not None and self._referer_or_own(target, 0) is True
        for trace in value.all_traces():
            if trace.reaches("redirect") and reportable(trace, "redirect"):
                hit = self._hit(sink, node, arg_text, trace, False)
                hit.back_to_referer = back
                self._record(hit)

    def _stmt_value(self, target: ast.AST) -> ast.AST:
        stmt = self._stmt
        return stmt.value if isinstance(stmt, ast.Assign) else target

    def _check_flask_return(self, node: ast.expr, value: Value) -> None:
        body_node, body = node, value
        if isinstance(node, ast.Tuple) and node.elts:
            body_node = node.elts[0]
            body = value.items.get(0, CLEAN) if value.items else value
            for extra in node.elts[1:]:
                if isinstance(extra, ast.Dict) and headers_declare_non_html(extra):
                    return
        if "text" not in body.tags:
            return
        for trace in body.all_traces():
            if trace.reaches("xss") and reportable(trace, "xss"):
                self._record(self._hit(_FLASK_RETURN, node, node_text(self.mod, body_node), trace, False))

    def _hit(self, sink: Sink, node: ast.AST, arg_text: str, trace: Trace, program_only: bool) -> SinkHit:
        if sink is _FLASK_RETURN:
            call_text = "the response of this Flask view"
        elif isinstance(node, ast.Call):
            call_text = f"{node_text(self.mod, node.func)}(…)"
            if program_only:
                call_text += " (as the program to run)"
            elif sink.conditions.get("shell_flag"):
                call_text = f"{node_text(self.mod, node.func)}(…, shell=True)"
        else:
            call_text = sink.name
        stmt = self._stmt or node
        step = Step(self.mod.path, node.lineno, f"reaches `{call_text}`")
        return SinkHit(
            sink=sink,
            path=self.mod.path,
            line=node.lineno,
            end_line=getattr(node, "end_lineno", node.lineno) or node.lineno,
            column=node.col_offset,
            call_text=call_text,
            arg_text=arg_text,
            trace=trace.then(step),
            scope=self.scope,
            snippet="\n".join(self.mod.lines[stmt.lineno - 1 : (stmt.end_lineno or stmt.lineno)]),
            program_only=program_only,
            newlines_refused=sink.kind == "header" and self.mod.imports_any(NEWLINE_REFUSING),
        )

    def _record(self, hit: SinkHit) -> None:
        if hit.trace.kind == PARAM:
            self.summary.param_hits.append(hit)
        elif hit.trace.is_source:
            self.summary.hits.append(hit)


def _before_query(target: ast.expr | None) -> ast.expr | None:
    """What comes before a `?` or `#` the server wrote right after it (`f"{path}?page=2"`,
    `path + "?page=" + n`): the URL's path, left as it was; else the target itself."""
    if isinstance(target, ast.JoinedStr) and len(target.values) > 1:
        head, then = target.values[0], target.values[1]
        plain = isinstance(head, ast.FormattedValue) and head.conversion == -1 and head.format_spec is None
        return head.value if plain and _starts_query(then) else target  # type: ignore[union-attr]
    formatted = _formatted_before_query(target)
    if formatted is not None:
        return formatted
    operands: list[ast.expr] = []
    node = target
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        operands.insert(0, node.right)
        node = node.left
    if node is not target and node is not None and _starts_query(operands[0]):
        return node
    return target


def _formatted_before_query(target: ast.expr | None) -> ast.expr | None:
    """The value a format string puts first, when a `?` or `#` follows it right away
    (`"{}?{}".format(path, query)`, `"%s?%s" % (path, query)`); else None."""
    if (
        isinstance(target, ast.Call)
        and isinstance(target.func, ast.Attribute)
        and target.func.attr == "format"
    ):
        text, first = const_str(target.func.value), target.args[0] if target.args else None
        lead = "{}"
    elif (
        isinstance(target, ast.BinOp)
        and isinstance(target.op, ast.Mod)
        and isinstance(target.right, ast.Tuple)
    ):
        text, first = const_str(target.left), target.right.elts[0] if target.right.elts else None
        lead = "%s"
    else:
        return None
    if text is None or first is None or isinstance(first, ast.Starred):
        return None
    return first if text.startswith(lead) and text[len(lead) : len(lead) + 1] in ("?", "#") else None


def _starts_query(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr) and node.values:
        node = node.values[0]
    return (
        isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(("?", "#"))
    )
