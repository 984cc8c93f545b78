"""The dashboard: sign-in with GitHub (fake GitHub's OAuth pages), member-only pages, CSRF, the JSON API."""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any

import pytest
import redis
import requests
from prguard.app import create_app
from prguard.app.dashboard.membership import MembershipCache
from prguard.app.dashboard.sessions import SESSION_COOKIE, CookieSealer, safe_next

from tests.dashboard_helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    SESSION_SECRET,
    TIMEOUT_PATTERN,
    dashboard_settings,
    seed_demo,
    sqlite_engine,
)
from tests.fake_github.oauth import FakeOAuth, oauth_of

MEMBERSHIP_ROUTE = "/user/memberships/orgs/{org}"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """One seeded ledger per module: the dashboard only reads it."""
    engine = sqlite_engine(str(tmp_path_factory.mktemp("dashboard") / "ledger.sqlite3"))
    seed_demo(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def oauth(fake_github) -> FakeOAuth:
    state = oauth_of(fake_github)
    state.configure(CLIENT_ID, CLIENT_SECRET)
    state.add_user("alice", {"Acme": "active"})
    state.add_user("pat", {"Acme": "pending"})
    state.sign_in("alice")
    return state


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(fake_github, oauth, engine, clock):
    settings = dashboard_settings(fake_github.url)
    return create_app(settings, redis_client=redis.Redis(), dashboard={"engine": engine, "clock": clock})


def https_client(app) -> Any:
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # the session cookie is Secure
    return client


def consent(fake_github, authorize_url: str, approve: bool = True) -> str:
    """Press Authorize (or Cancel) on the fake GitHub's consent page; returns where it sends the browser."""
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200 and 'id="authorize"' in page.text
    fields = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize_url).query))
    fields["authorize"] = "1" if approve else "0"
    answer = requests.post(
        fake_github.url + "/login/oauth/authorize", data=fields, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 302
    return answer.headers["location"]


def local(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def sign_in(client, fake_github, next_path: str = "/orgs/acme") -> Any:
    started = client.get(f"/login?next={urllib.parse.quote(next_path)}")
    assert started.status_code == 302
    back = consent(fake_github, started.location)
    return client.get(local(back))


def signed_in_client(app, fake_github) -> Any:
    client = https_client(app)
    done = sign_in(client, fake_github)
    assert done.status_code == 302, done.text
    return client


# -- sign-in ------------------------------------------------------------------------------------


def test_an_unauthenticated_page_redirects_to_login_and_back(app, fake_github, oauth):
    client = https_client(app)
    first = client.get("/orgs/acme?days=30")
    assert first.status_code == 302
    assert first.location == "/login?next=/orgs/acme?days%3D30"
    to_github = client.get(first.location)
    assert to_github.location.startswith(fake_github.url + "/login/oauth/authorize?")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(to_github.location).query))
    assert query["client_id"] == CLIENT_ID and query["state"]
    state_cookie = to_github.headers["Set-Cookie"]
    assert "Secure" in state_cookie and "HttpOnly" in state_cookie and "SameSite=Lax" in state_cookie
    back = client.get(local(consent(fake_github, to_github.location)))
    assert back.status_code == 302 and back.location == "/orgs/acme?days=30"
    session_cookie = next(c for c in back.headers.getlist("Set-Cookie") if c.startswith(SESSION_COOKIE + "="))
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in session_cookie
    assert oauth.exchanged == ["alice"]
    page = client.get("/orgs/acme?days=30")
    assert page.status_code == 200
    assert "<svg" in page.text and "Findings introduced per week" in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


def test_a_state_that_does_not_match_is_refused_before_any_code_exchange(app, fake_github, oauth):
    client = https_client(app)
    to_github = client.get("/login")
    back = consent(fake_github, to_github.location)
    parts = urllib.parse.urlsplit(back)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query["state"] = "forged-" + query["state"]
    refused = client.get(parts.path + "?" + urllib.parse.urlencode(query))
    assert refused.status_code == 400
    assert SESSION_COOKIE not in "".join(refused.headers.getlist("Set-Cookie"))
    assert oauth.exchanged == []


def test_a_callback_without_the_state_cookie_is_refused(app, fake_github, oauth):
    starter = https_client(app)
    to_github = starter.get("/login")
    back = consent(fake_github, to_github.location)
    other_browser = https_client(app)  # the victim of a login-CSRF never visited /login
    assert other_browser.get(local(back)).status_code == 400
    assert oauth.exchanged == []


def test_cancelled_consent_is_not_a_session(app, fake_github, oauth):
    client = https_client(app)
    to_github = client.get("/login")
    back = client.get(local(consent(fake_github, to_github.location, approve=False)))
    assert back.status_code == 403
    assert client.get("/orgs/acme").status_code == 302


def test_the_session_cookie_holds_no_token_in_clear(app, fake_github, oauth):
    client = signed_in_client(app, fake_github)
    [token] = oauth.user_tokens
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None and token not in cookie.value
    opened = CookieSealer(SESSION_SECRET).open_session(cookie.value)
    assert opened is not None and opened.token == token and opened.login == "alice"
    assert CookieSealer("another-secret-of-enough-length-0123456789").open_session(cookie.value) is None
    tampered = cookie.value[:-4] + ("AAAA" if not cookie.value.endswith("AAAA") else "BBBB")
    assert CookieSealer(SESSION_SECRET).open_session(tampered) is None


def test_next_is_a_local_path_only():
    assert safe_next("/orgs/acme?days=30") == "/orgs/acme?days=30"
    for bad in (
        "https://evil.example",
        "//evil.example/x",
        "/\\evil.example",
        "orgs",
        None,
        "/a\r\nSet-Cookie:x",
    ):
        assert safe_next(bad) == "/"


# -- who may see what ---------------------------------------------------------------------------


def test_a_non_member_gets_404_and_a_pending_invitation_is_not_membership(app, fake_github, oauth):
    client = signed_in_client(app, fake_github)
    assert client.get("/orgs/other").status_code == 404
    assert client.get("/orgs/other/patterns/" + TIMEOUT_PATTERN).status_code == 404
    assert client.get("/orgs/other/repos/secret-project").status_code == 404
    assert client.get("/orgs/never-installed").status_code == 404
    oauth.sign_in("pat")
    pending = signed_in_client(app, fake_github)
    assert pending.get("/orgs/acme").status_code == 404


def test_membership_is_rechecked_after_the_ttl(app, fake_github, oauth, clock):
    client = signed_in_client(app, fake_github)
    assert client.get("/orgs/acme").status_code == 200
    assert client.get("/orgs/acme/repos/web").status_code == 200
    assert len(fake_github.calls("GET", MEMBERSHIP_ROUTE)) == 1  # cached within the TTL
    oauth.users["alice"].memberships.clear()  # removed from the org on GitHub
    clock.now += 299
    assert client.get("/orgs/acme").status_code == 200
    clock.now += 2
    assert client.get("/orgs/acme").status_code == 404
    assert len(fake_github.calls("GET", MEMBERSHIP_ROUTE)) == 2


def test_membership_cache_keys_by_token_and_org_and_forgets():
    asked: list[tuple[str, str]] = []
    now = [0.0]

    def ask(token: str, org: str) -> bool:
        asked.append((token, org))
        return org.lower() == "acme"

    cache = MembershipCache(ask, ttl=60, clock=lambda: now[0], max_entries=2)
    assert cache.is_member("t1", "Acme") and cache.is_member("t1", "acme")
    assert not cache.is_member("t1", "other") and not cache.is_member("t1", "other")
    assert asked == [("t1", "Acme"), ("t1", "other")]
    assert cache.is_member("t2", "acme")  # a third entry evicts the oldest
    assert cache.is_member("t1", "acme")
    assert len(asked) == 4
    cache.forget("t1")
    now[0] = 10
    cache.is_member("t1", "acme")
    assert len(asked) == 5
    now[0] = 80
    cache.is_member("t2", "acme")
    assert len(asked) == 6


def test_a_revoked_token_sends_the_user_to_sign_in_again(app, fake_github, oauth, clock):
    client = signed_in_client(app, fake_github)
    [token] = oauth.user_tokens
    oauth.revoke(token)
    clock.now += 1000
    answer = client.get("/orgs/acme")
    assert answer.status_code == 302 and answer.location.startswith("/login")


def test_github_down_is_a_503_not_a_404(app, fake_github, oauth):
    client = signed_in_client(app, fake_github)
    fake_github.inject("GET", MEMBERSHIP_ROUTE, 502)
    assert client.get("/orgs/acme").status_code == 503
    assert client.get("/orgs/acme").status_code == 200  # the failure was not cached


# -- CSRF ---------------------------------------------------------------------------------------


def test_sign_out_needs_the_forms_csrf_token(app, fake_github, oauth):
    client = signed_in_client(app, fake_github)
    page = client.get("/orgs/acme")
    assert 'name="csrf_token"' in page.text
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": "guessed"}).status_code == 400
    assert client.get("/orgs/acme").status_code == 200  # still signed in
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    copied = client.get_cookie(SESSION_COOKIE).value  # say someone had copied the cookie
    assert oauth.revoked == 0 and len(oauth.user_tokens) == 1
    out = client.post("/logout", data={"csrf_token": csrf})
    assert out.status_code == 302
    assert client.get("/orgs/acme").status_code == 302
    assert oauth.revoked == 1 and oauth.user_tokens == {}  # the token itself is revoked at GitHub
    thief = https_client(app)
    thief.set_cookie(SESSION_COOKIE, copied, domain="localhost")
    stolen = thief.get("/orgs/acme")
    assert stolen.status_code == 302 and stolen.location.startswith("/login")


# -- pages --------------------------------------------------------------------------------------


def test_org_pattern_and_repository_pages_show_the_recurring_pattern(app, fake_github, oauth):
    client = signed_in_client(app, fake_github)
    org = client.get("/orgs/Acme").text
    assert f'href="/orgs/Acme/patterns/{TIMEOUT_PATTERN}"' in org
    assert "HTTP call without a timeout" in org and "Acme/api#11" in org  # merged with an open finding
    assert "devin" in org and "copilot" in org and "human" in org
    assert "secret-project" not in org and "Internal thing" not in org  # another org's rows
    weeks = org.split('<table class="weeks">', 1)[1].split("</table>", 1)[0]  # the chart's figures as text
    assert "copilot 2" in weeks and "devin 1" in weeks
    pattern = client.get(f"/orgs/acme/patterns/{TIMEOUT_PATTERN}").text
    assert "Every occurrence (3)" in pattern
    for link in ("/Acme/api/pull/11", "/Acme/api/pull/12", "/Acme/web/pull/4"):
        assert f'href="{fake_github.url}{link}"' in pattern
    assert client.get("/orgs/acme/patterns/no-such-pattern").status_code == 404
    repo = client.get("/orgs/acme/repos/web")
    assert repo.status_code == 200 and "Acme/web" in repo.text and "subprocess with shell=True" in repo.text
    assert client.get("/orgs/acme/repos/secret-project").status_code == 404


def test_the_home_page_lists_only_the_users_orgs(app, fake_github, oauth):
    assert "Sign in with GitHub" in https_client(app).get("/").text
    oauth.users["alice"].memberships["other"] = "pending"  # invited, not yet a member
    home = signed_in_client(app, fake_github).get("/").text
    assert "/orgs/Acme" in home and "/orgs/Other" not in home
    assert len(fake_github.calls("GET", "/user/memberships/orgs")) == 1  # one list, not one call per org


def test_without_a_client_id_the_dashboard_is_not_mounted(fake_github):
    settings = dashboard_settings(fake_github.url, github_oauth_client_id="")
    flask_app = create_app(settings, redis_client=redis.Redis())
    routes = {rule.rule for rule in flask_app.url_map.iter_rules()}
    assert "/login" not in routes and "/orgs/<org>" not in routes
    assert not any(rule.startswith("/api/") for rule in routes)
    assert flask_app.test_client().get("/orgs/acme").status_code == 404


# -- JSON API -----------------------------------------------------------------------------------


def api(client, path: str, token: str | None, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(f"/api/v1/orgs/{path}", headers=headers, query_string=params)


def test_api_needs_a_bearer_token_of_a_member(app, fake_github, oauth):
    client = app.test_client()
    missing = api(client, "acme/summary", None)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/orgs/acme/summary", headers={"Authorization": "Basic abc"}).status_code == 401
    assert api(client, "acme/summary", "gho_not_a_real_token").status_code == 401
    token = oauth.issue_user_token("alice")
    assert api(client, "other/summary", token).status_code == 404
    assert api(client, "other/patterns", token).json == {"message": "Not Found"}
    summary = api(client, "acme/summary", token)
    assert summary.status_code == 200
    body = summary.json
    assert body["findings"] == {"total": 6, "ai_authored": 4, "human": 2}
    assert body["by_author"] == {"copilot": 2, "devin": 2, "human": 2}
    assert body["top_patterns"][0]["pattern_key"] == TIMEOUT_PATTERN
    assert body["top_patterns"][0]["pulls"] == 3 and body["top_patterns"][0]["repositories"] == 2
    assert [p["number"] for p in body["accepted_risk"]] == [11, 5]


def test_api_paginates_with_an_envelope_and_link_header(app, fake_github, oauth):
    client = app.test_client()
    token = oauth.issue_user_token("alice")
    seen = []
    page = 1
    while True:
        answer = api(client, "acme/pulls", token, per_page=2, page=page)
        assert answer.status_code == 200
        body = answer.json
        assert body["per_page"] == 2 and body["total"] == 5 and body["page"] == page
        seen += [(p["repository"], p["number"]) for p in body["items"]]
        if 'rel="next"' not in answer.headers.get("Link", ""):
            break
        page += 1
    assert page == 3 and len(set(seen)) == 5
    assert api(client, "acme/pulls", token, per_page=500).status_code == 400
    assert api(client, "acme/pulls", token, page="x").status_code == 400
    assert api(client, "acme/pulls", token, state="weird").status_code == 400
    merged = api(client, "acme/pulls", token, accepted_risk="true").json
    assert [p["number"] for p in merged["items"]] == [11, 5]
    patterns = api(client, "acme/patterns", token, per_page=1).json
    assert patterns["total"] == 3 and len(patterns["items"]) == 1
    recurring = api(client, "acme/patterns", token, recurring="1").json
    assert {p["pattern_key"] for p in recurring["items"]} == {TIMEOUT_PATTERN, "subprocess-shell-0002"}
    one = api(client, f"acme/patterns/{TIMEOUT_PATTERN}", token, per_page=2)
    assert one.json["pattern"]["findings"] == 3 and len(one.json["items"]) == 2 and one.json["total"] == 3
    assert {o["agent"] for o in api(client, f"acme/patterns/{TIMEOUT_PATTERN}", token).json["items"]} == {
        "devin",
        "copilot",
    }
    assert api(client, "acme/patterns/nope", token).status_code == 404


# -- secrets ------------------------------------------------------------------------------------


def test_the_user_token_never_reaches_a_log_record(app, fake_github, oauth, caplog):
    caplog.set_level(logging.DEBUG)
    client = signed_in_client(app, fake_github)
    client.get("/orgs/acme")
    client.get("/orgs/other")
    [session_token] = oauth.user_tokens
    api_token = oauth.issue_user_token("alice")
    api(app.test_client(), "acme/summary", api_token)
    api(app.test_client(), "other/summary", api_token)
    fake_github.inject("GET", MEMBERSHIP_ROUTE, 502)
    api(app.test_client(), "acme/pulls", oauth.issue_user_token("alice"))
    assert caplog.records, "nothing was logged: the check would prove nothing"
    for record in caplog.records:
        text = f"{record.getMessage()} {record.__dict__!r}"
        assert session_token not in text and api_token not in text
        assert CLIENT_SECRET not in text and SESSION_SECRET not in text
    assert session_token not in repr(app.extensions["prguard_dashboard"].github)


def test_a_ledger_that_does_not_answer_is_a_503(fake_github, oauth):
    from prguard.ledger.db import make_engine

    down = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/prguard")  # nothing listens on port 9
    flask_app = create_app(
        dashboard_settings(fake_github.url), redis_client=redis.Redis(), dashboard={"engine": down}
    )
    client = signed_in_client(flask_app, fake_github)
    page = client.get("/orgs/acme")
    assert page.status_code == 503 and "ledger is not answering" in page.text
    token = oauth.issue_user_token("alice")
    answer = api(flask_app.test_client(), "acme/summary", token)
    assert answer.status_code == 503 and "ledger" in answer.json["message"]


def test_chart_labels_are_escaped():
    from prguard.app.dashboard import charts

    hostile = '<script>alert("x")</script>'
    series = charts.series_for([hostile, "human"])
    svg = str(charts.stacked_columns(hostile, [(hostile, {hostile: 3, "human": 1})], series))
    svg += str(charts.horizontal_bars(hostile, [(hostile, 2)]))
    svg += str(charts.share_bar(hostile, [(series[0], 1), (series[1], 1)]))
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert series[1].colour == charts.HUMAN_COLOUR


def test_sign_out_works_when_github_cannot_revoke_the_token(app, fake_github, oauth, caplog):
    client = signed_in_client(app, fake_github)
    [token] = oauth.user_tokens
    csrf = client.get("/orgs/acme").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    fake_github.inject("DELETE", "/applications/{client_id}/token", 502)
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    assert client.get("/orgs/acme").status_code == 302  # signed out all the same
    assert any("revocation answered 502" in r.getMessage() for r in caplog.records)
    assert all(token not in r.getMessage() for r in caplog.records)
