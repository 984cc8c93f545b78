"""The receiver's fast paths give what the generic ones gave: Celery's message, `json`'s parse, the job."""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest
import redis
from prguard.app import create_app
from prguard.queue import fastjson
from prguard.queue.celery_app import ANALYZE_QUEUE, REVIEW_TASK, WRITE_QUEUE, make_celery, wire_message
from prguard.queue.jobs import ReviewJob

from tests.spine_helpers import make_settings, sign, webhook_headers

JOB = ReviewJob(
    42, "octo", "repo", 7, "ec26c3e57ca3a959ca5aad62de7213c562f8c821", "d-1", "pull_request.opened"
)


def _generic_envelope(app, task: str, kwargs: dict, queue: str, task_id: str) -> dict:
    """What Celery's own protocol-2 builder and kombu's JSON serializer make of the same send."""
    headers, properties, body, _ = app.amqp.create_task_message(
        task_id, task, (), kwargs, ignore_result=True, argsrepr="()", kwargsrepr=json.dumps(kwargs)
    )
    return {"headers": headers, "properties": properties, "body": json.loads(json.dumps(body))}


@pytest.mark.parametrize(
    ("task", "kwargs", "queue"),
    [
        (REVIEW_TASK, JOB.to_kwargs(), ANALYZE_QUEUE),
        ("workers.tasks.reply_help", {**JOB.to_kwargs(), "head_sha": None, "comment_id": 9}, WRITE_QUEUE),
    ],
)
def test_wire_message_is_celerys_protocol_2_message(task, kwargs, queue):
    app = make_celery("redis://127.0.0.1:6379/11")
    envelope = json.loads(wire_message(app, task, kwargs, queue))
    task_id = envelope["headers"]["id"]
    generic = _generic_envelope(app, task, kwargs, queue, task_id)

    headers = dict(envelope["headers"])
    assert isinstance(headers.pop("prguard_enqueued_at"), float)
    assert json.loads(headers.pop("kwargsrepr")) == kwargs
    expected_headers = {k: v for k, v in generic["headers"].items() if k != "kwargsrepr"}
    assert headers == expected_headers
    properties = dict(envelope["properties"])
    assert properties.pop("delivery_info") == {"exchange": "", "routing_key": queue}
    assert properties.pop("delivery_tag") != task_id
    assert properties == {
        **generic["properties"],
        "delivery_mode": 2,
        "priority": 0,
        "body_encoding": "base64",
    }
    assert properties["correlation_id"] == task_id
    assert json.loads(base64.b64decode(envelope["body"])) == list(generic["body"])
    assert (envelope["content-type"], envelope["content-encoding"]) == ("application/json", "utf-8")


def test_every_wire_message_has_its_own_ids():
    app = make_celery("redis://127.0.0.1:6379/11")
    first, second = (json.loads(wire_message(app, REVIEW_TASK, JOB.to_kwargs(), ANALYZE_QUEUE)) for _ in "ab")
    assert first["headers"]["id"] != second["headers"]["id"]
    assert first["properties"]["delivery_tag"] != second["properties"]["delivery_tag"]
    assert first["headers"]["root_id"] == first["headers"]["id"]


@pytest.mark.parametrize("comment_id", [None, 5])
def test_job_kwargs_hold_every_field(comment_id):
    job = dataclasses.replace(JOB, comment_id=comment_id)
    expected = dataclasses.asdict(job)
    if comment_id is None:
        del expected["comment_id"]
    assert job.to_kwargs() == expected
    assert ReviewJob.from_kwargs(job.to_kwargs()) == job


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": 12345678901234567890123}',  # beyond 64 bits: orjson would give a float
        b'{"id": -18446744073709551617}',
        b"[1,\n  99999999999999999999]",
        b'{"id": 18446744073709551615, "n": -9223372036854775808}',
        b'{"x": NaN, "y": Infinity}',  # json accepts these, orjson does not
        b'{"s": "\\ud800"}',  # a lone surrogate
        b'{"a": 1, "a": 2}',
        b'{"f": 1.0000000000000002, "z": -0.0, "e": 1e-7}',
        b'{"sha": "00000000000000000000000000000000000000ff", "t": "pr, 123456789012345678901"}',
        '{"name": "dépôt ✓"}'.encode(),
    ],
)
def test_fastjson_reads_what_json_reads(body):
    got, expected = fastjson.loads_utf8(body), json.loads(body.decode("utf-8"))
    assert json.dumps(got) == json.dumps(expected)
    assert [type(v) for v in _leaves(got)] == [type(v) for v in _leaves(expected)]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"\xef\xbb\xbf{}", ValueError),  # a UTF-8 BOM
        (b'{"a": "\xff"}', UnicodeDecodeError),
        (b'{"a": ', ValueError),
        (b"[" * 100_000 + b"]" * 100_000, RecursionError),
    ],
)
def test_fastjson_refuses_what_json_refuses(body, error):
    with pytest.raises(error):
        fastjson.loads_utf8(body)


def test_fastjson_dumps_falls_back_for_big_integers():
    assert json.loads(fastjson.dumps({"n": 2**70})) == {"n": 2**70}
    assert json.loads(fastjson.dumps({"a": [1, None, "é"]})) == {"a": [1, None, "é"]}


def _leaves(value):
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def test_a_non_ascii_signature_is_a_plain_401():
    rds = redis.Redis.from_url("redis://127.0.0.1:6379/11")
    client = create_app(make_settings("redis://127.0.0.1:6379/11"), redis_client=rds).test_client()
    body = b'{"zen": "x"}'
    headers = webhook_headers("ping", body)
    headers["X-Hub-Signature-256"] = sign(body)[:-1] + "\u00e9"
    response = client.post("/webhooks", data=body, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["reason"] == "signature does not match the webhook secret"
