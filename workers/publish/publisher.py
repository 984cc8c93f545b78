"""Publish one review result on its pull request, exactly once, whatever gets retried.

Order of one run: read what prguard already said (its comments and reviews) →
post at most one review with the new inline comments → resolve the threads of
findings this push fixed → dismiss prguard's own blocking review when nothing
blocks any more → add or remove the AI-authored label → complete the check run
last (annotations 50 per PATCH, the last batch with the conclusion), so a
completed run means everything else is already on GitHub.

Idempotency does not rest on Redis: every step checks GitHub's state first
(comment markers, review state markers, the run's annotation count), so a
re-delivered webhook, a re-run or a worker retry after a crash never posts a
second copy. Redis only saves calls: a "published" marker per (PR, head SHA,
set of findings), annotation progress per check run, the previous push's
fingerprints (for "new in this push"), and a per-PR lock so two workers never
publish the same PR at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from prguard.engine.model import ChangedFile, ReviewResult
from prguard.github.errors import TransientGitHubError
from prguard.publish import checkrun, dedupe, labels, review
from prguard.publish.checkrun import Waiver
from prguard.publish.commands import WaiverStore
from prguard.publish.identity import bot_login, login_of_app
from prguard.publish.labels import current_labels
from prguard.publish.throttle import ThrottledClient, WriteBudget, WriteThrottle
from prguard.report.markdown import render_summary

log = logging.getLogger("prguard.publish")

WRITE_BUDGET = WriteBudget()  # GitHub's content-creation limits; tests may loosen the spacing
LOCK_TTL = 300
PUBLISHED_TTL = 14 * 24 * 3600
FINGERPRINTS_TTL = 30 * 24 * 3600
_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
# Take the lock when it is free, or when an earlier attempt of the SAME job (same check run) holds it:
# Celery runs a job again only after that attempt ended or its worker died (acks late), so such a
# lock is an orphan; without this a SIGKILLed worker blocked its own redelivery for LOCK_TTL.
# KEYS: 1 lock; ARGV: 1 new value, 2 this job's value prefix, 3 ttl
_ACQUIRE_LUA = """
local current = redis.call('GET', KEYS[1])
if (not current) or string.sub(current, 1, string.len(ARGV[2])) == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
  return 1
end
return 0
"""


class PublishBusy(TransientGitHubError):
    """Another worker is publishing this pull request right now; try again shortly."""


@dataclass(frozen=True, slots=True)
class PublishTarget:
    """Where to publish: ids and SHAs, the run created for this job, and prguard's bot login."""

    installation_id: int
    owner: str
    repo: str
    number: int
    head_sha: str
    check_run_id: int
    bot_login: str
    labels: tuple[str, ...] = ()  # the PR's labels as read at the start of the job
    check_url: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"


@dataclass(slots=True)
class PublishReport:
    """What one publication did, for logs, metrics and tests."""

    annotations: int = 0
    check_run_requests: int = 0
    review_id: int | None = None
    comments_posted: int = 0
    comments_dropped: int = 0
    already_commented: int = 0
    resolved: int = 0
    minimized: int = 0
    dismissed: list[int] = field(default_factory=list)
    label: str | None = None
    skipped: str | None = None  # why the review part was skipped, if it was
    conclusion: str = ""


def new_in_push(result: ReviewResult, previous: set[str] | None) -> dict[str, int]:
    """Findings per analyzer whose fingerprint the previous push did not have (all, on a first push)."""
    counts: Counter[str] = Counter()
    for finding in result.findings:
        if previous is None or finding.fingerprint not in previous:
            counts[finding.analyzer] += 1
    return dict(counts)


def findings_digest(result: ReviewResult, waiver: Waiver | None) -> str:
    basis = json.dumps(
        [sorted(f.fingerprint for f in result.findings), result.conclusion, waiver.login if waiver else ""]
    )
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


class Publisher:
    """Publishes results with one client (already throttled for writes) and, optionally, Redis."""

    def __init__(
        self,
        client: Any,
        redis: Any = None,
        *,
        prefix: str = "prguard:",
        render: Callable[[ReviewResult], str] | None = None,
    ) -> None:
        self.client = client
        self.redis = redis
        self.prefix = prefix
        self.render = render or render_summary
        self._release = redis.register_script(_RELEASE_LUA) if redis is not None else None
        self._acquire = redis.register_script(_ACQUIRE_LUA) if redis is not None else None

    # -- Redis helpers (optimisations; GitHub's state is the guard) -----------------------------

    def _key(self, kind: str, target: PublishTarget, *parts: object) -> str:
        tail = ":".join(str(p) for p in parts)
        base = (
            f"{self.prefix}publish:{kind}:{target.installation_id}:{target.full_name.lower()}:{target.number}"
        )
        return f"{base}:{tail}" if tail else base

    def _lock(self, target: PublishTarget) -> str | None:
        if self.redis is None:
            return None
        job = f"run:{target.check_run_id}:"
        token = job + uuid.uuid4().hex
        if not self._acquire(keys=[self._key("lock", target)], args=[token, job, LOCK_TTL]):
            raise PublishBusy(
                f"{target.full_name}#{target.number} is being published by another worker", retry_after=15
            )
        return token

    def _unlock(self, target: PublishTarget, token: str | None) -> None:
        if token is not None and self._release is not None:
            self._release(keys=[self._key("lock", target)], args=[token])

    def _previous_fingerprints(self, target: PublishTarget) -> set[str] | None:
        """Fingerprints of the push before this head (kept across re-runs of the same head)."""
        if self.redis is None:
            return None
        raw = self.redis.get(self._key("fps", target))
        if not raw:
            return None
        try:
            record = json.loads(raw)
        except ValueError:
            return None
        if record.get("sha") == target.head_sha:
            previous = record.get("previous")
            return set(previous) if isinstance(previous, list) else None
        return set(record.get("fps") or [])

    def _remember_fingerprints(
        self, target: PublishTarget, result: ReviewResult, previous: set[str] | None
    ) -> None:
        if self.redis is None:
            return
        record = {
            "sha": target.head_sha,
            "fps": sorted(f.fingerprint for f in result.findings),
            "previous": sorted(previous) if previous is not None else None,
        }
        self.redis.set(self._key("fps", target), json.dumps(record), ex=FINGERPRINTS_TTL)

    def _batches_sent(self, target: PublishTarget, declared: int | None) -> int:
        if declared is not None:
            return declared
        if self.redis is not None:
            raw = self.redis.get(self._key("annotated", target, target.check_run_id))
            if raw is not None:
                return int(raw)
        return checkrun.annotations_already_sent(self.client, target.owner, target.repo, target.check_run_id)

    def _record_batches(self, target: PublishTarget) -> Callable[[int], None] | None:
        if self.redis is None:
            return None
        key = self._key("annotated", target, target.check_run_id)
        return lambda sent: self.redis.set(key, sent, ex=PUBLISHED_TTL)

    def waiver(self, target: PublishTarget) -> Waiver | None:
        if self.redis is None:
            return None
        return WaiverStore(self.redis, self.prefix).get(
            target.installation_id, target.full_name, target.head_sha
        )

    # -- the publication -------------------------------------------------------------------------

    def publish(
        self,
        target: PublishTarget,
        result: ReviewResult,
        files: Sequence[ChangedFile],
        *,
        batches_sent: int | None = None,
    ) -> PublishReport:
        """Publish everything for one run. `batches_sent=0` when the job just created its check run."""
        token = self._lock(target)
        try:
            return self._publish(target, result, files, batches_sent)
        finally:
            self._unlock(target, token)

    def _publish(
        self,
        target: PublishTarget,
        result: ReviewResult,
        files: Sequence[ChangedFile],
        batches_sent: int | None,
    ) -> PublishReport:
        report = PublishReport()
        waiver = self.waiver(target)
        previous = self._previous_fingerprints(target)
        published_key = self._key("done", target, target.head_sha, findings_digest(result, waiver))
        already_published = bool(self.redis is not None and self.redis.exists(published_key))

        posted: list[dedupe.PostedComment] = []
        reviews: list[dedupe.PostedReview] = []
        if not already_published:
            posted = dedupe.list_own_comments(
                self.client, target.owner, target.repo, target.number, target.bot_login
            )
            reviews = dedupe.list_own_reviews(
                self.client, target.owner, target.repo, target.number, target.bot_login
            )
            if previous is None and reviews:
                previous = {c.fingerprint for c in posted}

        if isinstance(result.stats, dict):
            result.stats["new_in_push"] = new_in_push(result, previous)
        report.conclusion = checkrun.conclusion_for(result, waiver=waiver)
        report.annotations = len(result.findings)
        if already_published:
            report.skipped = "already published for this head and these findings"
        else:
            self._publish_review(target, result, files, posted, reviews, report)
            self._clean_up(target, result, posted, report)
            self._dismiss(target, result, reviews, waiver, report)
            change = labels.plan_label(
                target.labels, checkrun.is_ai_authored(result.authorship), labels.label_name(result.policy)
            )
            if labels.apply_label(self.client, target.owner, target.repo, target.number, change) and change:
                report.label = f"{change.action} {change.name}"
            if self.redis is not None:
                self.redis.set(published_key, "1", ex=PUBLISHED_TTL)
            self._remember_fingerprints(target, result, previous)
        # The check run is completed last: a completed run means everything above is on GitHub,
        # so a job retried after a crash redoes (idempotently) whatever had not finished.
        report.check_run_requests = checkrun.send_check_run(
            self.client,
            target.owner,
            target.repo,
            target.check_run_id,
            result,
            self.render(result),
            waiver=waiver,
            batches_sent=self._batches_sent(target, batches_sent),
            on_batch=self._record_batches(target),
        )
        log.info(
            "published %s#%s@%s: %d annotations, review %s (%d comments), %d resolved, label %s",
            target.full_name, target.number, target.head_sha[:12], report.annotations, report.review_id,
            report.comments_posted, report.resolved, report.label,
        )  # fmt: skip
        return report

    def _publish_review(
        self,
        target: PublishTarget,
        result: ReviewResult,
        files: Sequence[ChangedFile],
        posted: Sequence[dedupe.PostedComment],
        reviews: Sequence[dedupe.PostedReview],
        report: PublishReport,
    ) -> None:
        current = {f.fingerprint for f in result.findings}
        seen = dedupe.plan_dedupe(posted, current)
        diffs = review.diffs_by_path(files)
        limit = result.policy.get("gate", "max_inline_comments", default=review.DEFAULT_MAX_INLINE)
        plan = review.plan_inline_comments(
            result.findings,
            diffs,
            limit=int(limit if limit is not None else review.DEFAULT_MAX_INLINE),
            already_commented=seen.already_commented,
        )
        report.already_commented = len(plan.already_commented)
        state = review.review_state(result)
        previous_state = next(
            (r.marker.get("state") for r in reversed(reviews) if r.marker.get("state")), None
        )
        if any(r.marker.get("sha") == target.head_sha and r.marker.get("state") == state for r in reviews):
            previous_state = state  # this push was already reviewed with this verdict
        if not review.should_post(plan, state, previous_state):
            report.skipped = "nothing new to say"
            return
        outcome = review.post_review(
            self.client,
            target.owner,
            target.repo,
            target.number,
            head_sha=target.head_sha,
            event=review.review_event(result),
            comments=plan.comments,
            diffs=diffs,
            make_body=lambda dropped: review.review_body(
                result, plan, head_sha=target.head_sha, check_url=target.check_url, dropped=dropped
            ),
            bot_login=target.bot_login,
            known_review_ids=[r.id for r in reviews],
        )
        report.review_id = outcome.review_id
        report.comments_posted = len(outcome.posted)
        report.comments_dropped = len(outcome.dropped)

    def _clean_up(
        self,
        target: PublishTarget,
        result: ReviewResult,
        posted: Sequence[dedupe.PostedComment],
        report: PublishReport,
    ) -> None:
        stale = dedupe.plan_dedupe(posted, {f.fingerprint for f in result.findings}).stale
        if not stale:
            return
        threads = dedupe.list_review_threads(self.client, target.owner, target.repo, target.number)
        plan = dedupe.plan_cleanup(stale, threads)
        report.resolved, report.minimized = dedupe.apply_cleanup(self.client, plan)

    def _dismiss(
        self,
        target: PublishTarget,
        result: ReviewResult,
        reviews: Sequence[dedupe.PostedReview],
        waiver: Waiver | None,
        report: PublishReport,
    ) -> None:
        if result.conclusion == "failure" and waiver is None:
            return
        why = f"waived by @{waiver.login}" if waiver else f"no finding blocks {target.head_sha[:7]} any more"
        for old in reviews:
            if old.blocking:
                review.dismiss_review(
                    self.client, target.owner, target.repo, target.number, old.id, f"prguard: {why}."
                )
                report.dismissed.append(old.id)


def bot_login_from_check_run(check_run: Any) -> str | None:
    """`<app slug>[bot]` from a check run GitHub returned (its `app.slug`), without another call."""
    return login_of_app(check_run.get("app") if isinstance(check_run, dict) else None)


def bot_login_for_run(
    client: Any, owner: str, repo: str, check_run_id: int, redis: Any = None, prefix: str = "prguard:"
) -> str:
    """prguard's bot login, from our own check run's `app.slug` when it is not cached
    (prguard.publish.identity: the one resolver)."""

    def from_check_run() -> str | None:
        run = client.get(
            "/repos/{owner}/{repo}/check-runs/{check_run_id}",
            url_vars={"owner": owner, "repo": repo, "check_run_id": check_run_id},
        )
        return bot_login_from_check_run(run)

    return bot_login(redis, prefix, from_check_run)


def publish_context(context: Any) -> PublishReport:
    """The pipeline's publishing call site (`run_review(..., publisher=publish_context)`).

    `context` is `prguard.worker.pipeline.ReviewContext`. Writes go through the
    per-installation throttle; a spent budget raises `RateLimited` so the task
    retries later.
    """
    job = context.job
    prefix = getattr(context.keys, "prefix", "prguard:")
    throttle = WriteThrottle(context.redis, prefix=prefix, budget=WRITE_BUDGET)
    client = ThrottledClient(context.client, throttle, job.installation_id)
    snapshot = context.snapshot
    target = PublishTarget(
        installation_id=job.installation_id,
        owner=job.owner,
        repo=job.repo,
        number=job.number,
        head_sha=context.head_sha,
        check_run_id=context.check_run_id,
        bot_login=bot_login_for_run(client, job.owner, job.repo, context.check_run_id, context.redis, prefix),
        labels=tuple(current_labels(getattr(snapshot, "raw", None))),
    )
    publisher = Publisher(
        client, context.redis, prefix=prefix
    )  # re-renders: the summary gains "new in this push"
    return publisher.publish(target, context.result, getattr(snapshot, "files", []) or [])
