"""`prguard app register`: the manifest page and redirect over real local HTTP, the code exchange
against the fake GitHub, the files it writes; and the manifest against what the receiver routes."""

from __future__ import annotations

import json
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

from prguard.app.routing import _HANDLERS as ROUTED
from prguard.cli import main
from prguard.cli.app import api_url_for, new_app_url, update_env_file
from prguard.github.manifest import ALWAYS_DELIVERED, EVENTS, PERMISSIONS, app_manifest

ROOT = Path(__file__).resolve().parents[2]


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = self.method = ""
        self.inputs: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action, self.method = attrs.get("action", ""), attrs.get("method", "")
        elif tag == "input":
            self.inputs[attrs["name"]] = attrs.get("value", "")


def _form(page: str) -> _Form:
    parser = _Form()
    parser.feed(page)
    return parser


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_existing_key_file_is_never_overwritten_without_force(tmp_path, capsys):
    (tmp_path / "prguard.private-key.pem").write_text("old key")
    code = main(["app", "register", "--webhook-url", "https://pg.test/webhooks", "--env-file",
                 str(tmp_path / ".env"), "--no-browser"])  # fmt: skip
    assert code == 2 and "exists" in capsys.readouterr().err
    assert (tmp_path / "prguard.private-key.pem").read_text() == "old key"


def test_github_and_enterprise_urls():
    assert new_app_url("https://github.com", None) == "https://github.com/settings/apps/new"
    assert (
        new_app_url("https://github.com/", "my org")
        == "https://github.com/organizations/my%20org/settings/apps/new"
    )
    assert (
        new_app_url("https://ghe.acme.test", "eng")
        == "https://ghe.acme.test/organizations/eng/settings/apps/new"
    )
    assert api_url_for("https://github.com") == "https://api.github.com"
    assert api_url_for("https://ghe.acme.test/") == "https://ghe.acme.test/api/v3"


def test_env_file_values_are_quoted_when_needed(tmp_path):
    path = tmp_path / ".env"
    update_env_file(path, {"A": "plain-1.2:3", "B": 'has space and "quote"'})
    assert path.read_text() == 'A=plain-1.2:3\nB="has space and \\"quote\\""\n'
    assert _mode(path) == 0o600


# -- the manifest against the code ----------------------------------------------------------------

# What each REST resource prguard calls needs (GitHub's "permissions required for GitHub Apps").
ROUTE_PERMISSIONS = [
    (r"^/repos/\{owner\}/\{repo\}/check-runs", "checks", "write"),
    (r"^/repos/\{owner\}/\{repo\}/commits/\{ref\}/check-runs", "checks", "read"),
    (r"^/repos/\{owner\}/\{repo\}/pulls/\{number\}/(reviews|comments)", "pull_requests", "write"),
    (r"^/repos/\{owner\}/\{repo\}/pulls/\{number\}(/commits|/files)?$", "pull_requests", "read"),
    # issue comments, labels and reactions on a pull request: Pull requests (write) covers them
    (r"^/repos/\{owner\}/\{repo\}/issues/", "pull_requests", "write"),
    (r"^/repos/\{owner\}/\{repo\}/issues$", "issues", "write"),  # the ledger's weekly digest issue
    (r"^/repos/\{owner\}/\{repo\}/(contents|git/blobs|tarball)/", "contents", "read"),  # tarball: impact
    # git notes of AI provenance (refs/notes/ai: ref, commit, tree, blob) and AI commits' patches
    (r"^/repos/\{owner\}/\{repo\}/(git/ref|git/commits|git/trees)/", "contents", "read"),
    (r"^/repos/\{owner\}/\{repo\}/commits/\{ref\}$", "contents", "read"),
    (r"^/repos/\{owner\}/\{repo\}/collaborators/\{username\}/permission$", "metadata", "read"),
    (r"^/app(/installations/\{\w+\}/access_tokens)?$", None, None),  # App JWT: no installation permission
    (
        r"^/app-manifests/\{code\}/conversions$",
        None,
        None,
    ),  # registration: the one-time code is the credential
    (r"^/graphql$", "contents", "read"),  # blob texts; review-thread mutations need pull_requests write
]
EVENT_PERMISSIONS = {
    "pull_request": "pull_requests",
    "check_run": "checks",
    "check_suite": "checks",
    "issue_comment": "issues",
}
LEVELS = {"read": 1, "write": 2}


def test_the_deploy_manifest_is_the_one_prguard_registers():
    assert json.loads((ROOT / "deploy" / "github-app-manifest.json").read_text()) == app_manifest()


def test_manifest_events_are_exactly_the_routed_events_apps_subscribe_to():
    routed = set(ROUTED)
    assert set(EVENTS) == routed - ALWAYS_DELIVERED
    assert ALWAYS_DELIVERED - {"ping"} <= routed  # installation changes are handled, not subscribed


def test_manifest_permissions_are_exactly_what_the_code_uses():
    sources = [p for p in (ROOT / "workers").rglob("*.py") if "examples" not in p.parts]
    routes = set()
    for path in sources:
        routes |= set(re.findall(r"\"(/(?:repos|app|graphql)[^\"\s]*)\"", path.read_text()))
    assert routes, "no GitHub routes found in workers/"
    needed: dict[str, int] = {}
    for route in routes:
        matches = [(perm, level) for pattern, perm, level in ROUTE_PERMISSIONS if re.search(pattern, route)]
        assert matches, f"{route}: which App permission does it need? add it to ROUTE_PERMISSIONS"
        for perm, level in matches[:1]:
            if perm:
                needed[perm] = max(needed.get(perm, 0), LEVELS[level])
    for event in EVENTS:
        needed[EVENT_PERMISSIONS[event]] = max(needed.get(EVENT_PERMISSIONS[event], 0), LEVELS["read"])
    granted = {perm: LEVELS[level] for perm, level in PERMISSIONS.items()}
    assert granted == needed  # nothing missing, nothing more


class socket_port:
    """A free local port (closed again, so the command under test can bind it)."""

    def __enter__(self) -> int:
        import socket

        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        return self._sock.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        self._sock.close()
