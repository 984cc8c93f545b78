"""Fast "does this range touch an added line?" for one file's diff (bisect over sorted lines).

`FileDiff.touches_added` scans every added line per query; the engine and the
complexity analyzer ask once per finding or function, which on a large new file
would be quadratic.
"""

from __future__ import annotations

from bisect import bisect_left

from prguard.engine.diffmap import FileDiff


class AddedLines:
    """The added lines of one file's diff, sorted once."""

    __slots__ = ("lines",)

    def __init__(self, diff: FileDiff) -> None:
        self.lines = sorted(diff.added_lines)

    def touches(self, start: int, end: int) -> bool:
        """True when any line in start..end was added by the change."""
        index = bisect_left(self.lines, start)
        return index < len(self.lines) and self.lines[index] <= end

    def __bool__(self) -> bool:
        return bool(self.lines)
