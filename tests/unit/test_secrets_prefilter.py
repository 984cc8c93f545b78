"""The secrets pre-filter changes how much is scanned, never what is found; fingerprints hold no secret."""

from __future__ import annotations

import json
import re
import string
import subprocess
from pathlib import Path

import prguard.analyzers.secrets as secrets_module
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from prguard.analyzers.secrets import MASK, SecretsAnalyzer, _plugin_names, _plugins
from prguard.analyzers.secrets_prefilter import NEEDS, candidates
from prguard.engine.model import ChangedFile, make_fingerprint
from prguard.engine.review import review
from prguard.policies.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
WEBHOOKS = ROOT / "tests" / "fixtures" / "github-webhooks"
LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
TEXT_SUFFIXES = {".py", ".txt", ".json", ".yaml", ".yml", ".toml", ".md", ".service", ".cfg", ".ini", ".sh"}

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


def _repository_files() -> dict[str, bytes]:
    """Real text files: this repository's tracked files and GitHub's webhook payloads."""
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    files = {}
    for name in listed.splitlines():
        path = ROOT / name
        if path.suffix in TEXT_SUFFIXES and path.is_file() and path.stat().st_size < 200_000:
            files[name] = path.read_bytes()
    for path in sorted(WEBHOOKS.glob("*.json")):
        files[f"fixtures/{path.name}"] = path.read_bytes()
    return files


def _changes(contents: dict[str, bytes]) -> list[ChangedFile]:
    return [ChangedFile(path, "added", data, None) for path, data in contents.items()]


def _every_line_every_detector(lines, detectors):
    return {index: frozenset(detectors) for index in range(len(lines))}


def _secrets_review(files: list[ChangedFile]):
    return review(files, load_policy(), ai_authored=False, analyzers=[SecretsAnalyzer()])


@pytest.fixture(scope="module")
def corpus() -> list[ChangedFile]:
    planted = {path: text.encode() for path, text in PLANTED.items()}
    return _changes({**_repository_files(), **planted})


def test_findings_are_identical_with_and_without_the_prefilter(corpus, monkeypatch):
    filtered = _secrets_review(corpus)
    monkeypatch.setattr(secrets_module, "candidates", _every_line_every_detector)
    unfiltered = _secrets_review(corpus)
    assert [f.to_dict() for f in filtered.findings] == [f.to_dict() for f in unfiltered.findings]
    # not vacuous: the planted secrets are found, in every file type, by most detectors
    planted = [f for f in filtered.findings if f.path in PLANTED]
    assert {f.path for f in planted} == set(PLANTED)
    assert len({f.rule_id for f in planted}) >= 18
    unicode_keywords = [
        f for f in planted if f.path == "app/settings.py" and f.rule_id == "secret.secret-keyword"
    ]
    assert [f.start_line for f in unicode_keywords] == [9, 10]


def test_the_prefilter_leaves_few_lines_to_scan(corpus):
    lines = [line for f in corpus for line in f.head.decode().splitlines()]
    marked = candidates(lines, _plugin_names())
    assert len(lines) > 20_000
    assert len(marked) < 0.1 * len(lines)
    run = sum(len(names) for names in marked.values())
    assert run < 0.01 * len(lines) * len(
        _plugin_names()
    )  # detector runs: under 1% of every-line-every-detector


def test_every_detector_in_use_has_a_condition():
    """A detector without one is run on every line (correct but slow): a detect-secrets
    upgrade that adds one must add its condition to NEEDS."""
    assert set(_plugin_names()) <= set(NEEDS)


@pytest.mark.parametrize(
    "line",
    [
        "        pass",  # the statement, not a password
        "    def keys(self) -> list[str]:",
        "    def check_password(self, attempt):",
        '    """The secret is read from the environment."""',
        "    with_key_pass_through(x)",
        '    "Content-Type: application/x-www-form-urlencoded",',  # a long quoted run, low entropy
        '    assert "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" in text',
    ],
)
def test_lines_no_detector_can_report_on_are_not_candidates(line):
    """No line here is reported by any detector (checked), and none is handed to one: a change of
    such lines never imports detect-secrets."""
    assert not any(_reports(plugin, "app/x.py", line) for plugin in _plugins())
    assert candidates([line], _plugin_names()) == {}


@pytest.mark.parametrize(
    ("line", "detector"),
    [
        ('    password = "hunter2-but-longer"', "KeywordDetector"),
        ('  db_pass: "s3cr3t-value"', "KeywordDetector"),
        ('if ("x9kL2mQ" == user_password) {', "KeywordDetector"),
        ('    token = "Zx8Qp2Lm9Rt4Vw7Ky1Bn6Hs3Jd5Fg0Ca"', "Base64HighEntropyString"),
        ('    sha = "4be1c0d9e8f7a6b5c4d3e2f1a0b9c8d7"', "HexHighEntropyString"),
    ],
)
def test_lines_a_detector_reports_on_stay_candidates(line, detector):
    plugin = next(p for p in _plugins() if type(p).__name__ == detector)
    assert _reports(plugin, "app/x.py", line)
    assert detector in candidates([line], _plugin_names()).get(0, ())


# --- soundness, detector by detector: whatever a detector reports, its condition matched ---


def _one_line(text: str) -> str:
    """Generated text as one line: what `str.splitlines` splits on becomes a space."""
    return LINE_BREAKS.sub(" ", text)


def _reports(plugin, filename: str, line: str) -> bool:
    return bool(plugin.analyze_line(filename=filename, line=line, line_number=1))


def _expressions():
    """Every regular expression a format or keyword detector reports from (it reports nothing
    on a line none of its expressions matches)."""
    from detect_secrets.plugins import keyword

    for plugin in _plugins():
        for regex in getattr(plugin, "denylist", ()) or ():
            name = type(plugin).__name__
            yield pytest.param(name, regex, id=f"{name}:{regex.pattern[:30]}")
    seen = set()
    for groups in keyword.REGEX_BY_FILETYPE.values():
        for regex in groups:
            if regex.pattern not in seen:
                seen.add(regex.pattern)
                yield pytest.param("KeywordDetector", regex, id=f"KeywordDetector:{regex.pattern[:30]}")


@pytest.mark.parametrize(("detector", "regex"), list(_expressions()))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_a_line_any_detector_expression_matches_is_given_to_that_detector(detector, regex, data):
    line = _one_line(data.draw(st.from_regex(regex)))
    assume(regex.search(line))
    assert detector in candidates([line], _plugin_names()).get(0, ())


BASE64 = string.ascii_letters + string.digits + "+/\\-_="


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    before=st.text(max_size=20),
    quote=st.sampled_from("'\""),
    value=st.text(alphabet=BASE64, min_size=1, max_size=40) | st.text(alphabet=string.hexdigits, max_size=20),
    after=st.text(max_size=20),
)
def test_entropy_detectors_only_report_lines_their_condition_marks(before, quote, value, after):
    line = _one_line(f"{before}{quote}{value}{quote}{after}")
    marked = candidates([line], _plugin_names()).get(0, ())
    for plugin in _plugins():
        name = type(plugin).__name__
        if name in ("Base64HighEntropyString", "HexHighEntropyString") and _reports(plugin, "x.py", line):
            assert name in marked


# --- fingerprints ------------------------------------------------------------------------------


def _fingerprint(content: str, path: str = "app/db.py") -> tuple[str, str]:
    (finding,) = _secrets_review([ChangedFile(path, "added", content.encode(), None)]).findings
    return finding.rule_id, finding.fingerprint


def test_a_fingerprint_is_built_from_the_masked_line_never_from_the_secret():
    rule, weak = _fingerprint('password = "hunter2hunter2"\n')
    _, other = _fingerprint('password = "correct-horse-staple"\n')
    assert weak == other  # the value does not enter it: nothing to brute-force offline
    # the engine's basis for any finding on a line with a secret: masked line + enclosing scope
    assert weak == make_fingerprint(rule, "app/db.py", f'password = "{MASK}"', "")
    assert _fingerprint('db_password = "hunter2hunter2"\n')[1] != weak  # the line's code does
    assert _fingerprint('password = "hunter2hunter2"\n', "app/other.py")[1] != weak  # and the path


def test_every_secret_on_a_line_is_masked_in_its_fingerprint():
    line = 'creds = {"aws": "AKIAZ7Q3XK2M9P4LWD8N", "gh": "ghp_R8fK2pQ7xLm4Vn9Tb3Wc6Yd1Zs5Ha0Je2Gu8"}\n'
    findings = _secrets_review([ChangedFile("creds.py", "added", line.encode(), None)]).findings
    assert {f.rule_id for f in findings} >= {"secret.aws-access-key", "secret.github-token"}
    masked = re.sub(r"AKIA\w+|ghp_\w+", MASK, line.strip())
    for finding in findings:
        assert make_fingerprint(finding.rule_id, "creds.py", masked, "") == finding.fingerprint
