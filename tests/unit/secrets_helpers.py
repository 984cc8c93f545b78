"""Planted fake credentials and helpers shared by the secrets pre-filter's unit and integration tests."""

from __future__ import annotations

import json
import re

from prguard.analyzers import secrets as secrets_module
from prguard.analyzers.secrets import SecretsAnalyzer
from prguard.engine.model import ChangedFile
from prguard.engine.review import review
from prguard.policies.loader import load_policy

# Fake credentials of every format the detectors know, planted in several file types.
HEX48 = "9f8e7d6c5b4a39281706f5e4d3c2b1a0" + "0f1e2d3c4b5a6978"
PLANTED = {
    "deploy/config.yml": (
        "aws:\n  access_key_id: AKIAZ7Q3XK2M9P4LWD8N\n"
        '  aws_secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8XK3mP2n"\n'
        "db:\n  password: Zq8v-2mLp-Hw4n\n"
        f"  cos_secret_access_key: {HEX48}\n"
    ),
    ".env": (
        "GITHUB_TOKEN=ghp_R8fK2pQ7xLm4Vn9Tb3Wc6Yd1Zs5Ha0Je2Gu8\n"
        "DATABASE_URL=postgres://app:Tr0ub4dor-and-3@db.internal:5432/app\n"
        "STRIPE_KEY=sk_live_51HqLyjWDarjtT1zdp7dcXq4Rm\n"
        "GITLAB_TOKEN=glpat-x9Kq2LmZ7vRt4Wn8Yb3P\n"
    ),
    "config/settings.json": json.dumps(
        {
            "api_key": "c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3",
            "session": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
            "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "sendgrid": "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",
        },
        indent=2,
    )
    + "\n",
    "keys/deploy_key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\n",
    "web/app.js": (
        'const password = "hunter2hunter2";\n'
        'fetch("https://hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/q7Zk2Lm9Vr4Tx8Yw1Bn5Hc3J");\n'
        'const twilio = "AC' + "0a1b2c3d4e5f60718293a4b5c6d7e8f9" + '";\n'
    ),
    "cmd/main.go": 'package main\n\nfunc main() {\n\tpassword := "g0-s3cret-v4lue"\n\t_ = password\n}\n',
    "app/settings.py": (
        "# réglages (non-ASCII file: case-insensitive conditions take the IGNORECASE path)\n"
        'SIGNING_KEY = "8f2a9c71e4b05d36a1c9f0e7b2d48a6c"\n'
        "token = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZjEyMzQ1Ng=='\n"
        'telegram = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"\n'
        f'ibm_cloud_iam_key = "{"aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kM9nP2qS"}"\n'
        f'softlayer_api_key = "{"a1b2c3d4" * 8}"\n'
        f'cloudant_password = "{"0f1e2d3c" * 8}"\n'
        "mailchimp = '3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c-us12'\n"
        "api_\u212aey = 'Xq9mZ2pL7vR4tW8n'  # KELVIN SIGN: a k when case is ignored\n"
        "\u017fecret = 'Lm4Vn9Tb3Wc6Yd1Z'  # LONG S: an s when case is ignored\n"
    ),
    ".npmrc": "//registry.npmjs.org/:_authToken=npm_Zx8Lq2Vm9Rt4Wn7Yb3Pk5Hc1Jd6Fg0Ss2Aa\n",
    "notebooks/probe.ipynb": json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "source": [
                        'client = WebClient(token="xoxb-271828182845-904523536028-'
                        'Lz7Qk2Vx9Pw4Ry6Tn1Bm3Hs8")\n'
                    ],
                }
            ]
        },
        indent=1,
    )
    + "\n",
}


def changes(contents: dict[str, bytes]) -> list[ChangedFile]:
    return [ChangedFile(path, "added", data, None) for path, data in contents.items()]


def every_line_every_detector(lines, detectors):
    """Stands in for the pre-filter's `candidates`: every detector on every line."""
    return {index: frozenset(detectors) for index in range(len(lines))}


def secrets_review(files: list[ChangedFile]):
    return review(files, load_policy(), ai_authored=False, analyzers=[SecretsAnalyzer()])


def assert_prefilter_changes_nothing(corpus: list[ChangedFile], monkeypatch) -> list:
    """The secrets review of `corpus` with the pre-filter equals the one that runs every detector
    on every line, and finds each planted secret (so the equality is not vacuous). Returns the
    filtered review's findings."""
    filtered = secrets_review(corpus)
    monkeypatch.setattr(secrets_module, "candidates", every_line_every_detector)
    unfiltered = secrets_review(corpus)
    assert [f.to_dict() for f in filtered.findings] == [f.to_dict() for f in unfiltered.findings]
    planted = [f for f in filtered.findings if f.path in PLANTED]
    assert {f.path for f in planted} == set(PLANTED)
    assert len({f.rule_id for f in planted}) >= 18
    unicode_keywords = [
        f for f in planted if f.path == "app/settings.py" and f.rule_id == "secret.secret-keyword"
    ]
    assert [f.start_line for f in unicode_keywords] == [9, 10]
    return filtered.findings


LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """Generated text as one line: what `str.splitlines` splits on becomes a space."""
    return LINE_BREAKS.sub(" ", text)
