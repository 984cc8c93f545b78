"""The webhook receiver against the real payloads, the real Redis (DB 11) and real Celery publishing."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json

import pytest
import redis
from prguard.app import create_app
from prguard.engine.model import ENGINE_VERSION
from prguard.queue.celery_app import (
    ANALYZE_QUEUE,
    FORGET_TASK,
    HELP_TASK,
    LEDGER_TASK,
    REVIEW_TASK,
    WAIVE_TASK,
    WRITE_QUEUE,
)
from prguard.queue.state import PullState, RedisKeys

from tests.conftest import load_webhook
from tests.spine_helpers import (
    APP_ID,
    UNREACHABLE_REDIS_URL,
    make_settings,
    queued_messages,
    sign,
    unreachable_redis,
    webhook_headers,
)

REDIS_URL = "redis://127.0.0.1:6379/11"
HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"


@pytest.fixture
def rds():
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(ANALYZE_QUEUE, WRITE_QUEUE)  # DB 11 queues belong to these tests only
    yield client
    client.delete(ANALYZE_QUEUE, WRITE_QUEUE)


@pytest.fixture
def settings():
    return make_settings(REDIS_URL)


@pytest.fixture
def client(settings, rds):
    app = create_app(settings, redis_client=rds)
    yield app.test_client()
    keys = list(rds.scan_iter(f"{settings.redis_key_prefix}*"))
    if keys:
        rds.delete(*keys)


def post(client, event, payload, *, delivery=None, raw=None, headers=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    sent = webhook_headers(event, body, delivery=delivery)
    if headers is not None:
        sent.update(headers)
        sent = {k: v for k, v in sent.items() if v is not None}
    return client.post("/webhooks", data=body, headers=sent)


def jobs(rds, queue=ANALYZE_QUEUE):
    return queued_messages(rds, queue)


# --- signature and request validation ---------------------------------------------------------


def test_hmac_vector_from_githubs_docs():
    digest = hmac.new(b"It's a Secret to Everybody", b"Hello, World!", hashlib.sha256).hexdigest()
    assert sign(b"Hello, World!") == "sha256=" + digest
    assert digest == "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_githubs_documented_signature_is_accepted_by_the_receiver(client):
    # The docs' exact body and signature: authenticated, then refused only because it is not JSON.
    response = client.post(
        "/webhooks",
        data=b"Hello, World!",
        headers={
            "X-GitHub-Event": "ping",
            "X-GitHub-Delivery": "d-1",
            "X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 400
    assert "not JSON" in response.get_json()["reason"]


def test_missing_signature_is_401(client, rds):
    response = post(
        client,
        "pull_request",
        load_webhook("pull_request", "opened.payload.json"),
        headers={"X-Hub-Signature-256": None},
    )
    assert response.status_code == 401
    assert jobs(rds) == []


def test_wrong_signature_is_401(client, rds):
    response = post(
        client,
        "pull_request",
        load_webhook("pull_request", "opened.payload.json"),
        headers={"X-Hub-Signature-256": sign(b"something else")},
    )
    assert response.status_code == 401
    assert response.get_json()["status"] == "rejected"
    assert jobs(rds) == []


def test_signature_by_another_secret_is_401(client):
    body = json.dumps(load_webhook("pull_request", "opened.payload.json")).encode()
    response = post(
        client, "pull_request", None, raw=body, headers={"X-Hub-Signature-256": sign(body, "not the secret")}
    )
    assert response.status_code == 401


def test_sha1_only_signature_is_rejected_even_when_correct(client, rds):
    body = json.dumps(load_webhook("pull_request", "opened.payload.json")).encode()
    sha1 = "sha1=" + hmac.new(b"It's a Secret to Everybody", body, hashlib.sha1).hexdigest()
    response = post(
        client, "pull_request", None, raw=body, headers={"X-Hub-Signature-256": None, "X-Hub-Signature": sha1}
    )
    assert response.status_code == 401
    assert "SHA-1" in response.get_json()["reason"]
    # ... and a sha1 value smuggled into the sha256 header is refused too.
    response = post(client, "pull_request", None, raw=body, headers={"X-Hub-Signature-256": sha1})
    assert response.status_code == 401
    assert jobs(rds) == []


@pytest.mark.parametrize("header", ["X-GitHub-Event", "X-GitHub-Delivery"])
def test_missing_event_or_delivery_header_is_400(client, header):
    response = post(
        client, "pull_request", load_webhook("pull_request", "opened.payload.json"), headers={header: None}
    )
    assert response.status_code == 400
    assert header in response.get_json()["reason"]


@pytest.mark.parametrize(
    "raw", [b'{"action": "opened", "pull_requ', b"\xff\xfe not utf-8", b"", b"[1, 2, 3]", b'"x"']
)
def test_truncated_non_json_or_non_object_body_is_400(client, raw):
    response = post(client, "pull_request", None, raw=raw)
    assert response.status_code == 400


def test_body_above_the_cap_is_413(rds):
    settings = make_settings(REDIS_URL, max_payload_bytes=50_000)
    client = create_app(settings, redis_client=rds).test_client()
    payload = load_webhook("pull_request", "opened.payload.json")
    payload["pull_request"]["body"] = "x" * 60_000
    response = post(client, "pull_request", payload)
    assert response.status_code == 413
    assert response.get_json()["status"] == "rejected"
    assert jobs(rds) == []


def test_form_encoded_delivery_is_read_without_request_form(client, rds):
    from urllib.parse import urlencode

    payload = load_webhook("pull_request", "opened.payload.json")
    body = urlencode({"payload": json.dumps(payload)}).encode()
    response = post(
        client, "pull_request", None, raw=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 202
    assert response.get_json()["status"] == "queued"


# --- routing of the real payloads ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "trigger"),
    [
        ("opened.payload.json", "pull_request.opened"),
        ("opened.with-null-body.json", "pull_request.opened"),
        ("opened.with-organization.payload.json", "pull_request.opened"),
        ("synchronize.payload.json", "pull_request.synchronize"),
        ("reopened.payload.json", "pull_request.reopened"),
        ("ready_for_review.with-installation.payload.json", "pull_request.ready_for_review"),
    ],
)
def test_pull_request_events_queue_one_small_job(client, rds, name, trigger):
    payload = load_webhook("pull_request", name)
    response = post(client, "pull_request", payload, delivery="d-" + name)
    assert response.status_code == 202
    answer = response.get_json()
    assert answer["status"] == "queued", answer
    expected = {
        "installation_id": 1,
        "owner": "Codertocat",
        "repo": "Hello-World",
        "number": 2,
        "head_sha": HEAD,
        "delivery_id": "d-" + name,
        "trigger": trigger,
    }
    assert answer["job"] == expected
    [message] = jobs(rds)
    assert message["task"] == REVIEW_TASK
    assert message["args"] == [] and message["kwargs"] == expected  # ids and SHAs only, no payload


def test_edited_reviews_only_when_the_base_changed(client, rds):
    payload = load_webhook("pull_request", "opened.payload.json")
    payload["action"] = "edited"
    payload["changes"] = {"title": {"from": "old title"}}
    answer = post(client, "pull_request", payload).get_json()
    assert answer["status"] == "ignored" and "base" in answer["reason"]
    assert jobs(rds) == []
    payload["changes"] = {"base": {"ref": {"from": "develop"}, "sha": {"from": "f" * 40}}}
    answer = post(client, "pull_request", payload).get_json()
    assert answer["status"] == "queued"
    assert answer["job"]["trigger"] == "pull_request.edited"


def test_drafts_are_skipped_and_ready_for_review_triggers(client, rds):
    draft = load_webhook("pull_request", "converted_to_draft.with-installation.payload.json")
    answer = post(client, "pull_request", draft).get_json()
    assert answer["status"] == "recorded"
    opened = load_webhook("pull_request", "opened.payload.json")
    opened["pull_request"]["draft"] = True
    answer = post(client, "pull_request", opened).get_json()
    assert answer["status"] == "ignored" and "draft" in answer["reason"]
    assert jobs(rds) == []
    ready = load_webhook("pull_request", "ready_for_review.with-installation.payload.json")
    assert post(client, "pull_request", ready).get_json()["status"] == "queued"
    assert len(jobs(rds)) == 1


def test_closed_is_recorded_for_attribution(client, rds, settings):
    payload = load_webhook("pull_request", "closed.payload.json")
    answer = post(client, "pull_request", payload).get_json()
    assert answer["status"] == "recorded"
    stored = json.loads(rds.get(RedisKeys(settings.redis_key_prefix).closed(1, "Codertocat/Hello-World", 2)))
    assert stored["head_sha"] == HEAD
    assert stored["merged"] is payload["pull_request"]["merged"]
    [message] = jobs(rds)  # the change ledger's record of the merge, written by a worker
    assert message["task"] == LEDGER_TASK
    kwargs = message["kwargs"]
    assert (kwargs["kind"], kwargs["owner"], kwargs["repo"], kwargs["number"]) == (
        "closed",
        "Codertocat",
        "Hello-World",
        2,
    )
    assert kwargs["merged"] is payload["pull_request"]["merged"]
    assert kwargs["closed_at"] == payload["pull_request"]["closed_at"]


def test_payload_without_installation_is_ignored(client, rds):
    answer = post(
        client, "pull_request", load_webhook("pull_request", "ready_for_review.payload.json")
    ).get_json()
    assert answer["status"] == "ignored" and "installation" in answer["reason"]
    assert jobs(rds) == []


@pytest.mark.parametrize(
    ("event", "name"),
    [
        ("pull_request", "assigned.payload.json"),
        ("pull_request", "labeled.payload.json"),
        ("pull_request", "locked.payload.json"),
        ("pull_request", "review_requested.payload.json"),
        ("pull_request_review", "submitted.payload.json"),
        ("pull_request_review_comment", "created.payload.json"),
        ("check_run", "created.payload.json"),
        ("check_run", "completed.payload.json"),
        ("check_suite", "completed.payload.json"),
        ("issue_comment", "edited.payload.json"),
        ("issue_comment", "deleted.payload.json"),
        ("installation", "new_permissions_accepted.payload.json"),
        ("ping", "payload.json"),
    ],
)
def test_everything_else_is_204_with_a_reason(client, rds, event, name):
    response = post(client, event, load_webhook(event, name))
    assert response.status_code == 204
    assert response.data == b""
    assert response.headers["X-Prguard-Reason"]
    assert jobs(rds) == []


def test_unknown_action_of_a_handled_event_is_204(client):
    payload = load_webhook("pull_request", "opened.payload.json")
    payload["action"] = "enqueued"
    response = post(client, "pull_request", payload)
    assert response.status_code == 204


def test_check_run_rerequested_of_our_app_queues_a_rerun(client, rds, settings):
    payload = load_webhook("check_run", "rerequested.payload.json")  # fork-like: empty pull_requests
    payload["check_run"]["app"]["id"] = APP_ID
    sha = payload["check_run"]["head_sha"]
    answer = post(client, "check_run", payload).get_json()
    assert answer["status"] == "ignored" and "no open pull request" in answer["reason"]
    # Once the PR is known (head SHA -> PR stored at pull_request time), the re-run finds it.
    PullState(rds, RedisKeys(settings.redis_key_prefix)).redis.set(
        RedisKeys(settings.redis_key_prefix).sha(1, "github/hello-world", sha), 7
    )
    answer = post(client, "check_run", payload).get_json()
    assert answer["status"] == "queued"
    assert answer["job"]["number"] == 7 and answer["job"]["head_sha"] == sha
    assert answer["job"]["trigger"] == "check_run.rerequested"


def test_check_run_external_id_names_the_pull_request(client, rds):
    payload = load_webhook("check_run", "rerequested.payload.json")
    payload["check_run"]["app"]["id"] = APP_ID
    payload["check_run"]["external_id"] = "prguard:12:some-delivery"
    answer = post(client, "check_run", payload).get_json()
    assert answer["status"] == "queued" and answer["job"]["number"] == 12


def test_check_events_of_other_apps_are_ignored(client, rds):
    rerequested = load_webhook("check_run", "rerequested.payload.json")  # app id 2: not ours
    answer = post(client, "check_run", rerequested).get_json()
    assert answer["status"] == "ignored" and "another app" in answer["reason"]
    suite = load_webhook("check_suite", "requested.payload.json")
    suite["check_suite"]["app"]["id"] = 999
    assert post(client, "check_suite", suite).get_json()["status"] == "ignored"
    assert jobs(rds) == []


def test_requested_action_rerun_button(client, rds):
    payload = load_webhook("check_run", "requested_action.payload.json")
    payload["check_run"]["app"]["id"] = APP_ID
    answer = post(client, "check_run", payload).get_json()
    assert answer["status"] == "ignored"  # the fixture's button is another app's 'lgtm|26764'
    payload["requested_action"]["identifier"] = "rerun"
    answer = post(client, "check_run", payload).get_json()
    assert answer["status"] == "queued"
    assert answer["job"]["number"] == 26764 and answer["job"]["owner"] == "electron"
    assert answer["job"]["trigger"] == "check_run.requested_action"


def test_check_suite_requested_resolves_fork_heads_from_redis(client, rds):
    suite = load_webhook("check_suite", "requested.payload.json")  # pull_requests is empty
    answer = post(client, "check_suite", suite).get_json()
    assert answer["status"] == "ignored"
    # The pull_request event for that head arrives: the next suite event finds the PR.
    opened = load_webhook("pull_request", "opened.payload.json")
    opened["installation"]["id"] = suite["installation"]["id"]
    opened["pull_request"]["head"]["sha"] = suite["check_suite"]["head_sha"]
    assert post(client, "pull_request", opened).get_json()["status"] == "queued"
    answer = post(client, "check_suite", suite).get_json()
    assert answer["status"] == "duplicate"  # same installation, repo, PR, head and engine: already queued
    assert len(jobs(rds)) == 1
    rerequested = copy.deepcopy(suite)
    rerequested["action"] = "rerequested"
    answer = post(client, "check_suite", rerequested).get_json()
    assert answer["status"] == "queued" and answer["job"]["number"] == 2


def test_check_suite_rerequested_with_pull_requests(client, rds):
    answer = post(client, "check_suite", load_webhook("check_suite", "rerequested.payload.json")).get_json()
    assert answer["status"] == "queued"
    assert answer["job"]["number"] == 2 and answer["job"]["installation_id"] == 957387


def pr_comment(body, association="COLLABORATOR", user_type="User", login="someone"):
    payload = load_webhook("issue_comment", "created.with-installation.payload.json")
    payload["issue"]["pull_request"] = {"url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1"}
    payload["comment"]["body"] = body
    payload["comment"]["author_association"] = association
    payload["comment"]["user"]["type"] = user_type
    payload["comment"]["user"]["login"] = login
    return payload


def test_prguard_review_command_queues_an_explicit_review(client, rds):
    answer = post(client, "issue_comment", pr_comment("Thanks!\n/prguard review please")).get_json()
    assert answer["status"] == "queued"
    assert answer["job"]["trigger"] == "command.review"
    assert answer["job"]["number"] == 1 and answer["job"]["head_sha"] is None  # head unknown: worker reads it
    # A second command is a deliberate re-run: it queues again.
    assert post(client, "issue_comment", pr_comment("/prguard review")).get_json()["status"] == "queued"
    assert len(jobs(rds)) == 2


def test_prguard_review_uses_the_latest_head_known(client, rds):
    opened = load_webhook("pull_request", "opened.payload.json")
    opened["pull_request"]["number"] = 1
    post(client, "pull_request", opened)
    answer = post(client, "issue_comment", pr_comment("/prguard review")).get_json()
    assert answer["job"]["head_sha"] == HEAD


def test_prguard_help_goes_to_the_write_queue(client, rds):
    answer = post(client, "issue_comment", pr_comment("/prguard help")).get_json()
    assert answer["status"] == "queued" and answer["job"]["trigger"] == "command.help"
    [message] = jobs(rds, WRITE_QUEUE)
    assert message["task"] == HELP_TASK


@pytest.mark.parametrize(
    ("payload_args", "reason"),
    [
        ({"body": "You are totally right!"}, "no /prguard command"),
        # the receiver reads commands as publishing does (prguard.commands): quotes and unknown words are not
        ({"body": "> /prguard review\nquoting the docs"}, "no /prguard command"),
        ({"body": "/prguard frobnicate"}, "no /prguard command"),
        ({"body": "/prguard review", "user_type": "Bot"}, "bot"),
        ({"body": "/prguard review", "association": "NONE"}, "may run"),
    ],
)
def test_comments_that_are_not_commands_are_ignored(client, rds, payload_args, reason):
    answer = post(client, "issue_comment", pr_comment(**payload_args)).get_json()
    assert answer["status"] == "ignored" and reason in answer["reason"]
    assert jobs(rds) == []


def test_the_pr_author_may_run_commands_without_association(client):
    payload = pr_comment("/prguard review", association="NONE", login="Codertocat")
    assert post(client, "issue_comment", payload).get_json()["status"] == "queued"


def test_comment_on_a_plain_issue_is_ignored(client, rds):
    payload = load_webhook("issue_comment", "created.with-installation.payload.json")
    payload["comment"]["body"] = "/prguard review"
    answer = post(client, "issue_comment", payload).get_json()
    assert answer["status"] == "ignored" and "not on a pull request" in answer["reason"]


@pytest.mark.parametrize(
    ("event", "name", "installation_id", "repositories"),
    [
        ("installation", "deleted.payload.json", 2, None),
        ("installation", "suspend.payload.json", 16598467, None),
        ("installation_repositories", "removed.payload.json", 2, ["octocat/Hello-World"]),
    ],
)
def test_removed_installations_forget_tokens_and_queued_work(
    client, rds, settings, event, name, installation_id, repositories
):
    answer = post(client, event, load_webhook(event, name)).get_json()
    assert answer["status"] == "queued"
    messages = jobs(rds)
    [message] = [m for m in messages if m["task"] == FORGET_TASK]
    assert message["kwargs"]["installation_id"] == installation_id
    assert message["kwargs"]["repositories"] == repositories
    purges = [m["kwargs"] for m in messages if m["task"] == LEDGER_TASK]
    deleted = name == "deleted.payload.json"  # the ledger's rows go only when the App is uninstalled
    assert purges == (
        [{"kind": "purge", "installation_id": installation_id, "delivery_id": purges[0]["delivery_id"]}]
        if deleted
        else []
    )
    state = PullState(rds, RedisKeys(settings.redis_key_prefix))
    assert state.is_removed(installation_id, (repositories or ["any/repo"])[0])


def test_installation_created_again_clears_the_removed_mark(client, rds, settings):
    post(client, "installation", load_webhook("installation", "suspend.payload.json"))
    state = PullState(rds, RedisKeys(settings.redis_key_prefix))
    assert state.is_removed(16598467, "a/b")
    answer = post(client, "installation", load_webhook("installation", "unsuspend.payload.json")).get_json()
    assert answer["status"] == "recorded"
    assert not state.is_removed(16598467, "a/b")


# --- dedupe and coalescing ------------------------------------------------------------------------


def test_the_same_delivery_three_times_makes_one_job(client, rds):
    payload = load_webhook("pull_request", "opened.payload.json")
    statuses = [
        post(client, "pull_request", payload, delivery="same-guid").get_json()["status"] for _ in range(3)
    ]
    assert statuses == ["queued", "duplicate", "duplicate"]
    assert len(jobs(rds)) == 1


def test_same_content_under_new_delivery_ids_is_one_job(client, rds):
    payload = load_webhook("pull_request", "opened.payload.json")
    reopened = load_webhook("pull_request", "reopened.payload.json")
    assert post(client, "pull_request", payload).get_json()["status"] == "queued"
    answer = post(client, "pull_request", reopened).get_json()
    assert answer["status"] == "duplicate" and "already queued" in answer["reason"]
    assert len(jobs(rds)) == 1


def test_an_explicit_rerun_still_queues_after_dedupe(client, rds):
    assert (
        post(client, "pull_request", load_webhook("pull_request", "opened.payload.json")).get_json()["status"]
        == "queued"
    )
    suite = load_webhook("check_suite", "rerequested.payload.json")
    suite["installation"]["id"] = 1
    answer = post(client, "check_suite", suite).get_json()
    assert answer["status"] == "queued"
    # GitHub delivering that re-run twice still runs it once.
    delivery = "rerun-guid"
    assert post(client, "check_suite", suite, delivery=delivery).get_json()["status"] == "queued"
    assert post(client, "check_suite", suite, delivery=delivery).get_json()["status"] == "duplicate"
    assert len(jobs(rds)) == 3


def test_engine_version_is_part_of_the_content_key(settings):
    key = RedisKeys(settings.redis_key_prefix).content(1, "Codertocat/Hello-World", 2, HEAD)
    assert key.endswith(f":{HEAD}:{ENGINE_VERSION}")


def test_latest_head_per_pull_request_is_recorded_newest_wins(client, rds, settings):
    state = PullState(rds, RedisKeys(settings.redis_key_prefix))
    first = load_webhook("pull_request", "opened.payload.json")
    second = copy.deepcopy(first)
    second["action"] = "synchronize"
    second["pull_request"]["head"]["sha"] = "b" * 40
    second["pull_request"]["updated_at"] = "2099-01-01T00:00:00Z"
    post(client, "pull_request", first)
    assert state.latest_head(1, "Codertocat/Hello-World", 2) == HEAD
    post(client, "pull_request", second)
    assert state.latest_head(1, "codertocat/hello-world", 2) == "b" * 40
    # A late duplicate of the older event does not move the head back.
    post(client, "pull_request", first)
    assert state.latest_head(1, "Codertocat/Hello-World", 2) == "b" * 40
    assert len(jobs(rds)) == 2
    assert state.pull_for_sha(1, "Codertocat/Hello-World", "b" * 40) == 2


def test_installations_do_not_share_state(client, rds, settings):
    payload = load_webhook("pull_request", "opened.payload.json")
    assert post(client, "pull_request", payload).get_json()["status"] == "queued"
    payload["installation"]["id"] = 2
    assert post(client, "pull_request", payload).get_json()["status"] == "queued"


# --- availability -----------------------------------------------------------------------------------


def test_redis_down_answers_503_naming_the_delivery(settings):
    client = create_app(settings, redis_client=unreachable_redis()).test_client()
    response = post(
        client, "pull_request", load_webhook("pull_request", "opened.payload.json"), delivery="d-503"
    )
    assert response.status_code == 503
    assert response.get_json()["delivery"] == "d-503"
    assert client.get("/healthz").status_code == 503


def test_jobs_are_enqueued_atomically_with_the_dedupe_claim(client, rds, settings):
    # The Celery message is pushed by the dedupe script itself: a claim without a queued job cannot exist.
    payload = load_webhook("pull_request", "opened.payload.json")
    assert post(client, "pull_request", payload, delivery="d-atomic").get_json()["status"] == "queued"
    keys = RedisKeys(settings.redis_key_prefix)
    assert rds.get(keys.delivery("d-atomic")) == b"d-atomic"
    assert rds.get(keys.content(1, "Codertocat/Hello-World", 2, HEAD)) == b"d-atomic"
    [message] = jobs(rds)
    assert message["kwargs"]["delivery_id"] == "d-atomic"


def test_broker_down_for_a_forget_job_answers_503_and_releases_the_claim(rds):
    settings = make_settings(UNREACHABLE_REDIS_URL)  # dedupe on the live Redis, broker unreachable
    client = create_app(settings, redis_client=rds).test_client()
    response = post(
        client, "installation", load_webhook("installation", "deleted.payload.json"), delivery="d-b"
    )
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "reason": "queue unavailable; redeliver this delivery from the App's settings",
        "delivery": "d-b",
    }
    assert rds.get(RedisKeys(settings.redis_key_prefix).delivery("d-b")) is None  # the redelivery is accepted
    leftover = list(rds.scan_iter(f"{settings.redis_key_prefix}*"))
    if leftover:
        rds.delete(*leftover)


def test_healthz_pings_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["redis"] == "ok"


def test_the_webhook_path_is_configurable(rds):
    client = create_app(
        make_settings(REDIS_URL, webhook_path="/github/events"), redis_client=rds
    ).test_client()
    body = json.dumps(load_webhook("ping", "payload.json")).encode()
    assert client.post("/github/events", data=body, headers=webhook_headers("ping", body)).status_code == 204
    assert client.post("/webhooks", data=body, headers=webhook_headers("ping", body)).status_code == 404


def test_waive_button_goes_to_the_write_queue_with_the_clicker(client, rds):
    payload = load_webhook("check_run", "requested_action.payload.json")
    payload["check_run"]["app"]["id"] = APP_ID
    payload["requested_action"]["identifier"] = "waive"
    answer = post(client, "check_run", payload).get_json()
    assert answer["status"] == "queued"
    [message] = jobs(rds, WRITE_QUEUE)
    assert message["task"] == WAIVE_TASK
    assert message["kwargs"]["check_run_id"] == payload["check_run"]["id"]
    assert message["kwargs"]["login"] == payload["sender"]["login"]


def test_commands_carry_the_comment_id_to_acknowledge(client, rds):
    payload = pr_comment("/prguard review")
    answer = post(client, "issue_comment", payload).get_json()
    assert answer["job"]["comment_id"] == payload["comment"]["id"]
