"""The repository's Python modules a change left alone, read one at a time by module name.

Analyzers that follow a call out of the changed files (taint into a helper, instrumentation's
helper index) ask for a module when a call names it: its path comes from the repository's
module names (prguard.index.resolve, as the impact index names them), its text from the review's
repository snapshot: all of it on the command line; in the App, the sources it kept of the files
the change imports. A review without a snapshot has no other modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from typing import Any

from prguard.engine.model import decode_source
from prguard.engine.plugin import FileContext, SourceFile
from prguard.index.resolve import module_names

#: the largest module read (generated tables are no helpers)
MAX_MODULE_BYTES = 1_000_000

Reader = Callable[[list[str]], Mapping[str, bytes]]


def _nothing(paths: list[str]) -> dict[str, bytes]:
    return {}


class ProjectSources:
    """Module names of every Python file of the repository, and the text of those the change
    did not touch."""

    def __init__(self, changed_paths: Iterable[str], repository_paths: Iterable[str], read: Reader) -> None:
        self.changed = frozenset(changed_paths)
        self.paths = self.changed | set(repository_paths)
        self._read = read
        self._sources: dict[str, SourceFile | None] = {}

    @classmethod
    def for_review(cls, files: list[FileContext], repository: Any | None) -> ProjectSources:
        """The change's Python files over the snapshot, when the snapshot can still be read."""
        changed = [ctx.path for ctx in files if ctx.is_python]
        return cls(changed, *readable(repository))

    @cached_property
    def path_of(self) -> dict[str, str]:
        """Module name -> path, for every Python file (a file's most likely name wins over
        another file's second name)."""
        names = module_names(self.paths)
        path_of: dict[str, str] = {}
        for rank in range(3):
            for path, candidates in sorted(names.items()):
                if rank < len(candidates):
                    path_of.setdefault(candidates[rank], path)
        return path_of

    @cached_property
    def packages(self) -> set[str]:
        """Every dotted prefix of a module name (`svc` for `svc.client`, a folder without `__init__`)."""
        return {name.rsplit(".", i)[0] for name in self.path_of for i in range(name.count(".") + 1)}

    def module_of(self, qualname: str) -> tuple[str, str] | None:
        """(module, rest) for a qualified name inside a repository module, the longest module first."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module in self.path_of:
                return module, ".".join(parts[cut:])
        return None

    def text(self, path: str) -> str | None:
        """A repository file's text (None: unreadable, too large or not UTF-8)."""
        try:
            content = self._read([path]).get(path)
        except (OSError, KeyError):
            return None
        if content is None or len(content) > MAX_MODULE_BYTES:
            return None
        try:
            return decode_source(content)
        except UnicodeDecodeError:
            return None

    @property
    def files_read(self) -> list[str]:
        """The unchanged files read so far (what a review cost, for tests and profiles)."""
        return sorted(path for path, source in self._sources.items() if source is not None)

    def unchanged_source(self, module: str) -> SourceFile | None:
        """A module the change left alone, parsed (None: no such file in the repository, a
        changed file, or one that does not parse)."""
        path = self.path_of.get(module)
        if path is None or path in self.changed:
            return None
        if path not in self._sources:
            text = self.text(path)
            source = SourceFile(path, text) if text is not None else None
            try:
                if source is not None:
                    source.tree  # noqa: B018 - parse now: a file that does not parse is no module
            except (SyntaxError, RecursionError, ValueError):
                source = None
            self._sources[path] = source
        return self._sources[path]


def readable(repository: Any | None) -> tuple[Iterable[str], Reader]:
    """A snapshot's paths and reader, when it can be read: a whole snapshot, or one released
    with the sources it kept (files the change imports); otherwise none."""
    if repository is None:
        return (), _nothing
    if getattr(repository, "unavailable", "") and not getattr(repository, "retained", None):
        return (), _nothing
    return getattr(repository, "blobs", {}).keys(), repository.read
