"""Settings from the environment: one error naming every problem, secrets never shown."""

from __future__ import annotations

import pytest
from prguard.config import DEFAULT_MAX_PAYLOAD_BYTES, ConfigError, Settings, derive_graphql_url

from tests.spine_helpers import private_key_pem

SECRET = "hook-secret-value-123"


def env(**overrides):
    values = {
        "GITHUB_APP_ID": "12345",
        "GITHUB_PRIVATE_KEY": private_key_pem(),
        "GITHUB_WEBHOOK_SECRET": SECRET,
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def test_defaults():
    settings = Settings.from_env(env())
    assert settings.github_app_id == 12345
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.github_api_url == "https://api.github.com"
    assert settings.github_graphql_url == "https://api.github.com/graphql"
    assert settings.webhook_path == "/webhooks"
    assert settings.max_payload_bytes == DEFAULT_MAX_PAYLOAD_BYTES == 26 * 1024 * 1024
    assert settings.log_level == "INFO"
    assert settings.dedupe_delivery_ttl > 0 and settings.dedupe_content_ttl > 0


def test_every_problem_is_named_in_one_error():
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(
            {
                "GITHUB_APP_ID": "abc",
                "REDIS_URL": "http://nope",
                "GITHUB_API_URL": "api.github.com",
                "LOG_LEVEL": "LOUD",
                "WEBHOOK_PATH": "hooks",
                "MAX_PAYLOAD_BYTES": "-5",
                "DEDUPE_CONTENT_TTL": "soon",
            }
        )
    problems = caught.value.problems
    assert set(problems) == {
        "GITHUB_APP_ID",
        "GITHUB_PRIVATE_KEY",
        "GITHUB_WEBHOOK_SECRET",
        "REDIS_URL",
        "GITHUB_API_URL",
        "LOG_LEVEL",
        "WEBHOOK_PATH",
        "MAX_PAYLOAD_BYTES",
        "DEDUPE_CONTENT_TTL",
    }
    message = str(caught.value)
    for name in problems:
        assert name in message


def test_missing_app_id_is_named():
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env(GITHUB_APP_ID=None))
    assert list(caught.value.problems) == ["GITHUB_APP_ID"]


def test_secrets_never_appear_in_repr_or_errors():
    settings = Settings.from_env(env())
    shown = repr(settings)
    assert SECRET not in shown and "PRIVATE KEY" not in shown
    assert "github_webhook_secret=***" in shown
    bad_key = "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END RSA PRIVATE KEY-----"
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env(GITHUB_PRIVATE_KEY=bad_key, GITHUB_APP_ID="0"))
    assert "c2VjcmV0" not in str(caught.value)
    assert set(caught.value.problems) == {"GITHUB_PRIVATE_KEY", "GITHUB_APP_ID"}


def test_private_key_from_a_file_and_with_escaped_newlines(tmp_path):
    pem_file = tmp_path / "app.pem"
    pem_file.write_text(private_key_pem())
    settings = Settings.from_env(env(GITHUB_PRIVATE_KEY=None, GITHUB_PRIVATE_KEY_PATH=str(pem_file)))
    assert settings.github_private_key == private_key_pem()
    one_line = private_key_pem().replace("\n", "\\n")
    assert Settings.from_env(env(GITHUB_PRIVATE_KEY=one_line)).github_private_key == private_key_pem()


def test_private_key_path_problems_are_named(tmp_path):
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env(GITHUB_PRIVATE_KEY=None, GITHUB_PRIVATE_KEY_PATH=str(tmp_path / "missing.pem")))
    assert "GITHUB_PRIVATE_KEY_PATH" in caught.value.problems
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env(GITHUB_PRIVATE_KEY_PATH=str(tmp_path / "x.pem")))
    assert "not both" in caught.value.problems["GITHUB_PRIVATE_KEY"]


@pytest.mark.parametrize(
    ("api_url", "graphql_url"),
    [
        ("https://api.github.com", "https://api.github.com/graphql"),
        ("https://api.github.com/", "https://api.github.com/graphql"),
        ("https://ghe.example.com/api/v3", "https://ghe.example.com/api/graphql"),
        ("https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765/graphql"),
    ],
)
def test_graphql_url_is_derived(api_url, graphql_url):
    assert derive_graphql_url(api_url) == graphql_url
    assert Settings.from_env(env(GITHUB_API_URL=api_url)).github_graphql_url == graphql_url


def test_explicit_graphql_url_wins():
    settings = Settings.from_env(env(GITHUB_GRAPHQL_URL="https://gql.example.com/graphql"))
    assert settings.github_graphql_url == "https://gql.example.com/graphql"


def test_settings_are_frozen():
    settings = Settings.from_env(env())
    with pytest.raises(AttributeError):
        settings.github_app_id = 1  # type: ignore[misc]


def test_task_time_limits_default_and_override():
    from prguard.config import task_time_limits

    settings = Settings.from_env(env())
    assert (settings.task_soft_time_limit, settings.task_time_limit) == (480, 600)
    assert task_time_limits({}) == (480, 600)  # the Celery app reads them without the GitHub secrets
    assert task_time_limits({"TASK_SOFT_TIME_LIMIT": "3", "TASK_TIME_LIMIT": "6"}) == (3, 6)
    settings = Settings.from_env(env(TASK_SOFT_TIME_LIMIT="100", TASK_TIME_LIMIT="200"))
    assert (settings.task_soft_time_limit, settings.task_time_limit) == (100, 200)


@pytest.mark.parametrize(
    ("soft", "hard", "named", "says"),
    [
        ("600", None, "TASK_SOFT_TIME_LIMIT", "below the hard limit"),  # soft == default hard
        (None, "300", "TASK_TIME_LIMIT", "below the hard limit"),  # default soft 480 > 300
        ("10", "1800", "TASK_TIME_LIMIT", "visibility timeout"),
        ("abc", None, "TASK_SOFT_TIME_LIMIT", "positive integer"),
        (None, "0", "TASK_TIME_LIMIT", "positive integer"),
    ],
)
def test_task_time_limits_are_validated(soft, hard, named, says):
    from prguard.config import task_time_limits

    bad = {"TASK_SOFT_TIME_LIMIT": soft, "TASK_TIME_LIMIT": hard}
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env(**bad))
    assert named in caught.value.problems and says in caught.value.problems[named]
    with pytest.raises(ConfigError):
        task_time_limits({k: v for k, v in bad.items() if v is not None})


def test_the_celery_app_takes_the_time_limits_from_the_environment(monkeypatch):
    from prguard.queue.celery_app import make_celery

    monkeypatch.setenv("TASK_SOFT_TIME_LIMIT", "30")
    monkeypatch.setenv("TASK_TIME_LIMIT", "45")
    app = make_celery("redis://127.0.0.1:6379/15")
    assert (app.conf.task_soft_time_limit, app.conf.task_time_limit) == (30, 45)
    monkeypatch.setenv("TASK_TIME_LIMIT", "20")
    with pytest.raises(ConfigError):
        make_celery("redis://127.0.0.1:6379/15")
