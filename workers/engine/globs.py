"""Path globs for policy `paths.include` / `paths.exclude`, matched without regular expressions.

A policy is written by whoever controls a repository, so a glob must never be able
to stall a worker: instead of translating globs to regexes (which can backtrack
exponentially on patterns like `*a*a*a*a*b`), segments are matched with the
classic two-pointer wildcard algorithm and `**` with a table over segments. Both
are polynomial in the lengths involved, whatever the pattern.

Semantics (close to .gitignore):
- patterns match the repository-relative path, `/`-separated;
- `*`, `?` and `[...]` never cross a `/`; `**` as a whole segment matches zero or
  more directories (`**/*.py` also matches `setup.py`, `migrations/**` everything below);
- a pattern without a `/` matches the file name at any depth (`*_pb2.py`);
- a pattern ending in `/` matches everything below that directory.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

_MAX_PATTERN = 1000  # longer patterns are treated literally rather than trusted as globs


@dataclass(frozen=True, slots=True)
class Glob:
    """One compiled glob: its segments, and whether it only looks at the file name."""

    pattern: str
    segments: tuple[str, ...]
    basename_only: bool

    def matches(self, path: str) -> bool:
        parts = path.strip("/").split("/")
        if self.basename_only:
            return _match_segment(self.segments[0], parts[-1])
        return _match_segments(self.segments, tuple(parts))


@lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> Glob:
    """Compile one glob (cached: policies repeat the same few patterns)."""
    text = pattern.strip()[:_MAX_PATTERN]
    if text.startswith("./"):
        text = text[2:]
    if text.endswith("/"):
        text += "**"
    if "/" not in text:
        return Glob(pattern, (text,), basename_only=True)
    segments: list[str] = []
    for segment in text.strip("/").split("/"):
        if segment == "**" and segments and segments[-1] == "**":
            continue  # `**/**` is the same as `**`
        if segment:
            segments.append(segment)
    return Glob(pattern, tuple(segments), basename_only=False)


def matches_any(path: str, patterns: Iterable[str]) -> bool:
    """True when `path` matches at least one of `patterns`."""
    return any(compile_glob(p).matches(path) for p in patterns if isinstance(p, str) and p.strip())


def _match_segments(pattern: Sequence[str], parts: Sequence[str]) -> bool:
    """Match path segments against glob segments; `**` spans zero or more segments.

    Dynamic programming over (pattern index, path index): O(len(pattern) * len(parts))
    segment comparisons at most.
    """
    n_parts = len(parts)
    # reachable[j]: the pattern prefix seen so far can consume exactly parts[:j]
    reachable = [False] * (n_parts + 1)
    reachable[0] = True
    for segment in pattern:
        nxt = [False] * (n_parts + 1)
        if segment == "**":
            seen = False
            for j in range(n_parts + 1):
                seen = seen or reachable[j]
                nxt[j] = seen
        else:
            for j in range(n_parts):
                if reachable[j] and _match_segment(segment, parts[j]):
                    nxt[j + 1] = True
        reachable = nxt
        if not any(reachable):
            return False
    return reachable[n_parts]


def _match_segment(pattern: str, name: str) -> bool:
    """fnmatch for one path segment (`*`, `?`, `[seq]`, `[!seq]`), case-sensitive.

    Greedy two-pointer matching that backtracks only to the last `*`: O(len(pattern) * len(name)).
    """
    p = n = 0
    star_p = -1
    star_n = 0
    while n < len(name):
        if p < len(pattern) and pattern[p] == "*":
            while p < len(pattern) and pattern[p] == "*":
                p += 1
            star_p, star_n = p, n
            continue
        if p < len(pattern):
            width = _match_one(pattern, p, name[n])
            if width:
                p += width
                n += 1
                continue
        if star_p < 0:
            return False
        star_n += 1
        p, n = star_p, star_n
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def _match_one(pattern: str, p: int, char: str) -> int:
    """Width of the pattern token at `p` if it matches `char`, else 0."""
    symbol = pattern[p]
    if symbol == "?":
        return 1
    if symbol == "[":
        end = pattern.find("]", p + 2)
        if end < 0:
            return 1 if char == "[" else 0  # unclosed bracket: a literal "["
        body = pattern[p + 1 : end]
        negate = body[:1] in ("!", "^")
        if negate:
            body = body[1:]
        return end - p + 1 if _in_class(body, char) != negate else 0
    return 1 if symbol == char else 0


def _in_class(body: str, char: str) -> bool:
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            if body[i] <= char <= body[i + 2]:
                return True
            i += 3
        else:
            if body[i] == char:
                return True
            i += 1
    return False
