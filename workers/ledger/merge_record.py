"""Writing the merge record (the worker's side; the model and the read side are in prguard.ledger.merges)."""

from __future__ import annotations

from prguard.ledger.merges import MAX_FINDINGS, MAX_FUNCTIONS, MergedFunction, MergeRecord
from prguard.ledger.models import utcnow
from prguard.ledger.record import ensure_installation, ensure_pull, ensure_repository
from sqlalchemy import select
from sqlalchemy.orm import Session


def record_merge(session: Session, record: MergeRecord) -> int:
    """Write a merge's function rows (once per merge commit: a redelivery writes nothing twice)."""
    installation = ensure_installation(session, record.installation_id, record.account_login or record.owner)
    repository = ensure_repository(session, installation.id, record.owner, record.repo)
    pull = ensure_pull(session, repository, record.number)
    if record.title:
        pull.title = record.title[:500]
    exists = session.scalar(
        select(MergedFunction.id).where(
            MergedFunction.pull_request_id == pull.id,
            MergedFunction.merge_commit_sha == record.merge_commit_sha,
        )
    )
    if exists is not None:
        return 0
    for item in record.functions[:MAX_FUNCTIONS]:
        session.add(
            MergedFunction(
                installation_id=installation.id,
                org=installation.org,
                repository_id=repository.id,
                pull_request_id=pull.id,
                number=record.number,
                title=record.title[:500],
                merge_commit_sha=record.merge_commit_sha,
                merged_at=record.merged_at or utcnow(),
                path=item.path[:1000],
                function=item.function[:500],
                start_line=item.start_line,
                end_line=item.end_line,
                ai_authored=record.ai_authored,
                agents=list(item.agents),
                ai_line_share=float(item.ai_line_share),
                findings=list(item.findings[:MAX_FINDINGS]),
                risk=record.risk,
            )
        )
    return min(len(record.functions), MAX_FUNCTIONS)
