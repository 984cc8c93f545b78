"""When does a regular-expression check prove a value harmless for a sink family?

Only an allow-list: the pattern must be anchored at both ends (`re.fullmatch`, or `^...$`
/ `\\A...\\Z` with `match`/`search`), every alternative must be anchored, and every character
it can match must come from a finite set that excludes what is dangerous for the family
(path: `/`, `\\`, a repeatable `.` unless `.` and `..` are refused; shell: metacharacters and
whitespace; SQL: quotes, `;`, `\\` and whitespace; header and log: CR/LF ...). `.`, negated
classes (`[^/]`), `\\S`, `\\W` and the like can match dangerous characters, so they prove
nothing; `$` also accepts a trailing newline, so it proves nothing for header and log sinks (use
`\\Z` or fullmatch).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from functools import lru_cache

try:
    from re import _constants as C
    from re import _parser as P
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

_WHITESPACE = frozenset(" \t\n\r\x0b\x0c")
_PUNCTUATION = frozenset(string.punctuation)

#: What must not get through, per sink family. Families missing here are never proven by a regex:
#: deserialisation (binary data), and SSRF (an allow-list of host characters still names any host).
DANGEROUS: dict[str, frozenset[str]] = {
    "command": frozenset(";&|$`<>()'\"\\*?[]{}!#~\x00") | _WHITESPACE,
    "sql": frozenset("'\"\\;`\x00") | _WHITESPACE,
    "path": frozenset("/\\\x00"),  # whitespace names no other folder
    "header": frozenset("\r\n\x00"),
    "log": frozenset("\r\n\x00"),
    "xss": frozenset("<>\"'&`"),
    "ldap": frozenset("*()\\\x00") | {"\n", "\r"},
    "xpath": frozenset("'\"[]()/@=|*\x00"),
    "redirect": frozenset("/\\:@\x00") | _WHITESPACE,
    "code": _PUNCTUATION - {"_"} | _WHITESPACE | {"\x00"},
    "regex": frozenset(".^$*+?{}[]\\|()"),
    "ssti": frozenset("{}%<>#\\"),
    "xxe": frozenset("<&"),
    "trust-boundary": frozenset("\x00"),
    "argument": frozenset("-\x00"),
}
#: Families where `$` (which also matches before a final newline) does not close the pattern.
_NEWLINE_SENSITIVE = frozenset({"header", "log", "ldap"})


class _Unbounded(Exception):
    """The pattern can match characters outside any finite allow-list."""


def _chars_of_class(items: list) -> set[str]:
    chars: set[str] = set()
    for op, av in items:
        if op == C.NEGATE:
            raise _Unbounded
        if op == C.LITERAL:
            chars.add(chr(av))
        elif op == C.RANGE:
            low, high = av
            chars.update(chr(c) for c in range(low, min(high, 0x7F) + 1))
            if high > 0x7F:
                chars.add("\uffff")  # non-ASCII letters: never dangerous here, but not empty
        elif op == C.CATEGORY:
            if av == C.CATEGORY_DIGIT:
                chars.update(string.digits)
            elif av == C.CATEGORY_WORD:
                chars.update(string.ascii_letters + string.digits + "_")
            elif av == C.CATEGORY_SPACE:
                chars.update(_WHITESPACE)
            else:
                raise _Unbounded  # \D, \W, \S
        else:
            raise _Unbounded
    return chars


def _walk(parsed, in_repeat: bool, out: dict[str, set[str]]) -> None:
    """Collect the characters a pattern can match (`any`) and those it can repeat (`repeat`)."""
    for op, av in parsed:
        if op == C.LITERAL:
            out["any"].add(chr(av))
            if in_repeat:
                out["repeat"].add(chr(av))
        elif op == C.IN:
            chars = _chars_of_class(av)
            out["any"].update(chars)
            if in_repeat:
                out["repeat"].update(chars)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            _low, high, body = av
            _walk(body, in_repeat or high > 1, out)
        elif op == C.SUBPATTERN:
            _walk(av[-1], in_repeat, out)
        elif op == getattr(C, "ATOMIC_GROUP", None):
            _walk(av, in_repeat, out)
        elif op == C.BRANCH:
            for branch in av[1]:
                _walk(branch, in_repeat, out)
        elif op == C.AT:
            continue  # anchors inside: checked by the caller at the ends only
        elif op in (C.ASSERT, C.ASSERT_NOT):
            continue  # look-arounds restrict; they add no character
        else:  # ANY, NOT_LITERAL, GROUPREF, CATEGORY outside a class ...
            raise _Unbounded


def _alternatives(parsed) -> list[list]:
    """Top-level alternatives (`a|b`), looking through one enclosing group."""
    items = list(parsed)
    if len(items) == 1 and items[0][0] == C.BRANCH:
        return [list(b) for b in items[0][1][1]]
    if len(items) == 1 and items[0][0] == C.SUBPATTERN:
        inner = list(items[0][1][-1])
        if len(inner) == 1 and inner[0][0] == C.BRANCH:
            return [list(b) for b in inner[0][1][1]]
    return [items]


def _anchored(items: list, mode: str, kind: str) -> bool:
    starts = mode in ("fullmatch", "match") or (
        bool(items) and items[0][0] == C.AT and items[0][1] in (C.AT_BEGINNING, C.AT_BEGINNING_STRING)
    )
    if mode == "fullmatch":
        return True
    ends_ok = {C.AT_END_STRING} if kind in _NEWLINE_SENSITIVE else {C.AT_END, C.AT_END_STRING}
    ends = bool(items) and items[-1][0] == C.AT and items[-1][1] in ends_ok
    return starts and ends


#: Characters that end or escape a URL's host: a host pattern that can match none of them names
#: hosts of its own shape only
_HOST_ENDERS = frozenset("/\\@?#%\x00") | _WHITESPACE
#: what a URL's fixed host proves: a request or a redirect to it stays on that host
_URL_KINDS = frozenset({"ssrf", "redirect"})


#: What, right after a leading `/`, takes a URL off the site: `//host`, `/\\host`, and
#: whitespace browsers drop (`/<tab>/host`)
_PATH_LEAVERS = frozenset("/\\") | _WHITESPACE


@lru_cache(maxsize=1024)
def proven_kinds(pattern: str, mode: str = "fullmatch", flags: int = 0) -> frozenset[str]:
    """Sink families a successful `re.<mode>(pattern, value)` proves `value` harmless for."""
    kinds = _allow_list_kinds(pattern, mode, flags)
    if starts_local_path(pattern, mode, flags):
        kinds |= {"redirect"}
    return kinds | _URL_KINDS if fixes_url_host(pattern, mode, flags) else kinds


#: what a trace is sanitized with when a check proved it starts with a character that is not `-`
#: (an allow-list without `-` that matches one character at least): text after it is no option
OPTION_PROOF_START = "argument:start"


def checked_kinds(pattern: str, mode: str = "fullmatch", flags: int = 0) -> frozenset[str]:
    """`proven_kinds` of a check that the value matched, and `OPTION_PROOF_START` when the match
    also proves the value is not empty (`[0-9a-f]{4,40}`, not `[0-9a-f]*`)."""
    kinds = proven_kinds(pattern, mode, flags)
    if "argument" in kinds and _min_width(pattern, flags) >= 1:
        kinds |= {OPTION_PROOF_START}
    return kinds


def _min_width(pattern: str, flags: int) -> int:
    try:
        return int(P.parse(pattern, flags).getwidth()[0])
    except Exception:
        return 0


def starts_local_path(pattern: str, mode: str = "match", flags: int = 0) -> bool:
    """Whether a match from the value's start proves it a path on this site: every branch starts
    with a literal `/` and then a character that is neither `/`, `\\` nor whitespace
    (`/[a-z][a-z0-9/_-]*`). What follows cannot name another host."""
    return _every_branch(pattern, flags, mode, _local_path_start)


def _every_branch(pattern: str, flags: int, mode: str, holds: Callable[[list], bool]) -> bool:
    """Whether each alternative of the pattern, read from the value's start, passes `holds`."""
    try:
        parsed = P.parse(pattern, flags)
    except Exception:
        return False
    for branch in _alternatives(parsed):
        items = list(branch)
        if items and items[0][0] == C.AT and items[0][1] in (C.AT_BEGINNING, C.AT_BEGINNING_STRING):
            items = items[1:]
        elif mode == "search":
            return False  # a match anywhere in the value says nothing about how it starts
        if not holds(items):
            return False
    return True


def _local_path_start(items: list) -> bool:
    if len(items) < 2 or items[0] != (C.LITERAL, ord("/")):
        return False
    op, av = items[1]
    if op == C.MAX_REPEAT and av[0] >= 1 and len(av[2]) == 1:
        op, av = av[2][0]  # `/[a-z]+`: its first character is one of the class
    try:
        chars = {chr(av)} if op == C.LITERAL else _chars_of_class(av) if op == C.IN else None
    except _Unbounded:
        return False
    return bool(chars) and not chars & _PATH_LEAVERS


def fixes_url_host(pattern: str, mode: str = "match", flags: int = 0) -> bool:
    """Whether a match from the value's start proves it a URL on one domain's hosts: a literal
    scheme (`https?://`), a host that is literal or ends in a literal domain (`.example.com`)
    after characters from a finite set without `/`, `@` and the like, then a literal `/`
    (`https://(?:cn-)?pay\\.example\\.com/`). What follows the `/` is the path."""
    return _every_branch(pattern, flags, mode, _host_fixed)


def _host_fixed(items: list) -> bool:
    scheme = ""
    while items and not scheme.endswith("://"):
        op, av = items.pop(0)
        if op == C.LITERAL:
            scheme += chr(av)
        elif op == C.MAX_REPEAT and av[:2] == (0, 1) and [o for o, _ in av[2]] == [C.LITERAL]:
            scheme += chr(av[2][0][1])  # `https?`
        else:
            return False
    if not (scheme.endswith("://") and scheme[:-3].isalpha()):
        return False
    end = next((i for i, (op, av) in enumerate(items) if op == C.LITERAL and chr(av) == "/"), None)
    if not end:
        return False
    host = items[:end]
    suffix = ""
    while host and host[-1][0] == C.LITERAL:
        suffix = chr(host.pop()[1]) + suffix
    dotted = suffix.startswith(".") or _ends_in_dot(host)  # `([\\w-]+\\.)?example\\.com` too
    if host and not (dotted and "." in suffix.lstrip(".")):
        return False  # `[a-z.]+` names any host; `[a-z]+\\.example\\.com` only one domain's
    chars: dict[str, set[str]] = {"any": set(suffix), "repeat": set()}
    try:
        _walk(host, False, chars)
    except _Unbounded:
        return False
    return bool(chars["any"]) and not chars["any"] & _HOST_ENDERS


def _ends_in_dot(items: list) -> bool:
    """Whether every match of the items ends in a literal `.` (a repeated or optional group of
    labels, `([\\w-]+\\.)?`), so a literal domain right after it is a whole domain."""
    if not items:
        return False
    op, av = items[-1]
    if op == C.LITERAL:
        return chr(av) == "."
    if op in (C.MAX_REPEAT, C.MIN_REPEAT):
        return _ends_in_dot(list(av[2]))
    if op == C.SUBPATTERN:
        return _ends_in_dot(list(av[-1]))
    return False


def _allow_list_kinds(pattern: str, mode: str, flags: int) -> frozenset[str]:
    if flags & (C.SRE_FLAG_MULTILINE if hasattr(C, "SRE_FLAG_MULTILINE") else 8):
        return frozenset()  # ^ and $ match at every line: nothing is anchored
    try:
        parsed = P.parse(pattern, flags)
    except Exception:
        return frozenset()
    proven = set()
    for kind, dangerous in DANGEROUS.items():
        try:
            ok = True
            for branch in _alternatives(parsed):
                if mode != "fullmatch" and not _anchored(branch, mode, kind):
                    ok = False
                    break
                if mode == "fullmatch" and len(_alternatives(parsed)) > 1 and not branch:
                    continue
                chars: dict[str, set[str]] = {"any": set(), "repeat": set()}
                _walk(branch, False, chars)
                if chars["any"] & dangerous or (
                    kind == "path" and "." in chars["repeat"] and not _never_dot_names(pattern, mode, flags)
                ):
                    ok = False
                    break
            if ok and mode != "fullmatch" and len(_alternatives(parsed)) == 1:
                ok = _anchored(list(parsed), mode, kind)
            if ok:
                proven.add(kind)
        except _Unbounded:
            return frozenset()
    return frozenset(proven)


@lru_cache(maxsize=256)
def _never_dot_names(pattern: str, mode: str, flags: int) -> bool:
    """Whether an anchored pattern that lets no separator through refuses `.` and `..` whole:
    text with no separator is one path component, which then names a file in the folder it is
    joined to (`[a-z0-9]+(?:\\.[a-z0-9]+)*` lets dots through, never alone). Matched, not
    inferred: the pattern is compiled and tried on those two texts only."""
    try:
        compiled = re.compile(pattern, flags)
    except (re.error, TypeError, ValueError, OverflowError):
        return False
    check = getattr(compiled, mode)
    return not any(check(name) for name in (".", ".."))


@lru_cache(maxsize=256)
def finds_separator(pattern: str, flags: int = 0) -> bool:
    """Whether `re.search(pattern, text)` finds every `/` in any text: the pattern is one
    character class or literal (maybe repeated) that matches `/` alone (`[/|]`, `/`, `[\\/]+`),
    so text it finds nothing in holds no separator."""
    try:
        parsed = list(P.parse(pattern, flags))
        compiled = re.compile(pattern, flags)
    except Exception:
        return False
    if len(parsed) != 1:
        return False
    op, argument = parsed[0]
    if op in (C.MAX_REPEAT, C.MIN_REPEAT):
        low, _, inner = argument
        if low < 1 or len(inner) != 1:
            return False
        op = inner[0][0]
    return op in (C.IN, C.LITERAL) and compiled.fullmatch("/") is not None


#: `[^...]`, once or repeated: a pattern that matches every character outside a class, one by one
_NEGATED_CLASS = re.compile(r"\[\^((?:\\.|[^\]\\])+)\][+*]?")


@lru_cache(maxsize=256)
def removal_proven_kinds(pattern: object, replacement: object) -> frozenset[str]:
    """Sink families `re.sub(pattern, replacement, value)` makes any value harmless for: the
    pattern replaces every character outside an allow-list class (`[^a-f0-9]`), and the
    replacement is empty or made of allowed characters, so only the class's characters remain."""
    allowed = _kept_class(pattern, replacement)
    return proven_kinds(allowed) if allowed is not None else frozenset()


def removal_leaves_one_component(pattern: object, replacement: object) -> bool:
    """Whether `re.sub(pattern, replacement, value)` leaves no path separator (`/`, `\\`): one
    component, though maybe `..` (`re.sub("[^a-z0-9.-]", "_", name)`); with a constant name part
    after it in the same component (`+ ".json"`) it names a file in its folder."""
    allowed = _kept_class(pattern, replacement)
    try:
        return allowed is not None and not re.fullmatch(allowed, "/") and not re.fullmatch(allowed, "\\")
    except re.error:
        return False


@lru_cache(maxsize=256)
def _kept_class(pattern: object, replacement: object) -> str | None:
    """`[class]*` when `re.sub(pattern, replacement, value)` replaces every character outside an
    allow-list class (`[^a-f0-9]`) by text of that class: only the class's characters remain."""
    if not isinstance(pattern, str) or not isinstance(replacement, str) or "\\" in replacement:
        return None
    found = _NEGATED_CLASS.fullmatch(pattern)
    if found is None:
        return None
    allowed = f"[{found.group(1)}]*"
    try:
        return allowed if re.fullmatch(allowed, replacement) else None
    except re.error:
        return None
