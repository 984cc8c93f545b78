"""Unified diff → which head lines were added and which GitHub lets us comment on.

GitHub accepts review comments only on RIGHT-side lines inside a hunk, and a
multi-line comment only when both ends are in the same hunk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from prguard.engine.model import Hunk

_HUNK_HEADER = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def added_patch_lines(patch: str | None) -> Iterator[tuple[int, str]]:
    """(head line number, text) of every line a unified diff (hunks only, any context) adds."""
    line_no = 0
    in_hunk = False
    for raw in (patch or "").splitlines():
        header = _HUNK_HEADER.match(raw)
        if header:
            line_no = int(header.group(1))
            in_hunk = True
            continue
        if not in_hunk or raw.startswith("\\"):
            continue  # file headers, "\ No newline at end of file"
        if raw.startswith("+"):
            yield line_no, raw[1:]
            line_no += 1
        elif not raw.startswith("-"):
            line_no += 1


@dataclass(frozen=True, slots=True)
class FileDiff:
    """The diff of one file in head line numbers."""

    hunks: tuple[Hunk, ...]
    whole_file_added: bool = False  # a new file without a patch: every line is added

    @classmethod
    def parse(cls, patch: str | None) -> FileDiff:
        """Parse the hunks of one file's unified diff (headers before the first @@ are ignored).

        The same patch gives the same (immutable) diff: the engine, the added-line count and the
        impact index each ask for every changed file's, so the last few are kept."""
        if not patch:
            return cls(hunks=())
        if cls is FileDiff:
            return _parsed(patch)
        return cls._parse(patch)

    @classmethod
    def _parse(cls, patch: str) -> FileDiff:
        hunks: list[Hunk] = []
        start = count = 0
        line_no = 0
        added: set[int] = set()
        in_hunk = False

        def close() -> None:
            if in_hunk:
                hunks.append(Hunk(start, count, frozenset(added)))

        for raw in patch.splitlines():
            header = _HUNK_HEADER.match(raw)
            if header:
                close()
                start = int(header.group(1))
                count = int(header.group(2)) if header.group(2) is not None else 1
                line_no = start
                added = set()
                in_hunk = True
                continue
            if not in_hunk or raw.startswith("\\"):
                continue  # file headers, "\ No newline at end of file"
            if raw.startswith("+"):
                added.add(line_no)
                line_no += 1
            elif raw.startswith("-"):
                continue
            else:
                line_no += 1
        close()
        return cls(hunks=tuple(hunks))

    @classmethod
    def all_added(cls, line_count: int) -> FileDiff:
        """A new file whose diff is not known: every line is added and commentable."""
        lines = frozenset(range(1, line_count + 1))
        return cls(hunks=(Hunk(1, line_count, lines),) if line_count else (), whole_file_added=True)

    @property
    def added_lines(self) -> frozenset[int]:
        out: set[int] = set()
        for hunk in self.hunks:
            out |= hunk.added
        return frozenset(out)

    def touches_added(self, start: int, end: int) -> bool:
        """True when any line in start..end was added by the change."""
        return any(any(start <= line <= end for line in hunk.added) for hunk in self.hunks)

    def hunk_for(self, line: int) -> Hunk | None:
        for hunk in self.hunks:
            if hunk.contains(line):
                return hunk
        return None

    def is_commentable(self, line: int) -> bool:
        return self.hunk_for(line) is not None

    def commentable_range(self, start: int, end: int) -> bool:
        """Can one review comment span start..end (same hunk, right side)?"""
        hunk = self.hunk_for(end)
        return hunk is not None and hunk.contains(start)


@lru_cache(maxsize=64)
def _parsed(patch: str) -> FileDiff:
    return FileDiff._parse(patch)
