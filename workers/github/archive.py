"""The repository archive at one commit: `GET /repos/{owner}/{repo}/tarball/{ref}`, streamed.

One call per head instead of one per file: GitHub answers with a redirect to a short-lived
download URL (codeload, which carries its own credential: the installation token is never
sent there), whose body is the gzipped tar of the tree. The body is read in chunks and cut
at `max_bytes`; the caller gets the chunks as they arrive (`chunks()`), and afterwards
`skipped` says why there was nothing, or not everything, to read.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

log = logging.getLogger("prguard.github.archive")

TARBALL_ROUTE = "/repos/{owner}/{repo}/tarball/{ref}"
#: the largest archive downloaded (compressed bytes); a larger repository is not indexed
MAX_ARCHIVE_BYTES = 100_000_000
_CHUNK = 1 << 16


@dataclass
class ArchiveDownload:
    """One streamed archive download; iterate `chunks()` once, then read `skipped`."""

    client: Any
    owner: str
    repo: str
    ref: str
    max_bytes: int = MAX_ARCHIVE_BYTES
    skipped: str = ""
    received: int = 0
    _started: bool = field(default=False, repr=False)

    def chunks(self) -> Iterator[bytes]:
        if self._started:
            raise RuntimeError("an archive download is read once")
        self._started = True
        try:
            response = self._open()
        except requests.RequestException as error:
            self.skipped = f"the repository archive could not be downloaded ({type(error).__name__})"
            return
        if response is None:
            return
        with response:
            try:
                for chunk in response.iter_content(_CHUNK):
                    self.received += len(chunk)
                    if self.received > self.max_bytes:
                        self.skipped = f"the repository archive is larger than {_size(self.max_bytes)}"
                        return
                    yield chunk
            except requests.RequestException as error:
                self.skipped = f"the repository archive download broke off ({type(error).__name__})"

    def _open(self) -> requests.Response | None:
        """The response whose body is the archive (after GitHub's redirect), or None with `skipped` set."""
        client = self.client
        path = TARBALL_ROUTE.format(
            owner=urllib.parse.quote(self.owner, safe=""),
            repo=urllib.parse.quote(self.repo, safe=""),
            ref=urllib.parse.quote(self.ref, safe=""),
        )
        url = client._url(path)
        client.calls[("GET", TARBALL_ROUTE)] += 1
        response = client.session.get(
            url,
            headers=client._headers("application/vnd.github+json", None),
            allow_redirects=False,
            stream=True,
            timeout=client.timeout,
        )
        if response.status_code in (301, 302, 303, 307, 308):
            location = response.headers.get("location", "")
            response.close()
            if not location.startswith(("https://", "http://")):
                self.skipped = "GitHub's archive redirect had no usable location"
                return None
            # the download URL carries its own credential: no Authorization header goes there
            response = client.session.get(
                location,
                headers={"user-agent": client.requester, "accept": "application/octet-stream"},
                stream=True,
                timeout=client.timeout,
            )
        if response.status_code != 200:
            self.skipped = f"GitHub answered {response.status_code} for the repository archive"
            log.info("archive %s/%s@%s: HTTP %s", self.owner, self.repo, self.ref[:12], response.status_code)
            response.close()
            return None
        length = response.headers.get("content-length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            self.skipped = f"the repository archive is larger than {_size(self.max_bytes)}"
            response.close()
            return None
        return response


def _size(count: int) -> str:
    return f"{count / 1_000_000:g} MB" if count >= 1_000_000 else f"{count:,} bytes"
