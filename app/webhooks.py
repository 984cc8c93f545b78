"""`POST /webhooks`: the only door GitHub knocks on. Authenticate first, then decide, then enqueue.

Order matters: the signature is checked before anything else is looked at, so an
unauthenticated caller learns nothing but 401. The body is read once, raw, and
never through `request.form` (Werkzeug caps form data at 500 kB).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

import redis
from flask import Response, g, request
from gidgethub import BadRequest
from gidgethub.sansio import Event
from prguard import tracing
from prguard.app.routing import Decision, route
from prguard.config import Settings
from prguard.logs import bind
from prguard.observability import message_headers
from prguard.queue import fastjson
from prguard.queue.celery_app import (
    ANALYZE_QUEUE,
    FORGET_TASK,
    HELP_TASK,
    LEDGER_TASK,
    MERGE_TASK,
    REVIEW_TASK,
    WAIVE_TASK,
    WRITE_QUEUE,
    wire_message,
)
from prguard.queue.fair import FairQueue
from prguard.queue.fair import enabled as fair_enabled
from prguard.queue.jobs import ReviewJob
from prguard.queue.state import PullState, RedisKeys

log = logging.getLogger("prguard.webhooks")


class Unavailable(Exception):
    """Redis or the broker could not take the work: answer 503 so the delivery can be redelivered."""


class Receiver:
    def __init__(self, settings: Settings, redis_client: Any, celery: Any) -> None:
        self.settings = settings
        self.secret_bytes = settings.github_webhook_secret.encode("utf-8")
        self.keys = RedisKeys(settings.redis_key_prefix)
        self.state = PullState(redis_client, self.keys)
        self.celery = celery
        # review jobs go to the fair intake (prguard.queue.fair), unless QUEUE_FAIRNESS=off
        self.fair = (
            FairQueue(redis_client, settings.redis_key_prefix, ANALYZE_QUEUE) if fair_enabled() else None
        )

    @staticmethod
    def json(body: dict[str, Any], status: int) -> Response:
        return Response(fastjson.dumps(body), status=status, mimetype="application/json")

    def handle(self) -> Response:
        body = request.get_data(cache=False)  # 413 (RequestEntityTooLarge) above MAX_CONTENT_LENGTH
        delivery = request.headers.get("X-GitHub-Delivery", "")
        signature = request.headers.get("X-Hub-Signature-256")
        if not signature:
            if request.headers.get("X-Hub-Signature"):
                return self._refuse(
                    401,
                    "SHA-1 signatures (X-Hub-Signature) are not accepted; X-Hub-Signature-256 is required",
                    delivery,
                )
            return self._refuse(401, "missing X-Hub-Signature-256", delivery)
        if not signature.startswith("sha256="):
            return self._refuse(401, "X-Hub-Signature-256 must start with 'sha256='", delivery)
        if not _signed_by(self.secret_bytes, body, signature):
            return self._refuse(401, "signature does not match the webhook secret", delivery)
        try:
            event = _decode(request.headers, body)
        except KeyError as exc:
            return self._refuse(
                400, f"missing header {exc.args[0].title().replace('Github', 'GitHub')}", delivery
            )
        except (BadRequest, UnicodeDecodeError, ValueError):
            return self._refuse(
                400, "body is not JSON (or form-encoded JSON) in the declared charset", delivery
            )
        except RecursionError:  # json.loads on [[[[…]]]] nested deeper than the interpreter allows
            return self._refuse(400, "body is JSON nested too deeply to read", delivery)
        if not isinstance(event.data, dict):
            return self._refuse(400, "body is not a JSON object", delivery)

        try:
            decision = route(
                event.event,
                event.data,
                event.delivery_id,
                app_id=self.settings.github_app_id,
                known=self.state,
            )
            return self._apply(event, decision)
        except (redis.RedisError, Unavailable) as exc:
            g.webhook_outcome = "unavailable"
            log.error(
                "could not take the delivery: %s",
                type(exc).__name__,
                extra={"delivery": event.delivery_id, "event": event.event, "outcome": "unavailable"},
            )
            return self.json(
                {
                    "status": "unavailable",
                    "reason": "queue unavailable; redeliver this delivery from the App's settings",
                    "delivery": event.delivery_id,
                },
                503,
            )

    def _refuse(self, status: int, reason: str, delivery: str) -> Response:
        g.webhook_outcome = f"rejected-{status}"
        log.warning(reason, extra={"delivery": delivery or None, "outcome": f"rejected-{status}"})
        return self.json({"status": "rejected", "reason": reason, "delivery": delivery or None}, status)

    def _apply(self, event: Event, decision: Decision) -> Response:
        action = event.data.get("action")
        first = decision.jobs[0] if decision.jobs else None
        bind(  # every later line of this delivery names what it is about
            action=action,
            installation=decision.installation_id or (first.installation_id if first else None),
            repo=decision.full_name or (first.full_name if first else None),
            pr=decision.number or (first.number if first else None),
            head_sha=decision.head.sha if decision.head else (first.head_sha if first else None),
        )
        tracing.annotate(  # the webhook span, as the worker's spans: searchable by delivery, repo and PR
            delivery=event.delivery_id,
            installation=decision.installation_id or (first.installation_id if first else None),
            repo=decision.full_name or (first.full_name if first else None),
            pr=decision.number or (first.number if first else None),
        )
        context = {"delivery": event.delivery_id, "event": event.event, "action": action}
        if decision.kind == "unhandled":
            g.webhook_outcome = "unhandled"
            log.info(decision.reason, extra={**context, "outcome": "unhandled"})
            response = Response(status=204)
            response.headers["X-Prguard-Reason"] = decision.reason.encode("ascii", "replace").decode()
            return response

        jobs = list(decision.jobs)
        content_keys = [
            "" if job.explicit or decision.kind != "review" else self._content_key(job) for job in jobs
        ]
        sha_key = ""
        if decision.head and decision.kind in ("review", "ignore") and decision.installation_id is not None:
            sha_key = self.keys.sha(decision.installation_id, decision.full_name, decision.head.sha)
        pull_key = ""
        if decision.head and decision.installation_id is not None:
            pull_key = self.keys.pull(decision.installation_id, decision.full_name, decision.number)
        queue, messages = "", []
        if decision.kind in ("review", "help") and jobs:
            # The Celery messages are pushed by the same Lua script that dedupes: one round trip, atomic.
            task, queue = (
                (REVIEW_TASK, ANALYZE_QUEUE) if decision.kind == "review" else (HELP_TASK, WRITE_QUEUE)
            )
            messages = [wire_message(self.celery, task, job.to_kwargs(), queue) for job in jobs]
        target = self.fair.intake if self.fair is not None and decision.kind == "review" else queue
        fresh = self.state.receive(
            event.delivery_id,
            delivery_ttl=self.settings.dedupe_delivery_ttl,
            content_ttl=self.settings.dedupe_content_ttl,
            content_keys=content_keys,
            pull_key=pull_key,
            head=decision.head,
            sha_key=sha_key,
            number=decision.number,
            queue=target if queue else "",
            messages=messages,
        )
        if fresh and target != queue and any(fresh):
            self._dispatch_fairly()
        if fresh is None:
            return self._answer("duplicate", "delivery already received", event, jobs, context)

        if decision.kind == "ignore":
            return self._answer("ignored", decision.reason, event, [], context)
        if decision.kind == "record":
            if decision.closed is not None and decision.installation_id is not None:
                self.state.record_closed(
                    decision.installation_id, decision.full_name, decision.number, dict(decision.closed)
                )
                self._send(
                    LEDGER_TASK, self._closed_event(event, decision), ANALYZE_QUEUE, event.delivery_id, []
                )
                if decision.closed.get("merged"):
                    merged = self._merge_event(event, decision)
                    self._send(MERGE_TASK, merged, ANALYZE_QUEUE, event.delivery_id, [])
            return self._answer("recorded", decision.reason, event, [], context)
        if decision.kind in ("forget", "restore"):
            return self._installation_change(event, decision, context)
        if decision.kind == "waive":
            self._send(WAIVE_TASK, dict(decision.extra), WRITE_QUEUE, event.delivery_id, [])
            return self._answer(
                "queued", decision.reason, event, [], context, job={"task": "write_waive", **decision.extra}
            )

        new_jobs = [job for job, is_new in zip(jobs, fresh, strict=True) if is_new]
        if not new_jobs:
            return self._answer(
                "duplicate",
                "this head SHA is already queued or reviewed (re-run the check to review it again)",
                event,
                jobs,
                context,
            )
        return self._answer("queued", decision.reason, event, new_jobs, context)

    def _installation_change(self, event: Event, decision: Decision, context: dict[str, Any]) -> Response:
        installation_id = int(decision.installation_id or 0)
        repositories = list(decision.repositories) if decision.repositories is not None else None
        if decision.kind == "restore":
            self.state.mark_restored(installation_id, repositories)
            return self._answer("recorded", decision.reason, event, [], context)
        self.state.mark_removed(installation_id, repositories)  # workers drop queued work at once
        forget = {
            "installation_id": installation_id,
            "repositories": repositories,
            "delivery_id": event.delivery_id,
        }
        self._send(FORGET_TASK, forget, ANALYZE_QUEUE, event.delivery_id, [])
        if decision.extra.get("purge_ledger") and repositories is None:
            purge = {"kind": "purge", "installation_id": installation_id, "delivery_id": event.delivery_id}
            self._send(LEDGER_TASK, purge, ANALYZE_QUEUE, event.delivery_id, [])
        return self._answer(
            "queued",
            decision.reason,
            event,
            [],
            context,
            job={
                "task": "forget_installation",
                "installation_id": installation_id,
                "repositories": repositories,
            },
        )

    @staticmethod
    def _closed_event(event: Event, decision: Decision) -> dict[str, Any]:
        """The change ledger's record of a merge or a close without merging (written by a worker)."""
        owner, _, repo = decision.full_name.partition("/")
        closed = decision.closed or {}
        return {
            "kind": "closed",
            "installation_id": decision.installation_id,
            "owner": owner,
            "repo": repo,
            "number": decision.number,
            "merged": bool(closed.get("merged")),
            "merge_commit_sha": closed.get("merge_commit_sha"),
            "merged_at": closed.get("merged_at"),
            "closed_at": closed.get("closed_at"),
            "delivery_id": event.delivery_id,
        }

    @staticmethod
    def _merge_event(event: Event, decision: Decision) -> dict[str, Any]:
        """The worker's merge job: the merge record and the change event (prguard.worker.merge)."""
        owner, _, repo = decision.full_name.partition("/")
        closed = decision.closed or {}
        return {
            "installation_id": decision.installation_id,
            "owner": owner,
            "repo": repo,
            "number": decision.number,
            "merge_commit_sha": closed.get("merge_commit_sha"),
            "merged_at": closed.get("merged_at"),
            "delivery_id": event.delivery_id,
        }

    def _dispatch_fairly(self) -> None:
        """Move queued reviews onto the worker queue, round-robin by installation. A failure here loses
        nothing: the job waits in the intake for the next dispatch (a worker's, or the next webhook's)."""
        try:
            self.fair.dispatch()
        except redis.RedisError as exc:
            log.warning("fair dispatch deferred: %s", type(exc).__name__)

    def _send(
        self, task: str, kwargs: dict[str, Any], queue: str, delivery_id: str, claims: list[str]
    ) -> None:
        """Publish one small message; on failure drop our dedupe claims so a redelivery is accepted."""
        try:
            self.celery.send_task(
                task, kwargs=kwargs, queue=queue, ignore_result=True, headers=message_headers()
            )
        except Exception as exc:
            self._release_claims(delivery_id, claims)
            raise Unavailable(type(exc).__name__) from exc

    def _content_key(self, job: ReviewJob) -> str:
        return self.keys.content(job.installation_id, job.full_name, job.number, job.head_sha or "HEAD")

    def _release_claims(self, delivery_id: str, content_keys: list[str]) -> None:
        try:
            self.state.release(self.keys.delivery(delivery_id), delivery_id)
            for key in content_keys:
                if key:
                    self.state.release(key, delivery_id)
        except redis.RedisError:
            pass  # Redis is gone too: there is nothing to release

    def _answer(
        self,
        status: str,
        reason: str,
        event: Event,
        jobs: list[ReviewJob],
        context: dict[str, Any],
        *,
        job: dict[str, Any] | None = None,
    ) -> Response:
        g.webhook_outcome = status
        first = jobs[0] if jobs else None
        described = [j.to_kwargs() for j in jobs]
        log.info(
            reason,
            extra={
                **context,
                "outcome": status,
                "installation": first.installation_id if first else None,
                "repo": first.full_name if first else None,
                "pr": first.number if first else None,
                "head_sha": first.head_sha if first else None,
                # every job in full: after Redis lost its memory, `prguard replay` re-enqueues from here
                "jobs": described if status == "queued" and jobs else None,
            },
        )
        body: dict[str, Any] = {
            "status": status,
            "reason": reason,
            "delivery": event.delivery_id,
            "job": job if job is not None else (described[0] if described else None),
        }
        if len(jobs) > 1:
            body["jobs"] = described
        return self.json(body, 202)


def _signed_by(secret: bytes, body: bytes, signature: str) -> bool:
    """`X-Hub-Signature-256` is the HMAC-SHA256 of the raw body under the secret (constant-time compare).

    Checked here, once: gidgethub's `Event.from_http` would compute the same HMAC
    again when given the secret. Compared as bytes, so a header with non-ASCII
    characters is a mismatch (401) rather than `compare_digest`'s TypeError.
    """
    expected = b"sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(expected, signature.encode("utf-8", "surrogatepass"))


def _decode(headers: Any, body: bytes) -> Event:
    """The event of an already verified delivery: its name, delivery id and parsed body.

    GitHub sends `application/json` (or no type): that body is decoded as UTF-8 and
    parsed here, once, without gidgethub's per-request `email.message` parse of the
    Content-Type header. Anything else (a charset, form-encoded JSON, an unknown
    type) goes through gidgethub's own decoding, unchanged. Raises like
    `Event.from_http`: BadRequest/ValueError/UnicodeDecodeError for the body, then
    KeyError naming a missing `x-github-event`/`x-github-delivery` header.
    """
    content_type = headers.get("Content-Type") or "application/json"
    if content_type.strip().lower() == "application/json":
        data = fastjson.loads_utf8(body) if body else None
    else:
        data = Event.from_http({"content-type": content_type, **_EVENT_HEADERS}, body).data
    event, delivery = headers.get("X-GitHub-Event"), headers.get("X-GitHub-Delivery")
    if not event:
        raise KeyError("x-github-event")
    if not delivery:
        raise KeyError("x-github-delivery")
    return Event(data, event=event, delivery_id=delivery)


# Placeholders so gidgethub's decoder (which also builds an Event) finds the headers it requires;
# the real names are checked by `_decode` itself, after the body, as `Event.from_http` does.
_EVENT_HEADERS = {"x-github-event": "-", "x-github-delivery": "-"}
