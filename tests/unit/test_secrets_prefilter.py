"""The secrets pre-filter changes how much is scanned, never what is found; fingerprints hold no secret."""

from __future__ import annotations

import re
import string
from pathlib import Path

import prguard.analyzers.secrets as secrets_module
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prguard.analyzers.secrets import MASK, _plugin_names, _plugins
from prguard.analyzers.secrets_prefilter import NEEDS, candidates
from prguard.engine.model import ChangedFile, make_fingerprint

from tests.unit import secrets_helpers
from tests.unit.secrets_helpers import (
    PLANTED,
    assert_prefilter_changes_nothing,
    changes,
    one_line,
    secrets_review,
)

REAL_TEXT = [
    Path(__file__),
    Path(secrets_helpers.__file__),
    Path(secrets_module.__file__),
    Path(secrets_module.__file__).with_name("secrets_prefilter.py"),
]

# The whole-repository versions of the equality test and the few-lines-scanned test run under
# tests/integration/test_secrets_prefilter_corpus.py (the unfiltered scan takes half a minute).


def test_findings_are_identical_with_and_without_the_prefilter_on_the_planted_secrets(monkeypatch):
    # real text full of near-misses besides: these tests, their helpers and the detectors' own sources
    real = {path.name: path.read_bytes() for path in REAL_TEXT}
    corpus = changes({**real, **{path: text.encode() for path, text in PLANTED.items()}})
    findings = assert_prefilter_changes_nothing(corpus, monkeypatch)
    assert len([f for f in findings if f.path not in PLANTED]) > 0  # the real text holds some too


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


def _reports(plugin, filename: str, line: str) -> bool:
    return bool(plugin.analyze_line(filename=filename, line=line, line_number=1))


BASE64 = string.ascii_letters + string.digits + "+/\\-_="


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    before=st.text(max_size=20),
    quote=st.sampled_from("'\""),
    value=st.text(alphabet=BASE64, min_size=1, max_size=40) | st.text(alphabet=string.hexdigits, max_size=20),
    after=st.text(max_size=20),
)
def test_entropy_detectors_only_report_lines_their_condition_marks(before, quote, value, after):
    line = one_line(f"{before}{quote}{value}{quote}{after}")
    marked = candidates([line], _plugin_names()).get(0, ())
    for plugin in _plugins():
        name = type(plugin).__name__
        if name in ("Base64HighEntropyString", "HexHighEntropyString") and _reports(plugin, "x.py", line):
            assert name in marked


# --- fingerprints ------------------------------------------------------------------------------


def _fingerprint(content: str, path: str = "app/db.py") -> tuple[str, str]:
    (finding,) = secrets_review([ChangedFile(path, "added", content.encode(), None)]).findings
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
    findings = secrets_review([ChangedFile("creds.py", "added", line.encode(), None)]).findings
    assert {f.rule_id for f in findings} >= {"secret.aws-access-key", "secret.github-token"}
    masked = re.sub(r"AKIA\w+|ghp_\w+", MASK, line.strip())
    for finding in findings:
        assert make_fingerprint(finding.rule_id, "creds.py", masked, "") == finding.fingerprint


# --- gated conditions --------------------------------------------------------------------------


def _ungated(lines: list[str]) -> dict[int, frozenset[str]]:
    """`candidates` with every gated condition scanned over all the text, as before gates."""
    import prguard.analyzers.secrets_prefilter as prefilter

    saved = prefilter.GATES.copy()
    prefilter.GATES.clear()
    prefilter._conditions.cache_clear()
    try:
        return candidates(lines, _plugin_names())
    finally:
        prefilter.GATES.update(saved)
        prefilter._conditions.cache_clear()


def test_every_gate_belongs_to_a_case_insensitive_condition():
    from prguard.analyzers.secrets_prefilter import GATES

    any_case = {pattern for _, patterns in NEEDS.values() for pattern in patterns}
    assert set(GATES) <= any_case


GATED_LINES = [
    'db_password = "hunter2"',
    "PASSWORD=x; other = 1",
    'if "x" == my_api_key:',
    "contraseña = 'abc'",  # non-ASCII: the whole text goes through re.IGNORECASE
    "\u212aEY_PASS = 'abc'",  # Kelvin sign: matches `k` under re.IGNORECASE
    "token = 'abcdefghijabcdefghijabcdefghijabcdefghij1234'",
    "secret",
    "x = 1  # no word at all",
    "passwd[0] = 'a'; key = 2; pwd = 3",
]


@pytest.mark.parametrize("ascii_only", [True, False])
def test_gated_conditions_mark_the_lines_a_whole_text_scan_marks(ascii_only):
    lines = [line for line in GATED_LINES if line.isascii() or not ascii_only]
    assert candidates(lines, _plugin_names()) == _ungated(lines)


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(
        st.text(
            alphabet=st.sampled_from(list("keypaswdrtoncKEYPAS_=!:;[]'\" (0123456789ñ\u212a")), max_size=40
        ),
        max_size=6,
    )
)
def test_gated_conditions_agree_with_the_whole_text_scan(lines):
    lines = [one_line(line) for line in lines]
    assert candidates(lines, _plugin_names()) == _ungated(lines)
