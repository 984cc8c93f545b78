"""The fake GitHub's side of the App manifest flow: `POST /app-manifests/{code}/conversions`.

On github.com the browser POSTs the manifest to /settings/apps/new, the owner
confirms, and GitHub redirects back with a one-time `code`. A test plays that
part with `offer_manifest(fake, code, manifest)`; the conversion then creates
the App from exactly that manifest (new id, RSA key, webhook secret), once.
"""

from __future__ import annotations

import secrets
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fake_github.rest import Context, handles
from tests.fake_github.server import FakeGitHub, _HTTPError, _now_iso, _Reply


def offer_manifest(fake: FakeGitHub, code: str, manifest: dict[str, Any], owner: str = "octo-org") -> None:
    """GitHub received `manifest` from the browser and redirected with `code` (valid once)."""
    with fake.lock:
        fake.__dict__.setdefault("manifest_codes", {})[code] = (manifest, owner)


def created_apps(fake: FakeGitHub) -> list[dict[str, Any]]:
    """Apps the conversions created, with their secrets (what the test compares the files with)."""
    return list(fake.__dict__.get("manifest_apps", []))


@handles("apps/create-from-manifest")
def create_from_manifest(ctx: Context) -> _Reply:
    fake = ctx.fake
    offered = fake.__dict__.setdefault("manifest_codes", {}).pop(ctx.params["code"], None)
    if offered is None:
        raise _HTTPError(404, "Not Found")  # unknown, used or expired code
    manifest, owner = offered
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    app_id = fake.next_id()
    name = str(manifest.get("name") or "prguard")
    slug = name.lower().replace(" ", "-")
    now = _now_iso()
    app = {
        "id": app_id,
        "slug": slug,
        "node_id": f"A_{app_id}",
        "client_id": f"Iv23li{secrets.token_hex(7)}",
        "owner": {"login": owner, "id": 1, "node_id": "O_1", "type": "Organization"},
        "name": name,
        "description": manifest.get("description"),
        "external_url": manifest.get("url"),
        "html_url": f"https://github.com/apps/{slug}",
        "created_at": now,
        "updated_at": now,
        "permissions": dict(manifest.get("default_permissions") or {}),
        "events": list(manifest.get("default_events") or []),
        "installations_count": 0,
        "client_secret": secrets.token_hex(20),
        "webhook_secret": secrets.token_hex(20),
        "pem": pem,
    }
    fake.__dict__.setdefault("manifest_apps", []).append(app)
    return _Reply(201, app)
