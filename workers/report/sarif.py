"""SARIF 2.1.0 for code-scanning uploads and other tools.

Each finding is a result with its region, a rule (id, description, level,
CWE tags, security-severity) and partial fingerprints: `prguardFingerprint/v1`
(prguard's own, line-number free) and `primaryLocationLineHash` (hash of the
flagged line's text plus its occurrence in the file, so code scanning can track
the alert across pushes without line numbers). Files that were not reviewed are
reported as tool notifications, so an empty result list never hides them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from prguard.engine.model import (
    ENGINE_VERSION,
    Finding,
    ReviewResult,
    Severity,
    decode_source,
    normalise_code,
    source_lines,
)

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL_URI = "https://github.com/prguard/prguard"
LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note", Severity.INFO: "note"}
# GitHub code scanning ranks alerts by `security-severity` (0.0-10.0, CVSS-like bands).
SECURITY_SEVERITY = {Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0", Severity.INFO: "1.0"}
SRCROOT = "%SRCROOT%"


def render(result: ReviewResult, sources: Mapping[str, bytes | None] | None = None) -> str:
    return json.dumps(to_sarif(result, sources), indent=2, ensure_ascii=False) + "\n"


def to_sarif(result: ReviewResult, sources: Mapping[str, bytes | None] | None = None) -> dict[str, Any]:
    """`sources` maps paths to head contents; with them the line hashes use the real line text."""
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    results = []
    line_hashes = _LineHashes(sources or {})
    for finding in result.findings:
        if finding.rule_id not in rule_index:
            rule_index[finding.rule_id] = len(rules)
            rules.append(_rule(finding))
        results.append(_result(finding, rule_index[finding.rule_id], line_hashes))
    policy = result.policy
    digest = getattr(policy, "digest", None) or "default"
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "prguard",
                "version": ENGINE_VERSION,
                "semanticVersion": ENGINE_VERSION,
                "informationUri": TOOL_URI,
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"prguard/{digest}"},
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The root of the reviewed repository."}}},
        "invocations": [_invocation(result)],
        "results": results,
        "properties": {"conclusion": result.conclusion, "risk": result.risk},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(finding: Finding) -> dict[str, Any]:
    tags = [finding.analyzer]
    if finding.cwe:
        tags += ["security", f"external/cwe/cwe-{finding.cwe}"]
    properties: dict[str, Any] = {"tags": list(dict.fromkeys(tags))}  # SARIF requires unique tags
    if finding.confidence:
        properties["precision"] = {"high": "high", "medium": "medium", "low": "low"}[finding.confidence.value]
    if finding.cwe or finding.analyzer in ("security", "taint"):
        properties["security-severity"] = SECURITY_SEVERITY[finding.severity]
    short = finding.title or _first_sentence(finding.message)
    return {
        "id": finding.rule_id,
        "name": _rule_name(finding.rule_id, finding.title),
        "shortDescription": {"text": short},
        "defaultConfiguration": {"level": LEVEL[finding.severity]},
        "properties": properties,
    }


def _result(finding: Finding, index: int, line_hashes: _LineHashes) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(1, finding.start_line)}
    region["endLine"] = max(region["startLine"], finding.end_line)
    if finding.start_column is not None:
        region["startColumn"] = finding.start_column + 1  # SARIF columns are 1-based
    if finding.end_column is not None and finding.end_line == finding.start_line:
        region["endColumn"] = max(finding.end_column + 1, region.get("startColumn", 1))
    location = {
        "physicalLocation": {
            "artifactLocation": {"uri": finding.path, "uriBaseId": SRCROOT},
            "region": region,
        }
    }
    out: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index,
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {
            "primaryLocationLineHash": line_hashes.hash(finding),
            "prguardFingerprint/v1": finding.fingerprint,
        },
        "properties": {
            "analyzer": finding.analyzer,
            "severity": finding.severity.value,
            **({"confidence": finding.confidence.value} if finding.confidence else {}),
            **({"cwe": f"CWE-{finding.cwe}"} if finding.cwe else {}),
        },
    }
    if finding.flow:
        out["codeFlows"] = [
            {
                "threadFlows": [
                    {
                        "locations": [
                            {
                                "location": {
                                    "physicalLocation": {
                                        "artifactLocation": {"uri": finding.path, "uriBaseId": SRCROOT},
                                        "region": {"startLine": max(1, step.line)},
                                    },
                                    "message": {"text": step.description},
                                }
                            }
                            for step in finding.flow
                        ]
                    }
                ]
            }
        ]
    if finding.suggestion is not None:
        out["fixes"] = [
            {
                "description": {"text": "Suggested replacement"},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": finding.path, "uriBaseId": SRCROOT},
                        "replacements": [
                            {
                                "deletedRegion": {
                                    "startLine": region["startLine"],
                                    "endLine": region["endLine"],
                                },
                                "insertedContent": {"text": _with_newline(finding.suggestion)},
                            }
                        ],
                    }
                ],
            }
        ]
    return out


def _invocation(result: ReviewResult) -> dict[str, Any]:
    notifications = [
        {
            "level": "warning",
            "message": {"text": f"Not reviewed: {s.reason}" + (f" ({s.detail})" if s.detail else "")},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": s.path, "uriBaseId": SRCROOT}}}],
            "descriptor": {"id": f"skipped/{s.reason}"},
        }
        for s in result.skipped
    ]
    invocation: dict[str, Any] = {"executionSuccessful": result.conclusion != "action_required"}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


class _LineHashes:
    """`primaryLocationLineHash`: hash of the flagged line's normalised text, plus its occurrence."""

    def __init__(self, sources: Mapping[str, bytes | None]) -> None:
        self._sources = sources
        self._lines: dict[str, list[str]] = {}
        self._seen: dict[tuple[str, str], int] = {}

    def _text_of(self, path: str, line: int) -> str | None:
        if path not in self._lines:
            data = self._sources.get(path)
            self._lines[path] = source_lines(decode_source(data, "replace")) if data else []
        lines = self._lines[path]
        return lines[line - 1] if 0 < line <= len(lines) else None

    def hash(self, finding: Finding) -> str:
        text = self._text_of(finding.path, finding.start_line)
        basis = normalise_code(text) if text is not None else f"{finding.rule_id}\x1f{finding.fingerprint}"
        digest = hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        key = (finding.path, digest)
        self._seen[key] = self._seen.get(key, 0) + 1
        return f"{digest}:{self._seen[key]}"


def _first_sentence(message: str) -> str:
    first = message.strip().split("\n", 1)[0]
    cut = first.find(". ")
    return first[: cut + 1] if 0 < cut < 200 else first[:200]


def _rule_name(rule_id: str, title: str | None) -> str:
    basis = title or rule_id
    words = "".join(ch if ch.isalnum() else " " for ch in basis).split()
    return "".join(word[:1].upper() + word[1:] for word in words) or rule_id


def _with_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"
