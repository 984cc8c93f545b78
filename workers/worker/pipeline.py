"""One review job, start to finish: token → check run → policy from base → PR data → engine → check run done.

Idempotent by construction, because Celery may run a job twice (late acks,
retries, a killed worker): the check run is found again by its `external_id`
(one per job), a run an earlier attempt already completed is never published
again, and a job whose head SHA is no longer the PR's head stops and marks its
run `cancelled` instead of publishing anything stale.

Transient GitHub errors propagate (the task retries them); anything else ends
the run `neutral` with a plain explanation, so a prguard failure never blocks a merge.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from prguard import metrics
from prguard.engine.model import ReviewResult
from prguard.github.errors import GitHubError, TransientGitHubError
from prguard.observability import stage
from prguard.publish.checkrun import send_check_run
from prguard.publish.commands import WaiverStore
from prguard.queue.jobs import ReviewJob
from prguard.queue.state import CHECK_RUN_TTL, PullState, RedisKeys
from prguard.report.markdown import render_summary

log = logging.getLogger("prguard.pipeline")

CHECK_NAME = "prguard"
SUMMARY_LIMIT = 65_535
_CHECK_RUNS = "/repos/{owner}/{repo}/check-runs"
_CHECK_RUN = "/repos/{owner}/{repo}/check-runs/{check_run_id}"
_PULL = "/repos/{owner}/{repo}/pulls/{number}"
TIMED_OUT_SUMMARY = (
    "prguard ran out of time on this review (its worker's time limit, `TASK_SOFT_TIME_LIMIT`) and stopped "
    "before finishing it.\n\nThis is usually GitHub answering slowly: **Re-run** the check (or comment "
    "`/prguard review`) to try again. If it keeps timing out, the pull request may be too large to review "
    "in time: exclude generated or vendored files with `paths.exclude` in `.github/prguard.yml`."
)

# The publishing call site: given the finished review, complete the check run
# (annotations, verdict) and post the inline review and labels. See `run_review`.
Publisher = Callable[["ReviewContext"], None]


@dataclass
class ReviewContext:
    """Everything a publisher needs; built by `run_review` after the engine step."""

    job: ReviewJob
    client: Any  # GitHubClient with the job's own installation token
    redis: Any
    keys: RedisKeys
    check_run_id: int
    head_sha: str
    snapshot: Any  # prguard.github.pulls.PullRequestSnapshot
    result: ReviewResult
    summary: str  # render_summary(result)


@dataclass(frozen=True)
class ReviewOutcome:
    """What happened to a job (logged by the task; `status` is one word)."""

    status: str  # completed | superseded | already-completed | dropped | closed | failed
    detail: str
    head_sha: str | None = None
    check_run_id: int | None = None
    conclusion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "detail": self.detail,
            "head_sha": self.head_sha,
            "check_run_id": self.check_run_id,
            "conclusion": self.conclusion,
        }


class Superseded(Exception):
    def __init__(self, newer: str | None) -> None:
        super().__init__(f"superseded by {newer}")
        self.newer = newer


def external_id(job: ReviewJob) -> str:
    """One check run per job; the receiver reads the PR number back from it on a fork's re-run."""
    return f"prguard:{job.number}:{job.delivery_id}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_review(
    job: ReviewJob,
    *,
    github: Any,
    redis: Any,
    keys: RedisKeys | None = None,
    publisher: Publisher | None = None,
    cache: Any = None,
    engine_deadline: float | None = None,
    ledger: Any = None,
) -> ReviewOutcome:
    """Review one PR at one head. `github` is a `prguard.github.auth.InstallationTokens`.

    `engine_deadline` (a `time.monotonic()` instant) is when analysis must stop so the job
    still has time to publish before the task's soft time limit: files not analysed by then
    are listed as skipped (`time-budget`) and the conclusion is at best `neutral`.

    `publisher` is THE call site for publishing (inline review, labels, annotations):
    when given it receives the `ReviewContext` and completes the check run itself;
    without one the check run is completed here with the verdict and the summary.

    `ledger` (`prguard.worker.ledger.LedgerHooks`) looks the findings' patterns up in the org's
    change ledger before publishing (the summary's "Seen before") and records the review after;
    neither can fail the review.
    """
    keys = keys or RedisKeys()
    state = PullState(redis, keys)
    if state.is_removed(job.installation_id, job.full_name):
        return ReviewOutcome("dropped", "installation or repository removed from the app", job.head_sha)

    latest = state.latest_head(job.installation_id, job.full_name, job.number)
    if job.head_sha and latest and latest != job.head_sha:
        # Stale before any work: cancel the run an earlier attempt made, create none.
        run_id = _remembered_run(redis, keys, job)
        if run_id is not None:
            client = github.client(job.installation_id)
            _cancel(client, job, run_id, latest)
        return ReviewOutcome("superseded", f"superseded by {latest}", job.head_sha, run_id, "cancelled")

    client = github.client(job.installation_id)
    pull = client.get(_PULL, url_vars=_where(job))
    head_sha = job.head_sha or str(pull["head"]["sha"])
    if job.comment_id:
        _acknowledge(client, job)

    with stage("check_run"):
        run = _ensure_check_run(client, redis, keys, job, head_sha)
    run_id = int(run["id"])
    if run.get("status") == "completed":
        return ReviewOutcome(
            "already-completed",
            "an earlier attempt completed this run",
            head_sha,
            run_id,
            run.get("conclusion"),
        )

    try:
        closed = _unless_open(
            client, job, pull, head_sha, run_id,
            "The pull request was closed before prguard reviewed it.", "pull request closed",
        )  # fmt: skip
        if closed is not None:
            return closed
        snapshot, result = _analyse(client, job, pull, cache, engine_deadline)
        if snapshot.head_sha != head_sha:
            raise Superseded(snapshot.head_sha)
        newest = state.latest_head(job.installation_id, job.full_name, job.number)
        if newest and newest != head_sha:
            raise Superseded(newest)  # a push landed while the engine ran: publish nothing stale
        # GitHub's word, not only our webhooks': a push or a close whose delivery is late or lost.
        closed = _unless_open(
            client, job, client.get(_PULL, url_vars=_where(job)), head_sha, run_id,
            "The pull request was closed while prguard reviewed it; nothing was published.",
            "pull request closed during the review",
        )  # fmt: skip
        if closed is not None:
            return closed
        record = _ledger_prepare(ledger, job, snapshot, result, run_id, redis, keys)
        summary = _render_summary(result)
        context = ReviewContext(job, client, redis, keys, run_id, head_sha, snapshot, result, summary)
        with stage("publish"):
            if publisher is not None:
                publisher(context)
            else:
                complete_check_run(context)
        metrics.observe_findings(result.findings)
        if ledger is not None and not state.is_removed(job.installation_id, job.full_name):
            ledger.completed(record)  # (an uninstall during the review: its rows are being purged)
    except Superseded as exc:
        _cancel(client, job, run_id, exc.newer)
        return ReviewOutcome("superseded", str(exc), head_sha, run_id, "cancelled")
    except TransientGitHubError:
        raise  # the task retries; the run stays in_progress and is reused
    except SoftTimeLimitExceeded:
        raise  # the task completes the run `timed_out`, once (not `neutral` here and again there)
    except Exception as exc:
        fail_check_run(client, job, run_id, exc)
        raise
    return ReviewOutcome("completed", f"{len(result.findings)} findings", head_sha, run_id, result.conclusion)


def _ledger_prepare(
    ledger: Any, job: ReviewJob, snapshot: Any, result: ReviewResult, run_id: int, redis: Any, keys: RedisKeys
) -> Any:
    """The ledger record of this review (None without a ledger), with the look-up's history attached."""
    if ledger is None:
        return None
    waived_by = None
    try:
        waiver = WaiverStore(redis, keys.prefix).get(job.installation_id, job.full_name, snapshot.head_sha)
        waived_by = waiver.login if waiver else None
    except Exception as exc:  # Redis trouble: the review goes on, the waiver is recorded when it is read
        log.info("could not read the waiver for the ledger: %s", type(exc).__name__)
    return ledger.prepare(job, snapshot, result, run_id, waived_by)


def _where(job: ReviewJob, **more: Any) -> dict[str, Any]:
    return {"owner": job.owner, "repo": job.repo, "number": job.number, **more}


def _acknowledge(client: Any, job: ReviewJob) -> None:
    """👀 on the `/prguard review` comment: the command was heard (best effort)."""
    try:
        client.post(
            "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
            url_vars=_where(job, comment_id=job.comment_id),
            json={"content": "eyes"},
        )
    except TransientGitHubError:
        raise
    except GitHubError as exc:
        log.info("could not react to comment %s: %s", job.comment_id, exc)


def _remembered_run(redis: Any, keys: RedisKeys, job: ReviewJob) -> int | None:
    raw = redis.get(keys.check_run(job.installation_id, job.full_name, external_id(job)))
    return int(raw) if raw else None


def _ensure_check_run(client: Any, redis: Any, keys: RedisKeys, job: ReviewJob, head_sha: str) -> dict:
    """Our run for this job on this head: reuse one an earlier attempt created, else create it in_progress."""
    ext = external_id(job)
    remembered = _remembered_run(redis, keys, job)
    if remembered is not None:
        run = client.get(_CHECK_RUN, url_vars=_where(job, check_run_id=remembered))
        if isinstance(run, dict) and run.get("head_sha") == head_sha:
            return run
    for run in client.paginate(
        "/repos/{owner}/{repo}/commits/{ref}/check-runs",
        url_vars=_where(job, ref=head_sha),
        params={"check_name": CHECK_NAME, "filter": "all"},
        max_items=1000,
        items_key="check_runs",
    ):
        if run.get("external_id") == ext:
            _remember_run(redis, keys, job, int(run["id"]))
            return run
    run = client.post(
        _CHECK_RUNS,
        url_vars=_where(job),
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


def _analyse(
    client: Any, job: ReviewJob, pull: dict, cache: Any, engine_deadline: float | None = None
) -> tuple[Any, ReviewResult]:
    """The pull request reviewed the one way every change is (prguard.engine.change): policy from
    the BASE branch (a PR cannot loosen its own policy), then the files, then the engine."""
    # loaded on the first review, not when the Celery app imports the tasks (start-up time)
    from prguard.engine.change import review_change
    from prguard.worker.source import GitHubSource

    source = GitHubSource(client, job, base_ref=str(pull["base"]["ref"]))
    change, result = review_change(source, cache=cache, deadline=engine_deadline, stage=stage)
    return change.raw, result


def _render_summary(result: ReviewResult) -> str:
    return render_summary(result)


def _cap(text: str, limit: int = SUMMARY_LIMIT) -> str:
    if len(text) <= limit:
        return text
    note = "\n\n… (cut: GitHub caps the check run summary at 65,535 characters)"
    return text[: limit - len(note)] + note


def complete_check_run(context: ReviewContext) -> None:
    """Complete the run with the engine's conclusion, the verdict title, summary and annotations
    (prguard.publish.checkrun: annotations 50 per request, a waiver kept across re-runs of the
    same head)."""
    job, result = context.job, context.result
    waiver = WaiverStore(context.redis, context.keys.prefix).get(
        job.installation_id, job.full_name, context.head_sha
    )
    send_check_run(
        context.client, job.owner, job.repo, context.check_run_id, result, context.summary, waiver=waiver
    )


def _unless_open(
    client: Any,
    job: ReviewJob,
    pull: Mapping[str, Any],
    head_sha: str,
    run_id: int,
    summary: str,
    reason: str,
) -> ReviewOutcome | None:
    """None while the PR is open at `head_sha`; a newer head raises Superseded; a closed PR gets its run
    completed as skipped (with `summary`) and the outcome to return."""
    if str(pull["head"]["sha"]) != head_sha:
        raise Superseded(str(pull["head"]["sha"]))
    if pull.get("state") != "closed":
        return None
    _complete_plain(client, job, run_id, "skipped", "Pull request closed", summary)
    return ReviewOutcome("closed", reason, head_sha, run_id, "skipped")


def _complete_plain(
    client: Any, job: ReviewJob, run_id: int, conclusion: str, title: str, summary: str
) -> None:
    client.patch(
        _CHECK_RUN,
        url_vars=_where(job, check_run_id=run_id),
        json={
            "status": "completed",
            "conclusion": conclusion,
            "completed_at": _now(),
            "output": {"title": title[:255], "summary": _cap(summary)},
        },
    )


def _cancel(client: Any, job: ReviewJob, run_id: int, newer: str | None) -> None:
    title = f"Superseded by {newer[:7]}" if newer else "Superseded by a newer push"
    summary = (
        f"A newer push (`{newer}`) replaced this commit before the review finished; prguard reviews that "
        "push instead. Nothing was published for this commit."
        if newer
        else "A newer push replaced this commit before the review finished."
    )
    _complete_plain(client, job, run_id, "cancelled", title, summary)


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
        _complete_plain(client, job, run_id, conclusion, title, summary)
    except GitHubError as inner:
        log.warning("could not mark check run %s as %s: %s", run_id, conclusion, inner)


def close_timed_out_run(client: Any, job: ReviewJob, run_id: int | None, exc: BaseException) -> bool:
    """Complete the run `timed_out` unless it is already completed (the review may have finished its
    publishing before the limit struck, or a second signal may arrive); True when this call completed it."""
    if run_id is None:
        return False
    run = client.get(_CHECK_RUN, url_vars=_where(job, check_run_id=run_id))
    if isinstance(run, dict) and run.get("status") == "completed":
        return False
    fail_check_run(client, job, run_id, exc, timed_out=True)
    return True


def remembered_check_run(redis: Any, keys: RedisKeys, job: ReviewJob) -> int | None:
    """The run this job created, for the task's give-up and time-limit paths."""
    return _remembered_run(redis, keys, job)
