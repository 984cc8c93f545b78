"""Fetch the Semgrep rule files a policy names from GitHub, at the base ref (and the org's `.github`).

Contents API: a file answers with its base64 text, a folder with its entries (walked
a few levels down for `.yml`/`.yaml`). Bounded by prguard.policies.rulefiles' caps, so a
policy cannot make a review read a whole repository.
"""

from __future__ import annotations

import base64
from typing import Any

from prguard.github.client import GitHubClient
from prguard.github.errors import GitHubError, NotFound
from prguard.github.pulls import ORG_POLICY_REPO
from prguard.policies.rulefiles import MAX_RULE_FILE_BYTES, MAX_RULE_FILES, RULE_SUFFIXES, RuleFiles, collect

MAX_FOLDER_DEPTH = 3
_CONTENTS = "/repos/{owner}/{repo}/contents/{+path}"


def fetch_rule_files(client: GitHubClient, owner: str, repo: str, base_ref: str, policy: Any) -> RuleFiles:
    """Texts of every `semgrep.rules` location: repo paths at `base_ref`, `org:` ones in `<owner>/.github`."""
    return collect(
        policy,
        lambda target: _read(client, owner, repo, target, base_ref or None),
        lambda target: _read(client, owner, ORG_POLICY_REPO, target, None),
    )


def _read(client: GitHubClient, owner: str, repo: str, target: str, ref: str | None) -> dict[str, str]:
    texts: dict[str, str] = {}
    pending: list[tuple[str, int]] = [(target.rstrip("/"), 0)]
    while pending and len(texts) < MAX_RULE_FILES:
        path, depth = pending.pop(0)
        answer = _get(client, owner, repo, path, ref)
        if isinstance(answer, dict) and answer.get("type") == "file":
            text = _text(answer)
            if text is not None:
                texts[path] = text
        elif isinstance(answer, list):  # a folder
            for entry in sorted(answer, key=lambda e: str(e.get("path", ""))):
                kind, entry_path = entry.get("type"), str(entry.get("path", ""))
                rule_file = kind == "file" and entry_path.endswith(RULE_SUFFIXES)
                if rule_file or (kind == "dir" and depth < MAX_FOLDER_DEPTH):
                    pending.append((entry_path, depth + 1))
    return texts


def _get(client: GitHubClient, owner: str, repo: str, path: str, ref: str | None) -> Any:
    try:
        return client.get(
            _CONTENTS,
            url_vars={"owner": owner, "repo": repo, "path": path},
            params={"ref": ref} if ref else None,
        )
    except NotFound:
        return None
    except GitHubError as error:
        if error.status == 403:  # not readable by this installation: as good as absent
            return None
        raise


def _text(answer: dict[str, Any]) -> str | None:
    if int(answer.get("size") or 0) > MAX_RULE_FILE_BYTES:
        return None
    try:
        return base64.b64decode(answer.get("content") or "", validate=False).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
