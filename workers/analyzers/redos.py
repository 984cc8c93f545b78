"""A structural check for regular expressions prone to catastrophic backtracking (ReDoS).

Python's `re` backtracks. A repeated group lets the engine split a run of input between
iterations in many ways when (a) its body holds a variable-length quantifier and nothing
the body must match separates one iteration's run from the next (`(\\w+\\s?)+`, `(a+)+`),
or (b) two of its alternatives can start with the same character (`(a|ab)*`, `(\\w|\\d)+`).
A non-matching input then takes exponential time.

Limits (documented in docs/users/security.md): the check reads each repeated group on its
own; polynomial blow-ups between adjacent quantifiers (`\\s*\\s*$`, `.*a.*a`) and back-references
are not judged; possessive quantifiers and atomic groups (Python 3.11+) never backtrack and
are safe by construction.
"""

from __future__ import annotations

import string
from functools import lru_cache

try:
    from re import _constants as C
    from re import _parser as P
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

Chars = frozenset[str] | None  # None: any character
_NO_SEPARATOR = "a quantifier inside a repeated group, with nothing that must separate the runs"
_WORD = frozenset(string.ascii_letters + string.digits + "_")
_DIGIT = frozenset(string.digits)
_SPACE = frozenset(" \t\n\r\x0b\x0c")
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT)
_NO_BACKTRACK = tuple(
    op for op in (getattr(C, "POSSESSIVE_REPEAT", None), getattr(C, "ATOMIC_GROUP", None)) if op
)


class Negated(frozenset):
    """Every character except these (a negated class `[^...]`)."""


def _class_chars(items) -> Chars:
    chars: set[str] = set()
    items = list(items)
    if items and items[0][0] == C.NEGATE:
        inner = _class_chars(items[1:])
        return Negated(inner) if inner is not None and not isinstance(inner, Negated) else None
    for op, av in items:
        if op == C.NEGATE:
            return None
        if op == C.LITERAL:
            chars.add(chr(av))
        elif op == C.RANGE:
            chars.update(chr(c) for c in range(av[0], min(av[1], 0x24F) + 1))
        elif op == C.CATEGORY:
            found = {C.CATEGORY_WORD: _WORD, C.CATEGORY_DIGIT: _DIGIT, C.CATEGORY_SPACE: _SPACE}.get(av)
            if found is None:
                return None
            chars.update(found)
        else:
            return None
    return frozenset(chars)


def _first_chars(items) -> Chars:
    """Characters the sequence can start with (None: any); empty when it can match nothing."""
    out: set[str] = set()
    for op, av in items:
        chars, optional = _element_first(op, av)
        if chars is None or isinstance(chars, Negated):
            return chars if not out and not optional else None
        out.update(chars)
        if not optional:
            return frozenset(out)
    return frozenset(out)


def _element_first(op, av) -> tuple[Chars, bool]:
    """(first characters, whether the element can match the empty string)."""
    if op == C.LITERAL:
        return frozenset({chr(av)}), False
    if op == C.IN:
        return _class_chars(av), False
    if op == C.NOT_LITERAL:
        return Negated({chr(av)}), False
    if op == C.ANY:
        return None, False
    if op in _REPEATS or op in _NO_BACKTRACK[:1]:
        low, _high, body = av
        return _first_chars(body), low == 0
    if op == C.SUBPATTERN:
        return _first_chars(av[-1]), False
    if op == C.BRANCH:
        firsts = [_first_chars(branch) for branch in av[1]]
        return _union(firsts), False
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return frozenset(), True
    return None, False


def _chars(items) -> Chars:
    """Every character a sequence can match (None: any)."""
    out: set[str] = set()
    for op, av in items:
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue
        if op in _REPEATS:
            inner = _chars(av[2])
        elif op == C.SUBPATTERN:
            inner = _chars(av[-1])
        elif op == C.BRANCH:
            inner = _union([_chars(b) for b in av[1]])
        else:
            inner, _ = _element_first(op, av)
        if inner is None or isinstance(inner, Negated):
            return inner if not out else None
        out.update(inner)
    return frozenset(out)


def _overlap(a: Chars, b: Chars) -> bool:
    if a is None or b is None:
        return True
    if isinstance(a, Negated) and isinstance(b, Negated):
        return True
    if isinstance(a, Negated):
        return bool(b - a)
    if isinstance(b, Negated):
        return bool(a - b)
    return bool(a & b)


def _union(parts: list[Chars]) -> Chars:
    if any(p is None or isinstance(p, Negated) for p in parts):
        return None
    return frozenset().union(*parts)


def _variable_runs(items) -> list[Chars]:
    """Characters of each variable-length quantifier inside a sequence (at any depth)."""
    found: list[Chars] = []
    for op, av in items:
        if op in _REPEATS:
            low, high, body = av
            if high != low:
                found.append(_chars(body))
            found.extend(_variable_runs(body))
        elif op == C.SUBPATTERN:
            found.extend(_variable_runs(av[-1]))
        elif op == C.BRANCH:
            # alternatives of different lengths are one more way to split a run only when one of
            # them can be empty or two can start alike (`a(?:|a)`); `[(<]|&lt;` is unambiguous
            firsts = [_first_chars(b) for b in av[1]]
            optional = any(_width(b)[0] == 0 for b in av[1])
            clash = any(_overlap(a, b) for i, a in enumerate(firsts) for b in firsts[i + 1 :])
            if optional or clash:
                found.append(_union([_chars(b) for b in av[1]]))
            for branch in av[1]:
                found.extend(_variable_runs(branch))
    return found


def _width(items) -> tuple[float, float]:
    """(shortest, longest) text a sequence can match."""
    low = high = 0.0
    for op, av in items:
        if op in (C.LITERAL, C.IN, C.ANY, C.NOT_LITERAL):
            low, high = low + 1, high + 1
        elif op in _REPEATS:
            inner_low, inner_high = _width(av[2])
            top = float("inf") if av[1] == C.MAXREPEAT else av[1] * inner_high
            low, high = low + av[0] * inner_low, high + top
        elif op == C.SUBPATTERN:
            inner_low, inner_high = _width(av[-1])
            low, high = low + inner_low, high + inner_high
        elif op == C.BRANCH:
            widths = [_width(b) for b in av[1]]
            low, high = low + min(w[0] for w in widths), high + max(w[1] for w in widths)
        elif op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue
        else:
            high = float("inf")
    return low, high


def _separators(items) -> list[Chars]:
    """Characters of the single-character elements every iteration must match."""
    out: list[Chars] = []
    for op, av in items:
        if op == C.LITERAL:
            out.append(frozenset({chr(av)}))
        elif op == C.IN:
            out.append(_class_chars(av))
        elif op == C.NOT_LITERAL:
            out.append(Negated({chr(av)}))
        elif op in _REPEATS and av[0] >= 1 and av[0] == av[1]:
            out.extend(_separators(av[2]))
        elif op in _REPEATS and av[0] >= 1:
            out.append(_chars(av[2]))  # a run that occurs at least once: `\s+` in `(?:\s+\w+)*`
        elif op == C.SUBPATTERN:
            out.extend(_separators(av[-1]))
    return out


def _branches(items) -> list[list] | None:
    items = list(items)
    while len(items) == 1 and items[0][0] == C.SUBPATTERN:
        items = list(items[0][1][-1])
    if len(items) == 1 and items[0][0] == C.BRANCH:
        return [list(b) for b in items[0][1][1]]
    if items and items[0][0] == C.IN and len(items) == 1:
        return None
    return None


def _check(items) -> str | None:
    for op, av in items:
        if op in _REPEATS:
            _low, high, body = av
            unbounded = high == C.MAXREPEAT or high > 10
            if unbounded:
                branches = _branches(body)
                if branches:
                    firsts = [_first_chars(b) for b in branches]
                    for index, first in enumerate(firsts):
                        for other in firsts[index + 1 :]:
                            if _overlap(first, other):
                                return "a repeated group whose alternatives can start with the same character"
                # alternatives that start apart are read one at a time: each needs its own separator
                for part in branches or [body]:
                    separators = _separators(part)
                    for run in _variable_runs(part):
                        if not any(not _overlap(sep, run) for sep in separators):
                            return _NO_SEPARATOR
            found = _check(body)
            if found:
                return found
        elif op == C.SUBPATTERN:
            found = _check(av[-1])
            if found:
                return found
        elif op == C.BRANCH:
            for branch in av[1]:
                found = _check(branch)
                if found:
                    return found
        elif op in (C.ASSERT, C.ASSERT_NOT):
            found = _check(av[1])
            if found:
                return found
    return None


@lru_cache(maxsize=2048)
def redos_problem(pattern: str) -> str | None:
    """Why `pattern` is prone to catastrophic backtracking, or None (also for invalid patterns)."""
    try:
        parsed = P.parse(pattern)
    except Exception:
        return None
    return _check(list(parsed))
