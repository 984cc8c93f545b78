"""The GitHub App registration flow end to end: the fake GitHub and the flow's local HTTP server. Moved from
tests/unit/test_app_register.py (marked integration there already)."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from prguard.cli import main
from prguard.cli.app import ManifestFlow
from prguard.config import Settings
from prguard.github.manifest import PERMISSIONS, app_manifest

from tests.fake_github.manifests import created_apps, offer_manifest
from tests.unit.test_app_register import _form, _mode, socket_port


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


@pytest.fixture
def plain_flow(fake_github, tmp_path):
    """A started flow for an account's own app, writing into tmp_path; stopped after the test."""
    flow = ManifestFlow(
        webhook_url="https://x.test/webhooks", api_url=fake_github.api_url,
        env_file=tmp_path / ".env", key_file=tmp_path / "k.pem",
    ).start()  # fmt: skip
    yield flow
    flow.stop()


@pytest.mark.integration  # starts the fake GitHub and the flow's local HTTP server
def test_a_forged_or_stale_redirect_writes_nothing(fake_github, plain_flow, tmp_path):
    offer_manifest(fake_github, "abc", app_manifest())
    bad = requests.get(plain_flow.url + "callback", params={"code": "abc", "state": "guess"}, timeout=5)
    assert bad.status_code == 400 and "state" in bad.text
    assert requests.get(plain_flow.url + "nope", timeout=5).status_code == 404
    assert not (tmp_path / ".env").exists() and not (tmp_path / "k.pem").exists()
    assert created_apps(fake_github) == []


@pytest.mark.integration  # starts the fake GitHub and the flow's local HTTP server
def test_an_unknown_code_fails_clearly(plain_flow, tmp_path):
    params = {"code": "used", "state": plain_flow.state}
    answer = requests.get(plain_flow.url + "callback", params=params, timeout=5)
    assert answer.status_code == 502
    with pytest.raises(Exception, match="codes work once"):
        plain_flow.wait(1)
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
