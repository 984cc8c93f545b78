"""Expressions: the abstract value each kind of expression evaluates to."""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import replace
from typing import Any

from prguard.analyzers.asttools import added_operands, const_str
from prguard.analyzers.pyresolve.known import ITEM_SOURCE_PACKAGES, ITEM_TYPES, PATH_SEPARATORS
from prguard.analyzers.taint.guards import one_segment
from prguard.analyzers.taint.keys import (
    NAMESPACE,
    SERVER_CONFIG,
    State,
    hashable,
    node_text,
    state_key,
)
from prguard.analyzers.taint.modules import last_name
from prguard.analyzers.taint.rules import (
    CONFIG_HOLDING_APPS,
    NON_TEXT_SOURCES,
    OWN_URL_SOURCES,
    SERVER_CONFIG_OBJECTS,
    SERVER_SET_ENVIRON,
    SESSION_NAMES,
    STATE_HOLDING_APPS,
    TYPED_SOURCE_CALLS,
    TYPED_SOURCES,
    URL_PATH_SOURCES,
    matches_any,
)
from prguard.analyzers.taint.text_fold import (
    TEXT,
    after_head,
    concat,
    fold_text,
    literal,
    names_in_folders,
    piece,
    printf_pieces,
)
from prguard.analyzers.taint.values import (
    BOUND_FORM,
    CLEAN,
    FORM_DATA_ATTRIBUTES,
    NO_SEPARATOR,
    NOCONST,
    ONE_COMPONENT,
    OPAQUE,
    PARAM,
    WHOLE_ARGUMENT,
    Step,
    Trace,
    Value,
    join,
    merge,
)

_MEMBER_NAME_ATTRS = frozenset(n.rsplit(".", 1)[-1] for n in TYPED_SOURCES if n not in TYPED_SOURCE_CALLS)

_BUILTIN_NAMES = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__", "__path__"}


_REDIRECT = frozenset({"redirect"})


#: attributes that hand out an uploaded file's open file object (cgi/WebOb, Django, Starlette:
#: `.file`; Werkzeug: `.stream`)
_FILE_OBJECT_ATTRS = frozenset({"file", "stream"})


#: the requested path in an ASGI scope (`scope["path"]`): decoded, and always starting with `/`
ASGI_PATH = re.compile(r"^(?:self\.)?(?:request\.)?scope\[['\"](?:raw_)?path['\"]\]$")


def _url_path(value: Value) -> Value:
    """A requested URL path: it starts with `/`, and its traces say so (a `//` guard reads it)."""
    return replace(value, prefix="/").map_traces(lambda t: replace(t, urlpath=True))


def _as_read(source: str, value: Value) -> Value:
    """A source's value as what it reads: the request's own URL (whose host is the site's: no
    redirect off-site through it), or the requested URL path (it starts with `/`)."""
    if matches_any(source, OWN_URL_SOURCES):
        return value.sanitize(_REDIRECT)
    return _url_path(value) if matches_any(source, URL_PATH_SOURCES) else value


#: what is read from the server's configuration: no one's data, a start that fixes a URL's host
_CONFIG = Value(tags=frozenset({SERVER_CONFIG}))


def _const(node: ast.AST) -> Any:
    return node.value if isinstance(node, ast.Constant) else NOCONST


def _names_under(left: Value, right: Value) -> bool:
    """`folder / filename`, with a folder of a type this run does not know (`request.app.state.
    folder_path / "sites"`) and the client's text after it: a path object by its shape, as nothing
    else joins a name with `/` (numbers are divided by numbers, not by what a client sent)."""
    numeric = isinstance(left.const, int | float) and not isinstance(left.const, bool)
    return right.tainted and not right.has_const() and not numeric and not isinstance(left.const, str)


def _fold(op: ast.operator, left: Any, right: Any) -> Any:
    try:
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Mod) and isinstance(left, str):
            return left % right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult) and not (isinstance(left, str | list) or isinstance(right, str | list)):
            return left * right
        if _numbers(left, right):  # `(500 / 42) + num > 200` decides a branch
            if isinstance(op, ast.Div):
                return left / right
            if isinstance(op, ast.FloorDiv):
                return left // right
            if isinstance(op, ast.Mod):
                return left % right
            if isinstance(op, ast.Pow) and abs(right) <= 64:
                return left**right
    except Exception:
        return NOCONST
    return NOCONST


#: strings marked safe, whose `%` and `.format()` escape the values they take
MARKUP_TYPES = frozenset({"markupsafe.Markup", "flask.Markup", "jinja2.Markup"})


def _leading_items(value: Value) -> bool:
    """A list whose first positions are known one by one (`[program, "-x"]`)."""
    items = value.items
    return bool(items) and "list" in value.tags and all(key == i for i, key in enumerate(items))


def added_lists(left: Value, right: Value) -> Value | None:
    """`left + right` for a list whose first positions are known (None for anything else): a
    list of known positions keeps them all; otherwise (`[program] + list(args)`) the first
    positions stay known and the rest is anything either holds."""
    if not _leading_items(left):
        return None
    if not left.traces and right.items is not None and not right.traces:
        items = dict(left.items)  # type: ignore[arg-type]
        offset = len(items)
        for index, item in right.items.items():
            if isinstance(index, int):
                items[offset + index] = item
        return Value(frozenset(), items=items, tags=frozenset({"list"}))
    return Value(left.traces | right.all_traces(), items=dict(left.items), tags=frozenset({"list"}))  # type: ignore[arg-type]


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _compare(op: ast.cmpop, left: Any, right: Any) -> Any:
    try:
        match op:
            case ast.Eq():
                return left == right
            case ast.NotEq():
                return left != right
            case ast.Is():
                return left is right
            case ast.IsNot():
                return left is not right
            case ast.Lt():
                return left < right
            case ast.Gt():
                return left > right
            case ast.In():
                return left in right
            case ast.NotIn():
                return left not in right
    except Exception:
        return NOCONST
    return NOCONST


class Expressions:
    """The value of each kind of expression: where its data came from, and how.
    A part of `Runner`."""

    def _qual(self, node: ast.AST) -> str:
        target = node.func if isinstance(node, ast.Call) else node
        return self.mod.qualname(target) or ""

    @staticmethod
    def _matches(qual: str, patterns: frozenset[str]) -> bool:
        return matches_any(qual, patterns)

    def _source(self, qual: str, node: ast.AST) -> Value | None:
        kind = self.rules.source(qual)
        if kind is None:
            return None
        text = not matches_any(qual, NON_TEXT_SOURCES)
        return _as_read(qual, self.source_value(kind, node_text(self.mod, node), node.lineno, text=text))

    def ev(self, node: ast.expr | None, state: State) -> Value:
        if node is None:
            return CLEAN
        method = getattr(self, "ev_" + type(node).__name__, None)
        if method is None:
            return merge(
                self.ev(child, state) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)
            )
        return method(node, state)

    def ev_Constant(self, node: ast.Constant, state: State) -> Value:
        is_text = isinstance(node.value, str)
        return Value(
            const=node.value,
            tags=frozenset({"text"}) if is_text else frozenset(),
            prefix=node.value if is_text else None,
        )

    def ev_Name(self, node: ast.Name, state: State) -> Value:
        if node.id in state:
            return state[node.id]
        qual = self.mod.imports.get(node.id, node.id)
        source = self._source(qual, node)
        if source is not None:
            return source
        if node.id in self.globals:
            return self.globals[node.id]
        if qual == "typing.TYPE_CHECKING" or node.id == "TYPE_CHECKING":
            return Value(const=False)
        if qual != node.id and matches_any(qual, SERVER_CONFIG_OBJECTS):
            return _CONFIG
        if qual != node.id and node.id.isupper() and self.mod.of_project(qual):
            return _CONFIG  # `from .app_settings import CANONICAL_DOMAIN`: a constant the project set
        if node.id not in _BUILTIN_NAMES and (
            node.id not in self.mod.bound_names or self._closure_variable(node.id)
        ):
            # bound nowhere in the module (a star import, a name left out), or a variable of the
            # enclosing function, whose value this run does not see: unknown, never proven
            return Value(frozenset({Trace(OPAQUE, node.id, (Step(self.mod.path, node.lineno, node.id),))}))
        return CLEAN

    def _closure_variable(self, name: str) -> bool:
        """A name a nested function reads from the function around it (a parameter or a local)."""
        if self.func is None:
            return False
        outer = self.mod.resolver.scope_of(self.func.node)
        return outer is not None and name in self.mod.resolver.local_names(outer)

    def ev_Attribute(self, node: ast.Attribute, state: State) -> Value:
        key = state_key(node)
        if key is not None and key in state:
            return state[key]
        qual = self.mod.qualname(node)
        if qual:
            source = self._source(qual, node)
            if source is not None:
                return source
            if matches_any(qual, SERVER_CONFIG_OBJECTS):
                return _CONFIG
        if node.attr == "config" and self.mod.is_a(node.value, CONFIG_HOLDING_APPS):
            return _CONFIG
        if node.attr == "state" and self.mod.is_a(node.value, STATE_HOLDING_APPS):
            return _CONFIG  # `request.app.state.upload_folder`: set by the server at startup
        if node.attr in _MEMBER_NAME_ATTRS:
            typed = self._typed_source(node.value, node.attr, node)
            if typed is not None:
                return typed
        if self._is_own_attribute(node):
            return self._property_read(node, state) or self._own_attribute(node)
        base = self.ev(node.value, state)
        if NAMESPACE in base.tags:
            return base.at(node.attr)  # `args.fmt` of what a request parser answered
        if BOUND_FORM in base.tags and node.attr not in FORM_DATA_ATTRIBUTES:
            # `form.redirect_url`: what the project's form class set, not the posted data
            step = Step(self.mod.path, node.lineno, "an attribute of the form's class")
            return Value(frozenset({Trace(OPAQUE, node_text(self.mod, node), (step,))}))
        if not base.tainted:
            if node.attr == "parent" and "pathobj" in base.tags:
                return base  # `root.parent`: a path object still (its methods are file operations)
            return _CONFIG if SERVER_CONFIG in base.tags else CLEAN  # `settings.IDP_URL`
        if node.attr == "name" and isinstance(node.value, ast.Attribute) and node.value.attr == "file":
            # an upload's `.file` is the server's temporary file: its name is the server's path
            # (the client's name is `.filename`)
            step = Step(self.mod.path, node.lineno, "a temporary file's name")
            return Value(
                frozenset({Trace(OPAQUE, node_text(self.mod, node), (step,))}), tags=frozenset({"text"})
            )
        value = Value(base.all_traces(), tags=base.tags & {"text", "pathobj"})
        if node.attr in base.extra.get("url_fields", ()):
            value = value.with_tags("text")  # `urlsplit(url).path`: a string, as every field there is
        if node.attr == "headers":  # `resp.headers`: what the other server chose to say of its data
            value = value.map_traces(lambda t: replace(t, kind="remote-header") if t.kind == "remote" else t)
        if node.attr in ("name", "stem", "suffix") and "pathobj" in base.tags:
            value = value.sanitize(frozenset({"path"}))
        if node.attr in _FILE_OBJECT_ATTRS:
            # an upload's `.file` or `.stream` is an open file: its content, which names no path
            value = Value(value.all_traces()).sanitize(frozenset({"path"}))
        return self._widen(value, node)

    def _item_source(self, node: ast.Subscript) -> bool:
        """`REQUEST["next"]` on a request whose items are what the client sent, not one of the
        server's own objects it also holds by name (`REQUEST["RESPONSE"]`)."""
        if not self.mod.resolver.imports_any(ITEM_SOURCE_PACKAGES):
            return False
        if not isinstance(node.value, ast.Name | ast.Attribute) or isinstance(node.slice, ast.Slice):
            return False
        receiver = self.mod.receiver_type(node.value)
        if receiver is None or f"{receiver}.__getitem__" not in TYPED_SOURCES:
            return False
        key = node.slice.value if isinstance(node.slice, ast.Constant) else None
        return (receiver, key) not in ITEM_TYPES

    def _typed_source(self, receiver: ast.expr, member: str, node: ast.AST) -> Value | None:
        """`zf.namelist()`, `info.filename` on an object of a known archive type: a source."""
        name = self.mod.typed_member(receiver, member, TYPED_SOURCES)
        if name is None:
            return None
        value = self.source_value(TYPED_SOURCES[name], node_text(self.mod, node), node.lineno, text=True)
        return _as_read(name, value)

    def _is_own_attribute(self, node: ast.Attribute) -> bool:
        """`self.x` read in a method before this run assigned it."""
        return (
            self.func is not None
            and self.class_name is not None
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
            and "self" in self.func.params[:1]
        )

    def _property_read(self, node: ast.Attribute, state: State) -> Value | None:
        """`self.remote_url` where the class (or a base the review reads) makes `remote_url` a
        property: what its getter returns, as a call `self.remote_url()` would (None: no property)."""
        if node.attr not in self.program.property_names:
            return None
        call = self.mod.getter_call(node)
        target = self._resolve(call.func, state)
        if target is None or not target[1].binds_self or not self.mod.resolver.is_property(target[1].node):
            return None
        return self.ev_Call(call, state)

    def _own_attribute(self, node: ast.Attribute) -> Value:
        """What `self.x` holds when the method did not set it.

        Set from a parameter of a public method or constructor (`self.expr = expr` in
        `__init__`), it is the caller's data (unless the policy trusts parameters); only ever
        set to one constant in the module (`Program.attribute_constants`), that constant;
        otherwise unknown (an opaque value keeps pattern findings alive).
        """
        step = Step(self.mod.path, node.lineno, f"`self.{node.attr}`")
        origin = self._attribute_origin(node.attr)
        if origin is not None and not self.rules.trust_parameters:
            method, param = origin
            where = f"`{self.class_name}()`" if method == "__init__" else f"`{self.class_name}.{method}()`"
            description = f"self.{node.attr} (parameter `{param}` of {where})"
            first = Step(self.mod.path, node.lineno, f"`{description}` (the caller's argument)")
            trace = Trace("caller", description, (first,))
            return Value(frozenset({trace}))
        constant = self.program.attribute_constants(self.mod, self.class_name or "").get(node.attr)
        if constant is not None:
            return self.ev_Constant(constant, {})
        return Value(frozenset({Trace(OPAQUE, f"self.{node.attr}", (step,))}))

    def _attribute_origin(self, attr: str) -> tuple[str, str] | None:
        """(method, parameter) when a public method of the class assigns `self.attr = parameter`."""
        klass = self.class_name or ""
        if klass.startswith("_") or klass in self.program.called_names():
            return None  # private, or constructed in the change: its real arguments are followed
        return self.program.attribute_origins(self.mod, klass).get(attr)

    def _widen(self, value: Value, node: ast.AST) -> Value:
        """A bare source read further (`request.args` -> `request.args["q"]`) is described whole."""
        if not any(t.fresh for t in value.traces):
            return value
        text = node_text(self.mod, node)

        def widen(trace: Trace) -> Trace:
            if not trace.fresh:
                return trace
            first = trace.steps[0]
            label = first.description.split(" (", 1)[1] if " (" in first.description else "input)"
            step = replace(first, description=f"`{text}` ({label}")
            widened = replace(trace, source=text, steps=(step, *trace.steps[1:]))
            if SERVER_SET_ENVIRON.match(text):
                return replace(widened, kind=OPAQUE, fresh=False)  # the server's, not the client's
            return widened

        return value.map_traces(widen)

    def ev_Subscript(self, node: ast.Subscript, state: State) -> Value:
        key = state_key(node)
        if key is not None:
            if key in state:
                return state[key]
            # kept, so that a guard's proof about `data["next"]` holds where it is read again
            value = self.route_part(node, self._subscript(node, state))
            if ASGI_PATH.match(key) and value.tainted:
                value = _url_path(value)  # an ASGI scope's `path` starts with `/`
            state[key] = value
            return value
        return self._subscript(node, state)

    def _subscript(self, node: ast.Subscript, state: State) -> Value:
        if self._item_source(node):
            typed = self._typed_source(node.value, "__getitem__", node)
            if typed is not None:
                self.ev(node.slice, state)
                return typed
        container = self.ev(node.value, state)
        if isinstance(node.slice, ast.Slice):
            for part in (node.slice.lower, node.slice.upper, node.slice.step):
                self.ev(part, state)
            return self._widen(Value(container.all_traces(), tags=container.tags & {"text"}), node)
        index = self.ev(node.slice, state)
        if index.has_const():
            try:
                value = container.at(index.const)
            except TypeError:
                value = container.element()
            if self._one_component(node.value, index.const):
                value = value.sanitize(frozenset({"path"}))  # a name in a folder, as `basename` leaves
        else:
            value = container.element()
        if value.tainted and "text" not in value.tags and not container.items:
            value = value.with_tags("text")
        if SERVER_CONFIG in container.tags and not value.tainted:
            value = _CONFIG  # `current_app.config["IDP_URL"]`
        kept = self._kept_in_session(node.value, node.slice, state, node)
        if kept is not None:
            value = merge([value, kept])
        return self._widen(value, node)

    def _kept_in_session(
        self, session: ast.expr, key: ast.expr, state: State, read: ast.expr
    ) -> Value | None:
        """What the change's views keep in the session under this key (`session["next"]`,
        `request.session.get("next")`), read back here; None for any other container or key."""
        if last_name(session) not in SESSION_NAMES or not isinstance(
            key, ast.Constant | ast.Name | ast.Attribute
        ):
            return None  # the cheap question first: this runs for every item read
        found = self.program.store_sink(self.mod, session)
        if found is None or not found[0].get("session"):
            return None
        name = self.ev(key, state).const
        kept = self.program.kept_in_session_as(found[0]["name"], name) if isinstance(name, str) else None
        if kept is None:
            return None
        step = Step(self.mod.path, read.lineno, f"read back from `{found[1]}`")
        return kept.map_traces(lambda t: t.then(step))

    def ev_JoinedStr(self, node: ast.JoinedStr, state: State) -> Value:
        pieces, segments, whole = [], [], []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                value = self.ev(part.value, state)
                self.ev(part.format_spec, state)
                plain = part.conversion == -1 and part.format_spec is None
                pieces.append(piece(value, plain=plain))
                segments.append(part.format_spec is None and self._one_segment(part.value, value))
                whole.append(plain and _whole_parameter(value))
            else:
                pieces.append(literal(str(_const(part))))
                segments.append(False)
                whole.append(False)
        return self._names_in_folders(fold_text(pieces), pieces, segments, whole)

    def ev_BinOp(self, node: ast.BinOp, state: State) -> Value:
        left = self.ev(node.left, state)
        right = self.ev(node.right, state)
        text = "text" in left.tags or "text" in right.tags
        if isinstance(node.op, ast.Add) and text and not _leading_items(left):
            value = concat(left, right)
            operands = added_operands(node)
            # a name in a folder (see `names_in_folders`), read operand by operand: reading a name,
            # an attribute or a constant twice changes nothing
            if all(isinstance(o, ast.Name | ast.Attribute | ast.Constant) for o in operands) and any(
                self._raw_segment(o) or self._cleaned_name(o, state) or self._whole_name(o, state)
                for o in operands
            ):
                values = [self.ev(o, state) for o in operands]
                segments = [self._one_segment(o, v) for o, v in zip(operands, values, strict=True)]
                whole = [_whole_parameter(v) for v in values]
                value = self._names_in_folders(value, values, segments, whole)
            if self._path_separator(node.right) and (left.origin or state_key(node.left)):
                # `normpath(p) + os.sep` still speaks of `p`, and is as resolved as `normpath(p)` was
                origin = left.origin or state_key(node.left)
                value = replace(value, origin=origin, tags=value.tags | (left.tags & {"resolved"}))
            return value
        if isinstance(node.op, ast.Mod) and self.mod.receiver_type(node.left) in MARKUP_TYPES:
            # `Markup("<b>%s</b>") % x` escapes what it formats, as `Markup(...).format(x)` does
            return merge([left, right.sanitize(frozenset({"xss"}))])
        if isinstance(node.op, ast.Mod) and isinstance(left.const, str) and not right.has_const():
            pieces = printf_pieces(left.const, right)
            if pieces is not None:
                return fold_text(pieces)
            return replace(merge([left, right]), tags=TEXT, prefix=left.const.split("%", 1)[0] or None)
        value = merge([left, right])
        if left.has_const() and right.has_const() and not value.tainted:
            folded = _fold(node.op, left.const, right.const)
            if folded is not NOCONST:
                return Value(
                    const=folded,
                    tags=TEXT if isinstance(folded, str) else frozenset(),
                    prefix=folded if isinstance(folded, str) else None,
                )
        if isinstance(node.op, ast.Add):
            value = added_lists(left, right) or merge([left, after_head(left, right)])
        elif isinstance(node.op, ast.Mod) and isinstance(left.const, str):
            value = replace(value, tags=TEXT, prefix=left.const.split("%", 1)[0] or None)
        elif isinstance(node.op, ast.Div) and (
            "pathobj" in (left.tags | right.tags) or _names_under(left, right)
        ):
            value = value.with_tags("pathobj")
        else:
            value = replace(value, tags=value.tags - {"pathobj"})
        return value

    @staticmethod
    def _names_in_folders(text: Value, pieces: list[Value], segments: list[bool], whole: list[bool]) -> Value:
        """`name + ".jpg"`, `f"{ROOT}/{name}.pdf"` with `name` a URL part of one segment: a file
        in a folder, whatever the part is (see `names_in_folders`). With `name` a parameter passed
        `whole` (as the caller gave it), the same holds where the caller's argument is one segment:
        the caller decides (`if_one_segment`, settled in `calls._compose`)."""
        if not text.tainted:
            return text
        if any(segments) and names_in_folders(pieces, segments):
            return text.sanitize(frozenset({"path"}))
        if any(whole) and names_in_folders(pieces, [s or w for s, w in zip(segments, whole, strict=True)]):
            return text.map_traces(
                lambda t: replace(t, if_one_segment=t.if_one_segment | {"path"}) if t.kind == PARAM else t
            )
        return text

    def route_part(self, read: ast.Subscript | ast.Call, value: Value) -> Value:
        """`request.match_info["name"]` (or `.get("name")`) in an aiohttp handler whose routes
        take `{name}`: one path segment (aiohttp's default pattern holds no `/`), as a Flask view's
        `<name>` is."""
        func = self.func
        if func is None or not func.match_info_segments or not value.tainted:
            return value
        if isinstance(read, ast.Subscript):
            mapping, item = read.value, read.slice
        else:
            mapping, item = read.func.value, read.args[0]  # type: ignore[attr-defined]
        if not (isinstance(mapping, ast.Attribute) and mapping.attr == "match_info"):
            return value
        return one_segment(value) if const_str(item) in func.match_info_segments else value

    @staticmethod
    def _cleaned_name(node: ast.expr, state: State) -> bool:
        """A name or attribute holding text with no separator left (`ONE_COMPONENT`, or refused
        with one: `NO_SEPARATOR`), looked up in the state rather than evaluated."""
        key = state_key(node)
        return key is not None and key in state and _without_separator(state[key])

    @staticmethod
    def _whole_name(node: ast.expr, state: State) -> bool:
        """A name holding a parameter's value as the caller passed it (`WHOLE_ARGUMENT`)."""
        key = state_key(node)
        return key is not None and _whole_parameter(state.get(key, CLEAN))

    def _one_segment(self, node: ast.expr, value: Value) -> bool:
        """Text with no path separator in it: a URL part of one segment as the router passed it,
        or text cleaned down to a class without one (`ONE_COMPONENT`), or refused when it held one
        (`NO_SEPARATOR`)."""
        return _without_separator(value) or self._raw_segment(node)

    def _raw_segment(self, node: ast.expr) -> bool:
        """A URL part of one path segment, as the router passed it: a parameter of the view that
        the function never binds again."""
        func = self.func
        return (
            func is not None
            and isinstance(node, ast.Name)
            and node.id in func.one_segment_params
            and not self.mod.resolver.rebinds(node.id, func.node)
        )

    def _one_component(self, made: ast.expr, index: Any) -> bool:
        """Whether `made[index]` is one path component, with no separator in it: any part of
        `p.split("/")`, the last of `p.rsplit("/", 1)`, the first of `p.split("/", 1)`, the
        last of `p.rpartition("/")`."""
        if not (
            isinstance(made, ast.Call) and isinstance(made.func, ast.Attribute) and isinstance(index, int)
        ):
            return False
        method, args = made.func.attr, made.args  # type: ignore[attr-defined]
        if not args or made.keywords or not self._path_separator(args[0]):  # type: ignore[attr-defined]
            return False
        if method == "rpartition":
            return index in (2, -1)
        if method not in ("split", "rsplit"):
            return False
        whole = len(args) == 1 or (isinstance(args[1], ast.Constant) and args[1].value == -1)
        return whole or index == (-1 if method == "rsplit" else 0)

    def _path_separator(self, node: ast.expr) -> bool:
        """`"/"`, `os.sep` or `os.path.sep`: what splits a path into its components, or ends one."""
        if isinstance(node, ast.Constant):
            return node.value == "/"
        return self.mod.qualname(node) in PATH_SEPARATORS

    def ev_BoolOp(self, node: ast.BoolOp, state: State) -> Value:
        values = []
        branch = dict(state)
        for index, operand in enumerate(node.values):
            values.append(self.ev(operand, branch))
            # `(parts := s.split("=")) and parts[0] == "filename"`: a name an operand binds is
            # bound after the expression too; by the first operand always, by a later one maybe
            for target in _walrus_targets(operand):
                bound = branch.get(target.id)
                if bound is not None and index:
                    bound = join(state.get(target.id), bound)
                if bound is not None:
                    self.bind(target, bound, state, node.lineno)
            if isinstance(node.op, ast.And):
                branch = self.apply_guards(self.guards(operand, branch)[0], dict(branch))
        if all(v.has_const() for v in values):
            result: Any = values[0].const
            for v in values[1:]:
                result = (result and v.const) if isinstance(node.op, ast.And) else (result or v.const)
            return replace(join(values[0], values[-1]), const=result)
        if isinstance(node.op, ast.And):
            return values[-1] if not values[-1].tainted else join(CLEAN, values[-1])
        out = values[0]
        for value in values[1:]:
            out = join(out, value)
        return out

    def ev_UnaryOp(self, node: ast.UnaryOp, state: State) -> Value:
        operand = self.ev(node.operand, state)
        if operand.has_const():
            try:
                if isinstance(node.op, ast.Not):
                    return Value(const=not operand.const)
                if isinstance(node.op, ast.USub):
                    return Value(const=-operand.const)
            except TypeError:
                return CLEAN
        return CLEAN

    def ev_Compare(self, node: ast.Compare, state: State) -> Value:
        values = [self.ev(node.left, state)] + [self.ev(c, state) for c in node.comparators]
        if len(node.ops) == 1 and all(v.has_const() for v in values):
            folded = _compare(node.ops[0], values[0].const, values[1].const)
            if folded is not NOCONST:
                return Value(const=folded)
        return CLEAN

    def ev_IfExp(self, node: ast.IfExp, state: State) -> Value:
        test = self.ev(node.test, state)
        if test.has_const():
            return self.ev(node.body if test.const else node.orelse, state)
        when_true, when_false = self.guards(node.test, state)
        body = self.ev(node.body, self.apply_guards(when_true, dict(state)))
        orelse = self.ev(node.orelse, self.apply_guards(when_false, dict(state)))
        return join(body, orelse)

    def ev_Dict(self, node: ast.Dict, state: State) -> Value:
        items: dict[Any, Value] = {}
        bulk: list[Value] = []
        all_const = True
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            value = self.ev(value_node, state)
            if key_node is None:
                bulk.append(value)
                all_const = False
                continue
            key = self.ev(key_node, state)
            if key.has_const() and hashable(key.const):
                items[key.const] = value
                all_const = all_const and value.has_const()
            else:
                bulk.append(merge([key, value]))
                all_const = False
        const = {k: v.const for k, v in items.items()} if all_const else NOCONST
        return Value(merge(bulk).all_traces(), items=items, const=const)

    def _sequence(self, elts: list[ast.expr], state: State, kind: type) -> Value:
        items: dict[Any, Value] = {}
        bulk: list[Value] = []
        for elt in elts:
            if isinstance(elt, ast.Starred) and not bulk:
                spliced = self.ev(elt.value, state)
                if spliced.has_const() and isinstance(spliced.const, list | tuple):
                    # `["ssh", *SSH_OPTS, host, command]`: a constant list keeps the positions after it
                    for const in spliced.const:
                        items[len(items)] = self.ev_Constant(ast.Constant(const), state)
                    continue
            if isinstance(elt, ast.Starred) or bulk:
                bulk.append(self.ev(elt, state))
            else:
                items[len(items)] = self.ev(elt, state)
        const: Any = NOCONST
        if not bulk and all(v.has_const() for v in items.values()):
            const = kind(v.const for v in items.values())
        return Value(merge(bulk).all_traces(), items=items, const=const, tags=frozenset({"list"}))

    def ev_List(self, node: ast.List, state: State) -> Value:
        return self._sequence(node.elts, state, list)

    def ev_Tuple(self, node: ast.Tuple, state: State) -> Value:
        return self._sequence(node.elts, state, tuple)

    def ev_Set(self, node: ast.Set, state: State) -> Value:
        values = [self.ev(e, state) for e in node.elts]
        const: Any = NOCONST
        if all(v.has_const() and hashable(v.const) for v in values):
            const = frozenset(v.const for v in values)
        return replace(merge(values), const=const, tags=frozenset())

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, state: State
    ):
        inner = dict(state)
        for generator in node.generators:
            iterable = self.ev(generator.iter, inner)
            self.bind(generator.target, iterable.element(), inner, node.lineno)
            for condition in generator.ifs:
                self.ev(condition, inner)
                inner = self.apply_guards(self.guards(condition, inner)[0], inner)
        return inner

    def ev_ListComp(self, node: ast.ListComp, state: State) -> Value:
        inner = self._comprehension(node, state)
        element = self.ev(node.elt, inner)
        return Value(element.all_traces(), tags=frozenset({"list"}))

    def ev_DictComp(self, node: ast.DictComp, state: State) -> Value:
        inner = self._comprehension(node, state)
        return Value(merge([self.ev(node.key, inner), self.ev(node.value, inner)]).all_traces())

    def ev_Lambda(self, node: ast.Lambda, state: State) -> Value:
        return CLEAN

    def ev_NamedExpr(self, node: ast.NamedExpr, state: State) -> Value:
        value = self.ev(node.value, state)
        self.bind(node.target, value, state, node.lineno)
        return value

    def ev_Await(self, node: ast.Await, state: State) -> Value:
        return self.ev(node.value, state)

    def ev_Starred(self, node: ast.Starred, state: State) -> Value:
        return self.ev(node.value, state)

    def ev_Yield(self, node: ast.Yield, state: State) -> Value:
        value = self.ev(node.value, state)
        self.ret = join(self.ret, value) if self.ret is not None else value
        return CLEAN

    ev_SetComp = ev_ListComp
    ev_GeneratorExp = ev_ListComp
    ev_YieldFrom = ev_Yield


def _walrus_targets(expr: ast.expr) -> list[ast.Name]:
    """The names `:=` binds in an expression (comprehensions and lambdas have scopes of their own,
    though a comprehension's `:=` binds in the enclosing one: those are left to it)."""
    found: list[ast.Name] = []
    todo: list[ast.AST] = [expr]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            found.append(node.target)
        if not isinstance(node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            todo.extend(ast.iter_child_nodes(node))
    return found


def _whole_parameter(value: Value) -> bool:
    """A parameter's value as the caller passed it, and nothing else."""
    return value.tainted and WHOLE_ARGUMENT in value.tags and all(t.kind == PARAM for t in value.all_traces())


def _without_separator(value: Value) -> bool:
    """Text with no path separator in it: cleaned down to a class without one (`ONE_COMPONENT`),
    or every piece of its data refused when it held one (`NO_SEPARATOR`)."""
    if ONE_COMPONENT in value.tags:
        return True
    data = [t for t in value.all_traces() if t.kind != OPAQUE]
    return bool(data) and all(NO_SEPARATOR in t.sanitized for t in data)
