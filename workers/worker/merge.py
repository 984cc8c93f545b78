"""On merge: the merge record in the change ledger and one change event for observability backends.

The receiver queues `MERGE_TASK` when a `pull_request` `closed` delivery says `merged: true`. This
worker task reads the pull request at its head (files, commits, line-level provenance), reviews it
once more (analysis results come from the cache the review left), and then:

1. writes the functions the change touched, with their span at the merge commit, the share of
   their lines an agent wrote, the findings open in them and the risk (prguard.ledger.merges);
2. sends one OTLP log record (prguard.worker.change_events) when an endpoint is configured.

It runs apart from reviews and never fails one: a transient GitHub error is retried a few times,
anything else is logged; a change event that cannot be delivered is dropped after its retries.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prguard.engine.functions import changed_functions
from prguard.engine.model import ChangedFile, ReviewResult
from prguard.engine.provenance_records import added_line_numbers, map_lines
from prguard.ledger.merges import FunctionAtMerge, MergeRecord
from prguard.worker.change_events import ChangeEvent

log = logging.getLogger("prguard.merge")

MAX_FILES = 300


@dataclass(slots=True)
class MergeFacts:
    event: ChangeEvent
    record: MergeRecord


def _added(changed: ChangedFile) -> set[int]:
    if changed.patch:
        return added_line_numbers(changed.patch)
    if changed.status == "added" and changed.head is not None:
        return set(range(1, len(changed.head.splitlines()) + 1))
    return set()


def function_changes(
    files: Sequence[ChangedFile],
    result: ReviewResult,
    merge_texts: dict[str, str | None] | None = None,
) -> list[FunctionAtMerge]:
    """Changed Python functions: span (at the merge commit when its text is known), AI share, agents,
    findings open in them."""
    lines = (result.authorship or {}).get("lines") or {}
    out: list[FunctionAtMerge] = []
    for changed in files[:MAX_FILES]:
        if changed.head is None or changed.status == "removed" or not changed.path.endswith(".py"):
            continue
        head_text = changed.head.decode("utf-8", "replace")
        spans = changed_functions(head_text, _added(changed))
        at_merge = (merge_texts or {}).get(changed.path)
        for span in spans:
            numbers = set(range(span.start, span.end + 1))
            written: dict[str, int] = {}
            for item in lines.get(changed.path, ()):
                hit = len(numbers & set(range(item["start"], item["end"] + 1)))
                if hit:
                    written[item["agent"]] = written.get(item["agent"], 0) + hit
            findings = [
                {
                    "rule_id": f.rule_id,
                    "severity": f.severity.value,
                    "title": (f.title or f.message)[:200],
                    "line": f.start_line,
                }
                for f in result.findings
                if f.path == changed.path and span.start <= f.start_line <= span.end
            ]
            start, end = span.start, span.end
            if at_merge is not None and at_merge != head_text:
                moved = map_lines(head_text, at_merge, numbers)
                if moved:
                    start, end = min(moved.values()), max(moved.values())
            out.append(
                FunctionAtMerge(
                    path=changed.path,
                    function=span.name,
                    start_line=start,
                    end_line=end,
                    ai_line_share=round(sum(written.values()) / len(numbers), 4),
                    agents=sorted(written),
                    findings=findings,
                )
            )
    return out


def merge_facts(
    client: Any,
    *,
    installation_id: int,
    owner: str,
    repo: str,
    number: int,
    merge_commit_sha: str | None,
    merged_at: str | None,
    web_url: str = "https://github.com",
    cache: Any = None,
) -> MergeFacts:
    """Everything the merge record and the change event say, read through the GitHub API."""
    from prguard.engine.review import review
    from prguard.github.errors import GitHubError
    from prguard.github.provenance import GitHubProvenance
    from prguard.github.pulls import fetch_policy_texts, fetch_pull_request
    from prguard.policies.loader import load_effective_policy

    snapshot = fetch_pull_request(client, owner, repo, number)
    base_ref = snapshot.base_ref
    texts = fetch_policy_texts(client, owner, repo, base_ref)
    policy = load_effective_policy(
        org_text=texts.org_text,
        org_source=texts.org_source,
        repo_text=texts.repo_text,
        repo_source=texts.repo_source,
    )
    shas = [c.sha for c in snapshot.info.commits]
    provenance = GitHubProvenance(client, owner, repo, shas, snapshot.head_sha, snapshot.files)
    result = review(snapshot.files, policy, snapshot.info, cache=cache, provenance=provenance)
    merge_sha = merge_commit_sha or str((snapshot.raw or {}).get("merge_commit_sha") or snapshot.head_sha)
    merge_texts: dict[str, str | None] = {}
    for changed in snapshot.files[:MAX_FILES]:
        if changed.path.endswith(".py") and changed.head is not None and merge_sha != snapshot.head_sha:
            try:
                merge_texts[changed.path] = _text_at(client, owner, repo, changed.path, merge_sha)
            except GitHubError:
                merge_texts[changed.path] = None  # the head span stands
    functions = function_changes(snapshot.files, result, merge_texts)
    authorship = result.authorship or {}
    share = (authorship.get("line_share") or {}).get("ai", 0.0)
    agents = [a.get("id") for a in authorship.get("agents") or () if a.get("id")]
    title = str((snapshot.raw or {}).get("title") or snapshot.info.title or "")
    when = _parse_time(merged_at or (snapshot.raw or {}).get("merged_at"))
    event = ChangeEvent(
        owner=owner,
        repo=repo,
        number=number,
        title=title,
        merge_commit_sha=merge_sha,
        base_ref=base_ref,
        repository_url=f"{web_url.rstrip('/')}/{owner}/{repo}",
        ai_authored=bool(authorship.get("ai_authored")),
        agents=agents,
        ai_line_share=float(share or 0.0),
        risk=int(result.risk),
        findings_open=len(result.findings),
        functions_changed=[f"{f.path}:{f.function}" for f in functions],
        merged_at_unix_nano=int(when.timestamp() * 1e9) if when else None,
    )
    record = MergeRecord(
        installation_id=installation_id,
        account_login=owner,
        owner=owner,
        repo=repo,
        number=number,
        title=title,
        merge_commit_sha=merge_sha,
        merged_at=when,
        ai_authored=bool(authorship.get("ai_authored")),
        risk=int(result.risk),
        functions=functions,
    )
    return MergeFacts(event, record)


def _text_at(client: Any, owner: str, repo: str, path: str, ref: str) -> str | None:
    import base64

    answer = client.get(
        "/repos/{owner}/{repo}/contents/{+path}",
        url_vars={"owner": owner, "repo": repo, "path": path},
        params={"ref": ref},
    )
    if not isinstance(answer, dict) or answer.get("encoding") != "base64":
        return None
    return base64.b64decode(answer.get("content") or "").decode("utf-8", "replace")


def _parse_time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def record_and_announce(facts: MergeFacts, *, ledger_engine: Any = None, send: Any = None) -> dict[str, Any]:
    """Write the merge record (when a ledger engine is given) and send the change event."""
    from prguard.worker import change_events

    outcome: dict[str, Any] = {"functions": len(facts.record.functions)}
    if ledger_engine is not None:
        try:
            from prguard.ledger.db import session_scope
            from prguard.ledger.merge_record import record_merge

            with session_scope(ledger_engine) as session:
                outcome["ledger_rows"] = record_merge(session, facts.record)
        except Exception as exc:  # a ledger that does not answer must not stop the change event
            log.warning("merge record not written: %s", type(exc).__name__)
            outcome["ledger_rows"] = None
    outcome["event"] = (send or change_events.send)(facts.event)
    return outcome
