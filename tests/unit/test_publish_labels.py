"""The AI-authored label: one call at most, added and removed as the verdict changes."""

from __future__ import annotations

import responses
from prguard.github.client import GitHubClient
from prguard.publish import labels

from tests.unit.publish_factories import policy

API = "https://api.github.test"


def test_label_name_from_policy_with_default():
    assert labels.label_name(policy()) == "ai-generated"
    assert labels.label_name(policy(ai_authored={"label": "bot-written"})) == "bot-written"
    assert labels.label_name(None) == "ai-generated"


def test_plan_label_decisions():
    assert labels.plan_label([], True, "ai-generated") == labels.LabelChange("add", "ai-generated")
    assert labels.plan_label(["AI-Generated"], True, "ai-generated") is None
    assert labels.plan_label(["ai-generated", "bug"], False, "ai-generated") == labels.LabelChange(
        "remove", "ai-generated"
    )
    assert labels.plan_label(["bug"], False, "ai-generated") is None
    assert labels.plan_label(["ai-generated"], None, "ai-generated") is None


def test_current_labels_from_pull_json():
    assert labels.current_labels({"labels": [{"name": "bug"}, {"id": 3}, "junk"]}) == ["bug"]
    assert labels.current_labels(None) == []


@responses.activate
def test_apply_label_makes_one_call_and_tolerates_a_label_already_gone():
    client = GitHubClient(api_url=API, token="t")
    responses.post(f"{API}/repos/o/r/issues/5/labels", json=[{"name": "ai-generated"}])
    responses.delete(
        f"{API}/repos/o/r/issues/5/labels/ai%20made", status=404, json={"message": "Label does not exist"}
    )
    assert labels.apply_label(client, "o", "r", 5, labels.LabelChange("add", "ai-generated"))
    assert not labels.apply_label(client, "o", "r", 5, labels.LabelChange("remove", "ai made"))
    assert not labels.apply_label(client, "o", "r", 5, None)
    assert len(responses.calls) == 2
    assert responses.calls[0].request.body == b'{"labels": ["ai-generated"]}'
