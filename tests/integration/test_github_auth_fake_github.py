"""GitHub App authentication against the fake GitHub server. Moved from tests/unit/test_github_auth.py
(marked integration there already)."""

from __future__ import annotations

import json

import pytest
from prguard.github.auth import InstallationTokens
from prguard.github.errors import NotFound

from tests.unit import test_github_auth as unit_github_auth

# the unit module's fixtures, shared rather than copied
redis_db15 = unit_github_auth.redis_db15


@pytest.mark.integration  # starts the fake GitHub server
def test_against_the_fake_github_the_jwt_is_accepted_and_tenancy_holds(fake_github, redis_db15):
    """End to end on HTTP: the fake verifies the JWT with the App's public key and scopes tokens."""
    client, prefix = redis_db15
    fake_github.add_installation(51, "org-a")
    fake_github.add_installation(52, "org-b")
    fake_github.add_repo("org-a", "app", {"a.py": "print(1)\n"})
    fake_github.add_repo("org-b", "app", {"b.py": "print(2)\n"})
    tokens = InstallationTokens(
        app_id=fake_github.app_id,
        private_key=fake_github.app_private_key,
        api_url=fake_github.url,
        redis=client,
        key_prefix=prefix,
    )
    a = tokens.client(51)
    assert a.get("/repos/org-a/app")["full_name"] == "org-a/app"
    with pytest.raises(NotFound):
        a.get("/repos/org-b/app")  # installation 51 cannot see org-b's repository
    mints = fake_github.calls("POST", "/app/installations/{installation_id}/access_tokens")
    assert [r.auth for r in mints] == ["jwt"]
    assert all("authorization" not in r.headers for r in fake_github.requests)
    assert json.dumps([r.body for r in fake_github.requests]).count("ghs_") == 0
