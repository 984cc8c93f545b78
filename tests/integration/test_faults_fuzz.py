"""Fuzzing the two doors strangers can knock on: the webhook receiver and the policy loader.

Bounded (max_examples, deadline) so CI spends seconds. The receiver must answer
every body and header combination with a deliberate status (never a 500); the
loader must return a dict or raise PolicyError (never anything else), quickly.
"""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prguard.policies.loader import load_policy_text
from prguard.policies.model import PolicyError

from tests.integration.fault_stack import in_process_receiver
from tests.spine_helpers import sign

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/12"
EXPECTED = {202, 204, 400, 401, 413, 503}
COUNTS = {"receiver": 0, "policy": 0}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=30,
)
# Payload-shaped objects: real keys with values of the wrong kinds.
payloads = st.fixed_dictionaries(
    {},
    optional={
        "action": st.sampled_from(["opened", "synchronize", "closed", "rerequested", "created", "deleted"])
        | st.text(max_size=10),
        "installation": json_values,
        "repository": json_values,
        "pull_request": json_values,
        "check_run": json_values,
        "check_suite": json_values,
        "issue": json_values,
        "comment": json_values,
        "number": json_values,
        "sender": json_values,
    },
)
events = st.sampled_from(
    ["pull_request", "check_run", "check_suite", "issue_comment", "installation", "installation_repositories",
     "ping", "push", ""]
) | st.text(max_size=15)  # fmt: skip


@pytest.fixture(scope="module")
def client():
    for test_client, config in in_process_receiver(REDIS_URL):
        yield test_client, config.github_webhook_secret


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    event=events,
    data=payloads | json_values,
    raw=st.binary(max_size=200),
    use_raw=st.booleans(),
    signed=st.sampled_from(["good", "bad", "none", "sha1"]),
    delivery=st.text(max_size=40),
)
def test_the_receiver_never_answers_500(client, event, data, raw, use_raw, signed, delivery):
    app, secret = client
    body = raw if use_raw else json.dumps(data).encode()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json"}
    if signed == "good":
        headers["X-Hub-Signature-256"] = sign(body, secret)
    elif signed == "bad":
        headers["X-Hub-Signature-256"] = sign(body, secret + "x")
    elif signed == "sha1":
        headers["X-Hub-Signature"] = "sha1=" + "0" * 40
    headers = {k: v for k, v in headers.items() if v.isascii() and "\n" not in v and "\r" not in v}
    answer = app.post("/webhooks", data=body, headers=headers)
    COUNTS["receiver"] += 1
    assert answer.status_code in EXPECTED, answer.get_data(as_text=True)[:300]
    if answer.status_code != 204:
        assert isinstance(answer.get_json(), dict)
    if signed != "good":
        assert answer.status_code == 401


yaml_texts = st.one_of(
    st.text(max_size=300),
    json_values.map(json.dumps),  # JSON is YAML: well-formed documents of every shape
    st.lists(
        st.sampled_from(
            ["gate:", "  fail_on: high", "  fail_on: [", "paths:", "  include: ['**/*.py']", "  - *a",
             "a: &a [x, x]", "b: [*a, *a, *a]", "analyzers:", "  security: {enabled: false}", "rules:",
             "  - id: r1", "    regex: '(a+)+$'", "    message: m", "!!python/object:os.system", "? [x]",
             "version: 1", "unknown_key: 3", "\t", "%YAML 1.2", "---", "...", "key: !!binary AAAA"]
        ),
        max_size=12,
    ).map("\n".join),
)  # fmt: skip


@settings(max_examples=200, deadline=2000)
@given(text=yaml_texts)
def test_the_policy_loader_returns_a_policy_or_a_policy_error(text):
    started = time.monotonic()
    try:
        result = load_policy_text(text, ".github/prguard.yml")
    except PolicyError as exc:
        assert exc.source == ".github/prguard.yml"
        assert str(exc)
    else:
        assert isinstance(result, dict)
    COUNTS["policy"] += 1
    assert time.monotonic() - started < 1.5
