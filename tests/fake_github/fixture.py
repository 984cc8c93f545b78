"""pytest fixtures for the fake GitHub: `github_app_key` (session RSA key), `fake_github` (running server).

Every test that uses `fake_github` also asserts, at teardown, that no request
failed OpenAPI/GraphQL validation; a test that provokes one on purpose sets
`fake_github.allow_validation_failures = True` (or clears the list).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fake_github.server import FakeGitHub

APP_ID = 4242


@dataclass(frozen=True, slots=True)
class AppKey:
    app_id: int
    private_pem: str
    public_pem: str


def make_app_key(app_id: int = APP_ID) -> AppKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return AppKey(app_id, private, public)


@pytest.fixture(scope="session")
def github_app_key() -> AppKey:
    """One RSA key pair per session: the App's private key, and the public key the fake checks JWTs with."""
    return make_app_key()


@pytest.fixture
def fake_github(github_app_key: AppKey) -> Iterator[FakeGitHub]:
    """A running fake GitHub on 127.0.0.1 (random port) that knows the App's public key."""
    fake = FakeGitHub(app_id=github_app_key.app_id, app_public_key=github_app_key.public_pem)
    fake.app_private_key = github_app_key.private_pem
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    if not fake.allow_validation_failures and fake.validation_failures:
        details = "\n".join(
            f"{f.method} {f.path} ({f.operation_id}): {'; '.join(f.errors)}" for f in fake.validation_failures
        )
        pytest.fail(f"requests to the fake GitHub failed validation:\n{details}")
