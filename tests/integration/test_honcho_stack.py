"""The Procfile, as an operator runs it: `honcho start -f Procfile -e <envfile>` against the fake GitHub.

A local env file points the stack at the fake GitHub and at a Redis DB of its
own; honcho starts `web` (gunicorn) and `worker` (Celery, prefork) exactly as
the Procfile says. A signed real `pull_request.opened` delivery must end in a
completed check run; then both processes' metrics and JSON logs are checked,
and honcho is stopped with SIGTERM and must exit on its own.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import uuid

import pytest
import redis
import requests
from prguard.queue.celery_app import ANALYZE_QUEUE, WRITE_QUEUE

from tests.integration.fault_stack import (
    BIN,
    ROOT,
    assert_no_secret_in,
    delete_prefix,
    free_port,
    pem_body_lines,
    pr_payload,
    wait_until,
)
from tests.spine_helpers import webhook_headers

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/14"  # this test's own DB: its worker consumes only from here
SECRET = "honcho-stack-secret"
OWNER, REPO, INSTALLATION = "Codertocat", "Hello-World", 42424

BASE = '"""Reports."""\n\n\ndef total(rows):\n    return sum(r["amount"] for r in rows)\n'
HEAD = (
    '"""Reports."""\nimport subprocess\n\n\ndef total(rows):\n    return sum(r["amount"] for r in rows)\n\n\n'
    'def export(name):\n    return subprocess.call("zip out.zip " + name, shell=True)\n'
)


def _wait(predicate, timeout: float, what: str):
    """Poll an HTTP endpoint that may not be listening yet."""
    return wait_until(predicate, timeout, what, interval=0.2, ignore=(requests.RequestException,))


def _metric(text: str, name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{re.escape(name)}(?:\{{(.*)\}})? (\S+)$", line)
        if not match:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(2))
    return total


@pytest.fixture
def honcho_stack(fake_github, github_app_key, tmp_path):
    prefix = f"honcho-{uuid.uuid4().hex[:8]}:"
    rds = redis.Redis.from_url(REDIS_URL)
    rds.delete(ANALYZE_QUEUE, WRITE_QUEUE)
    key_file = tmp_path / "app.pem"
    key_file.write_text(github_app_key.private_pem)
    key_file.chmod(0o600)
    web_port, worker_metrics_port = free_port(), free_port()
    env_file = tmp_path / "prguard.env"
    env_file.write_text(
        "\n".join(
            [
                f"GITHUB_APP_ID={github_app_key.app_id}",
                f"GITHUB_PRIVATE_KEY_PATH={key_file}",
                f"GITHUB_WEBHOOK_SECRET={SECRET}",
                f"GITHUB_API_URL={fake_github.api_url}",
                f"REDIS_URL={REDIS_URL}",
                f"REDIS_KEY_PREFIX={prefix}",
                "LOG_LEVEL=INFO",
                "WEB_CONCURRENCY=1",
                "WORKER_CONCURRENCY=1",
                f"WORKER_METRICS_PORT={worker_metrics_port}",
                f"PRGUARD_METRICS_DIR={tmp_path / 'metrics'}",
            ]
        )
        + "\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PROMETHEUS_", "REDIS_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    log_path = tmp_path / "honcho.log"
    with log_path.open("wb") as log:
        honcho = subprocess.Popen(
            [str(BIN / "honcho"), "start", "-f", str(ROOT / "Procfile"), "-e", str(env_file),
             "-d", str(ROOT), "-p", str(web_port), "--no-colour"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        stack = {
            "url": f"http://127.0.0.1:{web_port}",
            "worker_metrics": f"http://127.0.0.1:{worker_metrics_port}/metrics",
            "honcho": honcho,
            "log": log_path,
        }
        try:
            _wait(
                lambda: requests.get(stack["url"] + "/healthz", timeout=1).status_code == 200,
                30,
                "web never became healthy",
            )
            yield stack
        finally:
            if honcho.poll() is None:
                honcho.send_signal(signal.SIGTERM)
                try:
                    honcho.wait(timeout=25)
                except subprocess.TimeoutExpired:
                    os.killpg(honcho.pid, signal.SIGKILL)
                    honcho.wait(timeout=5)
            delete_prefix(rds, prefix)
            rds.delete(ANALYZE_QUEUE, WRITE_QUEUE)


def test_honcho_runs_the_procfile_and_the_stack_reviews_a_pull_request(
    honcho_stack, fake_github, github_app_key
):
    started = time.monotonic()
    pull = fake_github.seed_pull(
        installation_id=INSTALLATION, owner=OWNER, repo=REPO,
        base_files={"reports/export.py": BASE}, head_files={"reports/export.py": HEAD},
        title="Export reports",
    )  # fmt: skip
    body = json.dumps(pr_payload(pull, installation=INSTALLATION)).encode()
    delivery = str(uuid.uuid4())
    answer = requests.post(
        honcho_stack["url"] + "/webhooks", data=body,
        headers=webhook_headers("pull_request", body, delivery=delivery, secret=SECRET), timeout=5,
    )  # fmt: skip
    assert answer.status_code == 202 and answer.json()["status"] == "queued", answer.text

    try:
        fake_github.wait_for(
            lambda f: any(r.get("status") == "completed" for r in f.check_runs(OWNER, REPO)), timeout=40
        )
    except TimeoutError:
        tail = honcho_stack["log"].read_text(errors="replace")[-4000:]
        pytest.fail(f"the check run was never completed; honcho output:\n{tail}")
    [run] = fake_github.check_runs(OWNER, REPO)
    assert run["head_sha"] == pull.head_sha and run["name"] == "prguard"
    assert run["conclusion"] == "failure"  # shell=True with a built command: high severity, the gate fails
    assert run["output"]["annotations_count"] >= 1

    # Web metrics: the delivery is counted by event and outcome.
    web = requests.get(honcho_stack["url"] + "/metrics", timeout=5).text
    assert _metric(web, "prguard_webhooks_total", event="pull_request", outcome="queued") == 1
    assert _metric(web, "prguard_webhook_duration_seconds_count", event="pull_request") == 1

    # Worker metrics (prefork child, aggregated by the main process's exporter).
    def worker_metrics() -> str | None:
        text = requests.get(honcho_stack["worker_metrics"], timeout=2).text
        done = _metric(text, "prguard_jobs_total", task="review_pull_request", status="completed")
        return text if done >= 1 else None

    text = _wait(worker_metrics, 10, "the worker exporter never showed the finished job")
    assert _metric(text, "prguard_queue_wait_seconds_count", task="review_pull_request") == 1
    for stage in ("check_run", "policy", "fetch", "engine", "publish"):
        assert _metric(text, "prguard_job_stage_duration_seconds_count", stage=stage) == 1, stage
    assert _metric(text, "prguard_findings_total", severity="high") >= 1
    assert (
        _metric(
            text, "prguard_github_api_calls_total", method="POST", route="/repos/{owner}/{repo}/check-runs"
        )
        == 1
    )
    assert _metric(text, "prguard_github_rate_limit_remaining", resource="core") > 0

    # Stop honcho the way an operator does (Ctrl-C / SIGTERM): both processes end, honcho exits.
    honcho = honcho_stack["honcho"]
    honcho.send_signal(signal.SIGTERM)
    assert honcho.wait(timeout=25) is not None
    output = honcho_stack["log"].read_text(errors="replace")

    # JSON logs: every line of the job carries its delivery, installation, repo, PR and head SHA.
    job_lines = []
    for line in output.splitlines():
        _, _, rest = line.partition("| ")
        if rest.startswith("{"):
            entry = json.loads(rest)
            if entry.get("delivery") == delivery:
                job_lines.append(entry)
    loggers = {entry["logger"] for entry in job_lines}
    assert {"prguard.webhooks", "prguard.tasks"} <= loggers, loggers
    for entry in job_lines:
        assert entry["installation"] == INSTALLATION
        assert entry["repo"] == f"{OWNER}/{REPO}"
        assert entry["pr"] == pull.number
        assert entry["head_sha"] == pull.head_sha
    assert_no_secret_in(output, [SECRET, *fake_github.tokens, *pem_body_lines(github_app_key.private_pem)])
    assert "PRIVATE KEY" not in output
    assert time.monotonic() - started < 60
