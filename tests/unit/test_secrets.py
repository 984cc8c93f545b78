"""Secrets in any changed text file: found on added lines, and never repeated by any output."""

from __future__ import annotations

import json
import logging

import pytest
from prguard.analyzers.secrets import SecretsAnalyzer
from prguard.engine.model import ChangedFile
from prguard.engine.review import review
from prguard.policies.loader import load_policy
from prguard.publish.checkrun import annotation, build_output
from prguard.publish.review import comment_body, diffs_by_path, plan_inline_comments, review_body
from prguard.report import json_report, markdown, sarif, text

# Planted, syntactically valid but fake credentials (one per file type).
AWS = "AKIAZ7Q3XK2M9P4LWD8N"
GITHUB = "ghp_R8fK2pQ7xLm4Vn9Tb3Wc6Yd1Zs5Ha0Je2Gu8"
STRIPE = "sk_live_51HqLyjWDarjtT1zdp7dcXq4Rm"
SLACK = "xoxb-271828182845-904523536028-Lz7Qk2Vx9Pw4Ry6Tn1Bm3Hs8"
BASIC_AUTH_PASSWORD = "Tr0ub4dor-and-3"
PYTHON_PASSWORD = "c0rrect-h0rse-battery-stapl3"
SECRETS = [AWS, GITHUB, STRIPE, SLACK, BASIC_AUTH_PASSWORD, PYTHON_PASSWORD]

NOTEBOOK = json.dumps(
    {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": ["import slack_sdk\n", f'client = slack_sdk.WebClient(token="{SLACK}")\n'],
                "outputs": [],
                "execution_count": None,
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    },
    indent=1,
)

FILES = {
    "deploy/config.yml": f"aws:\n  region: eu-west-1\n  access_key_id: {AWS}\n",
    ".env": f"DEBUG=false\nGITHUB_TOKEN={GITHUB}\n",
    "config/settings.json": json.dumps({"payments": {"stripe_key": STRIPE}}, indent=2) + "\n",
    "notebooks/alerts.ipynb": NOTEBOOK + "\n",
    "scripts/sync.sh": f"#!/bin/sh\ncurl -fsS https://deploy:{BASIC_AUTH_PASSWORD}@artifacts.example.com/latest\n",
    "app/db.py": f'import psycopg\n\npassword = "{PYTHON_PASSWORD}"\nconn = psycopg.connect(password=password)\n',  # noqa: E501
}


def _changed() -> list[ChangedFile]:
    out = []
    for path, content in FILES.items():
        lines = content.splitlines()
        patch = f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines)
        out.append(ChangedFile(path, "added", content.encode(), None, patch))
    return out


@pytest.fixture(scope="module")
def reviewed():
    files = _changed()
    return files, review(files, load_policy(), ai_authored=False)


def test_a_secret_is_found_in_each_file_type(reviewed):
    _files, result = reviewed
    secrets = [f for f in result.findings if f.analyzer == "secrets"]
    assert {f.path for f in secrets} == set(FILES)
    assert all(f.cwe == 798 and f.severity.value == "high" for f in secrets)
    kinds = {f.path: f.rule_id for f in secrets}
    assert kinds["deploy/config.yml"] == "secret.aws-access-key"
    assert kinds[".env"] == "secret.github-token"
    assert kinds["config/settings.json"] == "secret.stripe-access-key"
    assert kinds["notebooks/alerts.ipynb"] == "secret.slack-token"
    assert kinds["scripts/sync.sh"] == "secret.basic-auth-credentials"
    assert kinds["app/db.py"] == "secret.secret-keyword"
    assert result.conclusion == "failure"


def _outputs(files: list[ChangedFile], result) -> dict[str, str]:
    sources = {f.path: f.head for f in files}
    summary = markdown.render_summary(result)
    plan = plan_inline_comments(result.findings, diffs_by_path(files), limit=100)
    return {
        "text": text.render(result),
        "json": json_report.render(result),
        "markdown": markdown.render(result),
        "sarif": sarif.render(result, sources),
        "check run output": json.dumps(build_output(result, summary)),
        "annotations": json.dumps([annotation(f) for f in result.findings]),
        "inline comments": json.dumps([c.body for c in plan.comments]),
        "comment bodies": "\n".join(comment_body(f) for f in result.findings),
        "review body": review_body(result, plan, head_sha="0" * 40),
    }


@pytest.mark.parametrize("secret", SECRETS)
def test_no_output_contains_a_planted_secret(reviewed, secret):
    files, result = reviewed
    outputs = _outputs(files, result)
    assert len(outputs["inline comments"]) > 100  # the comments exist: the check is not vacuous
    leaks = [name for name, body in outputs.items() if secret in body]
    assert leaks == []
    assert all(secret not in f.fingerprint for f in result.findings)


def test_other_analyzers_quoting_a_secret_are_masked(reviewed):
    """bandit B105 quotes the password it flags; the engine masks it in every finding."""
    _files, result = reviewed
    bandit = [f for f in result.findings if f.analyzer == "security" and f.path == "app/db.py"]
    assert any("[secret masked]" in f.message for f in bandit)


def test_nothing_is_logged_with_a_secret(caplog):
    caplog.set_level(logging.DEBUG)
    review(_changed(), load_policy(), ai_authored=False)
    logged = "\n".join(f"{record.getMessage()} {record.__dict__!r}" for record in caplog.records)
    leaked = [secret for secret in SECRETS if secret in logged]
    assert leaked == [], f"secrets in the log: {leaked}"
    assert not [r for r in caplog.records if any(s in r.getMessage() for s in SECRETS)]


def test_only_added_lines_are_scanned_and_fingerprints_survive_moves():
    base = f"a: 1\ntoken: {GITHUB}\n"
    head = f"a: 1\ntoken: {GITHUB}\nb: {AWS}\n"
    patch = f"@@ -1,2 +1,3 @@\n a: 1\n token: {GITHUB}\n+b: {AWS}\n"
    changed = ChangedFile("ci.yml", "modified", head.encode(), base.encode(), patch)
    result = review([changed], load_policy(), ai_authored=False, analyzers=[SecretsAnalyzer()])
    assert [(f.start_line, f.rule_id) for f in result.findings] == [(3, "secret.aws-access-key")]
    moved = ChangedFile("ci.yml", "added", f"\n\nb: {AWS}\n".encode(), None)
    again = review([moved], load_policy(), ai_authored=False, analyzers=[SecretsAnalyzer()])
    assert again.findings[0].fingerprint == result.findings[0].fingerprint


def test_placeholders_and_references_are_not_secrets():
    content = (
        "password: ${DB_PASSWORD}\n"
        'token = os.environ["GITHUB_TOKEN"]\n'
        "api_key: <your-api-key>\n"
        "uuid: 123e4567-e89b-12d3-a456-426614174000\n"
        "server: 203.0.113.7\n"
    )
    changed = ChangedFile("deploy/values.yml", "added", content.encode(), None)
    result = review([changed], load_policy(), ai_authored=False, analyzers=[SecretsAnalyzer()])
    assert result.findings == []


def test_exclude_paths_skips_fixtures():
    policy = load_policy(repo_text="analyzers:\n  secrets:\n    exclude_paths: ['tests/fixtures/**']\n")
    changed = ChangedFile("tests/fixtures/fake.env", "added", f"KEY={AWS}\n".encode(), None)
    assert review([changed], policy, ai_authored=False, analyzers=[SecretsAnalyzer()]).findings == []
