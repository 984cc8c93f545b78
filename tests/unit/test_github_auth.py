"""App JWT claims and signature; installation tokens cached in the real Redis, per installation."""

from __future__ import annotations

import logging
import time

import jwt
import pytest
import responses
from prguard.github.auth import InstallationTokens, make_app_jwt
from prguard.github.errors import NotFound

from tests.fake_github.fixture import AppKey
from tests.spine_helpers import redis_under_prefix

API = "https://api.github.com"


@pytest.fixture
def redis_db15():
    yield from redis_under_prefix(15, "test:ghtoken:")


def iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def test_jwt_claims_and_signature(github_app_key: AppKey):
    now = 1_700_000_000
    token = make_app_jwt(github_app_key.app_id, github_app_key.private_pem, now=now)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = jwt.decode(
        token,
        github_app_key.public_pem,
        algorithms=["RS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["iss"] == str(github_app_key.app_id)
    assert claims["iat"] == now - 60
    assert claims["exp"] - claims["iat"] <= 600 and claims["exp"] > now


def test_jwt_accepts_a_client_id_as_issuer(github_app_key: AppKey):
    token = make_app_jwt("Iv23liABCDEF", github_app_key.private_pem)
    assert jwt.decode(token, github_app_key.public_pem, algorithms=["RS256"])["iss"] == "Iv23liABCDEF"


def test_jwt_signed_with_another_key_does_not_verify(github_app_key: AppKey):
    from tests.fake_github.fixture import make_app_key

    other = make_app_key()
    token = make_app_jwt(1, other.private_pem)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, github_app_key.public_pem, algorithms=["RS256"])


def test_a_bad_private_key_says_so_without_quoting_it():
    secret_material = "-----BEGIN RSA PRIVATE KEY-----\nNOTAKEYsecretMATERIAL\n-----END RSA PRIVATE KEY-----"
    with pytest.raises(ValueError, match="not a usable RSA private key") as caught:
        make_app_jwt(1, secret_material)
    assert "secretMATERIAL" not in str(caught.value)


def token_endpoint(installation_id: int, token: str, expires_in: float) -> None:
    responses.post(
        f"{API}/app/installations/{installation_id}/access_tokens",
        status=201,
        json={"token": token, "expires_at": iso(time.time() + expires_in)},
    )


@responses.activate
def test_tokens_are_cached_in_redis_until_five_minutes_before_expiry(
    redis_db15, github_app_key: AppKey, caplog
):
    caplog.set_level(logging.DEBUG)
    client, prefix = redis_db15
    token_endpoint(11, "ghs_tokenELEVENsecret", 3600)
    tokens = InstallationTokens(
        app_id=github_app_key.app_id,
        private_key=github_app_key.private_pem,
        api_url=API,
        redis=client,
        key_prefix=prefix,
    )
    assert tokens.token(11) == "ghs_tokenELEVENsecret"
    assert tokens.token(11) == "ghs_tokenELEVENsecret"
    assert len(responses.calls) == 1 and tokens.minted == 1
    ttl = client.ttl(prefix + "11")
    assert 3600 - 300 - 5 <= ttl <= 3600 - 300
    # The mint call authenticated as the App with a JWT GitHub can verify.
    sent = responses.calls[0].request
    scheme, _, app_jwt = sent.headers["authorization"].partition(" ")
    assert scheme.lower() == "bearer"
    assert jwt.decode(app_jwt, github_app_key.public_pem, algorithms=["RS256"])["iss"] == str(
        github_app_key.app_id
    )
    assert "ghs_tokenELEVENsecret" not in caplog.text and "ghs_tokenELEVENsecret" not in repr(tokens)


@responses.activate
def test_an_expired_cache_entry_mints_a_new_token(redis_db15, github_app_key: AppKey):
    client, prefix = redis_db15
    token_endpoint(12, "ghs_first", 3600)
    token_endpoint(12, "ghs_second", 3600)
    tokens = InstallationTokens(
        app_id=1, private_key=github_app_key.private_pem, api_url=API, redis=client, key_prefix=prefix
    )
    assert tokens.token(12) == "ghs_first"
    client.delete(prefix + "12")  # what Redis does when the TTL runs out
    assert tokens.token(12) == "ghs_second"


@responses.activate
def test_a_token_with_under_five_minutes_left_is_used_once_but_not_cached(redis_db15, github_app_key: AppKey):
    client, prefix = redis_db15
    token_endpoint(13, "ghs_short", 200)
    tokens = InstallationTokens(
        app_id=1, private_key=github_app_key.private_pem, api_url=API, redis=client, key_prefix=prefix
    )
    assert tokens.token(13) == "ghs_short"
    assert client.get(prefix + "13") is None


@responses.activate
def test_two_installations_never_share_tokens(redis_db15, github_app_key: AppKey):
    client, prefix = redis_db15
    token_endpoint(21, "ghs_for_21", 3600)
    token_endpoint(22, "ghs_for_22", 3600)
    responses.get(f"{API}/repos/a/r", json={"name": "r"})
    responses.get(f"{API}/repos/b/r", json={"name": "r"})
    tokens = InstallationTokens(
        app_id=1, private_key=github_app_key.private_pem, api_url=API, redis=client, key_prefix=prefix
    )
    first, second = tokens.client(21), tokens.client(22)
    first.get("/repos/a/r")
    second.get("/repos/b/r")
    assert responses.calls[-2].request.headers["authorization"] == "token ghs_for_21"
    assert responses.calls[-1].request.headers["authorization"] == "token ghs_for_22"
    assert client.get(prefix + "21") == b"ghs_for_21" and client.get(prefix + "22") == b"ghs_for_22"
    assert first.session is not second.session  # no connection-level state shared between tenants


@responses.activate
def test_forget_drops_the_cached_token(redis_db15, github_app_key: AppKey):
    client, prefix = redis_db15
    token_endpoint(31, "ghs_a", 3600)
    token_endpoint(31, "ghs_b", 3600)
    tokens = InstallationTokens(
        app_id=1, private_key=github_app_key.private_pem, api_url=API, redis=client, key_prefix=prefix
    )
    assert tokens.token(31) == "ghs_a"
    tokens.forget(31)
    assert client.get(prefix + "31") is None
    assert tokens.token(31) == "ghs_b"


@responses.activate
def test_an_uninstalled_app_raises_not_found(redis_db15, github_app_key: AppKey):
    client, prefix = redis_db15
    responses.post(f"{API}/app/installations/41/access_tokens", status=404, json={"message": "Not Found"})
    tokens = InstallationTokens(
        app_id=1, private_key=github_app_key.private_pem, api_url=API, redis=client, key_prefix=prefix
    )
    with pytest.raises(NotFound):
        tokens.token(41)
