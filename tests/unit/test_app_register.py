"""`prguard app register`: the manifest page and redirect over real local HTTP, the code exchange
against the fake GitHub, the files it writes; and the manifest against what the receiver routes."""

from __future__ import annotations

import json
import re
import stat
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from prguard.app.routing import _HANDLERS as ROUTED
from prguard.cli import main
from prguard.cli.app import ManifestFlow, api_url_for, new_app_url, update_env_file
from prguard.config import Settings
from prguard.github.manifest import ALWAYS_DELIVERED, EVENTS, PERMISSIONS, app_manifest

from tests.fake_github.manifests import created_apps, offer_manifest

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


@pytest.mark.integration  # starts the fake GitHub and the flow's local HTTP server
def test_the_page_posts_the_manifest_and_the_redirect_writes_the_credentials(fake_github, tmp_path):
    env_file, key_file = tmp_path / ".env", tmp_path / "keys" / "prguard.pem"
    env_file.write_text("# mine\nREDIS_URL=redis://127.0.0.1:6379/3\nGITHUB_PRIVATE_KEY=old\n")
    flow = ManifestFlow(
        webhook_url="https://prguard.acme.test/webhooks", api_url=fake_github.api_url, org="acme",
        env_file=env_file, key_file=key_file,
    ).start()  # fmt: skip
    try:
        page = requests.get(flow.url, timeout=5)
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        form = _form(page.text)
        assert form.method == "post"
        assert form.action.startswith("https://github.com/organizations/acme/settings/apps/new?state=")
        state = form.action.split("state=", 1)[1]
        manifest = json.loads(form.inputs["manifest"])
        assert manifest["default_permissions"] == PERMISSIONS
        assert manifest["hook_attributes"] == {"url": "https://prguard.acme.test/webhooks", "active": True}
        assert manifest["redirect_url"] == flow.url.rstrip("/") + "/callback"

        # GitHub's part: the owner confirms, GitHub redirects back with a one-time code.
        offer_manifest(fake_github, "c0de123", manifest)
        done = requests.get(flow.url + "callback", params={"code": "c0de123", "state": state}, timeout=10)
        assert done.status_code == 200, done.text
        result = flow.wait(1)
    finally:
        flow.stop()

    [app] = created_apps(fake_github)
    assert result.app_id == app["id"] and result.permissions == PERMISSIONS
    assert app["webhook_secret"] not in done.text and app["pem"] not in done.text
    assert _mode(key_file) == 0o600 and _mode(env_file) == 0o600
    assert key_file.read_text() == app["pem"]
    load_pem_private_key(key_file.read_bytes(), password=None)
    text = env_file.read_text()
    assert text.startswith("# mine\nREDIS_URL=redis://127.0.0.1:6379/3\n")  # other lines kept
    assert "GITHUB_PRIVATE_KEY=" not in text  # would conflict with the key path
    values = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#")
    )
    assert values["GITHUB_APP_ID"] == str(app["id"])
    assert values["GITHUB_WEBHOOK_SECRET"] == app["webhook_secret"]
    assert values["GITHUB_CLIENT_ID"] == app["client_id"]
    assert values["GITHUB_PRIVATE_KEY_PATH"] == str(key_file.resolve())
    assert values["GITHUB_API_URL"] == fake_github.api_url
    # prguard starts from exactly what was written
    settings = Settings.from_env(values)
    assert settings.github_app_id == app["id"] and settings.github_private_key == app["pem"]


@pytest.mark.integration  # starts the fake GitHub and the flow's local HTTP server
def test_a_forged_or_stale_redirect_writes_nothing(fake_github, tmp_path):
    flow = ManifestFlow(
        webhook_url="https://x.test/webhooks", api_url=fake_github.api_url,
        env_file=tmp_path / ".env", key_file=tmp_path / "k.pem",
    ).start()  # fmt: skip
    try:
        offer_manifest(fake_github, "abc", app_manifest())
        bad = requests.get(flow.url + "callback", params={"code": "abc", "state": "guess"}, timeout=5)
        assert bad.status_code == 400 and "state" in bad.text
        assert requests.get(flow.url + "nope", timeout=5).status_code == 404
    finally:
        flow.stop()
    assert not (tmp_path / ".env").exists() and not (tmp_path / "k.pem").exists()
    assert created_apps(fake_github) == []


@pytest.mark.integration  # starts the fake GitHub and the flow's local HTTP server
def test_an_unknown_code_fails_clearly(fake_github, tmp_path):
    flow = ManifestFlow(
        webhook_url="https://x.test/webhooks", api_url=fake_github.api_url,
        env_file=tmp_path / ".env", key_file=tmp_path / "k.pem",
    ).start()  # fmt: skip
    try:
        answer = requests.get(flow.url + "callback", params={"code": "used", "state": flow.state}, timeout=5)
        assert answer.status_code == 502
        with pytest.raises(Exception, match="codes work once"):
            flow.wait(1)
    finally:
        flow.stop()
    assert not (tmp_path / ".env").exists()


@pytest.mark.integration  # starts the fake GitHub and the flow's local HTTP server
def test_the_cli_runs_the_whole_flow_and_prints_no_secret(fake_github, tmp_path, capsys):
    env_file = tmp_path / "prguard.env"
    with socket_port() as port:
        pass
    codes: list[int] = []
    runner = threading.Thread(
        target=lambda: codes.append(
            main(["app", "register", "--webhook-url", "https://pg.test/webhooks",
                  "--api-url", fake_github.api_url, "--env-file", str(env_file), "--port", str(port),
                  "--no-browser", "--timeout", "20"])
        )
    )  # fmt: skip
    runner.start()
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 10
    while True:
        try:
            page = requests.get(url, timeout=2).text
            break
        except requests.ConnectionError:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    form = _form(page)
    assert form.action.startswith("https://github.com/settings/apps/new?state=")
    offer_manifest(fake_github, "xyz", json.loads(form.inputs["manifest"]), owner="octocat")
    requests.get(
        url + "callback", params={"code": "xyz", "state": form.action.split("state=")[1]}, timeout=10
    )
    runner.join(20)
    assert codes == [0]
    out = capsys.readouterr()
    [app] = created_apps(fake_github)
    for secret in (app["webhook_secret"], app["pem"], app["client_secret"]):
        assert secret not in out.out + out.err
    assert f"id {app['id']}" in out.out and "installations/new" in out.out
    assert (tmp_path / "prguard.private-key.pem").read_text() == app["pem"]


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
