"""Load what a review needs when a worker process starts, not on its first review.

A fresh worker process pays, on its first job, for importing the engine, the analyzers, bandit's plugins
(prguard.analyzers.bandit_tests), radon, detect-secrets (and requests), the report and publishing modules, for
building bandit's test set, the secrets detectors, the authorship marker table, the policy JSON Schema
validator and its format checks, and for opening the change ledger's database (SQLAlchemy; migrations of
the default SQLite file). That is most of a second of the latency a user feels on the first pull
request after a deploy or a scale-up. `preload()` runs one in-memory review of a small built-in change
(never anything from a repository) so all of it is loaded and built before the first job arrives.

Connected to `worker_process_init` (each prefork child, or the solo pool's process, as it starts).
`WORKER_PRELOAD=0` turns it off.
"""

from __future__ import annotations

import difflib
import logging
import os
import time
from typing import Any

from celery import signals

PRELOAD_ENV = "WORKER_PRELOAD"
log = logging.getLogger("prguard.worker")
_done = False

# A small change touching what the analyzers look for: a Flask handler, a shell call, an outbound call,
# a hard-coded token shape, a complex function. Reviewed in memory only; findings are discarded.
_BASE = '''"""Warm-up module."""
import logging

log = logging.getLogger(__name__)


def total(items):
    return sum(items)
'''
_HEAD = (
    _BASE
    + """
import subprocess

import requests
from flask import Flask, request

app = Flask(__name__)
API_TOKEN = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"


@app.route("/export")
def export():
    name = request.args["name"]
    subprocess.call("tar czf /tmp/" + name + ".tgz /srv", shell=True)
    return requests.get("https://example.com/" + name).text


def grade(score):
    if score > 90:
        return "A"
    elif score > 80:
        return "B"
    elif score > 70:
        return "C"
    elif score > 60:
        return "D"
    for _ in range(3):
        try:
            score += 1
        except ValueError:
            log.exception("bad")
    return "F"
"""
)
_POLICY = "gate:\n  fail_on: high\npaths:\n  exclude: ['vendor/**']\n"


def preload() -> float:
    """Import and build everything a review uses, once per process; the seconds it took (0 if done)."""
    global _done
    if _done:
        return 0.0
    _done = True
    started = time.perf_counter()
    from prguard.engine.model import ChangedFile, PullRequestInfo
    from prguard.engine.review import review
    from prguard.policies.loader import load_effective_policy
    from prguard.report.markdown import render as render_markdown

    policy = load_effective_policy(repo_text=_POLICY, repo_source="warm-up policy")  # the schema validator
    patch = "".join(
        list(difflib.unified_diff(_BASE.splitlines(True), _HEAD.splitlines(True), n=3))[2:]
    )  # hunks only, as GitHub's `patch`
    changed = ChangedFile(
        path="warmup/app.py", status="modified", head=_HEAD.encode(), base=_BASE.encode(), patch=patch
    )
    result = review([changed], policy, PullRequestInfo(number=1, title="warm-up", head_ref="warm-up"))
    render_markdown(result)
    _warm_ledger()
    return time.perf_counter() - started


def _warm_ledger() -> None:
    """The change ledger's database engine (SQLAlchemy, and the SQLite file's migrations), which the
    first review would otherwise open; a database that is down now is the first review's problem."""
    try:
        from prguard.worker.ledger import ledger_engine

        ledger_engine()
    except Exception as exc:
        log.warning("worker warm-up: the ledger database is not reachable yet (%s)", type(exc).__name__)


@signals.worker_process_init.connect
def _preload_on_start(**_: Any) -> None:
    if os.environ.get(PRELOAD_ENV, "1").strip().lower() in ("0", "false", "no", "off"):
        return
    try:
        seconds = preload()
    except Exception:  # a warm-up that fails must not stop the worker: the first review loads lazily
        log.exception("worker warm-up failed; the first review will load what it needs")
        return
    log.info("worker warmed up in %.2f s", seconds, extra={"warmup_seconds": round(seconds, 3)})
