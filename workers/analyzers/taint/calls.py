"""Calls: what a call returns and what it reaches, through sources, sanitizers and summaries."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from prguard.analyzers.asttools import keyword_value, own_statements, parameter_defaults
from prguard.analyzers.taint.arguments import options_in_list
from prguard.analyzers.taint.guards import (
    controls_removed,
    not_absolute,
    parents_removed,
    removes_url_controls,
)
from prguard.analyzers.taint.hits import hit_lines
from prguard.analyzers.taint.keys import (
    HOST_FIXED,
    NAMESPACE,
    SITE_URL,
    URL_MOVES,
    State,
    caller_injects,
    forget_parts,
    hashable,
    node_text,
    parsed_url,
    reads_self,
    reportable,
    state_key,
)
from prguard.analyzers.taint.modules import FunctionInfo, FunctionNode, ModuleInfo, call_name
from prguard.analyzers.taint.opt_in import gate_of
from prguard.analyzers.taint.regex_proof import removal_leaves_one_component, removal_proven_kinds
from prguard.analyzers.taint.rules import (
    ALL,
    CASE_FOLDS,
    CHECKED_SOURCE_KINDS,
    CLEAN_RESULTS,
    CONFIGURED_LOADERS,
    DECODER_HOOKS,
    EXACT_LOOKUPS,
    HARDENED_PARSERS,
    NON_PROPAGATING_METHODS,
    NORMPATHS,
    OPAQUE_RESULTS,
    PARSED_SAFE_TYPES,
    PATH_JOINS,
    PATH_OBJECTS,
    PATH_RESOLVERS,
    PROTOCOL_URL_BUILDERS,
    RECORD_BASES,
    RECORD_DECORATORS,
    RECORD_METHODS,
    REQUEST_BUILDERS,
    SIGNED_READS,
    SITE_URL_BUILDERS,
    SQL_STATEMENT,
    SQL_STATEMENTS,
    SQL_TEXT_MAKERS,
    STR_METHODS,
    TYPED_SANITIZERS,
    TYPED_SOURCE_CALLS,
    TYPED_SOURCES,
    UPLOADED_FILE_READ,
    URL_PARSERS,
    URL_PATH_JOINS,
    Sink,
)
from prguard.analyzers.taint.templates import RENDER_METHODS, django_renders_escaped, renders_unescaped
from prguard.analyzers.taint.text_fold import (
    TEXT,
    fold_text,
    format_pieces,
    joined_pieces,
    literal,
    piece,
    separates_host,
)
from prguard.analyzers.taint.values import (
    CLEAN,
    NOCONST,
    ONE_COMPONENT,
    OPAQUE,
    PARAM,
    READ_FROM_FILE,
    WHOLE_ARGUMENT,
    Step,
    Trace,
    Value,
    as_list,
    join,
    merge,
    positional,
)

_NEWLINE_STRIPS = ("\n", "\r", "\r\n")
#: what reads a key back from a mapping: the session's, when it is one (`_kept_in_session`)
_SESSION_READS = frozenset({"get", "pop", "setdefault"})
#: what builds or checks a record's fields itself: a class with one of these is not a plain record
_CONSTRUCTORS = frozenset({"__init__", "__new__", "__post_init__", "model_post_init", "__attrs_post_init__"})
#: nested functions run inside one another where they are called, at most this deep
_MAX_INLINED = 3
#: what a route's URL builder returns: text of this site, no user data
SITE_URL_VALUE = Value(tags=frozenset({"text", SITE_URL}))
#: the last names of SIGNED_READS and EXACT_LOOKUPS: only calls so named are worth typing
_SIGNED_READ_METHODS = frozenset(name.rsplit(".", 1)[-1] for name in SIGNED_READS)
_EXACT_LOOKUP_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in EXACT_LOOKUPS)
#: the type arguments of a generic type's name (`QuerySet[Model]`)
_GENERIC_ARGS = re.compile(r"\[.*\]")
#: the request itself, handed to a helper: as the sources name it (`request.GET`,
#: `self.request.args`), or a framework's global one
_REQUEST_OBJECTS = frozenset({"request", "self.request", "flask.request", "quart.request", "bottle.request"})
#: a function a setting names (`import_string(settings.RENDERER)`): code this run cannot see
CONFIGURED = "configured"

_CLEARS_ALL = frozenset({ALL})

_TEXT_KEEPING_CALLS = frozenset({"str", "os.path.join", "urllib.parse.urljoin", "posixpath.join"})

_MUTATORS = frozenset({"append", "extend", "insert", "add", "update", "setdefault", "appendleft"})

#: methods that store what they are given in an object the function holds, to be read back (a
#: text buffer's `write`, a queue's `put`, a parser's `feed`); unlike `_MUTATORS` (containers, whose
#: items are followed) only for objects bound in the function, never a module (`os.write`)
_STORES_ITS_ARGUMENT = frozenset({"write", "writelines", "put", "put_nowait", "push", "feed"})
_FILE_WRITES = frozenset({"write", "writelines"})
#: `urljoin(base, reference)`: the reference's host wins only when it names one
_URL_JOINS = frozenset({"urllib.parse.urljoin", "urlparse.urljoin", "requests.compat.urljoin"})
#: `url_concat(url, args)`: the arguments are encoded into the URL's query string
_QUERY_APPENDERS = frozenset({"tornado.httputil.url_concat"})
#: URL types whose keywords here become the query or the fragment, encoded (`httpx.URL(endpoint,
#: params=...)`); their other keywords (`host=`, `path=`) replace parts a user could move
_QUERY_KEYWORDS = {"httpx.URL": frozenset({"params", "query", "fragment"})}
#: `splitext(p)`: the file name's root and its extension; `split(p)`: (head, tail), the tail cut
#: after the last separator as `basename` cuts it
_LAST_PART_SPLITS = frozenset({"os.path.splitext", "posixpath.splitext", "os.path.split", "posixpath.split"})
#: in-memory files: what they are made from is their content, not a file name
_MEMORY_FILES = frozenset({"io.BytesIO", "io.StringIO"})
#: methods that read their object and keep nothing of their arguments
_READS_ONLY = (
    STR_METHODS
    | NON_PROPAGATING_METHODS
    | {"get", "getlist", "pop", "index", "count", "copy", "items", "values", "keys", "join", "format"}
)

#: methods of a list (and a deque's two ends) whose effect on its positions `_list_method` follows
_LIST_METHODS = frozenset(
    {"append", "extend", "insert", "pop", "clear", "remove", "reverse", "sort", "popleft", "appendleft"}
)

#: constructors of sequences whose positions are known when their argument's are
_SEQUENCES = frozenset({"list", "collections.deque"})

#: objects that keep values under a (section, option) pair: `set` stores, `get` reads
_CONFIG_PARSERS = frozenset(
    {"configparser.ConfigParser", "configparser.RawConfigParser", "configparser.SafeConfigParser"}
)

_MEMBER_NAME_CALLS = frozenset(n.rsplit(".", 1)[-1] for n in TYPED_SOURCE_CALLS)
_TYPED_SANITIZER_METHODS = frozenset(n.rsplit(".", 1)[-1] for n in TYPED_SANITIZERS)


def _rooted(node: ast.expr, qual: Callable[[ast.expr], str | None]) -> bool:
    """An expression that always starts with "/": `"/" + p`, `f"/{p}"`, `os.path.join("/", p)`."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _rooted(node.left, qual)
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.startswith("/")
    if isinstance(node, ast.JoinedStr):
        return bool(node.values) and _rooted(node.values[0], qual)
    if isinstance(node, ast.Call) and qual(node) in ("os.path.join", "posixpath.join") and node.args:
        return _rooted(node.args[0], qual)
    return False


#: Method names that ask a store for what it holds under a key (`get_url(code=...)`,
#: `find_by_name(name)`): on an object a third-party library made, the answer is the store's.
_LOOKUP_METHOD = re.compile(r"(?:get|find|fetch|lookup|select|query|load|search|retrieve)_\w+")

#: Django's shortcuts that answer with an instance of the model they are given: a model of the
#: project's own, whose methods are its code
_MODEL_INSTANCE_GETTERS = frozenset({"django.shortcuts.get_object_or_404"})
#: what opens a file by its name, and what a path object reads or opens of its file
_FILE_OPENERS = frozenset({"open", "io.open", "builtins.open", "codecs.open"})
#: traces of a path a function's caller names (opaque ones are never reported either way)
_NAMED_BY_CALLER = frozenset({PARAM, "caller", OPAQUE})
_PATH_READS = frozenset({"read_text", "read_bytes", "open"})


def _replaces_text(args: list[Value], kwargs: dict[str, Value]) -> bool:
    """`x.replace("{{name}}", value)` on a receiver of unknown type: text replaced by text is a
    string's `replace` (a path's takes one argument, a date's takes keywords)."""
    return (
        not kwargs
        and len(args) in (2, 3)
        and isinstance(args[0].const, str)
        and (isinstance(args[1].const, str) or "text" in args[1].tags)
    )


def _server_file(path: Value) -> bool:
    """A path the client cannot move out of where the server keeps its files (every trace of it
    from a source proven safe for paths): what the file holds is then the server's, not the
    client's. A path the client chose freely keeps its data (its file may be the client's too)."""
    return any(t.is_source for t in path.all_traces()) and all(
        not t.is_source or not t.reaches("path") for t in path.all_traces()
    )


def _unknown(path: str, node: ast.Call, source: str, what: str) -> Value:
    """Data the client does not choose but nothing proves constant (a database read, a signed
    value, a server file's content): no finding, and no proof of safety either."""
    return Value(frozenset({Trace(OPAQUE, source, (Step(path, node.lineno, what),))}))


def _compose(outer: Trace, into: Step, inner: Trace, argument: Value | None = None) -> Trace:
    """The caller's trace continued into a callee along the callee's parameter trace (which may
    have passed project code outside the change on its way: then so did the whole flow).
    `argument`, the caller's value for that parameter, settles what the callee's trace left to the
    caller: data after the host when the argument starts past it (`past_host`), a file's name in a
    folder when the argument is one path component (`if_one_segment`)."""
    trace = outer.then(into)
    steps = trace.steps + inner.steps
    sanitized, past_host, if_one_segment = (
        outer.sanitized | inner.sanitized,
        frozenset[str](),
        frozenset[str](),
    )
    if inner.past_host and argument is not None:
        if separates_host(argument.prefix):
            sanitized |= inner.past_host  # `_get(f"/users/{uid}")` into `self.base + path`
        elif WHOLE_ARGUMENT in argument.tags:
            past_host = inner.past_host  # passed on whole: the next caller's argument decides
    if inner.if_one_segment and argument is not None:
        if ONE_COMPONENT in argument.tags:
            sanitized |= inner.if_one_segment  # `get_page(name)` into `join(root, name + ".md")`
        elif WHOLE_ARGUMENT in argument.tags:
            if_one_segment = inner.if_one_segment
    return replace(
        trace,
        steps=steps if len(steps) <= 14 else steps[:3] + steps[-11:],
        sanitized=sanitized,
        indirect=True,
        unseen=outer.unseen or inner.unseen,
        past_host=past_host,
        if_one_segment=if_one_segment,
    )


def _flat_map(value: Value, change: Callable[[Trace], Iterable[Trace]]) -> Value:
    items = None if value.items is None else {k: _flat_map(v, change) for k, v in value.items.items()}
    traces = frozenset(t2 for t in value.traces for t2 in change(t))
    return Value(merge([Value(traces)]).traces, items=items, tags=value.tags, prefix=value.prefix)


def _server_base(base: Value) -> bool:
    """A base URL none of whose data comes from a request (a constant, a setting, an attribute)."""
    return all(t.kind in (OPAQUE, "caller") for t in base.all_traces())


def relative_reference(prefix: str | None) -> bool:
    """Whether a URL reference that starts with this constant is relative to its base whatever
    follows: a complete first path segment without a scheme (`inbound/...`), or an absolute
    path whose second character is neither `/` nor `\\` (`/api/...`); never `//host` or `https:`."""
    if not prefix or prefix[0] == "\\":
        return False
    if prefix[0] == "/":
        return len(prefix) > 1 and prefix[1] not in "/\\"
    first = re.split(r"[/?#]", prefix, maxsplit=1)
    return len(first) == 2 and ":" not in first[0] and "\\" not in first[0]


#: URL builders from parts: their first three (scheme, host and path) name where the URL leads;
#: the rest are a query or a fragment (and `urlunparse`'s path parameters)
URL_JOINERS = frozenset({"urllib.parse.urlunsplit", "urllib.parse.urlunparse"})
#: the parts a parsed URL holds, in order
_URL_FIELDS = {
    "urllib.parse.urlsplit": ("scheme", "netloc", "path", "query", "fragment"),
    "urllib.parse.urlparse": ("scheme", "netloc", "path", "params", "query", "fragment"),
}


def _decided_params(
    func: FunctionInfo, bound: bool, args: list[Value], kwargs: dict[str, Value]
) -> tuple[tuple[int, Any], ...]:
    """Parameters this call gives a constant that the helper's conditions test (`if action is
    None: action = self.action`, called as `get_command("check")`) or writes beside another
    parameter (`name + ext`): the helper is run with them, so a branch the constant rules out adds
    nothing, and a name with a constant extension is a file's name."""
    offset = 1 if bound else 0
    given = {index + offset: value for index, value in enumerate(args)}
    given.update((func.params.index(name), value) for name, value in kwargs.items() if name in func.params)
    constants = [
        (index, value.const)
        for index, value in given.items()
        if index < len(func.params)
        and (value.const is None or isinstance(value.const, str | int | float | bool))
        and not value.tainted
    ]
    if not constants:  # the cheap question first
        return ()
    deciding = func.tested_params | func.joined_params
    return tuple(sorted(pair for pair in constants if func.params[pair[0]] in deciding))


def _url_and_rest(
    where: tuple[int, str] | tuple[()], args: list[Value], kwargs: dict[str, Value]
) -> tuple[Value, list[Value]]:
    """A call's URL argument at `(position, keyword)` (none for `()`) and its other arguments."""
    if not where:
        return CLEAN, [*args, *kwargs.values()]
    index, keyword = where
    url = args[index] if len(args) > index else kwargs.get(keyword, CLEAN)
    others = [v for i, v in enumerate(args) if i != index] + [v for k, v in kwargs.items() if k != keyword]
    return url, others


def _request_object(where: tuple[int, str], args: list[Value], kwargs: dict[str, Value]) -> Value:
    """A request made up front (`urllib.request.Request(url, headers=...)`): where it goes is its
    URL's business alone; its headers and body are its data, never its host."""
    url, others = _url_and_rest(where, args, kwargs)
    rest = merge(others).sanitize(frozenset({"ssrf"}))
    return Value(
        url.all_traces() | rest.all_traces(), prefix=url.prefix, tags=url.tags & {"text", HOST_FIXED}
    )


def _joined_url(parts: Value) -> Value:
    """`urlunsplit((scheme, host, path, query, fragment))`: data in the query or the fragment
    cannot take a redirect or a request to another host (user data in the leading parts is
    still there to report)."""
    items = parts.items or {}
    after = {k for k in items if isinstance(k, int) and k >= 3}  # past scheme, host and path
    kept = [v for k, v in items.items() if k not in after]
    tail = [items[k].sanitize(URL_MOVES) for k in after]
    return merge([Value(parts.traces), *kept, *tail]).with_tags("text")


def _removes_parent_steps(old: object, new: object) -> bool:
    """`replace("..", new)` leaves no `..` when `new` holds no dot (a dot in it could make one)."""
    return old == ".." and isinstance(new, str) and "." not in new


class Calls:
    """Calls: sources, sanitizers, the module's own functions run or summarised, library results.
    A part of `Runner`."""

    def ev_Call(self, node: ast.Call, state: State) -> Value:
        # `request.GET.get("next")` read again after a check of it: the checked item
        key = state_key(node)
        if key is not None and key in state:
            return state[key]
        result = self._ev_call(node, state)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _SESSION_READS and node.args:
            kept = self._kept_in_session(func.value, node.args[0], state, node)
            result = result if kept is None else merge([result, kept])
        if key is not None and result.tainted:
            result = self.route_part(node, result)
            state[key] = result  # kept, so that a guard's proof about the item holds where it is read again
        return result

    def _ev_call(self, node: ast.Call, state: State) -> Value:
        func = node.func
        qual = self.mod.qualname(func) or ""
        inner = self.mod.delegated_call(node)
        if inner is not None:  # `asyncio.to_thread(f, x)`: the call it makes, `f(x)`
            return self.ev_Call(inner, state)
        receiver: Value | None = None
        method = func.attr if isinstance(func, ast.Attribute) else None
        source = self._source(qual, func) if qual else None
        typed: Value | None = None
        if source is None and isinstance(func, ast.Attribute) and func.attr in _MEMBER_NAME_CALLS:
            typed = self._typed_source(func.value, func.attr, node)
            if typed is not None and func.attr == "parse_args":
                return self._parsed_arguments(func.value, typed)
            if typed is not None and not any(t.kind in CHECKED_SOURCE_KINDS for t in typed.traces):
                return typed
        if isinstance(func, ast.Attribute):
            receiver = source if source is not None else self.ev(func.value, state)
            callee = receiver
        else:
            callee = self.ev(func, state)
        args = [self.ev(a, state) for a in node.args]
        kwargs = {kw.arg or f"**{i}": self.ev(kw.value, state) for i, kw in enumerate(node.keywords)}
        receiver_key = state_key(func.value) if isinstance(func, ast.Attribute) else None
        if receiver_key is not None:
            # a method may change the object's items (`update`, `pop`, `remove(values[0])`): what
            # its arguments read of them was read before the call
            forget_parts(receiver_key, state, attributes=False)
        shadowed = isinstance(func, ast.Name) and func.id in state and qual == func.id
        if shadowed and self._module_function(func.id):
            shadowed = False  # `_PARSER = _make_parser()`: the module's own function, run for its result
        configured = CONFIGURED in callee.tags  # `f = import_string(settings.X)`, then `f(data)`
        nested = self._nested_function(func) if shadowed else None
        if nested is not None:
            return self._run_nested(nested, args, kwargs, state)
        lambdas = self._lambdas(func) if shadowed or isinstance(func, ast.Lambda) else []
        if lambdas and not any(id(body) in self.lambdas_running for body in lambdas):
            # `f = lambda x: ...` then `f(data)`: the body with the arguments bound (a lambda
            # that calls itself, at once or through another, is judged by its arguments there)
            return merge([self._run_lambda(body, args, kwargs, state) for body in lambdas])
        if shadowed and not self.program.lookup(qual):
            result = merge([callee, *args, *kwargs.values()])
            return self._unseen_call(result, node) if configured else result
        handed = (*args, *kwargs.values(), *([receiver] if receiver else []))
        follow = self.program.project is not None and self._hands_input(node, handed)
        target = self._resolve(func, state, follow)
        for sink in self._sinks(node, qual):
            self.check_sink(sink, node, receiver, args, kwargs)
        self._found_in_store(node, state)
        if qual in DECODER_HOOKS and args and args[0].tainted:
            self._run_hooks(node, DECODER_HOOKS[qual], args[0], state)
        if target is not None:
            attributes = _attributes_of(receiver_key, state) if target[2] else {}
            kept_in = (receiver_key, state) if target[2] and receiver_key is not None else None
            return self._apply(target, node, args, kwargs, receiver, attributes, kept_in)
        result = self._result(node, qual, method, callee, receiver, args, kwargs, state)
        if isinstance(func, ast.Subscript):  # `self.actions[name](data)`: any function of the table
            ran = [
                self._apply(t, node, args, kwargs, r) for t, r in self._dispatched(func.value, state, follow)
            ]
            if ran:
                return merge([result, *ran])
        if typed is not None:  # a client's response: what the server sent, once the request is checked
            result = join(result, typed)
        answered = typed if typed is not None else source
        if answered is not None and any(t.kind in CHECKED_SOURCE_KINDS for t in answered.traces):
            result = self._response_of(node, qual, answered, args, kwargs)
        # a project class's method its library base defines (`PipSession(requests.Session).get`)
        # is that library's, as `typed` found: seen
        if (typed is None and self._project_call(func, qual) and not self._plain_record(func)) or configured:
            return self._unseen_call(result, node)
        return self._widen(result, node)

    def _statement(
        self, node: ast.Call, receiver: Value | None, args: list[Value], kwargs: dict[str, Value]
    ) -> Value:
        """A SQLAlchemy statement built by its constructor and methods (`select(Doc).where(Doc.id ==
        x).filter_by(**fields)`): comparisons, column operators and keywords go in as bound
        parameters or mapped names. SQL text gets in only as a string or through `text()` or
        `literal_column()`: those arguments keep what they hold."""
        parts = [receiver] if receiver is not None else []
        for index, value in enumerate(args):
            argument = node.args[index] if index < len(node.args) else None
            bound = argument is not None and not self._may_be_sql_text(argument)
            parts.append(value.sanitize(frozenset({"sql"})) if bound else value)
        parts.extend(value.sanitize(frozenset({"sql"})) for value in kwargs.values())
        return merge(parts).with_tags(SQL_STATEMENT)

    def _may_be_sql_text(self, argument: ast.expr) -> bool:
        """A comparison (`Doc.id == x`) or a call other than a SQL text maker (`Doc.name.like(q)`,
        `and_(...)`) is a clause of bound values; a name or a string may hold SQL text."""
        if isinstance(argument, ast.Starred):
            argument = argument.value
        if isinstance(argument, ast.Compare | ast.BoolOp | ast.UnaryOp):
            return False
        if isinstance(argument, ast.Call):
            return self._qual(argument) in SQL_TEXT_MAKERS
        return True

    def _plain_record(self, func: ast.expr) -> bool:
        """A class of this module that only holds what it is given: a pydantic model, dataclass,
        attrs class or named tuple with no constructor, post-init hook or validator of its own
        (`queued = RunRequest(**body.model_dump())` is the request's data, seen, not unseen); or
        one of the record library's own methods that hand its fields back (`body.model_dump()`)."""
        klass = None
        if isinstance(func, ast.Name) and func.id not in self.mod.imports:
            klass = self.mod.resolver.classes.get(func.id)
        elif isinstance(func, ast.Attribute) and func.attr in RECORD_METHODS:
            typed = self.mod.resolver.type_of(func.value)
            klass = self.mod.resolver.classes.get((typed or "").rsplit(".", 1)[-1])
            klass = klass if klass is not None and klass.qualname == typed else None
        if klass is None:
            return False
        methods = [n for n in klass.node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        if any(m.name in _CONSTRUCTORS or m.decorator_list for m in methods):
            return False
        bases = {self.mod.qualname(b) for b in klass.bases}
        decorators = {
            self.mod.qualname(d.func if isinstance(d, ast.Call) else d) for d in klass.node.decorator_list
        }
        return bool(bases & RECORD_BASES or decorators & RECORD_DECORATORS)

    def _response_of(
        self, node: ast.Call, qual: str, answer: Value, args: list[Value], kwargs: dict[str, Value]
    ) -> Value:
        """What a client's request returns: the server's answer, and what the client chose of
        where it comes from (the URL's data that could move the request). The body, headers and
        query it sent are the server's to answer as it likes (a proxy's fixed upstream)."""
        sink = next((s for s in self._sinks(node, qual) if s.kind == "ssrf"), None)
        if sink is None:
            return merge([answer, *args, *kwargs.values()])
        given = self._sink_arguments(sink, node, None, args, kwargs)
        url = given[0][0] if given else CLEAN
        if not self._dangerous_shape("ssrf", url):
            return answer  # `f"https://api.example.com/users/{uid}"`: the host is the server's
        chosen = frozenset(t for t in url.all_traces() if t.reaches("ssrf"))
        return merge([answer, Value(chosen, tags=url.tags & {"text"})])

    def _found_in_store(self, node: ast.Call, state: State) -> None:
        """`Store.objects.get(hashkey=key)` returned, so `key` is a value the database holds:
        the database's data from here on (unknown, as a read of it is), no longer the client's."""
        if call_name(node) not in _EXACT_LOOKUP_NAMES or not any(k.arg for k in node.keywords):
            return
        names = {_GENERIC_ARGS.sub("", name) for name in self.mod.call_names(node)}
        if not names & EXACT_LOOKUPS:
            return
        for keyword in node.keywords:
            field_name = keyword.arg or ""
            key = state_key(keyword.value)
            exact = field_name.endswith(("__exact", "__iexact")) or "__" not in field_name
            if field_name and exact and key in state and state[key].tainted:
                step = Step(self.mod.path, node.lineno, f"`{key}` found in the database")
                state[key] = Value(frozenset({Trace(OPAQUE, key, (step,))}), tags=state[key].tags & {"text"})

    def _any_call_name(self, node: ast.Call, patterns: frozenset[str]) -> bool:
        """Whether the call's name, or `Type.method` for its receiver's type, is in a table."""
        return any(self._matches(name, patterns) for name in self.mod.call_names(node))

    def _unseen_pattern(self, node: ast.Call) -> bool:
        """Whether a call's first argument is a pattern defined out of the review's sight: an
        attribute of the object or class a base out of sight sets, or a name imported from this
        project's other modules."""
        pattern = node.args[0]
        if isinstance(pattern, ast.Name):
            qual = self.mod.imports.get(pattern.id)
            return qual is not None and self.mod.of_project(qual)
        if isinstance(pattern, ast.Attribute) and state_key(pattern.value) in ("self", "cls"):
            return self.mod.resolver.class_body_value(pattern.attr, self.mod.resolver.scope_of(node)) is None
        return False

    def _unseen_call(self, result: Value, node: ast.Call) -> Value:
        """What a call into code we cannot see returns: this project's own, or a function a
        setting names. Nothing known is unknown, not clean; known data may have been sanitised
        there: still a flow (no proof of safety), but one of low confidence, hidden at the
        default min_confidence."""
        qual = self.mod.qualname(node.func) or ""
        if not result.tainted:
            step = Step(self.mod.path, node.lineno, f"`{node_text(self.mod, node.func)}()`")
            return replace(result, traces=frozenset({Trace(OPAQUE, qual, (step,))}))
        return self._widen(result.map_traces(lambda t: replace(t, unseen=True)), node)

    def _sinks(self, node: ast.Call, qual: str) -> list[Sink]:
        """Sinks a call matches by its qualified name or, for a method, by its receiver's type."""
        found: list[Sink] = list(self.rules.sinks_for(qual)) if qual else []
        if isinstance(node.func, ast.Name) and self.mod.resolver.star_imports:
            for name in self.mod.resolver.star_names(node):  # `from os import *` then `system(cmd)`
                found.extend(s for s in self.rules.sinks_for(name) if s not in found)
        if isinstance(node.func, ast.Attribute) and self.rules.is_sink_method(node.func.attr):
            # by the receiver's type (`REQUEST["RESPONSE"].redirect(...)` has no syntactic name), or
            # the base a subclass builds (`super().__init__(url)` of an `HttpResponseRedirect`)
            for name in self.mod.call_names(node):
                if name != qual:
                    found.extend(s for s in self.rules.sinks_for(name) if s not in found)
        if not qual and isinstance(node.func, ast.Attribute):
            # `(root / name).read_text()`: no name to match, but these sinks judge the receiver's value
            found.extend(s for s in self.rules.receiver_value_sinks(node.func.attr) if s not in found)
        return found

    def _project_call(self, func: ast.expr, qual: str) -> bool:
        """A call into this project's code we cannot see: its result is unknown, not clean."""
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            return True
        if not self.mod.packages:
            return False
        if self.mod.of_project(qual):
            return True
        if not isinstance(func, ast.Attribute):
            return False
        owner = func.value
        if (
            isinstance(owner, ast.Call)
            and self._project_call(owner.func, self.mod.qualname(owner.func) or "")
            and not any(name in TYPED_SOURCES for name in self.mod.call_names(owner))
        ):
            return True  # `self._build_auth(session).complete_log_in(...)`: what project code made
        on_self = isinstance(owner, ast.Attribute) and state_key(owner.value) == "self"
        if on_self and any(self._unseen_base(package) for package in self.mod.packages):
            return True  # `self._auth.log_in(...)`, `_auth` set by a base we cannot see
        # `store.resolve(code)` for `store: LinkStore`, or `store = make_store()`, this project's
        return self._maker(owner) == "project"

    def _result(
        self,
        node: ast.Call,
        qual: str,
        method: str | None,
        callee: Value,
        receiver: Value | None,
        args: list[Value],
        kwargs: dict[str, Value],
        state: State,
    ) -> Value:
        everything = [callee, *args, *kwargs.values()]
        if qual in _FILE_OPENERS and args and (not args[0].tainted or _server_file(args[0])):
            # a file at a path the server chose holds what was written there: unknown, not clean
            return _unknown(self.mod.path, node, "file content", "a file's content")
        if qual in _FILE_OPENERS and args and all(t.kind in _NAMED_BY_CALLER for t in args[0].all_traces()):
            # a file at a path a parameter names: the request's file, if a handler passes one;
            # to a library's caller, the caller's file, not text it wrote (see `_caller_hits`)
            return merge(everything).sanitize(READ_FROM_FILE)
        kinds = self.rules.sanitizer(qual) if qual else None
        if kinds is None and method in _TYPED_SANITIZER_METHODS and isinstance(node.func, ast.Attribute):
            # by the receiver's type: `z.open(name)` on a `zipfile.ZipFile`
            typed = self.mod.typed_member(node.func.value, method, TYPED_SANITIZERS)
            kinds = TYPED_SANITIZERS[typed] if typed is not None else None
        if kinds is not None:
            return merge(args + list(kwargs.values())).sanitize(kinds)
        if qual in URL_JOINERS and args and args[0].items:
            return _joined_url(args[0])
        if qual in URL_PATH_JOINS and len(args) >= 2:
            # `url_path_join(base, *parts)`: the parts follow the base and a `/`
            return fold_text([piece(args[0]), literal("/"), piece(merge(args[1:] + list(kwargs.values())))])
        if qual in REQUEST_BUILDERS:
            return _request_object(REQUEST_BUILDERS[qual], args, kwargs)
        if qual in SQL_STATEMENTS or (receiver is not None and SQL_STATEMENT in receiver.tags):
            return self._statement(node, receiver, args, kwargs)
        if self._matches(qual, CONFIGURED_LOADERS):
            return Value(tags=frozenset({CONFIGURED}))
        if self._matches(qual, CLEAN_RESULTS):
            return SITE_URL_VALUE if self._matches(qual, SITE_URL_BUILDERS) else CLEAN
        # Bottle's `request.query.get` reads the request; a database handed in by a library
        # caller (`self.db` set from a constructor's parameter) is still a database
        from_request = receiver is not None and any(
            t.is_source and t.kind != "caller" for t in receiver.all_traces()
        )
        if self._matches(qual, OPAQUE_RESULTS) and not from_request:
            return _unknown(self.mod.path, node, qual, "database")
        if call_name(node) in _SIGNED_READ_METHODS and self._any_call_name(node, SIGNED_READS):
            return _unknown(self.mod.path, node, qual, "signed")
        if qual in HARDENED_PARSERS:
            wanted = HARDENED_PARSERS[qual]
            hardened = all(kwargs.get(k, CLEAN).const == v for k, v in wanted.items())
            return Value(tags=frozenset({"hardened"})) if hardened else CLEAN
        if qual in CASE_FOLDS and len(args) == 1 and not kwargs:
            return args[0]  # `normcase(realpath(p))` is as resolved as `realpath(p)`
        if self._matches(qual, PATH_RESOLVERS):
            resolved = merge(everything).with_tags("resolved", "text")
            if qual in NORMPATHS and node.args and _rooted(node.args[0], self._qual):
                return resolved.sanitize(frozenset({"path"}))  # normpath("/" + p) cannot climb above "/"
            if qual in NORMPATHS and len(node.args) == 1:
                # leads where `p` leads (or `p` joined under the server's base: `normpath(join(base, p))`)
                return replace(resolved, origin=state_key(node.args[0]) or args[0].origin)
            if isinstance(node.func, ast.Attribute) and not node.args:
                # `p.resolve()` leads where `p` leads: a check of it speaks of `p` too
                return replace(resolved, origin=state_key(node.func.value) or resolved.origin)
            return resolved
        if qual == "re.sub" and len(args) == 3 and not kwargs:
            kept = removal_proven_kinds(args[0].const, args[1].const)
            if kept:  # `re.sub("[^a-f0-9]", "", cookie)`: only the class's characters are left
                cleaned = args[2].sanitize(kept).with_tags("text")
                if removal_leaves_one_component(args[0].const, args[1].const):
                    cleaned = cleaned.with_tags(ONE_COMPONENT)  # no separator left (`..` may be)
                return cleaned
        if qual == "re.sub" and len(args) >= 3 and removes_url_controls(args[0].const, args[1].const):
            return controls_removed(args[2]).with_tags("text")
        replaced_by_text = len(args) >= 3 and isinstance(args[1].const, str)
        if qual == "re.sub" and replaced_by_text and self._unseen_pattern(node):
            # `re.sub(self.STRICT_NAME_PATTERN, "_", name)`: what it keeps is decided where the review
            # cannot read it; a substitution by fixed text is meant to clean, unproven either way
            return self._unseen_call(args[2], node).with_tags("text")
        if (
            qual in _URL_JOINS
            and len(args) >= 2
            and _server_base(args[0])
            and relative_reference(args[1].prefix)
        ):
            # the reference is relative to a base the server chose: the host stays the base's
            joined = merge([args[0], args[1].sanitize(frozenset({"ssrf", "redirect"}))])
            return joined.with_tags("text")
        query_keywords = _QUERY_KEYWORDS.get(qual)
        url_keyword = {"url"} if not args else set()
        if query_keywords is not None and len(args) <= 1 and kwargs.keys() <= query_keywords | url_keyword:
            url = args[0] if args else kwargs.get("url", CLEAN)
            moved = [v.sanitize(frozenset({"ssrf", "redirect"})) for k, v in kwargs.items() if k != "url"]
            return merge([url, *moved]).with_tags("text")
        url_at = self._url_builder(qual)
        if url_at is not None:
            # the other arguments become the URL's query (or the message), encoded: they cannot move
            # its host, which is the URL argument's or the provider's configured one
            url, rest = _url_and_rest(url_at, args, kwargs)
            moved = [v.sanitize(frozenset({"ssrf", "redirect"})) for v in rest]
            return merge([url, *moved]).with_tags("text")
        if qual in _LAST_PART_SPLITS and args:
            # (root, extension) or (head, tail): the second part is cut after the last separator,
            # so it holds none
            whole = args[0].with_tags("text")
            last = whole.sanitize(frozenset({"path"}))
            return Value(
                whole.all_traces(),
                items={0: whole, 1: last, -2: whole, -1: last},  # `splitext(p)[-1]` too
                tags=frozenset({"text"}),
            )
        if qual in _MEMORY_FILES:
            return merge(args + list(kwargs.values())).sanitize(frozenset({"path"}))
        if qual in PATH_OBJECTS:
            made = merge(everything).with_tags("pathobj")
            # `Path(os.path.abspath(p))` wraps a resolved path: it stays resolved
            if len(args) == 1 and not kwargs and "resolved" in args[0].tags:
                made = made.with_tags("resolved")
            return made
        if qual in URL_PARSERS:
            parsed = parsed_url(node, self.mod)
            origin = state_key(parsed) if parsed is not None else None
            return replace(
                merge(args), origin=origin, tags=frozenset(), extra={"url_fields": _URL_FIELDS[qual]}
            )
        if qual == "shlex.split" and args:
            return self._split_command(args[0])
        if qual in _SEQUENCES and not kwargs and len(args) <= 1 and (not args or positional(args[0])):
            return as_list(list(args[0].items.values()) if args else [], frozenset({"list"}))
        if method is not None and receiver is not None:
            value = self._method_result(node, method, callee, receiver, args, kwargs, state)
            if qual in PATH_JOINS and len(node.args) >= 2 and _server_base(merge(args[:-1])):
                # `join(base, p)` under the server's base: a check of where it leads speaks of `p`
                value = replace(value, origin=state_key(node.args[-1]))
            return value
        value = merge(everything)
        if qual not in _TEXT_KEEPING_CALLS:
            value = replace(value, tags=value.tags - {"text"})
        return value

    def _converts_to_number(self, node: ast.Call, method: str) -> bool:
        """A `type=` converter (`get(key, default, type)`, `getlist(key, type)`) whose result, as a
        call, leaves nothing to inject (`int`, `float`, `uuid.UUID`: the sanitizer table's)."""
        position = 2 if method == "get" else 1
        converter = keyword_value(node, "type")
        if converter is None and len(node.args) > position:
            converter = node.args[position]
        return converter is not None and self.rules.sanitizer(self._qual(converter)) == _CLEARS_ALL

    def _split_command(self, command: Value) -> Value:
        traces = command.all_traces()
        words = (command.prefix or "").split()
        if words and (command.prefix or "").startswith(words[0] + " "):
            return Value(traces, items={0: Value(const=words[0])}, tags=frozenset({"list"}))
        return Value(traces, tags=frozenset({"list"}))

    def _method_result(
        self,
        node: ast.Call,
        method: str,
        callee: Value,
        receiver: Value,
        args: list[Value],
        kwargs: dict[str, Value],
        state: State,
    ) -> Value:
        if method in NON_PROPAGATING_METHODS:
            return CLEAN
        if method == "_replace" and "url_fields" in receiver.extra:
            # `urlsplit(base)._replace(query=q)`: the parts, each known apart for `urlunsplit`
            whole = Value(receiver.all_traces())
            fields = receiver.extra["url_fields"]
            items = {i: kwargs.get(name, whole) for i, name in enumerate(fields)}
            return Value(items=items, extra={"url_fields": fields})
        if method in RENDER_METHODS and renders_unescaped(self.mod.resolver, node):
            # the template's text with the arguments pasted in, unescaped: HTML built from them
            return merge(args + list(kwargs.values())).with_tags("text")
        if method in RENDER_METHODS and django_renders_escaped(self.mod.resolver, node):
            return CLEAN  # escaped HTML, as `render_to_string` makes
        func = node.func
        assert isinstance(func, ast.Attribute)
        key = state_key(func.value)
        if key is not None and method in _LIST_METHODS and positional(state.get(key, receiver)):
            changed = _list_method(method, state.get(key, receiver), args, kwargs)
            if changed is not None:
                state[key], result = changed
                return result
        if method in ("set", "get") and self.mod.receiver_type(func.value) in _CONFIG_PARSERS:
            return _config_option(
                method, key, state.get(key, receiver) if key else receiver, args, kwargs, state
            )
        if key in state and method not in _MUTATORS and "text" not in receiver.tags:
            self._keep_given(node, method, key, args, kwargs, state)
        if method in _MUTATORS and key is not None:
            added = merge(args + list(kwargs.values()))
            if added.tainted:
                added = added.map_traces(lambda t: replace(t, indirect=True))
                current = state.get(key, receiver)
                if method in ("update", "setdefault") and len(args) == 1 and args[0].items is not None:
                    items = dict(current.items or {})
                    items.update(
                        {
                            k: v.map_traces(lambda t: replace(t, indirect=True))
                            for k, v in args[0].items.items()
                        }
                    )
                    state[key] = replace(
                        current, items=items, traces=current.traces | args[0].traces, const=NOCONST
                    )
                elif method == "setdefault" and args and args[0].has_const() and hashable(args[0].const):
                    items = dict(current.items or {})
                    items.setdefault(args[0].const, added)
                    state[key] = replace(current, items=items, const=NOCONST)
                else:
                    state[key] = replace(current, traces=current.traces | added.all_traces(), const=NOCONST)
            if method == "setdefault" and args:
                return receiver.at(args[0].const) if args[0].has_const() else receiver.element()
            return CLEAN
        if method in ("get", "getlist") and args and self._converts_to_number(node, method):
            # Werkzeug's `request.args.get("n", type=int)`: the value is converted, or the default
            default = args[1] if method == "get" and len(args) > 1 else kwargs.get("default", CLEAN)
            return default if default.tainted else CLEAN
        if method == "get" and not args and kwargs and not any(t.is_source for t in receiver.all_traces()):
            # `thumbs.get(size=size)`: a mapping's get takes its key by position; by keywords it is
            # an ORM's lookup, answering a row of the database
            return _unknown(self.mod.path, node, f"{node_text(self.mod, func)}()", "a row the database holds")
        if method in ("get", "pop", "getlist") and args:
            found = (
                receiver.at(args[0].const)
                if args[0].has_const() and hashable(args[0].const)
                else receiver.element()
            )
            default = args[1] if len(args) > 1 else kwargs.get("default", CLEAN)
            value = join(found, default) if default.tainted else found
            return value.with_tags("text") if value.tainted and method != "getlist" else value
        if (
            method == "replace"
            and args
            and isinstance(args[0].const, str)
            and args[0].const in _NEWLINE_STRIPS
        ):
            return replace(receiver, items=None).sanitize(frozenset({"log", "header"})).with_tags("text")
        if (
            method == "replace"
            and len(args) == 2
            and args[0].const == "/"
            and isinstance(args[1].const, str)
            and "/" not in args[1].const
        ):
            # `name.replace("/", "")`: one component, as `os.path.basename(name)` leaves
            return merge([receiver, args[1]]).sanitize(frozenset({"path"})).with_tags("text")
        if method == "replace" and len(args) == 2 and _removes_parent_steps(args[0].const, args[1].const):
            return parents_removed(merge([receiver, args[1]])).with_tags("text")
        if method == "format" and isinstance(receiver.const, str):
            pieces = format_pieces(receiver.const, args, kwargs)
            if pieces is not None:
                return fold_text(pieces)
            value = merge([receiver, *args, *kwargs.values()])
            return replace(value, tags=value.tags | TEXT, prefix=receiver.const.split("{", 1)[0] or None)
        if method == "join":
            pieces = joined_pieces(receiver, args[0]) if len(args) == 1 else None
            if pieces is not None:
                return fold_text(pieces)
            value = merge([receiver, *(a.element() for a in args)])
            return replace(value, tags=value.tags | TEXT)
        if method in ("copy", "items", "values", "keys"):
            return receiver if method == "copy" else Value(receiver.all_traces())
        if method in _PATH_READS and "pathobj" in receiver.tags and _server_file(receiver):
            return _unknown(self.mod.path, node, "file content", "a file's content")
        if method == "resolve":  # not `absolute()`, which keeps `..` parts
            return receiver.with_tags("resolved")
        if method == "open" and not args and "pathobj" not in receiver.tags:
            # `handle.open()`: the object already names its file, the call hands out an open file
            return merge([receiver, *kwargs.values()]).sanitize(frozenset({"path"}))
        if (
            _LOOKUP_METHOD.fullmatch(method)
            and all(t.kind in (OPAQUE, "caller") for t in receiver.all_traces())
            and self._maker(func.value) == "library"
        ):
            return _unknown(self.mod.path, node, f"{node_text(self.mod, func)}()", "a library's lookup")
        value = merge([receiver, *args, *kwargs.values()])
        if method in ("split", "rsplit") and node.args and self._path_separator(node.args[0]):
            # `".." in p.split("/")` speaks of p (or of what `normpath(p)` was made from)
            return replace(value, origin=key or receiver.origin).with_tags("text")
        if method == "replace" and _replaces_text(args, kwargs):
            return value.with_tags("text")  # `page.replace("{{name}}", name)`: only text has that shape
        if method in ("strip", "lstrip") and args and isinstance(args[0].const, str) and "/" in args[0].const:
            # no leading `/` left; only a string takes a string of characters to strip
            return not_absolute(value).with_tags("text", "unrooted")
        if method in STR_METHODS and "text" in receiver.tags:
            return value.with_tags("text")
        return replace(value, tags=value.tags - {"text"}) if "pathobj" not in receiver.tags else value

    def _unseen_base(self, package: str) -> bool:
        """Whether the class this method belongs to extends a class of this project that the
        review does not see: what that base sets on `self` is the project's, made out of sight."""
        if self.class_name is None:
            return False
        own = f"{self.mod.name}.{self.class_name}"
        for base in self.mod.resolver.supertypes(own)[1:]:
            module = base.rsplit(".", 1)[0]
            if base.split(".")[0] == package and self.program.find_module(module) is None:
                return True
        return False

    def _maker(self, node: ast.expr) -> str | None:
        """Whose the object `node` names is: "project" (of this project's type, or made by its
        calls), "library" (of an imported library's type, `repository: SimpleRepository`, or made
        only by third-party libraries' calls, `queries = pugsql.module(path)`), or None (unknown)."""
        packages = self.mod.packages
        kind = self.mod.receiver_type(node)
        if kind is not None:
            top = kind.split(".")[0]
            if top in packages:
                return "project"
            return "library" if self.mod.resolver.imports_package(top) else None
        tops = set()
        for value in self.mod.resolver.possible_values(node) or ():
            value = self.mod.resolver.unpacked_from(value) or value
            qual = self.mod.qualname(value.func) if isinstance(value, ast.Call) else None
            top = qual.split(".")[0] if qual else ""
            if qual in _MODEL_INSTANCE_GETTERS:
                tops |= packages  # `photo = get_object_or_404(qs, pk=pk)`: one of the project's models
                continue
            if not top or not self.mod.resolver.imports_package(top):
                return None  # made by anything else as well
            tops.add(top)
        if tops and tops <= packages:
            return "project"
        return "library" if tops and tops.isdisjoint(packages) else None

    def _keep_given(
        self, node: ast.Call, method: str, key: str, args: list[Value], kwargs: dict[str, Value], state: State
    ) -> None:
        """An object this function made may keep what a method is given: `buffer.write(data)`
        stores `data` for `buffer.getvalue()`. Methods known to store it taint the object; any
        other one makes it unknown (no finding, but no proof of safety either)."""
        if method in _READS_ONLY:
            return
        given = [v for v in (*args, *kwargs.values()) if v.tainted]
        if not given:
            return
        if method in _STORES_ITS_ARGUMENT:
            kept = merge(given).map_traces(lambda t: replace(t, indirect=True))
            if method in _FILE_WRITES:
                kept = kept.sanitize(frozenset({"path"}))  # what a file holds, not a file's name
        else:
            step = Step(self.mod.path, node.lineno, f"`{node_text(self.mod, node.func)}()`")
            kept = Value(frozenset({Trace(OPAQUE, f"{key}.{method}()", (step,))}))
        current = state[key]
        if method in _FILE_WRITES:
            state.setdefault(f"{key}.name", current)  # the file's name is not what it holds
        state[key] = replace(current, traces=current.traces | kept.all_traces(), const=NOCONST)

    def _run_hooks(self, node: ast.Call, keywords: tuple[str, ...], data: Value, state: State) -> None:
        """`json.loads(data, object_hook=self._revive)`: the decoder calls the hook with each object
        it decodes from `data`, so the hook's sinks see the data (its result is the decoder's)."""
        for keyword in node.keywords:
            if keyword.arg not in keywords:
                continue
            target = self._resolve(keyword.value, state)
            if target is not None:
                self._apply(target, node, [data.element()], {})

    def _lambdas(self, func: ast.expr) -> list[ast.Lambda]:
        """The lambdas a call runs: one written in place, or every value of a local name when all of
        them are lambdas."""
        if isinstance(func, ast.Lambda):
            return [func]
        values = self.mod.resolver.assigned_values(func.id, self.func.node if self.func else None)  # type: ignore[attr-defined]
        return values if values and all(isinstance(v, ast.Lambda) for v in values) else []  # type: ignore[return-value]

    def _parsed_arguments(self, parser: ast.expr, parsed: Value) -> Value:
        """What `parser.parse_args()` answers: the request's arguments, by name; those the parser
        declares with `choices=` or a conversion to a number, flag or date (`type=int`) hold none of
        the client's text (the parser refuses anything else)."""
        owner = state_key(parser)
        safe: dict[Any, Value] = {}
        for call in self.mod.argument_declarations if owner is not None else ():
            name = call.args[0]
            if state_key(call.func.value) != owner:  # type: ignore[attr-defined]  # an attribute call
                continue
            converted = keyword_value(call, "type")
            if isinstance(converted, ast.Call):  # `type=inputs.int_range(1, 10)`
                converted = converted.func
            if keyword_value(call, "choices") is not None or (
                converted is not None and (self.mod.qualname(converted) or "") in PARSED_SAFE_TYPES
            ):
                safe[name.value] = CLEAN
        return replace(parsed, items=safe or None, tags=parsed.tags | {NAMESPACE})

    def _module_function(self, name: str) -> bool:
        """At the module's top level, `name` is a function the module defines there (its `def`
        binds the name in the module's state, but the call runs that function)."""
        if self.func is not None:
            return False
        defined = self.mod.by_name.get(name)
        return defined is not None and any(stmt is defined.node for stmt in self.mod.tree.body)

    def _nested_function(self, func: ast.expr) -> FunctionNode | None:
        """The function a call runs when it is one defined in the running function's own body and
        bound nowhere else there (`async def later(): ...` then `later()`), not already running."""
        if self.func is None or not isinstance(func, ast.Name) or len(self.inlined) >= _MAX_INLINED:
            return None
        found = [
            stmt
            for stmt in own_statements(self.func.node.body)
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == func.id
        ]
        if len(found) != 1 or id(found[0]) in self.inlined or found[0].decorator_list:
            return None
        if self.mod.resolver.assigned_values(func.id, self.func.node):
            return None  # also bound by an assignment: which one runs is not known
        return found[0]

    def _run_nested(
        self, node: FunctionNode, args: list[Value], kwargs: dict[str, Value], state: State
    ) -> Value:
        """A nested function run where it is called: it reads the enclosing function's variables as
        they are at the call (the request's data a closure hands to a task), its parameters bound to
        the arguments; what it returns is the call's value."""
        inner = self._bound_parameters(node.args, args, kwargs, state)
        saved_ret, saved_stmt = self.ret, self._stmt
        self.ret = None
        self.inlined.append(id(node))
        try:
            self.exec_block(node.body, inner)
            return self.ret or CLEAN
        finally:
            self.inlined.pop()
            self.ret, self._stmt = saved_ret, saved_stmt

    def _run_lambda(
        self, body: ast.Lambda, args: list[Value], kwargs: dict[str, Value], state: State
    ) -> Value:
        """What a lambda returns for these arguments (a parameter no argument fills, its default)."""
        inner = self._bound_parameters(body.args, args, kwargs, state)
        self.lambdas_running.add(id(body))
        try:
            return self.ev(body.body, inner)
        finally:
            self.lambdas_running.discard(id(body))

    def _bound_parameters(
        self, params: ast.arguments, args: list[Value], kwargs: dict[str, Value], state: State
    ) -> State:
        """The state a lambda or nested function starts from: the caller's, with its parameters
        bound to the call's arguments (a parameter no argument fills, its default)."""
        inner = dict(state)
        positional = [a.arg for a in (*params.posonlyargs, *params.args)]
        defaults = parameter_defaults(params)
        for index, name in enumerate(positional):
            given = args[index] if index < len(args) else kwargs.get(name)
            inner[name] = given if given is not None else self.ev(defaults.get(name), state)
        for arg in params.kwonlyargs:
            given = kwargs.get(arg.arg)
            inner[arg.arg] = given if given is not None else self.ev(defaults.get(arg.arg), state)
        if params.vararg is not None:
            inner[params.vararg.arg] = merge(args[len(positional) :])
        if params.kwarg is not None:
            inner[params.kwarg.arg] = merge([v for k, v in kwargs.items() if k not in positional])
        return inner

    def _dispatched(
        self, table: ast.expr, state: State, hands_input: bool
    ) -> list[tuple[tuple[ModuleInfo, FunctionInfo, bool], Value | None]]:
        """The functions of a dispatch table a call picks one of (`{"create": self.create, ...}`
        kept in `self.actions`, or bound to a name), each with the object a method is bound to."""
        found = []
        for entry in self.mod.table_entries(table, self.class_name, self.func.node if self.func else None):
            target = self.program.resolve(self.mod, self.class_name, entry, unchanged=hands_input)
            if target is not None:
                bound_to = self.ev(entry.value, state) if isinstance(entry, ast.Attribute) else None
                found.append((target, bound_to))
        return found

    def _resolve(
        self, func: ast.expr, state: State, hands_input: bool = False
    ) -> tuple[ModuleInfo, FunctionInfo, bool] | None:
        """The changed-file function a call runs, and whether `self` is bound (a local name
        shadows any function). A helper the change left alone is read only when the call hands
        it untrusted input (`hands_input`): only then can what it does change a finding."""
        if isinstance(func, ast.Name) and func.id in state and not self._module_function(func.id):
            return None
        return self.program.resolve(self.mod, self.class_name, func, unchanged=hands_input)

    def _url_builder(self, qual: str) -> tuple[int, str] | tuple[()] | None:
        """Where the URL is in a call that builds one and puts its other arguments in its query:
        `url_concat(url, args)`, an OAuth client's `prepare_request_uri(endpoint, state=...)`
        ((position, keyword)); `()` where the provider's configuration gives it (SAML); None when
        the call is no such builder. A client's type is often out of sight (`self._client`): its
        methods count by name where the module imports the protocol's package."""
        if qual in _QUERY_APPENDERS:
            return (0, "url")
        if "." not in qual:
            return None
        row = PROTOCOL_URL_BUILDERS.get(qual.rsplit(".", 1)[-1])
        if row is None or not self.mod.imports_any(row[0]):
            return None
        return row[1] or ()

    def _hands_input(self, node: ast.Call, given: Iterable[Value]) -> bool:
        """Whether a call is given data from a source, or the request itself (`helper(request)`:
        the name the sources' `request.*` rows read the request by)."""
        if any(t.is_source for value in given for t in value.all_traces()):
            return True
        passed = [*node.args, *(k.value for k in node.keywords)]
        return any(self.mod.qualname(a) in _REQUEST_OBJECTS for a in passed)

    def _apply(
        self,
        target: tuple[ModuleInfo, FunctionInfo, bool],
        node: ast.Call,
        args: list[Value],
        kwargs: dict[str, Value],
        receiver: Value | None = None,
        attributes: dict[str, Value] | None = None,
        kept_in: tuple[str, State] | None = None,
    ) -> Value:
        """A helper's summary applied to this call's arguments (and, for a method, to what
        the object it is called on carries: the data its `self.x` reads stand for, and what
        the caller set its attributes to: `obj.url = data` then `obj.fetch()`). `kept_in`: the
        caller's name for that object and its state, where the attributes the method sets land."""
        mod, func, bound = target
        decided = _decided_params(func, bound, args, kwargs)
        summary = self.program.summary(mod, func, decided, called=bool(func.source_params))
        carried = _carried(receiver) if bound and receiver is not None else []
        set_here = {name: _carried(value) for name, value in (attributes or {}).items()}

        def carried_into(trace: Trace) -> list[Trace]:
            """What the caller's object holds where a `self.x` read inside the method looks."""
            return carried + set_here.get(trace.source.removeprefix("self.").split(".")[0], [])

        by_param: dict[int, Value] = {}
        offset = 1 if bound else 0
        for index, value in enumerate(args):
            if index + offset < len(func.params):
                by_param[index + offset] = value
        for name, value in kwargs.items():
            if name in func.params:
                by_param[func.params.index(name)] = value
        name = f"{func.node.name}()"
        into = Step(self.mod.path, node.lineno, f"passed to `{name}`")
        back = Step(self.mod.path, node.lineno, f"returned by `{name}`")

        def expand(trace: Trace, back: Step = back) -> Iterator[Trace]:
            if trace.kind != PARAM:
                yield replace(trace.then(back), indirect=True)
                if reads_self(trace):
                    for outer in carried_into(trace):
                        yield _compose(outer, into, trace).then(back)
                return
            argument = by_param.get(trace.param)
            if argument is None:
                return
            for outer in argument.all_traces():
                yield _compose(outer, into, trace, argument).then(back)

        result = _flat_map(summary.ret, expand)
        if kept_in is not None and summary.self_sets:
            owner, state = kept_in
            for attribute, (value, always) in summary.self_sets.items():
                step = Step(self.mod.path, node.lineno, f"`{owner}.{attribute}` set by `{name}`")
                found = _flat_map(value, lambda trace, step=step: expand(trace, step))
                key = f"{owner}.{attribute}"
                state[key] = found if always or key not in state else join(state[key], found)
        for hit in summary.param_hits:
            gate = gate_of(func.opted_in_spans, hit_lines(mod.path, hit)) if func.opted_in_spans else None
            opted_in = hit.opted_in
            if gate is not None:
                flag = self._flag_argument(node, func, bound, gate)
                if flag is None or (isinstance(flag, ast.Constant) and not flag.value):
                    continue  # the flag is left off here: the sink is not reached
                opted_in = opted_in or self._off_by_default_here(flag)
            argument = by_param.get(hit.trace.param)
            if argument is not None and hit.sink.conditions.get("spliced"):
                argument = options_in_list(argument)  # `run(["log", f"-n{limit}"])`: a value, no option
            elif argument is not None and hit.program_only:
                # `run(cmd)` runs `cmd[0]`, not its arguments; those may be the program's options
                self._check_options(node, None, argument)
                argument = self._run_without_shell(argument)
            use = (mod.path, func.qualname, hit.line, hit.sink.kind)
            if argument is None:
                self.program.helper_sink_reached[use] = True  # a default value: not followed
                continue
            reaching = any(
                _compose(o, into, hit.trace, argument).reaches(hit.sink.kind) for o in argument.all_traces()
            )
            self.program.helper_sink_reached[use] = (
                self.program.helper_sink_reached.get(use, False) or reaching
            )
            # the sink takes the parameter itself, or its `.name` (an upload's base name or form field)
            whole = hit.arg_text in (func.params[hit.trace.param], f"{func.params[hit.trace.param]}.name")
            for outer in argument.all_traces():
                composed = _compose(outer, into, hit.trace, argument)
                if composed.kind == "caller" and (
                    opted_in or not caller_injects(hit.sink.kind, hit.embedded, hit.program_only)
                ):
                    continue  # the caller's data under its own flag, or the sink is the API's
                if whole and hit.sink.kind == "path" and UPLOADED_FILE_READ.match(outer.source):
                    continue  # an uploaded file object handed over: no path
                if composed.reaches(hit.sink.kind) and (
                    composed.kind == PARAM or reportable(composed, hit.sink.kind, hit.sink)
                ):
                    self._record(replace(hit, trace=composed, opted_in=opted_in))
        for hit in summary.receiver_hits:
            for outer in carried_into(hit.trace):
                composed = _compose(outer, into, hit.trace)
                if composed.reaches(hit.sink.kind) and (
                    composed.kind == PARAM or reportable(composed, hit.sink.kind, hit.sink)
                ):
                    self._record(replace(hit, trace=composed))
        return result

    @staticmethod
    def _flag_argument(node: ast.Call, func: FunctionInfo, bound: bool, flag: str) -> ast.expr | None:
        """What this call passes for the callee's parameter `flag` (None: its default)."""
        for keyword in node.keywords:
            if keyword.arg == flag:
                return keyword.value
        arguments = func.node.args
        positional = [a.arg for a in (*arguments.posonlyargs, *arguments.args)]
        if flag not in positional or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        index = positional.index(flag) - (1 if bound else 0)
        return node.args[index] if 0 <= index < len(node.args) else None

    def _off_by_default_here(self, flag: ast.expr) -> bool:
        """The caller hands on a flag of its own that is off by default (a parameter, or `self.x`
        kept from one of its constructor's): still the choice of whoever made or called it."""
        if self.func is None:
            return False
        if isinstance(flag, ast.Name):
            return flag.id in self.func.off_by_default
        if not (
            isinstance(flag, ast.Attribute) and isinstance(flag.value, ast.Name) and flag.value.id == "self"
        ):
            return False
        init = self.mod.classes.get(self.func.class_name or "", {}).get("__init__")
        kept = self.mod.resolver.attribute_values(self.func.class_name or "", flag.attr)
        if init is None or len(kept) != 1:
            return False
        value, method = kept[0]
        return method is init.node and isinstance(value, ast.Name) and value.id in init.off_by_default


def _list_method(
    method: str, current: Value, args: list[Value], kwargs: dict[str, Value]
) -> tuple[Value, Value] | None:
    """(the list after the call, what the call returns) for a list whose every position is known,
    so that `values.append("safe"); values.append(x); values.pop(0); values[0]` reads `x` and
    `values[1]` does not. None when the call's effect is not known exactly (the caller then
    treats the list as before: what is added goes into it in bulk)."""
    items = list(current.items.values()) if current.items is not None else []
    tags = current.tags
    if method == "popleft" and not args:
        method, args = "pop", [Value(const=0)]
    if method == "appendleft" and len(args) == 1:
        method, args = "insert", [Value(const=0), args[0]]
    if method == "reverse" and not args and not kwargs:
        return as_list(items[::-1], tags), CLEAN
    if method == "remove" and len(args) == 1 and not kwargs and args[0].has_const():
        for at, item in enumerate(items):
            if not item.has_const():
                break  # it may equal the value removed: which position goes is not known
            if item.const == args[0].const:
                return as_list(items[:at] + items[at + 1 :], tags), CLEAN
    if method in ("remove", "reverse", "sort"):  # positions move in ways not followed: all in bulk
        return Value(current.all_traces(), tags=tags), CLEAN
    if kwargs:
        return None
    if method == "append" and len(args) == 1:
        return as_list([*items, args[0]], tags), CLEAN
    if method == "extend" and len(args) == 1 and positional(args[0]) and args[0].items is not None:
        return as_list([*items, *args[0].items.values()], tags), CLEAN
    if method == "insert" and len(args) == 2 and isinstance(args[0].const, int):
        items.insert(args[0].const, args[1])
        return as_list(items, tags), CLEAN
    if method == "pop" and len(args) <= 1 and items:
        at = args[0].const if args else -1
        if not isinstance(at, int) or not -len(items) <= at < len(items):
            return None
        removed = items.pop(at)
        return as_list(items, tags), removed
    if method == "clear" and not args:
        return as_list([], tags), CLEAN
    return None


def _config_option(
    method: str, key: str | None, parser: Value, args: list[Value], kwargs: dict[str, Value], state: State
) -> Value:
    """`conf.set(section, option, value)` keeps `value` under that pair, and `conf.get(section,
    option)` reads it back: a constant pair reads only what was set under it."""
    pair = (
        (args[0].const, args[1].const)
        if len(args) >= 2 and args[0].has_const() and args[1].has_const()
        else None
    )
    if method == "set":
        if key is not None and len(args) == 3:
            if pair is not None and hashable(pair):
                state[key] = replace(parser, items={**(parser.items or {}), pair: args[2]}, const=NOCONST)
            else:
                state[key] = replace(parser, traces=parser.traces | args[2].all_traces(), const=NOCONST)
        return CLEAN
    found = parser.at(pair) if pair is not None and hashable(pair) else parser.element()
    # `vars=` and `fallback=` values are read instead of what was set
    given = merge([kwargs.get("fallback", CLEAN), kwargs.get("vars", CLEAN).element()])
    value = join(found, given) if given.tainted else found
    return value.with_tags("text") if value.tainted else value


def _carried(value: Value) -> list[Trace]:
    """What an object brings into its method: a request's data, or a parameter (followed to the
    callers); not unknown data, nor the caller's data a library object was handed (that stays
    the caller's business)."""
    return [t for t in value.all_traces() if t.kind not in (OPAQUE, "caller")]


def _attributes_of(key: str | None, state: State) -> dict[str, Value]:
    """The attributes the caller set on a local object (`obj.url = ...`), by name."""
    if key is None:
        return {}
    prefix = key + "."
    named = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
    return {name: value for name, value in named.items() if "." not in name}
