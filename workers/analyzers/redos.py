"""A structural check for regular expressions prone to catastrophic backtracking (ReDoS).

Python's `re` backtracks. A repeated group lets the engine split a run of input between
iterations in many ways when (a) its body holds a variable-length quantifier and nothing
the body must match separates one iteration's run from the next (`(\\w+\\s?)+`, `(a+)+`),
or (b) two of its alternatives can start with the same character (`(a|ab)*`, `(\\w|\\d)+`).
A non-matching input then takes exponential time.

Polynomial blow-ups are read on the pattern flattened into one sequence per way through its
alternatives: an unbounded run, then a later run that a run of one of its characters can also
feed, with only optional parts or parts matching that character between them, then something
that can still fail. Every split of such a run between the two is retried: quadratic time (more
with `re.search`). Reported when a mandatory character separates the runs (`.*a.*a`,
`(.*)@[^/]*$`) or three runs share a character (`x*.*?x*$`).

Limits (documented in docs/users/security.md): two bare adjacent runs (`.*?[.,]+$`, `\\s*(.*)`)
are not reported, the idiom is everywhere; runs whose shared characters are only whitespace are
the trimming idiom; a run is judged by the single characters it can repeat (`(ab)*` against
`(ab)*` is not seen); an alternative opening with a lookbehind is not compared with the others;
a part built from a value prguard cannot see (another module's constant) is one opaque
character; back-references are unknown; possessive quantifiers and atomic groups (Python 3.11+)
never backtrack and are safe by construction.
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


#: what stands for a part of a pattern built from a value prguard cannot see (another module's
#: constant): one character that nothing else matches, so it neither joins nor separates runs
OPAQUE = "\ue000"


def _element_first(op, av) -> tuple[Chars, bool]:
    """(first characters, whether the element can match the empty string)."""
    if op == C.LITERAL:
        return (frozenset() if chr(av) == OPAQUE else frozenset({chr(av)})), False
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
    if any(p is None for p in parts):
        return None
    negated = [p for p in parts if isinstance(p, Negated)]
    if not negated:
        return frozenset().union(*parts)
    excluded = frozenset.intersection(*negated)  # `[^ab]` or `[^bc]`: all but b
    for part in parts:
        if not isinstance(part, Negated):
            excluded = excluded - part
    return Negated(excluded)


def _variable_runs(items) -> list[Chars]:
    """Characters of each variable-length quantifier inside a sequence (at any depth)."""
    found: list[Chars] = []
    for op, av in items:
        if op in _REPEATS:
            low, high, body = av
            if high != low:
                found.append(_pumped(body))
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


def _behind(items) -> bool:
    """The sequence opens with a lookbehind assertion (looking through groups)."""
    items = list(items)
    while items and items[0][0] == C.SUBPATTERN:
        items = list(items[0][1][-1])
    return bool(items) and items[0][0] in (C.ASSERT, C.ASSERT_NOT) and items[0][1][0] == -1


def _check(items) -> str | None:
    for op, av in items:
        if op in _REPEATS:
            _low, high, body = av
            unbounded = high == C.MAXREPEAT or high > 10
            if unbounded:
                branches = _branches(body)
                if branches:
                    # an alternative opening with a lookbehind (`(?<!\\)\\*`) cannot start where
                    # another one's run could continue: the engine never takes both readings
                    firsts = [_first_chars(b) for b in branches if not _behind(b)]
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


# -- polynomial: adjacent runs over the same characters -------------------------------------------

_POLYNOMIAL = "adjacent unbounded runs that can match the same characters ({detail})"
_END_ANCHORS = (C.AT_END, C.AT_END_STRING)


def _intersect(a: Chars, b: Chars) -> Chars:
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, Negated) and isinstance(b, Negated):
        return Negated(a | b)
    if isinstance(a, Negated):
        return frozenset(b - a)
    if isinstance(b, Negated):
        return frozenset(a - b)
    return frozenset(a & b)


def _empty(chars: Chars) -> bool:
    return chars is not None and not isinstance(chars, Negated) and not chars


class _Element:
    """One step of a flattened sequence: the characters it matches, whether it can be skipped,
    whether it is an unbounded run, whether it is an end anchor."""

    __slots__ = ("chars", "end", "optional", "run", "taken", "zero")

    def __init__(self, chars: Chars, optional: bool, run: bool, end: bool = False, zero: bool = False):
        self.chars, self.optional, self.run, self.end, self.zero = chars, optional, run, end, zero
        self.taken = False  # inside an optional group read as taken: it cannot be relied on to fail


_MAX_VARIANTS = 32


def _flatten(items, depth: int = 0, taken: bool = False) -> list[list[_Element]]:
    """The sequence as flat lists of elements, one per way through its alternatives (at most
    `_MAX_VARIANTS`; beyond that an alternation is one element). Groups and optional groups are
    read inline (`(?:(.*)@)?x` as `.* @ x`, taken); a repeat is one element."""
    variants: list[list[_Element]] = [[]]
    for op, av in items:
        options = _options(op, av, depth, taken)
        if len(variants) * len(options) > _MAX_VARIANTS:
            options = [[_one(op, av, taken)]]
        variants = [[*v, *o] for v in variants for o in options]
    return variants


def _options(op, av, depth: int, taken: bool) -> list[list[_Element]]:
    if op == C.SUBPATTERN and depth < 20:
        return _flatten(av[-1], depth + 1, taken)
    if op in _REPEATS and av[0] == 0 and av[1] == 1 and depth < 20:
        return _flatten(av[2], depth + 1, True)  # an optional group, read as taken
    if op == C.BRANCH and depth < 20 and len(av[1]) <= _MAX_VARIANTS:
        return [variant for branch in av[1] for variant in _flatten(branch, depth + 1, taken)]
    return [[_one(op, av, taken)]]


def _pumped(items) -> Chars:
    """Characters a run of this sequence, repeated, can be made of alone: every mandatory part
    must match it (`(\\.\\d+)*` never matches a run of digits: each repeat needs a dot). A run
    repeating a longer period (`(ab)*` against `(ab)*`) is not judged."""
    out: Chars = None
    mandatory = False
    for op, av in items:
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue
        if op in _REPEATS:
            if av[0] == 0:
                continue
            inner = _pumped(av[2])
        elif op == C.SUBPATTERN:
            inner = _pumped(av[-1])
        elif op == C.BRANCH:
            if any(_width(b)[0] == 0 for b in av[1]):
                continue  # an alternative can be empty: the alternation is optional
            inner = _union([_pumped(b) for b in av[1]])
        else:
            inner, _ = _element_first(op, av)
        out = _intersect(out, inner)
        mandatory = True
    return out if mandatory else _chars(items)


def _one(op, av, taken: bool) -> _Element:
    """One element standing for a whole item."""
    if op in _REPEATS:
        low, high, body = av
        element = _Element(_pumped(body), low == 0 or _width(body)[0] == 0, high == C.MAXREPEAT)
    elif op == C.BRANCH or op == C.SUBPATTERN:
        low, high = _width([(op, av)])
        element = _Element(_pumped([(op, av)]), low == 0, high == float("inf"))
    elif op == C.AT:
        element = _Element(frozenset(), True, False, end=av in _END_ANCHORS, zero=True)
    elif op in (C.ASSERT, C.ASSERT_NOT):
        element = _Element(frozenset(), True, False, zero=True)
    elif op in (C.LITERAL, C.IN, C.NOT_LITERAL, C.ANY):
        element = _Element(_element_first(op, av)[0], False, False)
    else:  # back-references, conditionals: unknown width and characters
        element = _Element(None, True, True)
    element.taken = taken
    return element


def _can_fail_after(elements: list[_Element], index: int) -> bool:
    """Something after `index` must still match (an end anchor, a mandatory character): without
    it the first split the engine tries succeeds and nothing is retried."""
    return any(e.end or not (e.optional or e.zero or e.taken) for e in elements[index + 1 :])


def _polynomial_in(elements: list[_Element]) -> str | None:
    """A run, then a run over some of the same characters, with only optional parts or parts
    that also match them in between, then something that can fail: the engine retries every
    split of a run of those characters between the two (`.*a.*a`, `(.*)@[^/]*$`). Reported when
    a mandatory character separates the runs, or three runs chain (`x*.*?y*$`): two bare adjacent
    runs (`\\s*(.*)`) are the trimming idiom, quadratic at worst and everywhere."""
    for start, first in enumerate(elements):
        if not first.run or (first.chars is not None and _empty(first.chars)):
            continue
        carry, separated, chain = first.chars, False, 1
        for index in range(start + 1, len(elements)):
            element = elements[index]
            if element.end:
                break
            if element.zero:
                continue
            if element.run:
                if _overlap(carry, element.chars):
                    chain += 1
                    shared = _intersect(carry, element.chars)
                    if _only_space(shared):
                        break  # `\\s*(.+?)\\s*$`, `\\s*=\\s*`: runs that share only spaces trim them
                    if (separated or chain >= 3) and _can_fail_after(elements, index):
                        kind = "a character both can match between them" if separated else "three in a row"
                        return _POLYNOMIAL.format(detail=kind)
                    carry = _intersect(carry, element.chars) if element.chars is not None else carry
                    continue
                if element.optional:
                    continue
                break
            if element.optional:
                continue
            carry = _intersect(carry, element.chars)
            separated = True
            if _empty(carry):
                break
    return None


def _only_space(chars: Chars) -> bool:
    return chars is not None and not isinstance(chars, Negated) and chars <= _SPACE


def _polynomial(items) -> str | None:
    for elements in _flatten(items):
        found = _polynomial_in(elements)
        if found:
            return found
    return None


@lru_cache(maxsize=2048)
def redos_problem(pattern: str | bytes) -> str | None:
    """Why `pattern` is prone to catastrophic backtracking, or None (also for invalid patterns)."""
    if isinstance(pattern, bytes):
        pattern = pattern.decode("latin-1")
    try:
        parsed = P.parse(pattern)
    except Exception:
        return None
    items = list(parsed)
    return _check(items) or _polynomial(items)
