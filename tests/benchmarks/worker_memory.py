"""Worker memory on a 300-file pull request: peak RSS of the review job, against an idle worker.

Run by hand: `.venv/bin/python -m tests.benchmarks.worker_memory [--runs 3] [--files 300]`.
Target (DESIGN.md 4): peak RSS under 300 MB on a 300-file PR.

The fake GitHub runs in this process (a thread); it holds a PR of real Python
files taken from the installed site-packages (celery, kombu, flask, werkzeug, …):
two thirds modified (a function inserted mid-file and one appended), one third
added. Each run starts a fresh subprocess that executes the Celery task
`review_pull_request` in-process (`task(...)` runs the task body: the same code
path as a worker, minus the broker) against the fake and the real Redis (DB 7, a
fresh key prefix per run, so the analysis cache starts cold), then reports its
VmHWM (peak RSS) and wall time. A `--warm` run repeats the review with the
analysis cache filled. The idle baseline is a subprocess that imports what a
worker process imports (`prguard.worker.tasks`), and the same plus every analyzer module.
`--trace` runs one review under tracemalloc and prints the biggest allocation
sites at the end of the fetch, when the cross-file analyzers start (every head tree
is held then: the engine's peak) and at the end of the engine step.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import threading
import time
import uuid
from pathlib import Path
from typing import Any

REDIS_URL = "redis://127.0.0.1:6379/7"
OWNER, REPO, INSTALLATION = "octo-org", "big-service", 4711
PACKAGES = ("celery", "kombu", "flask", "werkzeug", "jinja2", "click", "redis", "requests", "bandit", "radon")
MIN_BYTES, MAX_BYTES = 2_000, 60_000
LIMIT_MB = 300

INSERTED = '''

def _prguard_bench_helper(payload, retries=3):
    """Inserted by the benchmark: a small, plausible change."""
    for attempt in range(retries):
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            if attempt == retries - 1:
                raise
    return None

'''
APPENDED = """

def _prguard_bench_run(command):
    import subprocess

    return subprocess.call(command, shell=True)
"""


# --- corpus ----------------------------------------------------------------------------------------


def corpus(count: int) -> list[tuple[str, str]]:
    """`count` real Python files (path in the PR, text), spread over PACKAGES, deterministic order."""
    site = Path(sysconfig.get_paths()["purelib"])
    by_package: list[list[tuple[str, str]]] = []
    for package in PACKAGES:
        found = []
        for path in sorted((site / package).rglob("*.py")):
            size = path.stat().st_size
            if not MIN_BYTES <= size <= MAX_BYTES or "/tests/" in path.as_posix():
                continue
            try:
                text = path.read_text(encoding="utf-8")
                ast.parse(text)
            except (UnicodeDecodeError, SyntaxError, ValueError):
                continue
            found.append((f"src/{path.relative_to(site).as_posix()}", text))
        if found:
            by_package.append(found)
    picked: list[tuple[str, str]] = []
    while len(picked) < count and any(by_package):
        for files in by_package:
            if files and len(picked) < count:
                picked.append(files.pop(0))
    if len(picked) < count:
        raise SystemExit(f"only {len(picked)} Python files between {MIN_BYTES} and {MAX_BYTES} bytes found")
    return picked


def changed(text: str) -> str:
    """The file with a function inserted before a top-level def/class near the middle, and one appended."""
    lines = text.splitlines(keepends=True)
    middle = len(lines) // 2
    tops = [i for i, line in enumerate(lines) if line.startswith(("def ", "class "))]
    at = min(tops, key=lambda i: abs(i - middle)) if tops else len(lines)
    head = "".join(lines[:at]) + INSERTED + "".join(lines[at:]) + APPENDED
    try:
        ast.parse(head)
    except SyntaxError:
        head = text + APPENDED
    return head


def seed(fake: Any, count: int) -> Any:
    files = corpus(count)
    modified = files[: count * 2 // 3]
    added = files[count * 2 // 3 :]
    base = {path: text for path, text in modified}
    head = {path: changed(text) for path, text in modified}
    head.update(added)
    return fake.seed_pull(
        installation_id=INSTALLATION, owner=OWNER, repo=REPO, base_files=base, head_files=head,
        title="Refactor the service layer",
    )  # fmt: skip


# --- child processes -------------------------------------------------------------------------------


def _vm(field: str) -> int:
    """A /proc/self/status figure in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def child_idle(with_analyzers: bool) -> dict[str, Any]:
    import prguard.worker.tasks  # noqa: F401  (what a worker process imports)

    if with_analyzers:
        from prguard.analyzers import registry

        registry()
    return {"peak_kb": _vm("VmHWM"), "rss_kb": _vm("VmRSS")}


def child_review(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    from prguard.worker import tasks

    imported = _vm("VmHWM")
    job = {
        "installation_id": INSTALLATION, "owner": OWNER, "repo": REPO, "number": args.number,
        "head_sha": args.head_sha, "trigger": "pull_request.opened",
    }  # fmt: skip
    outcomes = []
    for attempt in range(2 if args.warm else 1):
        began = time.perf_counter()
        outcome = tasks.review_pull_request(delivery_id=f"bench-{uuid.uuid4()}", **job)
        outcomes.append({"outcome": outcome, "seconds": time.perf_counter() - began, "attempt": attempt})
    return {
        "peak_kb": _vm("VmHWM"),
        "rss_kb": _vm("VmRSS"),
        "imported_peak_kb": imported,
        "seconds": time.perf_counter() - started,
        "runs": outcomes,
    }


def child_trace(args: argparse.Namespace) -> dict[str, Any]:
    """One review under tracemalloc: top allocation sites after the fetch and after the engine."""
    import tracemalloc

    from prguard.engine import review as engine_review
    from prguard.github import pulls
    from prguard.worker import pipeline

    tracemalloc.start(12)
    reports: dict[str, Any] = {}

    def top(label: str) -> None:
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *>")]
        )
        current, peak = tracemalloc.get_traced_memory()
        reports[label] = {
            "current_mb": round(current / 2**20, 1),
            "peak_mb": round(peak / 2**20, 1),
            "rss_kb": _vm("VmRSS"),
            "top": [
                f"{stat.size / 2**20:.1f} MB {stat.count} blocks {stat.traceback.format()[-1].strip()}"
                for stat in snapshot.statistics("lineno")[:12]
            ],
        }

    fetch = pulls.fetch_pull_request

    def traced_fetch(*a: Any, **k: Any) -> Any:
        snapshot = fetch(*a, **k)
        top("after fetch")
        return snapshot

    cross_file = engine_review._analyze_batch

    def traced_cross_file(*a: Any, **k: Any) -> Any:
        if "cross-file analyzers start" not in reports:
            top("cross-file analyzers start")
        return cross_file(*a, **k)

    run_review = engine_review.review

    def traced_review(*a: Any, **k: Any) -> Any:
        result = run_review(*a, **k)
        top("after engine")
        return result

    pulls.fetch_pull_request = traced_fetch
    engine_review.review = traced_review
    engine_review._analyze_batch = traced_cross_file
    from prguard.worker import tasks

    tasks.review_pull_request(
        installation_id=INSTALLATION, owner=OWNER, repo=REPO, number=args.number, head_sha=args.head_sha,
        delivery_id=f"trace-{uuid.uuid4()}", trigger="pull_request.opened",
    )  # fmt: skip
    del pipeline
    reports["peak_kb"] = _vm("VmHWM")
    return reports


def spawn(mode: str, env: dict[str, str], *extra: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "tests.benchmarks.worker_memory", "--child", mode, *extra]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child {mode} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- parent ----------------------------------------------------------------------------------------


def child_env(fake: Any, key: Any, prefix: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GITHUB_APP_ID=str(key.app_id),
        GITHUB_PRIVATE_KEY=key.private_pem,
        GITHUB_WEBHOOK_SECRET="benchmark-secret",  # not a real secret: the receiver is not run
        GITHUB_API_URL=fake.api_url,
        GITHUB_GRAPHQL_URL=fake.graphql_url,
        REDIS_URL=REDIS_URL,
        REDIS_KEY_PREFIX=prefix,
        LOG_LEVEL="WARNING",
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def cleanup(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])


def median_mb(rows: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in rows) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--warm", action="store_true", help="also review again with the cache filled")
    parser.add_argument("--trace", action="store_true", help="one traced run: where the memory goes")
    parser.add_argument("--child", choices=("idle", "idle-analyzers", "review", "trace"))
    parser.add_argument("--number", type=int)
    parser.add_argument("--head-sha")
    args = parser.parse_args()
    if args.child:
        handlers = {
            "idle": lambda: child_idle(False),
            "idle-analyzers": lambda: child_idle(True),
            "review": lambda: child_review(args),
            "trace": lambda: child_trace(args),
        }
        print(json.dumps(handlers[args.child]()))
        return 0

    from tests.fake_github.fixture import make_app_key
    from tests.fake_github.server import FakeGitHub

    key = make_app_key()
    fake = FakeGitHub(app_id=key.app_id, app_public_key=key.public_pem, validate=False)
    fake.start()
    prefixes: list[str] = []
    try:
        pull = seed(fake, args.files)
        threading.excepthook = lambda hook: None  # a client hanging up on the fake is not our concern
        target = ["--number", str(pull.number), "--head-sha", pull.head_sha]

        def env() -> dict[str, str]:
            prefixes.append(f"wmem-{uuid.uuid4().hex[:8]}:")
            return child_env(fake, key, prefixes[-1])

        if args.trace:
            print(json.dumps(spawn("trace", env(), *target), indent=2))
            return 0
        idle = [spawn("idle", env()) for _ in range(args.runs)]
        loaded = [spawn("idle-analyzers", env()) for _ in range(args.runs)]
        reviews = [
            spawn("review", env(), *target, *(["--warm"] if args.warm else [])) for _ in range(args.runs)
        ]
    finally:
        fake.stop()
        for prefix in prefixes:
            cleanup(prefix)

    for run in reviews:
        for attempt in run["runs"]:
            if attempt["outcome"].get("status") != "completed":
                raise SystemExit(f"review did not complete: {attempt['outcome']}")
    peak = median_mb(reviews, "peak_kb")
    cold = statistics.median(r["runs"][0]["seconds"] for r in reviews)
    print(f"{args.files}-file PR, {args.runs} runs each (medians)")
    print(
        f"idle worker (imports prguard.worker.tasks)          peak RSS {median_mb(idle, 'peak_kb'):6.1f} MB"
    )
    print(f"idle worker + every analyzer module imported peak RSS {median_mb(loaded, 'peak_kb'):6.1f} MB")
    print(f"review job, cold analysis cache              peak RSS {peak:6.1f} MB   wall {cold:5.1f} s")
    if args.warm:
        warm = statistics.median(r["runs"][1]["seconds"] for r in reviews)
        print(f"same job again, warm analysis cache                                wall {warm:5.1f} s")
    print(f"whole review subprocess (start + imports + job)                    wall "
          f"{statistics.median(r['seconds'] for r in reviews):5.1f} s")  # fmt: skip
    print(f"target: peak RSS < {LIMIT_MB} MB: {'met' if peak < LIMIT_MB else 'MISSED'}")
    return 0 if peak < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
