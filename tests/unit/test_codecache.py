"""prguard.codecache: dataclasses and regular expressions built from what it keeps behave as those
compiled from source."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys

PROBE = r"""
import sys
if sys.argv[1] == "cached":
    from prguard import codecache
    codecache.install()
import dataclasses, inspect
from dataclasses import dataclass, field

@dataclass(frozen=True, order=True, slots=True)
class Point:
    x: int
    y: "int" = 0
    tags: tuple = ()

@dataclass(kw_only=True)
class Box:
    items: list = field(default_factory=list)
    name: str | None = None
    def __post_init__(self):
        self.items.append(self.name)

p, q = Point(1, 2), Point(1, 3, ("a",))
print(repr(p), p == Point(1, 2), p < q, hash(p) == hash(Point(1, 2)), sorted([q, p])[0] is p)
b = Box(name="n")
print(repr(b), b == Box(name="n"), b.items)
print(inspect.signature(Point), inspect.signature(Box), Point.__init__.__annotations__)
print(Point.__init__.__qualname__, Box.__repr__.__qualname__, Point.__init__.__code__.co_filename)
try:
    p.x = 5
except dataclasses.FrozenInstanceError as error:
    print("frozen", error)
import re, warnings
cases = [
    (r"(?P<key>[A-Za-z_]\w*)\s*=\s*(?P<value>.+?)$", re.M, "a = 1\nb_2=two"),
    (r"(?i)(?<!x)ab{2,5}(c|d)*?", 0, "xabb zABBBcd Abbd"),
    (r"^\s*#\s*(nosec|noqa)\b:?(.*)", re.I | re.X, "  # NOSEC: B101"),
    (rb"\x00+(?P<n>[0-9]+)", 0, b"..\x00\x0012 3"),
    (r"[\u00e9\w]+|\d{3,}", re.A, "caf\u00e9 12345"),
]
for pattern, flags, text in cases:
    p = re.compile(pattern, flags)
    print(p.pattern, p.flags, p.groups, dict(p.groupindex), [m.span() for m in p.finditer(text)],
          [m.groups() for m in p.finditer(text)], p.sub(lambda m: m.group(0)[:1], text))
print(re.sub("-", "+", "a-b"), re.split(r"\s+", "a  b"))  # re's int-subclass default flags
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    re.compile("[[a]b")  # a parse that warns is not taken from the cache: it warns every time
print("warned", [str(w.message) for w in caught])
if sys.argv[1] == "cached":
    print("compiled", sum(entry.added for entry in codecache._installed))
"""


def _run(kind: str, cache) -> list[str]:
    env = {**os.environ, "PRGUARD_CACHE_DIR": str(cache)}
    command = [sys.executable, "-c", PROBE, kind]
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout.splitlines()


def test_cached_dataclasses_and_patterns_behave_as_compiled_ones_and_are_reused(tmp_path):
    plain = _run("plain", tmp_path)
    first = _run("cached", tmp_path)
    again = _run("cached", tmp_path)
    assert first[:-1] == plain and again[:-1] == plain
    assert first[-1] != "compiled 0"  # the first run compiled the methods and kept them
    assert again[-1] == "compiled 0"  # the next found them all
    assert list((tmp_path / "dataclass-code").glob("*.marshal"))
    assert list((tmp_path / "regex-code").glob("*.marshal"))


def test_entries_that_are_not_what_a_run_wrote_are_compiled_again(tmp_path):
    """The cache directory is the user's own, but an entry can still be damaged: a value that is
    not a code object, or not a compiled pattern's parts, is compiled afresh, never run."""
    plain = _run("plain", tmp_path)
    _run("cached", tmp_path)
    for path in [
        *(tmp_path / "dataclass-code").glob("*.marshal"),
        *(tmp_path / "regex-code").glob("*.marshal"),
    ]:
        entries = marshal.loads(path.read_bytes())
        path.write_bytes(marshal.dumps({key: "raise SystemExit(3)" for key in entries}))
    damaged = _run("cached", tmp_path)
    assert damaged[:-1] == plain
