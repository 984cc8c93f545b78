"""Checks for the globs and regular expressions that policy files may contain.

A policy is written by an org admin but runs inside every review, so a glob or a
regex in it must not be able to hang a worker: regexes with nested quantifiers
(catastrophic backtracking, e.g. `(a+)+$`) are rejected before they are ever used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

try:  # Python 3.11+: the regex parser lives in re._parser (sre_parse is a deprecated alias)
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - older interpreters are not supported anyway
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

MAX_GLOB_LENGTH = 500
MAX_GLOB_WILDCARDS = 20
MAX_REGEX_LENGTH = 1000
#: an outer quantifier allowing more repetitions than this counts as "repeating"
_BOUNDED_REPEAT_LIMIT = 10


class PatternError(ValueError):
    """A glob or regex that prguard refuses to use; the message says why and how to fix it."""


def check_glob(glob: str) -> None:
    """Raise PatternError unless `glob` is a usable repository-relative path glob."""
    if not glob or not glob.strip():
        raise PatternError("empty glob")
    if len(glob) > MAX_GLOB_LENGTH:
        raise PatternError(f"glob is longer than {MAX_GLOB_LENGTH} characters")
    if any(ch in glob for ch in "\x00\n\r"):
        raise PatternError("glob contains a control character")
    if "\\" in glob:
        raise PatternError("use '/' as the path separator (backslashes are not allowed in globs)")
    if "{" in glob or "}" in glob:
        raise PatternError("brace expansion {a,b} is not supported; list each pattern separately")
    segments = glob.split("/")
    if ".." in segments:
        raise PatternError("'..' cannot appear in a glob")
    for segment in segments:
        if "**" in segment and segment != "**":
            raise PatternError(f"'**' must be a whole path segment (got {segment!r}); use '**/' or '*'")
    if glob.count("*") + glob.count("?") > MAX_GLOB_WILDCARDS:
        raise PatternError(f"glob has more than {MAX_GLOB_WILDCARDS} wildcards")
    _check_brackets(glob)


def _check_brackets(glob: str) -> None:
    """Every '[' opens a character class that must close on the same segment."""
    i = 0
    while i < len(glob):
        if glob[i] == "]":
            raise PatternError(f"unmatched ']' at position {i + 1}")
        if glob[i] != "[":
            i += 1
            continue
        j = i + 1
        if j < len(glob) and glob[j] in "!^":
            j += 1
        if j < len(glob) and glob[j] == "]":
            j += 1  # a leading ']' is a literal member of the class
        while j < len(glob) and glob[j] not in "]/":
            j += 1
        if j >= len(glob) or glob[j] != "]":
            raise PatternError(f"unclosed '[' at position {i + 1}")
        if j == i + 1:
            raise PatternError(f"empty character class at position {i + 1}")
        i = j + 1


def check_regex(pattern: str) -> re.Pattern[str]:
    """Compile `pattern`, refusing ones that could backtrack catastrophically."""
    if len(pattern) > MAX_REGEX_LENGTH:
        raise PatternError(f"regex is longer than {MAX_REGEX_LENGTH} characters")
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise PatternError(f"regex does not compile: {exc}") from None
    except (RecursionError, OverflowError):
        raise PatternError("regex is too deeply nested") from None
    danger = _nested_quantifier(sre_parse.parse(pattern))
    if danger:
        raise PatternError(
            f"regex could backtrack catastrophically: {danger}; "
            "rewrite it without a quantifier inside a repeated group "
            "(or use a possessive quantifier / atomic group)"
        )
    return compiled


def _nested_quantifier(parsed: Iterable[tuple[Any, Any]], outer: str | None = None) -> str | None:
    """Describe the first variable-length repeat nested inside an unbounded repeat, if any."""
    for op, av in parsed:
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            low, high, body = av
            variable = high != low
            if outer and variable:
                return f"a quantifier ({_describe_repeat(low, high)}) is nested inside another ({outer})"
            repeating = high == sre_constants.MAXREPEAT or high > _BOUNDED_REPEAT_LIMIT
            found = _nested_quantifier(body, _describe_repeat(low, high) if repeating else outer)
            if found:
                return found
            if repeating and _has_duplicate_branches(body):
                repeat = _describe_repeat(low, high)
                return f"a repeated group ({repeat}) has alternatives that match the same text"
        elif op == sre_constants.SUBPATTERN:
            found = _nested_quantifier(av[-1], outer)
            if found:
                return found
        elif op == sre_constants.BRANCH:
            for branch in av[1]:
                found = _nested_quantifier(branch, outer)
                if found:
                    return found
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            found = _nested_quantifier(av[1], outer)
            if found:
                return found
        elif op == sre_constants.GROUPREF_EXISTS:
            for branch in av[1:]:
                if branch is not None:
                    found = _nested_quantifier(branch, outer)
                    if found:
                        return found
        # POSSESSIVE_REPEAT and ATOMIC_GROUP never backtrack into their body: safe by construction.
    return None


def _has_duplicate_branches(body: Iterable[tuple[Any, Any]]) -> bool:
    items = list(body)
    while len(items) == 1 and items[0][0] == sre_constants.SUBPATTERN:
        items = list(items[0][1][-1])
    if len(items) != 1 or items[0][0] != sre_constants.BRANCH:
        return False
    seen: set[str] = set()
    for branch in items[0][1][1]:
        key = repr(list(branch))
        if key in seen:
            return True
        seen.add(key)
    return False


def _describe_repeat(low: int, high: int) -> str:
    if high == sre_constants.MAXREPEAT:
        return {0: "*", 1: "+"}.get(low, f"{{{low},}}")
    if low == 0 and high == 1:
        return "?"
    return f"{{{low},{high}}}"
