"""prguard.queue.fair on the real Redis: round-robin by installation, the depth bound, nothing lost."""

from __future__ import annotations

import json

import pytest
from prguard.queue.celery_app import REVIEW_TASK, make_celery, wire_message
from prguard.queue.fair import FairQueue

from tests.spine_helpers import redis_under_prefix


@pytest.fixture
def rds():
    yield from redis_under_prefix(2, "fairtest-")


@pytest.fixture(scope="module")
def celery():
    return make_celery("redis://127.0.0.1:6379/2")


def message(celery, installation: int, number: int) -> str:
    kwargs = {"installation_id": installation, "owner": "o", "repo": f"r{installation}", "number": number,
              "head_sha": f"{number:040x}", "delivery_id": f"d{installation}-{number}"}  # fmt: skip
    return wire_message(celery, REVIEW_TASK, kwargs, "analyze")


def taken(rds, queue: str) -> tuple[int, int] | None:
    """What a worker takes next from the queue (kombu: BRPOP, the oldest): (installation, number)."""
    raw = rds.rpop(queue)
    if raw is None:
        return None
    kwargs = json.loads(json.loads(raw)["headers"]["kwargsrepr"])
    return kwargs["installation_id"], kwargs["number"]


def drain(rds, fair: FairQueue) -> list[tuple[int, int]]:
    """Run the queue dry as one worker would: take a job, dispatch after it."""
    order = []
    fair.dispatch()
    while (job := taken(rds, fair.queue)) is not None:
        order.append(job)
        fair.dispatch()
    return order


def test_a_flood_does_not_push_other_installations_back(rds, celery):
    client, prefix = rds
    fair = FairQueue(client, prefix, f"{prefix}analyze", depth=2)
    for number in range(50):  # installation 1 floods first
        client.lpush(fair.intake, message(celery, 1, number))
    client.lpush(fair.intake, message(celery, 2, 0))
    client.lpush(fair.intake, message(celery, 3, 0))
    order = drain(client, fair)
    assert len(order) == 52  # nothing lost
    assert [job for job in order if job[0] == 1] == [(1, n) for n in range(50)]  # FIFO within one
    assert order.index((2, 0)) <= 3 and order.index((3, 0)) <= 4  # not behind the 50


def test_round_robin_alternates_installations_with_work(rds, celery):
    client, prefix = rds
    fair = FairQueue(client, prefix, f"{prefix}analyze", depth=1)
    for number in range(3):
        for installation in (7, 8, 9):
            client.lpush(fair.intake, message(celery, installation, number))
    order = drain(client, fair)
    assert [i for i, _ in order] == [7, 8, 9] * 3


def test_depth_bounds_the_celery_queue_and_pending_counts_the_rest(rds, celery):
    client, prefix = rds
    fair = FairQueue(client, prefix, f"{prefix}analyze", depth=3)
    for number in range(10):
        client.lpush(fair.intake, message(celery, 4, number))
    assert fair.pending() == 10
    assert fair.dispatch() == (10, 3)
    assert client.llen(fair.queue) == 3
    assert fair.pending() == 7
    assert fair.dispatch() == (0, 0)  # full: nothing moves until a worker takes a job
    taken(client, fair.queue)
    assert fair.dispatch() == (0, 1)
    assert fair.pending() == 6


def test_a_message_without_an_installation_still_runs(rds, celery):
    client, prefix = rds
    fair = FairQueue(client, prefix, f"{prefix}analyze", depth=5)
    client.lpush(fair.intake, "not json")
    client.lpush(fair.intake, message(celery, 5, 1))
    fair.dispatch()
    assert b"not json" in client.lrange(fair.queue, 0, -1)
    assert client.llen(fair.queue) == 2 and fair.pending() == 0


def test_the_web_process_reports_queue_depth_for_autoscaling(rds, celery):
    from prguard.app import create_app

    from tests.spine_helpers import make_settings

    client, prefix = rds
    app = create_app(make_settings("redis://127.0.0.1:6379/2", redis_key_prefix=prefix), redis_client=client)
    fair = app.extensions["prguard"].fair
    for number in range(5):
        client.lpush(fair.intake, message(celery, 6, number))
    body = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'prguard_queue_depth{queue="fair"} 5.0' in body
