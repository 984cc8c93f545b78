"""Every labelled case (real marker formats and the reference's pitfalls) gets the right verdict."""

from __future__ import annotations

import pytest
from prguard.analyzers.authorship import detect_authorship
from prguard.analyzers.authorship_table import CANONICAL_AGENTS

from tests.unit.authorship_cases import CASES, NEGATIVES, POSITIVES


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case_verdict(case):
    verdict = detect_authorship(case.pull, case.files)
    found = {a.id: a.confidence for a in verdict.agents}
    assert verdict.ai_authored is case.ai, (case.name, verdict.to_dict())
    for agent in case.agents:
        assert found.get(agent) in ("medium", "high"), (case.name, found)
    if not case.ai:
        assert all(conf == "low" for conf in found.values()), (case.name, found)
        assert verdict.commits == []
        assert verdict.label is None


def test_every_canonical_agent_has_a_positive_case():
    covered = {agent for case in POSITIVES for agent in case.agents}
    assert covered == set(CANONICAL_AGENTS)


def test_at_least_as_many_hard_negatives_as_positives_per_agent_count():
    assert len(NEGATIVES) >= len(CANONICAL_AGENTS)
