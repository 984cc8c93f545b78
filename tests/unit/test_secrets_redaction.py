"""What a detected secret does to every other finding: masked in what people read (as a whole
occurrence only), and kept out of every fingerprint, whichever analyzer computed it."""

from __future__ import annotations

import json

import pytest
from prguard.analyzers.secrets import SecretsAnalyzer, is_placeholder
from prguard.engine import review as review_module
from prguard.engine.model import ChangedFile, Finding, FlowStep, Severity, Suppression, make_fingerprint
from prguard.engine.redact import MASK, Secrets, enclosing_context, redact_findings
from prguard.engine.review import review
from prguard.policies.loader import load_policy

PATH = "app/backup.py"
# a policy regex rule on the password line too, so that every analyzer that can report on it does
POLICY_TEXT = (
    "rules:\n"
    "  - {id: CFG-PW, message: no inline passwords, severity: medium, kind: regex,"
    " pattern: 'password\\s*=\\s*\"'}\n"
)


def _backup_code(password: str, prefix: str = "") -> str:
    """A Flask handler where secrets, rules, security (B105), taint and instrumentation all report
    on lines holding the password."""
    return f'''import subprocess

import requests
from flask import Flask, request

app = Flask(__name__)
{prefix}

@app.route("/backup")
def backup():
    password = "{password}"
    host = request.args["host"]
    subprocess.call("mysqldump -p{password} -h " + host, shell=True)
    requests.get("https://" + host, auth=("admin", "{password}"))
    return password
'''


def _review(content: str, path: str = PATH, policy_text: str = POLICY_TEXT):
    changed = ChangedFile(path, "added", content.encode(), None)
    return review([changed], load_policy(repo_text=policy_text), ai_authored=False)


def _on_secret_lines(result, content: str, password: str) -> dict[tuple[str, str], str]:
    """(analyzer, rule) → fingerprint of each finding on a line holding the password, or whose
    relevant lines (a function-level finding) do."""
    lines = content.splitlines()
    holding = {n for n, line in enumerate(lines, 1) if password in line}
    out = {}
    for f in result.findings:
        first, last = f.relevant_lines or (f.start_line, f.end_line)
        if holding & set(range(min(first, f.start_line), max(last, f.end_line) + 1)):
            out[(f.analyzer, f.rule_id)] = f.fingerprint
    return out


WEAK = "Summer2024!"
STRONG = "c0rrect-h0rse-battery-stapl3"


def test_every_analyzers_fingerprint_on_a_secret_line_is_the_same_whatever_the_secret():
    weak_code, strong_code = _backup_code(WEAK), _backup_code(STRONG)
    weak = _on_secret_lines(_review(weak_code), weak_code, WEAK)
    strong = _on_secret_lines(_review(strong_code), strong_code, STRONG)
    assert {analyzer for analyzer, _ in weak} >= {"secrets", "rules", "security", "taint", "instrumentation"}
    assert weak == strong  # the password never enters a fingerprint: nothing to brute-force offline


def test_without_the_engine_the_analyzers_would_hash_the_secret(monkeypatch):
    """The previous test is not vacuous: the analyzers' own fingerprints depend on the password."""
    monkeypatch.setattr(review_module, "mask_fingerprints", lambda *args, **kwargs: 0)
    weak_code, strong_code = _backup_code(WEAK), _backup_code(STRONG)
    weak = _on_secret_lines(_review(weak_code), weak_code, WEAK)
    strong = _on_secret_lines(_review(strong_code), strong_code, STRONG)
    differing = {key[0] for key in weak if weak[key] != strong.get(key)}
    assert {"rules", "security", "taint", "instrumentation"} <= differing


def test_no_fingerprint_is_a_hash_over_a_raw_secret_line(monkeypatch):
    code = _backup_code(WEAK)
    result = _review(code)
    monkeypatch.setattr(review_module, "mask_fingerprints", lambda *args, **kwargs: 0)
    raw = {f.fingerprint for f in _review(code).findings if f.analyzer != "secrets"}
    lines = code.splitlines()
    hashes_over_raw_lines = {
        make_fingerprint(f.rule_id, PATH, text, scope)
        for f in result.findings
        for line in lines
        if WEAK in line
        for text in (line, line.strip())
        for scope in ("", "backup", "module", "KeywordDetector")
    }
    on_secret_lines = set(_on_secret_lines(result, code, WEAK).values())
    assert on_secret_lines
    assert not on_secret_lines & (raw | hashes_over_raw_lines)
    assert all(WEAK not in f.fingerprint for f in result.findings)


def test_fingerprints_on_secret_lines_survive_unrelated_edits():
    before_code = _backup_code(WEAK)
    after_code = _backup_code(WEAK, prefix='\n\ndef health():\n    return "ok"\n')
    before = _on_secret_lines(_review(before_code), before_code, WEAK)
    after = _on_secret_lines(_review(after_code), after_code, WEAK)
    assert before and before == after


def test_a_pre_existing_finding_holding_a_new_secret_is_still_pre_existing():
    """The same value added on a new line is a secret; bandit's B106 on the unchanged line that
    already held it is matched against the base with the same masking, so it stays existing."""
    base = 'def login():\n    return connect(password="Tr0ub4dor-and-3")\n'
    head = 'DB_PASSWORD = "Tr0ub4dor-and-3"\n' + base
    patch = '@@ -0,0 +1,1 @@\n+DB_PASSWORD = "Tr0ub4dor-and-3"\n'
    policy = load_policy(repo_text="scope: changed_files\n")
    changed = ChangedFile("app/auth.py", "modified", head.encode(), base.encode(), patch)
    result = review([changed], policy, ai_authored=False)
    assert {f.rule_id for f in result.findings} >= {"secret.secret-keyword", "B105"}
    assert "B106" not in {f.rule_id for f in result.findings}
    assert result.stats["pre_existing"] >= 1
    fresh = review([ChangedFile("app/auth.py", "added", head.encode(), None)], policy, ai_authored=False)
    assert "B106" in {f.rule_id for f in fresh.findings}  # it is reported when it is new


# --- what counts as a secret ---------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        'password = "pass"',  # too short: a test value
        'password = "test"',
        'api_key = "xxx"',
        'password = "xxxxxxxxxx"',  # one character repeated
        'password = "changeme"',  # placeholder words
        'secret = "secret"',
        'password = "Change-Me"',
        'password = "None"',
        'api_key = "your-api-key-here"',  # placeholder shapes
        'token = "insert_token_here"',
        'password = "<password>"',
        'password = "${DB_PASSWORD}"',
        'password = "os.environ[DB_PASSWORD]"',  # a reference written as text
        'password = "process.env.DB_PASSWORD"',
        'problems["GITHUB_PRIVATE_KEY"] = "set either GITHUB_PRIVATE_KEY or the path, not both"',  # prose
        "secretName: prguard-github",  # keys that name a secret, not hold one
        'password_file = "/run/secrets/db-password"',
        "DB_SECRET_ARN=arn-prod-db-credentials",
        '    "sha": "4be1c0de9a7f3b2e8d6c5a4f3e2d1c0b9a8f7e6d",',  # a commit id, not a key
        'head_sha = "9d3f2a1b0c4e5f6a7b8c9d0e1f2a3b4c5d6e7f80"',
    ],
)
def test_obvious_non_secrets_are_not_reported(line):
    path = "deploy/web.yaml" if line.startswith("secretName") else "app/settings.py"
    changed = ChangedFile(path, "added", f"{line}\n".encode(), None)
    result = review([changed], load_policy(), ai_authored=False, analyzers=[SecretsAnalyzer()])
    assert result.findings == []


@pytest.mark.parametrize(
    "value", ["hunter22", "Summer2024!", "c0rrect-h0rse-battery-stapl3", "zq8Lw1", "two words!"]
)
def test_real_looking_passwords_are_still_secrets(value):
    assert not is_placeholder(value)
    changed = ChangedFile("app/settings.py", "added", f'password = "{value}"\n'.encode(), None)
    result = review([changed], load_policy(), ai_authored=False, analyzers=[SecretsAnalyzer()])
    assert [f.rule_id for f in result.findings] == ["secret.secret-keyword"]


def test_a_short_test_password_is_left_to_bandit_and_masks_nothing():
    """`pass` is no secret: bandit still flags the literal, and "passed" stays readable."""
    code = (
        'def test_login(client):\n    password = "pass"\n    assert client.login("u", password)  # passed\n'
    )
    result = _review(code, path="tests/test_login.py", policy_text="")
    assert "secrets" not in {f.analyzer for f in result.findings}
    assert "B105" in {f.rule_id for f in result.findings}
    assert not any(MASK in f.message for f in result.findings)


# --- masking what people read -------------------------------------------------------------------


def _finding(message: str, **extra) -> Finding:
    return Finding("X1", "taint", Severity.HIGH, PATH, 3, 3, message, "f" * 32, **extra)


def test_a_word_like_secret_is_masked_only_as_a_whole_word():
    secrets = Secrets.of(["Sunflower"])
    assert secrets.mask("Sunflowers passed `Sunflower`, Sunflower_id") == (
        f"Sunflowers passed `{MASK}`, Sunflower_id"
    )


def test_a_secret_with_digits_or_symbols_is_masked_wherever_it_occurs():
    secrets = Secrets.of(["hunter22", "c0rrect-h0rse"])
    assert secrets.mask("mysqldump -phunter22 -h db") == f"mysqldump -p{MASK} -h db"
    assert secrets.mask("c0rrect-h0rse-battery") == f"{MASK}-battery"


def test_a_json_escaped_secret_is_masked():
    """A notebook cell's source line is a JSON string: the secret appears escaped there."""
    secret = 'pa"ss-w0rd'
    cell = json.dumps({"source": [f"pw = {secret}\n"]})
    assert secret not in cell  # only its escaped form is
    masked = Secrets.of([secret]).mask(cell)
    assert masked == json.dumps({"source": [f"pw = {MASK}\n"]})


def test_redaction_covers_message_title_flow_suggestion_and_suppression_reasons():
    secrets = Secrets.of(["hunter22"])
    finding = _finding(
        "`hunter22` reaches `run` and passed it on",
        title="hunter22 in a command",
        suggestion='run(["mysql", "-phunter22"])',
        flow=(FlowStep(2, "password = 'hunter22'"),),
    )
    untouched = _finding("nothing passed here", suggestion="run(cmd, check=True)")
    used = Suppression("X1", PATH, 3, "prguard", "hunter22 is a test fixture", "f" * 32)
    redact_findings([finding, untouched], [used], secrets)
    assert finding.message == f"`{MASK}` reaches `run` and passed it on"
    assert finding.title == f"{MASK} in a command"
    assert finding.suggestion is None  # it would write the secret into a comment
    assert finding.flow[0].description == f"password = '{MASK}'"
    assert untouched.message == "nothing passed here" and untouched.suggestion == "run(cmd, check=True)"
    assert used.reason == f"{MASK} is a test fixture"


def test_enclosing_context_from_indentation():
    python = [
        "class Client:",
        "    # a comment",
        "    def connect(self):",
        "        if x:",
        "            y = 1",
    ]
    assert enclosing_context(python, 5, Secrets.of(()), python=True) == "Client.connect"
    yaml = ["aws:", "  credentials:", "    key: hunter22"]
    assert enclosing_context(yaml, 3, Secrets.of(["hunter22"]), python=False) == "aws: > credentials:"
    assert enclosing_context(["top = 1"], 1, Secrets.of(()), python=True) == ""


def test_a_hex_key_under_a_non_digest_key_is_still_a_secret():
    line = 'api_secret = "9d3f2a1b0c4e5f6a7b8c9d0e1f2a3b4c5d6e7f80"\n'
    changed = ChangedFile("app/settings.py", "added", line.encode(), None)
    result = review([changed], load_policy(), ai_authored=False, analyzers=[SecretsAnalyzer()])
    assert [f.analyzer for f in result.findings] == ["secrets"]
