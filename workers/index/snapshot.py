"""A version of a repository's Python files, and the index built from it, file facts cached by blob.

Where the files come from is the caller's business: the CLI reads a local git tree
(`prguard.cli.gitrepo`), the App a repository archive (`from_tarball`). Either way each
file is known by its git blob id (the SHA-1 git would give its contents), and a file's
facts are cached under that id: a push that changes two files extracts two files.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import io
import marshal
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from prguard import startup_cache
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
    _facts: dict[str, ModuleFacts] = field(default_factory=dict, repr=False)  # by blob id
    prepared: Any = None  # (change key, assessment) once prguard.index.impact.prepare ran
    #: after `release`: the sources still readable (the files the change imports), by path
    retained: dict[str, bytes] = field(default_factory=dict, repr=False)

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
        collecting = gc.isenabled()
        gc.disable()  # millions of acyclic tuples: the cyclic collector's passes over them cost half the time
        try:
            return self._index(replaced or {})
        finally:
            if collecting:
                gc.enable()

    def _index(self, replaced: Mapping[str, bytes | None]) -> RepositoryIndex:
        wanted = {p: b for p, b in self.blobs.items() if p not in replaced}
        facts: dict[str, ModuleFacts] = {}
        missing: list[str] = []
        for path, blob in wanted.items():
            known = self._known(blob, path)
            if known is None:
                missing.append(path)
            else:
                facts[path] = known
        contents = self.read(missing) if missing else {}
        for path in missing:
            content = contents.get(path)
            if content is not None:
                facts[path] = self._extract(path, content, wanted[path])
        for path, content in replaced.items():
            replacement = self.facts_for(path, content)
            if replacement is not None:
                facts[path] = replacement
        self.stats["files"] = len(facts)
        return RepositoryIndex(facts)

    def release(self, *, prepared: Any, keep: Mapping[str, bytes] | None = None) -> None:
        """Keep only the assessment of the change (`prepared`) and the sources of `keep` (the few
        files the change imports, for analyzers reading them: `retained`); the rest is dropped."""
        self.prepared = prepared
        self._facts = {}
        self.retained = dict(keep or {})
        retained = self.retained
        self.read = lambda paths: {p: retained[p] for p in paths if p in retained}
        self.unavailable = "the repository's facts were released once its change was assessed"

    def forget_facts(self) -> None:
        """Drop the facts read for the indexes once the change is assessed: freed now, rather than
        walked by each of the engine's sweeps of young objects until the review ends. Asked again,
        they come from the cache."""
        self._facts = {}

    def save_facts(self) -> None:
        """Once the indexes a review needs are built: the facts cache keeps the facts they read as
        one pack, for the next review of this repository (`FactsCache.save_pack`)."""
        if self.cache is not None:
            self.cache.save_pack()

    def facts_for(self, path: str, content: bytes | None) -> ModuleFacts | None:
        """The facts of `content` at `path` (None for an absent or unindexed file), through the cache."""
        if content is None or not is_indexed_path(path) or len(content) > MAX_FILE_BYTES:
            return None
        blob = blob_id(content)
        return self._known(blob, path) or self._extract(path, content, blob)

    def _known(self, blob: str, path: str) -> ModuleFacts | None:
        """Facts this snapshot already holds (the head's, when indexing the base), else the cache's."""
        facts = self._facts.get(blob)
        if facts is None and self.cache is not None:
            facts = self.cache.get(blob, path)
            if facts is not None:
                self._facts[blob] = facts
        if facts is not None and facts.path != path:
            facts = dataclasses.replace(facts, path=path, is_package=path.rsplit("/", 1)[-1] == "__init__.py")
        return facts

    def _extract(self, path: str, content: bytes, blob: str) -> ModuleFacts:
        facts = extract(path, content)
        self.stats["extracted"] = self.stats.get("extracted", 0) + 1
        self._facts[blob] = facts
        if self.cache is not None:
            self.cache.put(blob, facts)
        return facts


def versioned_cache(name: str, version: str, sources: Iterable[Path]) -> BlobCache | None:
    """A BlobCache in a folder named by everything its data depends on: `version` (the format's
    number, a library's version) and the text of the modules that compute it, so a change to any
    of them starts a new cache. None when there is no cache directory."""
    directory = default_cache_dir()
    if directory is None:
        return None
    digest = hashlib.sha1(f"{version}:{sys.version}".encode(), usedforsecurity=False)
    for source in sources:
        try:
            digest.update(source.read_bytes())
        except OSError:  # installed without sources: the version alone
            digest.update(source.name.encode())
    return BlobCache(directory / f"{name}-{digest.hexdigest()[:16]}", namespace=name)


class BlobCache:
    """Plain data by blob id, on disk: one small file per blob, so a push writes only what it
    changed; `directory` names what the data is (and the version of the code that made it).

    The disk format is `marshal` of plain tuples, lists and strings: read back at C speed, and it
    can only build data. The directory is private (0700) to the process's user; a file that does
    not read back is a miss, never an error.
    """

    #: files kept on disk; beyond it the oldest written are removed (checked every PRUNE_EVERY writes)
    MAX_FILES = 300_000
    PRUNE_EVERY = 2_000
    _writes = 0  # in this process, across caches

    def __init__(self, directory: str | Path | None, namespace: str = "default") -> None:
        # the namespace (a repository) only names the log lines: blob ids are global
        self.namespace = namespace
        self.directory = Path(directory) if directory else None
        self.read_from_disk = 0
        self.written = 0

    def _file(self, blob: str) -> Path | None:
        if self.directory is None or len(blob) != 40 or not all(c in "0123456789abcdef" for c in blob):
            return None
        return self.directory / blob[:2] / blob[2:]

    def get_plain(self, blob: str) -> Any:
        """The data kept for `blob`, or None."""
        target = self._file(blob)
        if target is None:
            return None
        try:
            data = marshal.loads(target.read_bytes())  # noqa: S302 - prguard's own private cache of plain data
        except (OSError, EOFError, ValueError, TypeError):
            return None
        self.read_from_disk += 1
        return data

    def put_plain(self, blob: str, data: Any) -> None:
        target = self._file(blob)
        if target is None:
            return
        try:
            encoded = marshal.dumps(data)
        except ValueError:
            return
        if not startup_cache.write_atomically(target, encoded):
            return  # a cache that cannot be written only costs time
        self.written += 1
        BlobCache._writes += 1
        if BlobCache._writes % self.PRUNE_EVERY == 0:
            self.prune()

    def prune(self, max_files: int | None = None) -> int:
        """Remove the oldest-written files beyond `max_files` (a worker's disk does not fill up);
        returns how many were removed. A file still in use is extracted again when next needed."""
        if self.directory is None or not self.directory.is_dir():
            return 0
        limit = self.MAX_FILES if max_files is None else max_files
        entries: list[tuple[float, str]] = []
        for shard in os.scandir(self.directory):
            if shard.is_dir(follow_symlinks=False):
                for entry in os.scandir(shard.path):
                    try:
                        entries.append((entry.stat(follow_symlinks=False).st_mtime, entry.path))
                    except OSError:
                        continue
        if len(entries) <= limit:
            return 0
        entries.sort()
        removed = 0
        for _, path in entries[: len(entries) - limit]:
            try:
                os.unlink(path)
                removed += 1
            except OSError:
                continue
        return removed


class FactsCache(BlobCache):
    """File facts by blob id (`ModuleFacts.to_plain`). In memory, a snapshot shares its facts
    between the head and base indexes; nothing is kept across reviews in the process, so a
    long-lived worker does not grow with the repositories it has seen.

    Besides one file per blob, each namespace (a repository) keeps a pack: the facts its last
    review used, in one file. Reading it is one open and one `marshal.loads`, where the names
    repeated across files are stored once, instead of hundreds of small files; a blob the pack
    lacks is read from its own file. `save_pack` writes it again when the review used a blob it
    did not hold.
    """

    def __init__(self, directory: str | Path | None = None, namespace: str = "default") -> None:
        super().__init__(Path(directory) / f"facts-v{FACTS_VERSION}" if directory else None, namespace)
        self._pack: dict[str, Any] | None = None  # blob -> plain facts, read on the first `get`
        self._used: dict[str, Any] = {}  # the blobs this snapshot read or stored, for the next pack

    def _pack_file(self) -> Path | None:
        if self.directory is None:
            return None
        name = hashlib.sha1(self.namespace.encode(), usedforsecurity=False).hexdigest()[:16]
        return self.directory / "packs" / name

    def _read_pack(self) -> dict[str, Any]:
        target = self._pack_file()
        if target is None:
            return {}
        try:
            data = marshal.loads(target.read_bytes())  # noqa: S302 - prguard's own private cache of plain data
        except (OSError, EOFError, ValueError, TypeError):
            return {}
        known = isinstance(data, tuple) and len(data) == 2 and data[0] == FACTS_VERSION
        return data[1] if known and isinstance(data[1], dict) else {}

    def get(self, blob: str, path: str) -> ModuleFacts | None:
        if self._pack is None:
            self._pack = self._read_pack()
        data = self._pack.get(blob)
        if data is None:
            data = self.get_plain(blob)
            if data is None:
                return None
        else:
            self.read_from_disk += 1
        try:
            facts = ModuleFacts.from_plain(data, path)
        except (ValueError, TypeError, IndexError):
            self.read_from_disk -= 1  # read, but not facts this version understands
            return None
        self._used[blob] = data
        return facts

    def put(self, blob: str, facts: ModuleFacts) -> None:
        data = facts.to_plain()
        self.put_plain(blob, data)
        self._used[blob] = data

    def save_pack(self) -> None:
        """Keep the facts used since this cache was made as the namespace's pack, unless the pack
        holds exactly those blobs already; then let go of both (the snapshot keeps its facts)."""
        target = self._pack_file()
        used, pack = self._used, self._pack or {}
        self._used, self._pack = {}, {}
        if target is None or not used or used.keys() == pack.keys():
            return
        try:
            encoded = marshal.dumps((FACTS_VERSION, used))
        except ValueError:
            return
        startup_cache.write_atomically(target, encoded)


def default_cache_dir() -> Path | None:
    """`PRGUARD_INDEX_CACHE`, else `index` in prguard's cache directory (`~/.cache/prguard/index`;
    None, no cache, when there is no home directory)."""
    configured = os.environ.get("PRGUARD_INDEX_CACHE")
    if configured:
        return Path(configured)
    directory = startup_cache.cache_dir()
    return directory / "index" if directory is not None else None


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
    import tarfile  # on use: the command line reads git, not archives

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
