"""The dashboard's settings: on with GITHUB_OAUTH_CLIENT_ID, every missing companion named at start-up."""

from __future__ import annotations

import pytest
from prguard.config import ConfigError, Settings

from tests.spine_helpers import private_key_pem


def env(**overrides: str | None) -> dict[str, str]:
    values: dict[str, str | None] = {
        "GITHUB_APP_ID": "12345",
        "GITHUB_PRIVATE_KEY": private_key_pem(),
        "GITHUB_WEBHOOK_SECRET": "hook-secret-value-123",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def test_dashboard_is_off_without_a_client_id():
    settings = Settings.from_env(env())
    assert not settings.dashboard_enabled
    assert settings.github_web_url == "https://github.com"
    assert settings.dashboard_membership_ttl == 300


def test_client_id_alone_names_every_missing_setting():
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env(GITHUB_OAUTH_CLIENT_ID="Iv1.abc"))
    assert set(caught.value.problems) == {"GITHUB_OAUTH_CLIENT_SECRET", "PRGUARD_SESSION_SECRET"}
    assert "GITHUB_OAUTH_CLIENT_ID is set" in str(caught.value)


def test_short_session_secret_and_bad_web_url_are_refused_without_showing_values():
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(
            env(
                GITHUB_OAUTH_CLIENT_ID="Iv1.abc",
                GITHUB_OAUTH_CLIENT_SECRET="client-secret-value",
                PRGUARD_SESSION_SECRET="short-secret-value",
                GITHUB_WEB_URL="github.example.com",
                DASHBOARD_MEMBERSHIP_TTL="0",
            )
        )
    problems = caught.value.problems
    assert set(problems) == {"PRGUARD_SESSION_SECRET", "GITHUB_WEB_URL", "DASHBOARD_MEMBERSHIP_TTL"}
    assert "short-secret-value" not in str(caught.value)


def test_complete_dashboard_settings_and_secrets_hidden_from_repr():
    settings = Settings.from_env(
        env(
            GITHUB_OAUTH_CLIENT_ID="Iv1.abc",
            GITHUB_OAUTH_CLIENT_SECRET="client-secret-value",
            PRGUARD_SESSION_SECRET="s" * 40,
            GITHUB_WEB_URL="https://ghe.example.com/",
            DASHBOARD_MEMBERSHIP_TTL="60",
        )
    )
    assert settings.dashboard_enabled
    assert settings.github_web_url == "https://ghe.example.com"
    assert settings.dashboard_membership_ttl == 60
    shown = repr(settings)
    assert "client-secret-value" not in shown and "s" * 40 not in shown
