"""Text built from pieces: `+` and `+=`, f-strings, `.format()`, `%` and `sep.join([...])`.

Every way of building a string is read as one list of pieces, folded from left to right. After
each piece the fold knows what the text so far has done to a URL: whether its host is fixed (the
server chose it), its authority has ended (a `/`, `?` or `#` the server wrote) or its query has
begun. Data that comes after such a point is judged by it, whichever syntax put it there.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import replace

from prguard.analyzers.taint.keys import (
    HOST_ENDED,
    HOST_FIXED,
    IN_QUERY,
    SERVER_CONFIG,
    SITE_URL,
    URL_MOVES,
    only_url_path,
)
from prguard.analyzers.taint.regex_proof import OPTION_PROOF_START
from prguard.analyzers.taint.values import OPAQUE, PARAM, WHOLE_ARGUMENT, Value, merge, positional

TEXT = frozenset({"text"})
_REDIRECT = frozenset({"redirect"})
_SSRF = frozenset({"ssrf"})
#: text after a start proven not to be `-`: not where a program reads an option
_AFTER_START = frozenset({"argument", OPTION_PROOF_START})
#: what a piece keeps of its value's tags: what it says of text and of a URL's start
_PIECE_TAGS = frozenset(
    {"text", "pathobj", "unrooted", SITE_URL, SERVER_CONFIG, HOST_FIXED, HOST_ENDED, IN_QUERY}
)
_SCHEME_AND_HOST = re.compile(r"^[a-zA-Z][\w+.-]*://[^/?#{}%]+")
_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([a-zA-Z%])")
_PRINTF_NUMBERS = frozenset("diouxXeEfFgG")
#: text a number conversion writes: digits, never the value's data
_NUMBER_TEXT = Value(tags=TEXT)


def literal(text: str) -> Value:
    """Text the server wrote."""
    return Value(const=text, tags=TEXT, prefix=text)


def piece(value: Value, plain: bool = True) -> Value:
    """A value as a format writes it: its string when it is a constant written `plain` (no
    conversion and no format spec, which change the text), else its data alone."""
    tags = (value.tags & _PIECE_TAGS) | TEXT
    if plain and value.has_const():
        text = value.const if isinstance(value.const, str) else str(value.const)
        return Value(value.all_traces(), const=text, tags=tags, prefix=text)
    return Value(value.all_traces(), tags=tags, prefix=value.prefix if plain else None)


def fold_text(pieces: Iterable[Value]) -> Value:
    """The text the pieces make, written one after another."""
    text: Value | None = None
    for part in pieces:
        text = part if text is None else concat(text, part)
    return literal("") if text is None else text.with_tags("text")


def names_in_folders(pieces: list[Value], segments: list[bool]) -> bool:
    """Whether text written from these pieces holds the client's data only in path components
    that cannot be `.` or `..`: each piece with data is a URL part of one segment as the router
    gave it (`segments`: no `/` in it, never empty), and each component it lands in also holds a
    constant character other than a dot, or three characters at least (`name + ".jpg"`,
    `f"{stem}.{ext}"`; not `name` alone, nor `name + "."`). The server's own text of unknown value
    may hold a `/` or nothing: it may end a component."""
    length, named, with_data, seen = 0, False, False, False

    def component_ends() -> bool:
        """Whether the component ending here is a name, when data is in it."""
        return not with_data or named or length >= 3

    for part, segment in zip(pieces, segments, strict=True):
        if part.tainted:
            if not segment:
                return False
            length, with_data, seen = length + 1, True, True
            continue
        texts = part.const.split("/") if isinstance(part.const, str) else None
        if texts is None:  # unknown text of the server's: may end the component here
            if not component_ends():
                return False
            length, named, with_data = 0, False, False
            continue
        for index, text in enumerate(texts):
            if index:
                if not component_ends():
                    return False
                length, named, with_data = 0, False, False
            length += len(text)
            named = named or bool(text.strip("."))
    return seen and component_ends()


def concat(left: Value, right: Value) -> Value:
    """`left + right` for text: `right` judged by what `left` has done to a URL, and the facts
    the whole carries on to what follows it."""
    if left.const == "/" and "unrooted" in right.tags and only_url_path(right):
        right = right.sanitize(_REDIRECT)  # `/` + a requested path without its leading slashes
    if left.tainted and all(OPTION_PROOF_START in t.sanitized for t in left.all_traces()):
        right = right.sanitize(_AFTER_START)  # `f"{sha}:{path}"` after `re.fullmatch("[0-9a-f]+", sha)`
    right = after_head(left, right)
    value = merge([left, right])
    if isinstance(left.const, str) and isinstance(right.const, str) and not value.tainted:
        return literal(left.const + right.const)
    prefix = left.const + (right.prefix or "") if isinstance(left.const, str) else left.prefix
    tags = set(TEXT)
    if HOST_FIXED in left.tags or SERVER_CONFIG in left.tags or site_url_then(left, right):
        tags.add(HOST_FIXED)
    if (HOST_ENDED in left.tags or separates_host(right.prefix)) and (
        HOST_FIXED in tags or server_start(left)
    ):
        tags.add(HOST_ENDED)
    if IN_QUERY in left.tags or opens_query(left.const) or opens_query(right.prefix):
        tags.add(IN_QUERY)
    return replace(value, tags=value.tags | tags, prefix=prefix or None)


def after_head(head: Value, rest: Value) -> Value:
    """`rest` written after `head`: user data after a host-fixing head is a path or a query, so it
    cannot send a redirect elsewhere; nor a request, once a separator (`/`, `?`, `#`) the server
    wrote stands between them (`settings.API + "/users/" + uid`; `"@evil"` right after the head
    would move it)."""
    if IN_QUERY in head.tags or opens_query(head.const) or opens_query(rest.prefix):
        return rest.sanitize(URL_MOVES)  # `url + "?next=" + here`: the query's data
    fixed = fixes_host(head)
    if not fixed and not server_start(head):
        return rest
    ended = HOST_ENDED in head.tags or separates_host(rest.prefix)
    if not fixed:
        return rest.sanitize(_SSRF) if ended else _unless_past_host(rest, _SSRF)
    return rest.sanitize(URL_MOVES) if ended else _unless_past_host(rest.sanitize(_REDIRECT), _SSRF)


def _unless_past_host(rest: Value, kinds: frozenset[str]) -> Value:
    """A parameter written whole right after a URL's start: safe from `kinds` where its caller's
    argument already starts past the host (`self.base + path` called as `_get(f"/users/{uid}")`);
    the caller's side decides (`calls._compose`). Anything done to the parameter first (a slice,
    a split) may cut that start off: then nothing is noted."""
    if WHOLE_ARGUMENT not in rest.tags:
        return rest
    return rest.map_traces(lambda t: replace(t, past_host=t.past_host | kinds) if t.kind == PARAM else t)


def site_url_then(head: Value, rest: Value) -> bool:
    """Whether `head + rest` starts with a route's URL and then `?` or `#`: whatever follows is
    part of the query or the fragment, so it cannot name another host. A route's URL alone
    is not enough: the root's is `/`, and `/` + `/evil.example` leaves the site."""
    text = rest.const if isinstance(rest.const, str) else rest.prefix
    return SITE_URL in head.tags and not head.tainted and bool(text) and text.startswith(("?", "#"))


def fixes_host(value: Value) -> bool:
    """A start of a URL the server chose: data after it cannot name another host. It holds data,
    and all of it is the server's (a setting, the caller's argument) or proven local already;
    it is read from the server's configuration; or it is a route's URL and then a query."""
    if HOST_FIXED in value.tags or SERVER_CONFIG in value.tags:
        return True
    traces = value.all_traces()
    return bool(traces) and all(t.kind in (OPAQUE, "caller") or not t.reaches("redirect") for t in traces)


def server_start(value: Value) -> bool:
    """A start of a URL that decides its host, whoever chose it (a constant only when it names a
    host). What follows it and a separator cannot move a request elsewhere: a request without a
    host fails, and data in the start is judged as the start's. A redirect may still leave the
    site (`"" + "/" + "/evil.example"`)."""
    if isinstance(value.const, str):
        return bool(_SCHEME_AND_HOST.match(value.const))
    return not value.has_const()


def separates_host(text: str | None) -> bool:
    """Whether constant text the server wrote ends a URL's authority before any data follows (the
    `//` of `://` starts one: `f"{scheme}://{host}"` leaves the host to the data)."""
    if not text:
        return False
    authority = text.rsplit("://", 1)[-1] if "://" in text else text
    return any(mark in authority for mark in "/?#")


def opens_query(text: object) -> bool:
    """Whether constant text the server wrote opens a URL's query or fragment (`?next=`, `#`)."""
    return isinstance(text, str) and ("?" in text or "#" in text)


def format_pieces(template: str, args: list[Value], kwargs: dict[str, Value]) -> list[Value] | None:
    """The pieces `template.format(*args, **kwargs)` writes; None when a field cannot be paired
    with its argument (a template that does not parse, `**mapping` of unknown keys)."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return None
    pieces: list[Value] = []
    auto = 0
    for text, field, spec, conversion in parsed:
        if text:
            pieces.append(literal(text))
        if field is None:
            continue
        head = field.split(".", 1)[0].split("[", 1)[0]
        if head == "" or head.isdigit():
            index = auto if head == "" else int(head)
            auto += head == ""
            value = args[index] if index < len(args) else None
        else:
            value = kwargs.get(head)
        if value is None:
            return None
        pieces.append(piece(value, plain=field == head and not spec and not conversion))
    return pieces


def printf_pieces(template: str, args: Value) -> list[Value] | None:
    """The pieces `template % args` writes (a number conversion writes digits, no data); None
    when the conversions and the values cannot be paired (`*` widths, a mapping, an unknown tuple)."""
    if "*" in template or "%(" in template:
        return None
    specs = list(_PRINTF_SPEC.finditer(template))
    count = sum(spec.group(1) != "%" for spec in specs)
    if count == 1 and not positional(args):
        values = [args]
    elif positional(args) and args.items is not None and len(args.items) == count:
        values = [args.items[i] for i in range(count)]
    else:
        return None
    pieces: list[Value] = []
    done = 0
    for spec in specs:
        if spec.start() > done:
            pieces.append(literal(template[done : spec.start()]))
        done = spec.end()
        if spec.group(1) == "%":
            pieces.append(literal("%"))
        elif spec.group(1) in _PRINTF_NUMBERS:
            values.pop(0)
            pieces.append(_NUMBER_TEXT)
        else:
            pieces.append(piece(values.pop(0), plain=spec.group(0) == "%s"))
    if done < len(template):
        pieces.append(literal(template[done:]))
    return pieces


def joined_pieces(separator: Value, items: Value) -> list[Value] | None:
    """The pieces `separator.join(items)` writes, for a list whose first items are known one by
    one (what was added in bulk follows them); None otherwise."""
    known = items.items or {}
    if "list" not in items.tags or 0 not in known or separator.tainted:
        return None
    ordered = [known[i] for i in range(len(known)) if i in known]
    if len(ordered) != len(known):
        return None
    if items.traces:
        ordered.append(Value(items.traces, tags=TEXT))
    sep = piece(separator)
    pieces = [piece(ordered[0])]
    for item in ordered[1:]:
        pieces += [sep, piece(item)]
    return pieces
