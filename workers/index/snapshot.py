"""A version of a repository's Python files, and the index built from it, file facts cached by blob.

Where the files come from is the caller's business: the CLI reads a local git tree
(`prguard.cli.gitrepo`), the App a repository archive (`from_tarball`). Either way each
file is known by its git blob id (the SHA-1 git would give its contents), and a file's
facts are cached under that id: a push that changes two files extracts two files.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from prguard.index.facts import FACTS_VERSION, ModuleFacts, extract
from prguard.index.resolve import RepositoryIndex

#: the largest Python file indexed (generated tables, vendored bundles beyond it are left out)
MAX_FILE_BYTES = 1_000_000
#: the most Python source an index holds (bytes): a snapshot beyond it is not used, with the reason said
MAX_SNAPSHOT_BYTES = 200_000_000


def blob_id(content: bytes) -> str:
    """The id git gives this content as a blob (so a cache filled from a tarball matches a git tree)."""
    digest = hashlib.sha1(b"blob %d\0" % len(content), usedforsecurity=False)
    digest.update(content)
    return digest.hexdigest()


def is_indexed_path(path: str) -> bool:
    return path.endswith(".py") and not any(part.startswith(".") for part in path.split("/")[:-1])


@dataclass
class RepositorySnapshot:
    """The Python files of one version of a repository.

    `blobs` maps each path to its git blob id; `read(paths)` returns the contents of
    those paths (only the files the cache does not know are read). `unavailable`, when
    set, says why there is no usable snapshot (too large, not fetched): the review
    then reports the reason instead of an impact section.
    """

    blobs: dict[str, str]
    read: Callable[[list[str]], Mapping[str, bytes]]
    label: str = ""
    cache: FactsCache | None = None
    unavailable: str = ""
    stats: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def unusable(cls, reason: str, label: str = "") -> RepositorySnapshot:
        return cls({}, lambda paths: {}, label=label, unavailable=reason)

    @classmethod
    def from_files(cls, files: Mapping[str, bytes], **kwargs: Any) -> RepositorySnapshot:
        """A snapshot of contents already in memory (tests, a tarball just read)."""
        indexed = {p: c for p, c in files.items() if is_indexed_path(p) and len(c) <= MAX_FILE_BYTES}
        return cls(
            {p: blob_id(c) for p, c in indexed.items()},
            lambda paths: {p: indexed[p] for p in paths},
            **kwargs,
        )

    def index(self, replaced: Mapping[str, bytes | None] | None = None) -> RepositoryIndex:
        """The index of this version, with `replaced` files swapped (None: the file is absent).

        The base of a change is its head with the changed files at their base contents,
        so one snapshot (the head's) gives both sides.
        """
        replaced = replaced or {}
        wanted = {p: b for p, b in self.blobs.items() if p not in replaced}
        facts: dict[str, ModuleFacts] = {}
        missing: list[str] = []
        for path, blob in wanted.items():
            known = _lookup(self.cache, blob, path)
            if known is None:
                missing.append(path)
            else:
                facts[path] = known
        contents = self.read(missing) if missing else {}
        for path in missing:
            content = contents.get(path)
            if content is None:
                continue
            facts[path] = _extract_and_store(self.cache, path, content, wanted[path])
        for path, content in replaced.items():
            if content is not None and is_indexed_path(path) and len(content) <= MAX_FILE_BYTES:
                blob = blob_id(content)
                facts[path] = _lookup(self.cache, blob, path) or _extract_and_store(
                    self.cache, path, content, blob
                )
        self.stats["extracted"] = self.stats.get("extracted", 0) + len(missing)
        self.stats["files"] = len(facts)
        if self.cache is not None:
            self.cache.flush()
        return RepositoryIndex(facts)


def _lookup(cache: FactsCache | None, blob: str, path: str) -> ModuleFacts | None:
    return cache.get(blob, path) if cache is not None else None


def _extract_and_store(cache: FactsCache | None, path: str, content: bytes, blob: str) -> ModuleFacts:
    facts = extract(path, content)
    if cache is not None:
        cache.put(blob, facts)
    return facts


class FactsCache:
    """File facts by blob id: in memory (bounded, shared by the reviews of one process) and, when
    given a directory, on disk as one pack file per repository (one read, one write per review).

    A pack holds the blobs the last review used; an unreadable pack is a cold start, never an error.
    """

    _memory: OrderedDict[str, dict[str, Any]] = OrderedDict()
    _memory_lock = threading.Lock()
    MEMORY_ENTRIES = 20_000

    def __init__(self, directory: str | Path | None = None, namespace: str = "default") -> None:
        self.directory = Path(directory) if directory else None
        self.namespace = hashlib.sha256(namespace.encode()).hexdigest()[:24]
        self._pack: dict[str, dict[str, Any]] | None = None
        self._used: dict[str, dict[str, Any]] = {}
        self._dirty = False

    @property
    def pack_path(self) -> Path | None:
        return self.directory / f"facts-v{FACTS_VERSION}-{self.namespace}.json" if self.directory else None

    def _load_pack(self) -> dict[str, dict[str, Any]]:
        if self._pack is None:
            self._pack = {}
            path = self.pack_path
            if path is not None and path.is_file():
                try:
                    import orjson

                    data = orjson.loads(path.read_bytes())
                    if isinstance(data, dict):
                        self._pack = data
                except (OSError, ValueError):
                    self._pack = {}
        return self._pack

    def get(self, blob: str, path: str) -> ModuleFacts | None:
        data = self._memory.get(blob)
        if data is None and self.directory is not None:
            data = self._load_pack().get(blob)
        if data is None:
            return None
        try:
            facts = ModuleFacts.from_json(data, path)
        except (KeyError, IndexError, TypeError, ValueError):
            return None
        self._used[blob] = data
        self._remember(blob, data)
        return facts

    def put(self, blob: str, facts: ModuleFacts) -> None:
        data = facts.to_json()
        self._used[blob] = data
        self._remember(blob, data)
        self._dirty = True

    def _remember(self, blob: str, data: dict[str, Any]) -> None:
        with self._memory_lock:
            self._memory[blob] = data
            self._memory.move_to_end(blob)
            while len(self._memory) > self.MEMORY_ENTRIES:
                self._memory.popitem(last=False)

    def flush(self) -> None:
        """Write the pack (the blobs this review used) when anything new was extracted."""
        path = self.pack_path
        if path is None or not (self._dirty or set(self._used) != set(self._load_pack())):
            return
        import orjson

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".facts-")
            with os.fdopen(handle, "wb") as out:
                out.write(orjson.dumps(self._used))
            os.replace(temporary, path)
            self._pack = dict(self._used)
            self._dirty = False
        except OSError:
            pass  # a cache that cannot be written only costs time

    @classmethod
    def forget_memory(cls) -> None:
        with cls._memory_lock:
            cls._memory.clear()


def default_cache_dir() -> Path:
    """`PRGUARD_INDEX_CACHE`, else the user's cache directory (`~/.cache/prguard/index`)."""
    configured = os.environ.get("PRGUARD_INDEX_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "prguard" / "index"


class ArchiveTooLarge(Exception):
    """The archive holds more Python source than an index takes."""


def from_tarball(
    stream: IO[bytes] | Iterable[bytes],
    *,
    label: str = "",
    cache: FactsCache | None = None,
    max_bytes: int = MAX_SNAPSHOT_BYTES,
) -> RepositorySnapshot:
    """A snapshot from a repository archive (`.tar.gz`, GitHub's tarball: one top folder).

    Read as a stream; only Python files are kept. More than `max_bytes` of Python source
    gives an unusable snapshot whose `unavailable` says so.
    """
    reader = stream if hasattr(stream, "read") else _ChunkReader(iter(stream))  # type: ignore[arg-type]
    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(fileobj=reader, mode="r|*") as archive:  # type: ignore[arg-type]
            for member in archive:
                if not member.isfile():
                    continue
                path = member.name.split("/", 1)[1] if "/" in member.name else member.name
                if not is_indexed_path(path) or member.size > MAX_FILE_BYTES:
                    continue
                total += member.size
                if total > max_bytes:
                    return RepositorySnapshot.unusable(
                        f"the repository holds more than {max_bytes // 1_000_000} MB of Python source", label
                    )
                extracted = archive.extractfile(member)
                if extracted is not None:
                    files[path] = extracted.read()
    except (tarfile.TarError, EOFError, OSError) as error:
        return RepositorySnapshot.unusable(f"the repository archive could not be read ({error})", label)
    return RepositorySnapshot.from_files(files, label=label, cache=cache)


class _ChunkReader(io.RawIOBase):
    """A file-like view of an iterator of byte chunks (a streamed HTTP body)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size
