"""Latency a user feels: webhook arrival → completed check run, for a 20-file pull request.

The stack as deployed on one machine: gunicorn (the receiver), one Celery worker (prefork, concurrency 1),
Redis, and the local fake GitHub (tests/fake_github) answering every API call. The pull request changes 20
real Python files (werkzeug's, as installed) with a few added lines each; every round's files differ, so
nothing comes from the analysis cache.

Each round starts a fresh worker, waits until it is ready (and, with the warm-up, warmed up), then sends
one webhook and times it until the check run is completed ("first job after start"); a second pull request
on the same, now warm worker gives the steady state. Three variants, in one run:

- `preload`: the worker loads the engine at process start (prguard.worker.warmup, the default);
- `no preload`: WORKER_PRELOAD=0, the first review loads what it needs (as before);
- `traced`: preload with OpenTelemetry on, exporting to a local OTLP receiver; its spans give the
  breakdown: receiver, queue wait, token, GitHub reads, engine, publishing, the rest of the worker.

    .venv/bin/python tests/benchmarks/latency.py [--rounds 5] [--redis redis://127.0.0.1:6379/15]

A script, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fake_github.fixture import make_app_key  # noqa: E402
from tests.fake_github.server import FakeGitHub  # noqa: E402
from tests.integration.fault_stack import cleanup_redis, make_stack, pr_payload, wait_until  # noqa: E402
from tests.otlp_receiver import OtlpReceiver  # noqa: E402

OWNER, REPO, INSTALLATION = "latency-org", "service", 7100
FILES = 20


def corpus() -> dict[str, str]:
    """The 20 modules of the installed werkzeug and flask nearest their median size (typical files,
    not the largest): a pull request that touches 20 ordinary files."""
    modules = []
    for package in ("werkzeug", "flask"):
        root = Path(importlib.util.find_spec(package).origin).parent
        modules += [
            (p, f"{package}/{p.relative_to(root)}") for p in root.rglob("*.py") if p.stat().st_size > 1000
        ]
    modules.sort(key=lambda item: item[0].stat().st_size)
    middle = len(modules) // 2
    chosen = modules[max(0, middle - FILES // 2) : max(0, middle - FILES // 2) + FILES]
    return {f"svc/{name}": path.read_text(encoding="utf-8") for path, name in chosen}


def changed(base: dict[str, str], tag: str) -> dict[str, str]:
    """Each file with a few added lines (one of them risky), unique to the round."""
    head = {}
    for index, (path, text) in enumerate(sorted(base.items())):
        extra = (
            f"\n\n# change {tag}\ndef _added_{index}(value):\n"
            f"    if value is None:\n        return {index}\n    return value * {index}\n"
        )
        if index % 5 == 0:
            extra += (
                f"\n\ndef _run_{index}(name):\n    import subprocess\n\n"
                '    return subprocess.call("echo " + name, shell=True)\n'
            )
        head[path] = text + extra
    return head


def completed(fake: FakeGitHub, head_sha: str):
    return next(
        (r for r in fake.check_runs(OWNER, REPO) if r["head_sha"] == head_sha and r["status"] == "completed"),
        None,
    )


def one_review(stack, fake: FakeGitHub, base: dict[str, str], tag: str) -> tuple[float, str, str]:
    pull = fake.open_pull(OWNER, REPO, changed(base, tag), title=f"Round {tag}")
    delivery = str(uuid.uuid4())
    payload = pr_payload(pull, installation=INSTALLATION)
    payload["repository"]["name"], payload["repository"]["full_name"] = REPO, f"{OWNER}/{REPO}"
    payload["repository"]["owner"]["login"] = OWNER
    started = time.perf_counter()
    answer = stack.post("pull_request", payload, delivery=delivery)
    if answer.status_code != 202 or answer.json().get("status") != "queued":
        sys.exit(f"webhook not queued: {answer.status_code} {answer.text[:300]}")
    fake.wait_for(lambda f: completed(f, pull.head_sha), timeout=120)
    return time.perf_counter() - started, delivery, pull.head_sha


def start_worker(stack, preload: bool) -> None:
    stack.start_worker(WORKER_PRELOAD="1" if preload else "0")
    if preload:
        wait_until(lambda: "worker warmed up" in stack.worker_log(), 60, "the worker's warm-up")
    time.sleep(0.5)  # the job arrives after the start, as the first pull request after a deploy would


def breakdown(spans, delivery: str) -> dict[str, float]:
    web = next(s for s in spans if s.name == "webhook" and s.attributes.get("prguard.delivery") == delivery)
    mine = [s for s in spans if s.trace_id == web.trace_id]
    task = next(s for s in mine if s.name.startswith("task "))

    def total(predicate) -> float:
        return sum(s.seconds for s in mine if predicate(s))

    def url(s) -> str:
        return str(s.attributes.get("http.url") or s.attributes.get("url.full") or "")

    def method(s) -> str:
        return str(s.attributes.get("http.method") or s.attributes.get("http.request.method") or "")

    http = [s for s in mine if method(s)]
    token = sum(s.seconds for s in http if "access_tokens" in url(s))
    reads = sum(s.seconds for s in http if method(s) == "GET" and "access_tokens" not in url(s))
    engine = total(lambda s: s.name == "stage engine")
    publish = total(lambda s: s.name in ("stage publish", "stage check_run"))
    parts = {
        "receiver": web.seconds,
        "queue wait": (task.start_ns - web.end_ns) / 1e9,
        "token": token,
        "GitHub reads": reads,
        "engine": engine,
        "publishing (check run + results)": publish,
    }
    parts["rest of the worker task"] = max(0.0, task.seconds - token - reads - engine - publish)
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--logs", type=Path, default=Path("/tmp/prguard-latency"))
    parser.add_argument("--variants", default="preload,no preload,traced", help="comma-separated subset")
    parser.add_argument("--spans", action="store_true", help="print the last traced job's span tree")
    args = parser.parse_args()
    wanted = {v.strip() for v in args.variants.split(",")}
    args.logs.mkdir(parents=True, exist_ok=True)

    key = make_app_key()
    fake = FakeGitHub(app_id=key.app_id, app_public_key=key.public_pem)
    fake.app_private_key = key.private_pem
    fake.start()
    otlp = OtlpReceiver().start()
    base = corpus()
    fake.add_installation(INSTALLATION, OWNER)
    fake.add_repo(OWNER, REPO, base)
    results: dict[str, dict[str, list[float]]] = {}
    traced: list[dict[str, float]] = []
    variants = [
        v
        for v in (("preload", True, False), ("no preload", False, False), ("traced", True, True))
        if v[0] in wanted
    ]
    last_traced = last_warm = ""
    try:
        for label, preload, tracing in variants:
            env = {"LOG_LEVEL": "INFO", "PYTHONDONTWRITEBYTECODE": ""}
            if tracing:
                env.update(OTEL_EXPORTER_OTLP_ENDPOINT=otlp.endpoint, OTEL_BSP_SCHEDULE_DELAY="100")
            run_dir = args.logs / label.replace(" ", "-")
            run_dir.mkdir(exist_ok=True)
            stack = make_stack(fake, key, run_dir, args.redis, **env)
            cleanup_redis(stack)
            stack.start_web()
            first, warm = [], []
            try:
                for round_ in range(args.rounds):
                    start_worker(stack, preload)
                    seconds, delivery, _ = one_review(stack, fake, base, f"{label}-{round_}-a")
                    first.append(seconds)
                    warm_seconds, warm_delivery, _ = one_review(stack, fake, base, f"{label}-{round_}-b")
                    warm.append(warm_seconds)
                    stack.stop_worker()
                    if tracing:
                        wait_until(lambda d=delivery: _complete(otlp.snapshot(), d), 10, "the worker's spans")
                        traced.append(breakdown(otlp.snapshot(), delivery))
                        last_traced = delivery
                        last_warm = warm_delivery
            finally:
                stack.close()
                cleanup_redis(stack)
            results[label] = {"first job after start": first, "warm worker": warm}
    finally:
        otlp.stop()
        fake.stop()

    print(f"\nwebhook arrival -> completed check run, {FILES}-file pull request, medians of {args.rounds}")
    print(f"  {'variant':12} {'first job after start':>22} {'warm worker':>12}   (all rounds, s)")
    for label, series in results.items():
        first, warm = series["first job after start"], series["warm worker"]
        rounds = " ".join(f"{x:.2f}" for x in first)
        print(f"  {label:12} {statistics.median(first):22.3f} {statistics.median(warm):12.3f}   [{rounds}]")
    if traced:
        print(
            f"\nwhere the time goes, first job after start, preload and tracing on (median of {len(traced)}):"
        )
        for part in traced[0]:
            print(f"  {part:34} {statistics.median(t[part] for t in traced):7.3f} s")
    if args.spans and last_traced:
        print("\nfirst job after start:")
        print_tree(otlp.snapshot(), last_traced)
        if last_warm and _complete(otlp.snapshot(), last_warm):
            print("\nthe next job, on the warm worker:")
            print_tree(otlp.snapshot(), last_warm)
    print(f"\nload average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(json.dumps({k: {n: [round(x, 3) for x in v] for n, v in s.items()} for k, s in results.items()}))


def print_tree(spans, delivery: str) -> None:
    web = next(s for s in spans if s.name == "webhook" and s.attributes.get("prguard.delivery") == delivery)
    mine = sorted((s for s in spans if s.trace_id == web.trace_id), key=lambda s: s.start_ns)
    children: dict[str, list] = {}
    for span in mine:
        children.setdefault(span.parent_id, []).append(span)

    def show(span, depth: int) -> None:
        where = str(span.attributes.get("http.url") or span.attributes.get("url.full") or "")
        where = where.split("/", 3)[-1][:70] if where else ""
        offset = (span.start_ns - web.start_ns) / 1e9
        print(f"  {offset:7.3f} {span.seconds:7.3f}  {'  ' * depth}{span.name} {where}")
        for child in children.get(span.span_id, []):
            show(child, depth + 1)

    print("\nspan tree of the last traced job (start offset s, duration s):")
    show(web, 0)


def _complete(spans, delivery: str) -> bool:
    web = next(
        (s for s in spans if s.name == "webhook" and s.attributes.get("prguard.delivery") == delivery), None
    )
    if web is None:
        return False
    names = {s.name for s in spans if s.trace_id == web.trace_id}
    return any(n.startswith("task ") for n in names) and "stage publish" in names


if __name__ == "__main__":
    main()
