"""The life of prguard's check run for one review job, in one place: found again or created
(`in_progress`, keyed by the job's `external_id` and remembered in Redis, so a retried or
redelivered job reuses it), completed with the review (prguard.publish.checkrun renders the
output and annotations), or completed `skipped`, `cancelled`, `neutral` or `timed_out`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from prguard.engine.model import ReviewResult
from prguard.github.errors import GitHubError
from prguard.publish.checkrun import CHECK_NAME, Waiver, send_check_run
from prguard.queue.jobs import ReviewJob
from prguard.queue.state import CHECK_RUN_TTL, RedisKeys

log = logging.getLogger("prguard.pipeline")

SUMMARY_LIMIT = 65_535
_CHECK_RUNS = "/repos/{owner}/{repo}/check-runs"
_CHECK_RUN = "/repos/{owner}/{repo}/check-runs/{check_run_id}"

TIMED_OUT_SUMMARY = (
    "prguard ran out of time on this review (its worker's time limit, `TASK_SOFT_TIME_LIMIT`) and stopped "
    "before finishing it.\n\nThis is usually GitHub answering slowly: **Re-run** the check (or comment "
    "`/prguard review`) to try again. If it keeps timing out, the pull request may be too large to review "
    "in time: exclude generated or vendored files with `paths.exclude` in `.github/prguard.yml`."
)


def external_id(job: ReviewJob) -> str:
    """One check run per job; the receiver reads the PR number back from it on a fork's re-run."""
    return f"prguard:{job.number}:{job.delivery_id}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def remembered_check_run(redis: Any, keys: RedisKeys, job: ReviewJob) -> int | None:
    """The run this job created (a retried job reuses it; the give-up and time-limit paths close it)."""
    raw = redis.get(keys.check_run(job.installation_id, job.full_name, external_id(job)))
    return int(raw) if raw else None


def ensure_check_run(client: Any, redis: Any, keys: RedisKeys, job: ReviewJob, head_sha: str) -> dict:
    """Our run for this job on this head: reuse one an earlier attempt created, else create it in_progress."""
    ext = external_id(job)
    remembered = remembered_check_run(redis, keys, job)
    if remembered is not None:
        run = client.get(_CHECK_RUN, url_vars=where(job, check_run_id=remembered))
        if isinstance(run, dict) and run.get("head_sha") == head_sha:
            return run
    for run in client.paginate(
        "/repos/{owner}/{repo}/commits/{ref}/check-runs",
        url_vars=where(job, ref=head_sha),
        params={"check_name": CHECK_NAME, "filter": "all"},
        max_items=1000,
        items_key="check_runs",
    ):
        if run.get("external_id") == ext:
            _remember_run(redis, keys, job, int(run["id"]))
            return run
    run = client.post(
        _CHECK_RUNS,
        url_vars=where(job),
        json={
            "name": CHECK_NAME,
            "head_sha": head_sha,
            "status": "in_progress",
            "external_id": ext,
            "started_at": _now(),
            "output": {
                "title": "Reviewing…",
                "summary": f"prguard is reviewing `{head_sha[:12]}` ({job.trigger.replace('.', ' ')}).",
            },
        },
    )
    _remember_run(redis, keys, job, int(run["id"]))
    return run


def _remember_run(redis: Any, keys: RedisKeys, job: ReviewJob, run_id: int) -> None:
    redis.set(keys.check_run(job.installation_id, job.full_name, external_id(job)), run_id, ex=CHECK_RUN_TTL)


def _cap(text: str, limit: int = SUMMARY_LIMIT) -> str:
    if len(text) <= limit:
        return text
    note = "\n\n… (cut: GitHub caps the check run summary at 65,535 characters)"
    return text[: limit - len(note)] + note


def complete_plain(
    client: Any, job: ReviewJob, run_id: int, conclusion: str, title: str, summary: str
) -> None:
    """Complete the run with a conclusion and a short output and no annotations."""
    client.patch(
        _CHECK_RUN,
        url_vars=where(job, check_run_id=run_id),
        json={
            "status": "completed",
            "conclusion": conclusion,
            "completed_at": _now(),
            "output": {"title": title[:255], "summary": _cap(summary)},
        },
    )


def cancel_check_run(client: Any, job: ReviewJob, run_id: int, newer: str | None) -> None:
    """A newer push replaced the head before the review finished: nothing stale is published."""
    title = f"Superseded by {newer[:7]}" if newer else "Superseded by a newer push"
    summary = (
        f"A newer push (`{newer}`) replaced this commit before the review finished; prguard reviews that "
        "push instead. Nothing was published for this commit."
        if newer
        else "A newer push replaced this commit before the review finished."
    )
    complete_plain(client, job, run_id, "cancelled", title, summary)


def fail_check_run(
    client: Any, job: ReviewJob, run_id: int | None, exc: BaseException, *, timed_out: bool = False
) -> None:
    """End a run prguard could not finish: `timed_out`, or `neutral` (a tool failure never blocks a merge)."""
    if run_id is None:
        return
    reason = str(exc) if isinstance(exc, GitHubError) else type(exc).__name__
    if timed_out:
        conclusion, title = "timed_out", "Review ran out of time"
        summary = TIMED_OUT_SUMMARY
    else:
        conclusion, title = "neutral", "prguard could not finish the review"
        summary = (
            f"prguard hit an error and could not finish: `{reason[:500]}`.\n\nRe-run the check to try again."
        )
    try:
        complete_plain(client, job, run_id, conclusion, title, summary)
    except GitHubError as inner:
        log.warning("could not mark check run %s as %s: %s", run_id, conclusion, inner)


def close_timed_out_run(client: Any, job: ReviewJob, run_id: int | None, exc: BaseException) -> bool:
    """Complete the run `timed_out` unless it is already completed (the review may have finished its
    publishing before the limit struck, or a second signal may arrive); True when this call completed it."""
    if run_id is None:
        return False
    run = client.get(_CHECK_RUN, url_vars=where(job, check_run_id=run_id))
    if isinstance(run, dict) and run.get("status") == "completed":
        return False
    fail_check_run(client, job, run_id, exc, timed_out=True)
    return True


def where(job: ReviewJob, **more: Any) -> dict[str, Any]:
    """The URL variables of the job's repository and pull request (plus `more`)."""
    return {"owner": job.owner, "repo": job.repo, "number": job.number, **more}


def complete_check_run(
    client: Any, job: ReviewJob, run_id: int, result: ReviewResult, summary: str, waiver: Waiver | None
) -> None:
    """Complete the run with the engine's conclusion, the verdict title, summary and annotations
    (prguard.publish.checkrun: annotations 50 per request, a waiver kept across re-runs)."""
    send_check_run(client, job.owner, job.repo, run_id, result, summary, waiver=waiver)
