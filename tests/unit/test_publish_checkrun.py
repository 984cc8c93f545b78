"""The check run's output: verdict title, caps with an honest "N more", annotations, buttons."""

from __future__ import annotations

import pytest
from prguard.engine.model import FlowStep, Severity, SkippedFile
from prguard.publish import checkrun
from prguard.publish.checkrun import Waiver

from tests.unit.publish_factories import finding, policy, result


def test_title_names_blocking_findings_and_the_agent():
    res = result(
        [finding(1), finding(2), finding(3, severity="medium")],
        pol=policy(gate={"fail_on": "medium"}),
        authorship={"ai_authored": True, "agents": [{"id": "claude_code", "confidence": "high"}]},
    )
    assert checkrun.verdict_title(res) == "3 findings block this change · AI-authored (Claude Code)"


def test_title_counts_only_findings_at_or_above_fail_on():
    res = result([finding(1), finding(2, severity="low")])
    assert checkrun.verdict_title(res) == "1 finding blocks this change"


def test_title_for_clean_advisory_skipped_superseded_and_waived_runs():
    assert checkrun.verdict_title(result(conclusion="success")) == "No findings"
    advisory = result([finding(1, severity="low")], conclusion="success")
    assert checkrun.verdict_title(advisory) == "1 finding, none blocking"
    skipped = result(conclusion="neutral", skipped=[SkippedFile("big.py", "too-large")])
    assert checkrun.verdict_title(skipped) == "No findings · 1 file not reviewed"
    assert checkrun.verdict_title(result(), superseded_by="abcdef0123") == "Superseded by abcdef0"
    waived = checkrun.verdict_title(result([finding(1), finding(2)]), waiver=Waiver("octocat"))
    assert waived == "Waived by @octocat · 2 findings would block"
    assert checkrun.verdict_title(result(conclusion="action_required")).startswith("Policy error")


def test_conclusion_from_gate_superseded_and_waiver():
    res = result([finding(1)])
    assert checkrun.conclusion_for(res) == "failure"
    assert checkrun.conclusion_for(res, superseded=True) == "cancelled"
    assert checkrun.conclusion_for(res, waiver=Waiver("octocat")) == "neutral"
    ok = result(conclusion="success")
    assert checkrun.conclusion_for(ok, waiver=Waiver("octocat")) == "success"
    broken = result(conclusion="action_required")
    assert checkrun.conclusion_for(broken, waiver=Waiver("octocat")) == "action_required"


@pytest.mark.parametrize(
    ("severity", "level"),
    [("high", "failure"), ("medium", "warning"), ("low", "notice"), ("info", "notice")],
)
def test_annotation_level_from_severity(severity, level):
    assert checkrun.annotation(finding(4, severity=severity))["annotation_level"] == level


def test_annotation_is_sanitised_to_github_limits():
    f = finding(0, end=-3, message="x" * 70_000)
    f.title = "t" * 400
    f.start_column, f.end_column = 5, 9
    out = checkrun.annotation(f)
    assert out["start_line"] == 1 and out["end_line"] == 1
    assert len(out["title"]) <= 255
    assert len(out["message"].encode()) <= 64 * 1024
    assert (out["start_column"], out["end_column"]) == (5, 9)


def test_columns_only_on_single_line_annotations():
    f = finding(4, end=6)
    f.start_column, f.end_column = 2, 7
    out = checkrun.annotation(f)
    assert "start_column" not in out and "end_column" not in out
    g = finding(4)
    g.start_column, g.end_column = 0, 0
    assert (checkrun.annotation(g)["start_column"], checkrun.annotation(g)["end_column"]) == (1, 1)


def test_annotation_raw_details_carry_flow_and_suggestion():
    f = finding(5, suggestion="    run(cmd)\n")
    f.flow = (FlowStep(2, "request.args"), FlowStep(5, "subprocess.call"))
    details = checkrun.annotation(f)["raw_details"]
    assert "line 2: request.args" in details and "run(cmd)" in details


@pytest.mark.parametrize(
    ("count", "batches"), [(0, []), (1, [1]), (50, [50]), (51, [50, 1]), (120, [50, 50, 20])]
)
def test_annotation_batches(count, batches):
    findings = [finding(i + 1, severity=["low", "high", "medium"][i % 3]) for i in range(count)]
    sent = list(checkrun.annotation_batches(findings))
    assert [len(b) for b in sent] == batches
    assert checkrun.batch_count(count) == len(batches)
    flat = [a for b in sent for a in b]
    ranks = {"failure": 2, "warning": 1, "notice": 0}
    assert [ranks[a["annotation_level"]] for a in flat] == sorted(
        (ranks[a["annotation_level"]] for a in flat), reverse=True
    )


def test_cap_markdown_keeps_short_text_and_cuts_long_text_honestly():
    assert checkrun.cap_markdown("short") == "short"
    lines = [f"- finding number {i}" for i in range(10_000)]
    text = "<details><summary>x</summary>\n\n```yaml\n" + "\n".join(lines)
    capped = checkrun.cap_markdown(text, more_hint="See the annotations.")
    assert len(capped) <= 65_535
    kept = sum(1 for line in capped.splitlines() if line.startswith("- finding number"))
    assert f"… and {10_000 + 3 - kept - 3} more lines not shown" in capped
    assert capped.count("```") % 2 == 0 and "</details>" in capped
    assert capped.rstrip().endswith("See the annotations.")


def test_findings_text_lists_every_finding_or_says_how_many_more():
    few = checkrun.findings_text([finding(1), finding(2, severity="low")])
    assert few.count("\n| ") == 2 and "`app/views.py:1`" in few
    many = [finding(i, message="m" * 250) for i in range(1, 2001)]
    text = checkrun.findings_text(many)
    assert len(text) <= 65_535
    shown = text.count("\n| high")
    assert text.endswith(f"… and {2000 - shown} more findings (every one is also an annotation).")


def test_actions_follow_github_limits_and_waive_only_on_failure():
    for conclusion in ("success", "neutral", "failure", "action_required"):
        for action in checkrun.actions_for(conclusion):
            assert len(action["label"]) <= 20
            assert len(action["description"]) <= 40
            assert len(action["identifier"]) <= 20
    assert [a["identifier"] for a in checkrun.actions_for("failure")] == ["rerun", "waive"]
    assert [a["identifier"] for a in checkrun.actions_for("success")] == ["rerun"]


def test_build_output_puts_the_waiver_first_and_caps_summary():
    res = result([finding(1)])
    out = checkrun.build_output(
        res, "## report\n" + "x\n" * 40_000, waiver=Waiver("octocat", "2026-01-01T00:00:00Z")
    )
    assert out["summary"].startswith("> ✋ **Waived by @octocat** at 2026-01-01T00:00:00Z")
    assert len(out["summary"]) <= 65_535 and "more lines not shown" in out["summary"]
    assert out["title"].startswith("Waived by @octocat")
    assert "B602" in out["text"]


def test_severity_order_is_high_first():
    ordered = checkrun.ordered(
        [finding(1, severity="low"), finding(9, severity="high"), finding(5, severity="info")]
    )
    assert [f.severity for f in ordered] == [Severity.HIGH, Severity.LOW, Severity.INFO]
