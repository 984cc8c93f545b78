"""`prguard replay`: re-enqueue the review jobs the receiver accepted, from its own JSON log lines.

Why: the receiver answers 202 once the job is in Redis. If Redis then loses its
memory (restarted without persistence), those jobs are gone and GitHub will not
send the deliveries again. Every "queued" log line carries the jobs in full
(`jobs`: ids and SHAs only), so an operator replays them:

    prguard replay web.log --since 2026-11-26T21:00:00Z

Replaying is safe to repeat: each job goes through the receiver's own atomic
dedupe (delivery id + content key), so a job Redis still knows is skipped, and
the workers are idempotent (the check run is found again by its external id).
Deliveries that got a 503 were never accepted: redeliver those from the App's
settings page ("Recent Deliveries"), as the 503 answer says.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from prguard.cli import CliError
from prguard.queue.jobs import ReviewJob

EXIT_OK = 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="re-enqueue the jobs the webhook receiver logged as queued (after Redis lost its memory)",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument("log", nargs="?", default="-", help="the receiver's JSON log (default: stdin)")
    parser.add_argument("--since", help="only lines at or after this UTC time (ISO 8601, as in the log)")
    parser.add_argument("--delivery", action="append", default=[], help="only this delivery id (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="list the jobs, enqueue nothing")
    parser.set_defaults(handler=run)


def queued_jobs(
    lines: Iterable[str], *, since: str | None = None, deliveries: Iterable[str] = ()
) -> Iterator[ReviewJob]:
    """The jobs of every `queued` line (oldest first), each once; other lines and non-JSON are skipped."""
    wanted = set(deliveries)
    seen: set[tuple[Any, ...]] = set()
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict) or entry.get("outcome") != "queued":
            continue
        if since and str(entry.get("ts", "")) < since:
            continue
        for raw in entry.get("jobs") or ():
            try:
                job = ReviewJob.from_kwargs(raw)
            except (KeyError, TypeError, ValueError):
                continue
            if wanted and job.delivery_id not in wanted:
                continue
            identity = (job.delivery_id, job.installation_id, job.full_name.lower(), job.number, job.head_sha)
            if identity not in seen:
                seen.add(identity)
                yield job


def enqueue(jobs: Iterable[ReviewJob], settings: Any, redis_client: Any) -> list[tuple[ReviewJob, str]]:
    """Push each job through the receiver's atomic dedupe + enqueue; returns (job, 'queued'|'duplicate')."""
    # Celery and the queue load only when jobs are replayed (`prguard` start-up time)
    from prguard.queue.celery_app import (
        ANALYZE_QUEUE,
        HELP_TASK,
        REVIEW_TASK,
        WRITE_QUEUE,
        make_celery,
        wire_message,
    )
    from prguard.queue.state import PullState, RedisKeys

    celery = make_celery(settings.redis_url)
    keys = RedisKeys(settings.redis_key_prefix)
    state = PullState(redis_client, keys)
    out = []
    for job in jobs:
        task, queue = (
            (HELP_TASK, WRITE_QUEUE) if job.trigger == "command.help" else (REVIEW_TASK, ANALYZE_QUEUE)
        )
        content = ""
        if task == REVIEW_TASK and not job.explicit:
            content = keys.content(job.installation_id, job.full_name, job.number, job.head_sha or "HEAD")
        fresh = state.receive(
            job.delivery_id,
            delivery_ttl=settings.dedupe_delivery_ttl,
            content_ttl=settings.dedupe_content_ttl,
            content_keys=[content],
            queue=queue,
            messages=[wire_message(celery, task, job.to_kwargs(), queue)],
        )
        out.append((job, "queued" if fresh and fresh[0] else "duplicate"))
    return out


def run(args: argparse.Namespace, *, stdout: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    try:
        handle = sys.stdin if args.log == "-" else open(args.log, encoding="utf-8", errors="replace")  # noqa: SIM115
    except OSError as exc:
        raise CliError(f"cannot read {args.log}: {exc.strerror}") from None
    with handle:
        jobs = list(queued_jobs(handle, since=args.since, deliveries=args.delivery))
    if args.dry_run:
        for job in jobs:
            print(f"would replay {job.describe()}", file=out)
        return EXIT_OK
    # Redis and the settings load only past --dry-run (`prguard` start-up time)
    import redis
    from prguard.config import Settings

    settings = Settings.from_env()
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
    try:
        results = enqueue(jobs, settings, client)
    except redis.RedisError as exc:
        raise CliError(f"Redis is unreachable ({type(exc).__name__}); nothing was replayed") from None
    for job, outcome in results:
        print(f"{outcome}: {job.describe()}", file=out)
    queued = sum(1 for _, outcome in results if outcome == "queued")
    print(f"{queued} replayed, {len(results) - queued} already known", file=out)
    return EXIT_OK
