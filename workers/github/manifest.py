"""prguard's GitHub App manifest: exactly the permissions and events prguard uses, nothing more.

Why each permission:
- checks: write      create and complete the `prguard` check run, annotations, buttons
- pull_requests: write  read PRs, files, commits; post the review and inline comments, dismiss
                     its own blocking review, label the PR, answer `/prguard help`, react 👀
                     (issue comments, labels and reactions on a PR are covered by this permission)
- contents: read     file contents at head and base (blobs), the policy files
- metadata: read     mandatory for every App; also the collaborator permission check of Waive
- issues: write      the `issue_comment` event that carries `/prguard` commands; the change ledger's
                     weekly digest issue in the org's `.github` repository (policy `ledger.digest`)

`installation` and `installation_repositories` events reach every App without
subscribing, so they are handled but not listed. `deploy/github-app-manifest.json`
is this manifest with placeholder URLs (a test keeps the two equal).
"""

from __future__ import annotations

from typing import Any

PERMISSIONS: dict[str, str] = {
    "checks": "write",
    "pull_requests": "write",
    "contents": "read",
    "metadata": "read",
    "issues": "write",
}
EVENTS: tuple[str, ...] = ("check_run", "check_suite", "issue_comment", "pull_request")
# Delivered to every GitHub App whatever it subscribes to (and `ping` when the hook is created).
ALWAYS_DELIVERED: frozenset[str] = frozenset({"installation", "installation_repositories", "ping"})

DESCRIPTION = (
    "Reviews pull requests, above all the ones AI coding agents write: security, complexity, missing "
    "instrumentation and AI-authorship, as a check run and inline comments."
)
PLACEHOLDER_WEBHOOK_URL = "https://prguard.example.com/webhooks"
PLACEHOLDER_REDIRECT_URL = "http://127.0.0.1:8765/callback"


def app_manifest(
    *,
    webhook_url: str = PLACEHOLDER_WEBHOOK_URL,
    redirect_url: str = PLACEHOLDER_REDIRECT_URL,
    name: str = "prguard",
    homepage: str = "https://github.com/apps/prguard",
    public: bool = False,
) -> dict[str, Any]:
    """The manifest GitHub's "create a GitHub App from a manifest" page takes."""
    return {
        "name": name,
        "url": homepage,
        "description": DESCRIPTION,
        "hook_attributes": {"url": webhook_url, "active": True},
        "redirect_url": redirect_url,
        "public": public,
        "default_permissions": dict(PERMISSIONS),
        "default_events": list(EVENTS),
    }
