"""Small pieces the interpreter's parts share: state keys, value helpers, trace composition."""

from __future__ import annotations

import ast
import re
from typing import Any

from prguard.analyzers.taint.modules import ModuleInfo
from prguard.analyzers.taint.rules import (
    CALLER_EMBEDDED_SINK_KINDS,
    CALLER_SINK_KINDS,
    ONLY_KINDS,
    Sink,
)
from prguard.analyzers.taint.values import (
    OPAQUE,
    READ_FROM_FILE,
    Trace,
    Value,
)

State = dict[str, Value]

#: the start of a URL up to the end of its host (`https://api.example.com/`): whatever follows
#: is a path, a query or a fragment on that host
FIXED_HOST = re.compile(r"^[a-zA-Z][\w+.-]*://[^/?#{}%]+[/?#]")
#: the start of a path on this site: `/` and then a name character, so neither `//host` nor
#: `/\host` (which browsers read as `//host`) whatever follows
LOCAL_PATH = re.compile(r"^/[\w\-.~%]")


def parsed_url(call: ast.Call, mod: ModuleInfo) -> ast.expr | None:
    """What `urlparse(x)` parses: `x`, also through `str()` (`urlparse(str(request.base_url))`)."""
    parsed = call.args[0] if call.args else None
    if isinstance(parsed, ast.Call) and mod.qualname(parsed.func) == "str" and len(parsed.args) == 1:
        return parsed.args[0]
    return parsed


def node_text(mod: ModuleInfo, node: ast.AST, limit: int = 60) -> str:
    line = getattr(node, "lineno", None)
    end = getattr(node, "end_lineno", None)
    if line is not None and line == end and line <= len(mod.lines):
        text = mod.lines[line - 1][node.col_offset : node.end_col_offset]
    else:
        try:
            text = ast.unparse(node)
        except Exception:
            text = type(node).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def state_key(node: ast.AST) -> str | None:
    """State key of a Name, attribute chain or constant subscript of one (`x`, `self.path`,
    `data["next"][0]`): what a guard's proof about the expression attaches to. `data.get("next")`
    (with or without a default) reads the item `data["next"]`: a check of one reading holds of
    the next; so does `(data.get("next") or "")`."""
    if isinstance(node, ast.Call):
        return _item_read_key(node)
    if _or_constant(node):
        return state_key(node.values[0])  # `(next or "")`: what holds of it holds of `next` when set
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = state_key(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        index = node.slice.value
        if isinstance(index, str | int) and not isinstance(index, bool):
            base = state_key(node.value)
            return f"{base}[{index!r}]" if base else None
    return None


def _or_constant(node: ast.AST) -> bool:
    """`x or ""`: a value with a constant standing in when it is empty."""
    return (
        isinstance(node, ast.BoolOp)
        and isinstance(node.op, ast.Or)
        and len(node.values) == 2
        and isinstance(node.values[1], ast.Constant)
    )


def _item_read_key(node: ast.Call) -> str | None:
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == "get") or node.keywords:
        return None
    if not 1 <= len(node.args) <= 2 or not isinstance(node.args[0], ast.Constant):
        return None
    index = node.args[0].value
    base = state_key(func.value) if isinstance(index, str) else None
    return f"{base}[{index!r}]" if base else None


def forget_parts(key: str, state: State, *, attributes: bool = True) -> None:
    """Drop what is known of `key`'s items (`key["a"]`) and attributes (`key.x`): it changed."""
    prefixes = (key + "[", key + ".") if attributes else (key + "[",)
    for stale in [k for k in state if k.startswith(prefixes)]:
        del state[stale]


def only_url_path(value: Value) -> bool:
    """Whether every user trace of a value is a requested URL path (none can hold `\\`)."""
    traces = [t for t in value.all_traces() if t.is_source]
    return bool(traces) and all(t.urlpath for t in traces)


#: a URL this site's router built for one of its routes (`url_for`, `reverse`)
SITE_URL = "site-url"
#: a text that starts with such a URL and then a query or a fragment (`url_for("login") + "?next="`)
HOST_FIXED = "host-fixed"
#: a host-fixing start followed by a separator the server wrote: what comes next is past the host
HOST_ENDED = "host-ended"
#: a URL whose query or fragment has begun with a `?` or `#` the server wrote: what comes next is
#: in it, and cannot change the URL's host or path
IN_QUERY = "in-query"
#: a value read from the server's configuration (`settings.IDP_URL`, `current_app.config["X"]`)
SERVER_CONFIG = "server-config"
#: a value whose attributes are its items by name (what a request parser answers: `args.fmt`)
NAMESPACE = "namespace"


#: The sink kinds where data can send a URL elsewhere (a redirect, a request): data in a URL's
#: query, or past a host the server fixed, is proven for them.
URL_MOVES = frozenset({"redirect", "ssrf"})


def reportable(trace: Trace, kind: str, sink: Sink | None = None) -> bool:
    """Whether a trace reaching a sink of `kind` is a finding: opaque data never is, and a
    caller's argument only for code, deserialisation and shell sinks (elsewhere it is
    unknown data: no finding, and no proof of safety)."""
    if trace.kind == OPAQUE:
        return False
    if trace.kind in ONLY_KINDS:
        return kind in ONLY_KINDS[trace.kind]
    if trace.kind != "caller":
        return True
    if trace.sanitized >= READ_FROM_FILE:
        return False  # `pickle.load(open(self.path, "rb"))`: the caller names a file, not what it holds
    return kind in CALLER_SINK_KINDS and not (sink is not None and sink.conditions.get("no_caller"))


def caller_injects(kind: str, embedded: bool, program_only: bool) -> bool:
    """Whether a caller's argument at a sink of `kind` is an injection rather than the function's
    API: written into the text of a query the function builds, or anywhere in a code, template,
    deserialisation or shell sink; never the program a caller names to run without a shell (a
    print server's configured command), which is what such an object is for."""
    if program_only:
        return False
    if kind in CALLER_EMBEDDED_SINK_KINDS:
        return embedded
    return kind in CALLER_SINK_KINDS


def reads_self(trace: Trace) -> bool:
    """An attribute of the object a method runs on (`self.v`), unknown inside the method: a
    call that binds a known object (`Helper(data).get()`) carries that object's data there."""
    return trace.kind == OPAQUE and trace.source.startswith("self.")


def hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
