"""The whole repository at a pull request's head, for the impact analyzer: one archive download.

Only when the change touches Python and the policy leaves the impact analyzer on. The
archive is streamed (GitHub's tarball, size-capped) and only its Python files are kept;
their facts are cached on the worker's disk by blob id (`PRGUARD_INDEX_CACHE`, default
~/.cache/prguard/index), one pack per repository, so a push that changes two files
extracts two. A download that fails or is too large gives a snapshot that says why: the
review then reports the blast radius as not assessed, never fails.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from prguard.engine.model import ChangedFile
from prguard.github import archive
from prguard.index.impact import prepare
from prguard.index.snapshot import FactsCache, RepositorySnapshot, default_cache_dir, from_tarball

log = logging.getLogger("prguard.worker.repository")


def repository_snapshot(
    client: Any, owner: str, repo: str, head_sha: str, files: Sequence[ChangedFile], policy: Any
) -> RepositorySnapshot | None:
    """The head's Python files, or None when no analyzer needs them (no Python change, impact off)."""
    if not policy.analyzer_enabled("impact"):
        return None
    if not any(f.path.endswith(".py") or (f.previous_path or "").endswith(".py") for f in files):
        return None
    label = f"{owner}/{repo}@{head_sha[:12]}"
    download = archive.ArchiveDownload(client, owner, repo, head_sha, max_bytes=archive.MAX_ARCHIVE_BYTES)
    cache = FactsCache(default_cache_dir(), namespace=f"github:{owner}/{repo}")
    snapshot = from_tarball(download.chunks(), label=label, cache=cache)
    if download.skipped:
        log.info("repository %s not indexed: %s", label, download.skipped)
        return RepositorySnapshot.unusable(download.skipped, label)
    prepare(snapshot, files)  # assessed now: the index is gone before the engine parses the change
    return snapshot
