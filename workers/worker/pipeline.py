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

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from prguard import metrics
from prguard.engine.model import ReviewResult
from prguard.github.errors import GitHubError, TransientGitHubError
from prguard.observability import stage
from prguard.publish.commands import WaiverStore
from prguard.queue.jobs import ReviewJob
from prguard.queue.state import PullState, RedisKeys
from prguard.report.markdown import render_summary
from prguard.worker import checkruns
from prguard.worker.checkruns import (
    cancel_check_run,
    complete_plain,
    ensure_check_run,
    fail_check_run,
    remembered_check_run,
    where,
)

log = logging.getLogger("prguard.pipeline")

_PULL = "/repos/{owner}/{repo}/pulls/{number}"


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
        run_id = remembered_check_run(redis, keys, job)
        if run_id is not None:
            client = github.client(job.installation_id)
            cancel_check_run(client, job, run_id, latest)
        return ReviewOutcome("superseded", f"superseded by {latest}", job.head_sha, run_id, "cancelled")

    client = github.client(job.installation_id)
    pull = client.get(_PULL, url_vars=where(job))
    head_sha = job.head_sha or str(pull["head"]["sha"])
    if job.comment_id:
        _acknowledge(client, job)

    with stage("check_run"):
        run = ensure_check_run(client, redis, keys, job, head_sha)
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
            client, job, client.get(_PULL, url_vars=where(job)), head_sha, run_id,
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
        cancel_check_run(client, job, run_id, exc.newer)
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


def _acknowledge(client: Any, job: ReviewJob) -> None:
    """👀 on the `/prguard review` comment: the command was heard (best effort)."""
    try:
        client.post(
            "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
            url_vars=where(job, comment_id=job.comment_id),
            json={"content": "eyes"},
        )
    except TransientGitHubError:
        raise
    except GitHubError as exc:
        log.info("could not react to comment %s: %s", job.comment_id, exc)


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


def complete_check_run(context: ReviewContext) -> None:
    """Complete the run with the review (prguard.worker.checkruns), keeping a waiver given on this head."""
    job = context.job
    waiver = WaiverStore(context.redis, context.keys.prefix).get(
        job.installation_id, job.full_name, context.head_sha
    )
    checkruns.complete_check_run(
        context.client, job, context.check_run_id, context.result, context.summary, waiver
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
    complete_plain(client, job, run_id, "skipped", "Pull request closed", summary)
    return ReviewOutcome("closed", reason, head_sha, run_id, "skipped")
