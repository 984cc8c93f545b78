"""One name-matching syntax for every rule table that names Python things.

Taint sources, sinks and sanitizers, policy `rules:` (`call`, `exclude_calls`,
`module`, `decorator`) and instrumentation clients all name calls, objects and
types by their *qualified name*, the dotted name the resolver gives them
(`subprocess.run`, `ldap3.Connection.search`, `logging.Logger.info`).

A pattern is a dotted name. The one wildcard is `*` standing for a whole segment:

- at the start it matches any run of leading segments, or none:
  `*.execute` matches `execute`, `cursor.execute`, `sqlite3.Cursor.execute`;
- anywhere else it matches one or more whole segments:
  `requests.*` matches `requests.get` and `requests.adapters.HTTPAdapter.send`,
  not `requests` itself; `django.*.HttpResponse` matches `django.http.HttpResponse`.

Older spellings stay valid, as aliases (they are part of public policy files):

- a `*` inside a segment (`subprocess.*open`, `requests.get*`) is read the way policy
  `rules:` always read it: shell-style, `*` matching any characters, dots included;
- the taint tables' dotted-suffix reading: there, a pattern with a dot and no `*`
  (`request.GET`) also matches any name ending in `.` + pattern (`self.request.GET`),
  as if written `*.request.GET`. Only callers that ask for it (`suffix=True`) get it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

WILDCARD = "*"


@lru_cache(maxsize=4096)
def _segment_regex(pattern: str) -> re.Pattern[str] | None:
    """The regex of a pattern whose `*` are whole segments; None for a legacy in-segment `*`."""
    parts = pattern.split(".")
    if any(WILDCARD in part and part != WILDCARD for part in parts):
        return None
    out: list[str] = []
    for index, part in enumerate(parts):
        if part == WILDCARD:
            out.append(r"(?:[^.]+\.)*" if index == 0 else r"[^.]+(?:\.[^.]+)*")
            if index != 0 and index != len(parts) - 1:
                out.append(r"\.")
        else:
            out.append(re.escape(part) + (r"\." if index != len(parts) - 1 else ""))
    return re.compile("".join(out))


def matches(name: str, pattern: str, *, suffix: bool = False) -> bool:
    """Whether qualified `name` matches `pattern` (see the module docstring).

    `suffix=True` adds the taint tables' legacy dotted-suffix reading.
    """
    if pattern in (name, WILDCARD):
        return True
    if WILDCARD not in pattern:
        return suffix and "." in pattern and name.endswith("." + pattern)
    compiled = _segment_regex(pattern)
    if compiled is None:
        return fnmatchcase(name, pattern)
    return compiled.fullmatch(name) is not None


def last_segment(pattern: str) -> str:
    """The segment every name a pattern matches ends with (`*` when it can end with anything)."""
    last = pattern.rsplit(".", 1)[-1]
    return WILDCARD if WILDCARD in last else last


class PatternIndex:
    """Patterns indexed by their last segment: a lookup compares a name with a handful of them.

    Every pattern whose last segment has no `*` only matches names ending with that segment;
    the others are tried for every name.
    """

    def __init__(self, patterns: Iterable[str], values: Iterable[Any] = (), *, suffix: bool = False) -> None:
        self.patterns = list(patterns)
        self.values = list(values)  # what each pattern stands for (a kind, a sink), if given
        self.suffix = suffix
        self._by_last: dict[str, list[tuple[int, str]]] = {}
        for position, pattern in enumerate(self.patterns):
            self._by_last.setdefault(last_segment(pattern), []).append((position, pattern))

    def candidates(self, name: str) -> list[tuple[int, str]]:
        """(position, pattern) of the patterns that may match `name`, in table order."""
        last = name.rsplit(".", 1)[-1]
        rows = self._by_last.get(last, [])
        wild = self._by_last.get(WILDCARD)
        if wild and last != WILDCARD:
            rows = sorted(rows + wild)
        return rows

    def matching(self, name: str, *, dotted_only: bool = False) -> list[int]:
        """Positions of every pattern matching `name` (only patterns with a dot, if asked)."""
        return [
            position
            for position, pattern in self.candidates(name)
            if (not dotted_only or "." in pattern) and matches(name, pattern, suffix=self.suffix)
        ]

    def first_match(self, name: str, *, dotted_only: bool = False) -> int | None:
        """Position of the first pattern matching `name`, or None."""
        for position, pattern in self.candidates(name):
            if (not dotted_only or "." in pattern) and matches(name, pattern, suffix=self.suffix):
                return position
        return None


@lru_cache(maxsize=64)
def _index(patterns: frozenset[str], suffix: bool) -> PatternIndex:
    return PatternIndex(sorted(patterns), suffix=suffix)


@lru_cache(maxsize=16384)
def matches_any(name: str, patterns: frozenset[str], *, suffix: bool = False) -> bool:
    """Whether `name` matches any pattern of a fixed table (cached: tables never change)."""
    return _index(patterns, suffix).first_match(name) is not None
