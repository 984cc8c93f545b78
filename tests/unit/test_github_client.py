"""GitHubClient against `responses`: headers, timeouts, paging, GraphQL, and every failure class."""

from __future__ import annotations

import logging
import time

import pytest
import requests
import responses
from prguard.github.client import GitHubClient, graphql_url_for, route_template
from prguard.github.errors import (
    GitHubError,
    GraphQLError,
    NotFound,
    RateLimited,
    TransientGitHubError,
    UnprocessableEntity,
)
from prguard.github.ratelimit import retry_countdown

API = "https://api.github.com"
TOKEN = "ghs_SECRETtokenVALUE0123456789abcdef"
PULL = f"{API}/repos/octo/widgets/pulls/7"


def make_client(**kwargs) -> tuple[GitHubClient, list[float]]:
    sleeps: list[float] = []
    options = {"api_url": API, "token": TOKEN, "sleep": sleeps.append, "clock": lambda: 1_700_000_000.0}
    options.update(kwargs)
    return GitHubClient(**options), sleeps


def get_pull(client: GitHubClient):
    return client.get(
        "/repos/{owner}/{repo}/pulls/{number}", url_vars={"owner": "octo", "repo": "widgets", "number": 7}
    )


@responses.activate
def test_headers_timeouts_and_call_counting():
    limits = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4321",
        "x-ratelimit-reset": "1700003600",
        "x-ratelimit-resource": "core",
    }
    responses.get(PULL, json={"number": 7}, headers=limits)
    client, _ = make_client(timeout=(3.0, 20.0))
    assert get_pull(client) == {"number": 7}
    sent = responses.calls[0].request
    assert sent.headers["x-github-api-version"] == "2022-11-28"
    assert sent.headers["authorization"] == f"token {TOKEN}"
    assert sent.headers["accept"] == "application/vnd.github+json"
    assert sent.headers["user-agent"] == "prguard"
    assert sent.req_kwargs["timeout"] == (3.0, 20.0)
    assert client.calls[("GET", "/repos/{owner}/{repo}/pulls/{number}")] == 1
    assert client.rate_limit.remaining == 4321 and client.rate_limit.resource == "core"


def test_enterprise_server_urls():
    assert graphql_url_for("https://ghe.example.com/api/v3") == "https://ghe.example.com/api/graphql"
    assert graphql_url_for("https://api.github.com") == "https://api.github.com/graphql"
    client = GitHubClient(api_url="https://ghe.example.com/api/v3/", token="t")
    assert client.graphql_url == "https://ghe.example.com/api/graphql"


@responses.activate
def test_enterprise_paths_keep_the_api_prefix():
    responses.get("https://ghe.example.com/api/v3/repos/o/r/pulls/1", json={"number": 1})
    client = GitHubClient(api_url="https://ghe.example.com/api/v3", token="t")
    assert client.get("/repos/o/r/pulls/1") == {"number": 1}
    assert client.calls[("GET", "/repos/{owner}/{repo}/pulls/{id}")] == 1


def test_route_template_generalises_concrete_paths():
    assert route_template("/repos/a/b/check-runs/123") == "/repos/{owner}/{repo}/check-runs/{id}"
    assert route_template("/repos/a/b/git/blobs/" + "a" * 40) == "/repos/{owner}/{repo}/git/blobs/{sha}"
    assert route_template("/repos/{owner}/{repo}/contents/{+path}") == "/repos/{owner}/{repo}/contents/{path}"


@responses.activate
def test_file_paths_keep_slashes_and_escape_the_rest():
    responses.get(f"{API}/repos/o/r/contents/src/a%20b%3F.py", json={"type": "file"})
    client, _ = make_client()
    client.get(
        "/repos/{owner}/{repo}/contents/{+path}", url_vars={"owner": "o", "repo": "r", "path": "src/a b?.py"}
    )
    assert responses.calls[0].request.url == f"{API}/repos/o/r/contents/src/a%20b%3F.py"


@responses.activate
def test_pagination_follows_link_headers_and_stops_at_max_items():
    base = f"{API}/repos/o/r/pulls/1/files"
    for page in (1, 2, 3):
        link = f'<{base}?per_page=2&page={page + 1}>; rel="next", <{base}?per_page=2&page=3>; rel="last"'
        responses.get(
            base,
            json=[{"n": 2 * page - 1}, {"n": 2 * page}],
            headers={"link": link} if page < 3 else {},
            match=[responses.matchers.query_param_matcher({"per_page": "2", "page": str(page)} if page > 1
                                                            else {"per_page": "2"})],
        )  # fmt: skip
    client, _ = make_client()
    items = list(client.paginate("/repos/o/r/pulls/1/files", per_page=2))
    assert [i["n"] for i in items] == [1, 2, 3, 4, 5, 6]
    assert len(responses.calls) == 3
    assert client.calls[("GET", "/repos/{owner}/{repo}/pulls/{id}/files")] == 3
    # max_items stops without fetching further pages
    responses.calls.reset()
    assert [i["n"] for i in client.paginate("/repos/o/r/pulls/1/files", per_page=2, max_items=3)] == [1, 2, 3]
    assert len(responses.calls) == 2


@responses.activate
def test_a_link_to_another_host_never_gets_the_token():
    responses.get(
        f"{API}/repos/o/r/pulls",
        json=[{"n": 1}],
        headers={"link": '<https://evil.example/x?page=2>; rel="next"'},
    )
    client, _ = make_client()
    with pytest.raises(GitHubError, match="another host"):
        list(client.paginate("/repos/o/r/pulls"))
    assert len(responses.calls) == 1


@responses.activate
def test_graphql_returns_data_and_raises_on_errors():
    responses.post(f"{API}/graphql", json={"data": {"viewer": {"login": "x"}}})
    responses.post(f"{API}/graphql", json={"data": {"repository": None}, "errors": [
        {"type": "NOT_FOUND", "message": "Could not resolve to a Repository"}]})  # fmt: skip
    client, _ = make_client()
    assert client.graphql("query { viewer { login } }") == {"viewer": {"login": "x"}}
    with pytest.raises(GraphQLError, match="Could not resolve") as caught:
        client.graphql('query { repository(owner:"a", name:"b") { id } }')
    assert caught.value.data == {"repository": None}
    assert client.calls[("POST", "/graphql")] == 2


@responses.activate
def test_graphql_rate_limited_error_becomes_rate_limited():
    responses.post(
        f"{API}/graphql",
        json={"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]},
        headers={
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": "1700000100",
        },
    )
    client, _ = make_client()
    with pytest.raises(RateLimited) as caught:
        client.graphql("query { viewer { login } }")
    assert caught.value.retry_after == pytest.approx(101.0)


# -- rate limits and transient failures ------------------------------------------------------------


@responses.activate
def test_secondary_limit_403_with_long_retry_after_is_raised_for_the_task():
    responses.get(PULL, status=403, json={"message": "You have exceeded a secondary rate limit."},
                  headers={"retry-after": "120"})  # fmt: skip
    client, sleeps = make_client()
    with pytest.raises(RateLimited) as caught:
        get_pull(client)
    assert caught.value.retry_after == 120.0 and caught.value.status == 403
    assert sleeps == [] and len(responses.calls) == 1  # never sleeps beyond the in-call budget
    assert 120.0 <= retry_countdown(caught.value, retries=0) <= 121.0


@responses.activate
def test_short_retry_after_is_waited_out_in_call():
    responses.get(PULL, status=429, json={"message": "rate limited"}, headers={"retry-after": "1"})
    responses.get(PULL, json={"number": 7})
    client, sleeps = make_client()
    assert get_pull(client) == {"number": 7}
    assert sleeps == [1.0]
    assert client.calls[("GET", "/repos/{owner}/{repo}/pulls/{number}")] == 2


@responses.activate
def test_429_without_headers_backs_off_from_a_minute():
    responses.get(PULL, status=429, json={"message": "API rate limit exceeded"})
    client, _ = make_client()
    with pytest.raises(RateLimited) as caught:
        get_pull(client)
    assert 60.0 <= caught.value.retry_after <= 72.0
    assert caught.value.guided is False
    assert 120.0 <= retry_countdown(caught.value, retries=1) <= 144.0  # exponential across task retries


@responses.activate
def test_primary_limit_403_waits_for_reset():
    responses.get(PULL, status=403, json={"message": "API rate limit exceeded for installation"},
                  headers={"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0",
                           "x-ratelimit-reset": "1700000300"})  # fmt: skip
    client, _ = make_client()
    with pytest.raises(RateLimited) as caught:
        get_pull(client)
    assert caught.value.retry_after == pytest.approx(301.0)
    assert client.rate_limit.remaining == 0


@responses.activate
def test_permission_403_is_not_a_rate_limit():
    responses.get(PULL, status=403, json={"message": "Resource not accessible by integration"})
    client, sleeps = make_client()
    with pytest.raises(GitHubError) as caught:
        get_pull(client)
    assert not isinstance(caught.value, TransientGitHubError)
    assert caught.value.status == 403 and sleeps == []


@pytest.mark.parametrize("status", [502, 503, 504])
@responses.activate
def test_5xx_is_retried_in_call_then_surfaces_as_transient(status):
    for _ in range(3):
        responses.get(PULL, status=status, json={"message": "Server Error"})
    client, sleeps = make_client()
    with pytest.raises(TransientGitHubError) as caught:
        get_pull(client)
    assert not isinstance(caught.value, RateLimited)
    assert caught.value.status == status
    assert len(responses.calls) == 3 and len(sleeps) == 2 and sum(sleeps) <= client.max_wait


@responses.activate
def test_5xx_then_success_recovers():
    responses.get(PULL, status=502, body="<html>bad gateway</html>", content_type="text/html")
    responses.get(PULL, json={"number": 7})
    client, sleeps = make_client()
    assert get_pull(client) == {"number": 7} and len(sleeps) == 1


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectionError("Connection reset by peer"),
    ],
    ids=["timeout", "reset"],
)
@responses.activate
def test_timeouts_and_resets_are_transient(failure):
    for _ in range(3):
        responses.get(PULL, body=failure)
    client, _ = make_client()
    with pytest.raises(TransientGitHubError) as caught:
        get_pull(client)
    assert caught.value.status is None and len(responses.calls) == 3


@responses.activate
def test_writes_are_not_repeated_after_an_ambiguous_failure():
    """A POST whose answer was lost may have been done: raise, let the task's idempotency decide."""
    responses.post(f"{API}/repos/o/r/check-runs", body=requests.exceptions.ReadTimeout("read timed out"))
    responses.post(f"{API}/repos/o/r/check-runs", status=502)
    client, _ = make_client()
    with pytest.raises(TransientGitHubError):
        client.post("/repos/o/r/check-runs", json={"name": "prguard", "head_sha": "a" * 40})
    with pytest.raises(TransientGitHubError):
        client.post("/repos/o/r/check-runs", json={"name": "prguard", "head_sha": "a" * 40})
    assert len(responses.calls) == 2


@responses.activate
def test_rate_limited_writes_are_retried_because_github_refused_them():
    responses.post(f"{API}/repos/o/r/check-runs", status=403, json={"message": "secondary rate limit"},
                   headers={"retry-after": "0"})  # fmt: skip
    responses.post(f"{API}/repos/o/r/check-runs", status=201, json={"id": 1})
    client, _ = make_client()
    assert client.post("/repos/o/r/check-runs", json={"name": "prguard", "head_sha": "a" * 40}) == {"id": 1}


@responses.activate
def test_404_and_422_map_to_their_types():
    responses.get(PULL, status=404, json={"message": "Not Found"})
    responses.post(f"{API}/repos/o/r/pulls/7/reviews", status=422,
                   json={"message": "Unprocessable Entity",
                         "errors": ["Pull request review thread line must be part of the diff"]})  # fmt: skip
    client, _ = make_client()
    with pytest.raises(NotFound):
        get_pull(client)
    with pytest.raises(UnprocessableEntity, match="must be part of the diff") as caught:
        client.post("/repos/o/r/pulls/7/reviews", json={"event": "COMMENT", "body": "x"})
    assert caught.value.errors == ["Pull request review thread line must be part of the diff"]


@responses.activate
def test_raw_bytes_are_returned_unchanged():
    responses.get(f"{API}/repos/o/r/git/blobs/{'b' * 40}", body=b"\xff\xfe not utf-8 \x00",
                  content_type="application/vnd.github.raw")  # fmt: skip
    client, _ = make_client()
    data = client.get(f"/repos/o/r/git/blobs/{'b' * 40}", accept="application/vnd.github.raw", raw=True)
    assert data == b"\xff\xfe not utf-8 \x00"


# -- secrets ------------------------------------------------------------------------------------------


@responses.activate
def test_the_token_never_reaches_logs_exceptions_or_reprs(caplog):
    caplog.set_level(logging.DEBUG)
    responses.get(PULL, status=503, json={"message": "Service Unavailable"})
    responses.get(PULL, body=requests.exceptions.ConnectionError("reset"))
    responses.get(PULL, status=401, json={"message": "Bad credentials"})
    responses.get(f"{API}/repos/o/r", status=429, headers={"retry-after": "500"})
    client, _ = make_client()
    texts = [repr(client), str(client.__dict__)]
    for call in (lambda: get_pull(client), lambda: client.get("/repos/o/r")):
        with pytest.raises(GitHubError) as caught:
            call()
        texts += [str(caught.value), repr(caught.value), repr(caught.value.__dict__)]
    texts += [record.getMessage() for record in caplog.records]
    assert any("github GET" in text for text in texts)  # the log really was captured
    assert not [text for text in texts if TOKEN in text or "SECRET" in text]


def test_token_and_jwt_together_are_refused():
    with pytest.raises(ValueError):
        GitHubClient(api_url=API, token="a", jwt="b")


def test_in_call_budget_bounds_wall_clock_time():
    """With the real sleep, a failing call returns within the small budget."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        for _ in range(3):
            mocked.get(PULL, status=503)
        client = GitHubClient(api_url=API, token=TOKEN, max_wait=0.3)
        started = time.monotonic()
        with pytest.raises(TransientGitHubError):
            get_pull(client)
        assert time.monotonic() - started < 1.0
