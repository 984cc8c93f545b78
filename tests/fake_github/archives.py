"""Repository archives of the fake GitHub: `GET /repos/{owner}/{repo}/tarball/{ref}`.

Like GitHub, the API answers 302 with a short-lived download URL (GitHub's points at
codeload.github.com and carries its own token); following it, without the installation
token, gives the gzipped tar of the tree at that commit, under one top folder named
`{owner}-{repo}-{short sha}`. Registered on import (rest.py imports this module).
`fake.archive_downloads` counts the archives served.
"""

from __future__ import annotations

import io
import secrets
import tarfile
from typing import Any

from tests.fake_github.rest import Context, _HTTPError, _Reply, handles


def _download_tokens(fake: Any) -> dict[str, tuple[str, str, str]]:
    tokens = getattr(fake, "_archive_tokens", None)
    if tokens is None:
        tokens = {}
        fake._archive_tokens = tokens
        fake.archive_downloads = 0
        fake.archive_token_installations = {}
    return tokens


def download_token_installation(fake: Any, query: dict[str, str]) -> int | None:
    """The installation whose authenticated request minted the download URL of `query`, if any.

    The redirect's target carries no installation token (its own credential is in the URL), so
    tenancy checks attribute the download to the installation that asked for it.
    """
    return getattr(fake, "archive_token_installations", {}).get(query.get("download_token"))


@handles("repos/download-tarball-archive")
def download_tarball(ctx: Context) -> _Reply:
    tokens = _download_tokens(ctx.fake)
    token = ctx.query.get("download_token")
    if token is not None:  # the redirect's target: the token in the URL is the credential
        owner, name, sha = tokens.pop(token, (None, None, None))
        if sha is None or (owner, name) != (ctx.params["owner"], ctx.params["repo"]):
            raise _HTTPError(404, "Not Found")
        ctx.fake.archive_downloads += 1
        return _Reply(200, archive_bytes(ctx.fake, owner, name, sha), {"content-type": "application/x-gzip"})
    repo = ctx.repo()
    sha = ctx.fake.resolve_ref(repo, ctx.params["ref"])
    if sha is None:
        raise _HTTPError(404, "Not Found")
    token = secrets.token_urlsafe(16)
    tokens[token] = (repo.owner, repo.name, sha)
    ctx.fake.archive_token_installations[token] = ctx.installation_id
    location = f"{ctx.fake.api_url}/repos/{repo.owner}/{repo.name}/tarball/{sha}?download_token={token}"
    return _Reply(302, None, {"location": location})


def archive_bytes(fake: Any, owner: str, name: str, sha: str) -> bytes:
    """The gzipped tar of a commit's tree, as GitHub lays it out."""
    commit = fake.git.commits[sha]
    buffer = io.BytesIO()
    top = f"{owner}-{name}-{sha[:7]}"
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        folder = tarfile.TarInfo(top)
        folder.type = tarfile.DIRTYPE
        archive.addfile(folder)
        for path, blob in sorted(commit.tree.items()):
            data = fake.git.blobs[blob]
            member = tarfile.TarInfo(f"{top}/{path}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()
