"""Scale proof: throughput and queue wait with 1, 2 and 4 worker processes, and fairness under a flood.

Set-up: the receiver (gunicorn, as in tests/integration/fault_stack.py), one Redis, the local fake GitHub
(OpenAPI validation off: it shares the two cores), 10 installations x 10 repositories = 100 repositories,
one small pull request per event (one Python file, a handful of lines). Each worker is a separate
`celery worker` process with its own hostname and its own ledger file (`PRGUARD_DATA_DIR`), started the
way separate hosts start them; they share nothing but Redis and GitHub.

Write budget: prguard spaces each installation's mutations (GitHub: 1 s apart, 80 per minute, 500 per
hour). At those rates one installation can have ~20 reviews published per minute whatever the worker
count, and a 900-event flood would take 45 minutes. The workers here run with the spacing scaled down to
SPACING_MS (the per-minute and per-hour caps lifted) so that the workers, not the budget, are measured; the
script then checks in Redis' throttle log that no installation's mutations were ever closer than that.

Figures (medians of one run per configuration; wait = receiver stamp -> task start, from the workers' logs):
1. 1,000 events spread over the 10 installations: throughput and wait p50/p95 with 1, 2, 4 workers.
2. Fairness, with 2 workers: the 100 events of 9 installations alone (baseline), then the same 100 mixed
   into a burst with 900 events of one installation (fair dispatch on, then QUEUE_FAIRNESS=off, FIFO).
   The others' p95 wait under the flood is compared with their baseline p95.

    .venv/bin/python tests/benchmarks/scale.py [--events 1000] [--workers 1,2,4] [--skip-fairness]

This machine has 2 cores: 4 worker processes cannot run 4 reviews at once, so the 4-worker figure shows
what oversubscription costs, not what 4 hosts would give. A script, not a test.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import itertools
import json
import os
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from tests.fake_github.fixture import make_app_key  # noqa: E402
from tests.fake_github.server import FakeGitHub  # noqa: E402
from tests.integration.fault_stack import BIN, cleanup_redis, make_stack, pr_payload, wait_until  # noqa: E402

INSTALLATIONS = [9001 + i for i in range(10)]
REPOS_PER_INSTALLATION = 10
SPACING_MS = 20
BASE = '"""Service module."""\n\n\ndef total(items):\n    return sum(items)\n'

# The worker as deployed, with the write spacing scaled down (see the module docstring).
WORKER_LAUNCHER = f"""
import sys
from prguard.publish import publisher
from prguard.publish.throttle import WriteBudget
publisher.WRITE_BUDGET = WriteBudget(spacing_seconds={SPACING_MS / 1000}, per_minute=10**6, per_hour=10**7)
from celery.__main__ import main
sys.argv = ["celery", *sys.argv[1:]]
main()
"""


@dataclass
class Event:
    installation: int
    payload: dict


def owner_of(installation: int) -> str:
    return f"org{installation}"


def prepare(fake: FakeGitHub, count: int, flood: int | None, seed: int) -> list[Event]:
    """`count` pull requests (a new one per event); with `flood`, 900 of 1,000 belong to that installation."""
    rng = random.Random(seed)
    if flood is None:
        owners = [INSTALLATIONS[i % len(INSTALLATIONS)] for i in range(count)]
    else:
        others = [i for i in INSTALLATIONS if i != flood]
        quiet = count // 10
        owners = [others[i % len(others)] for i in range(quiet)] + [flood] * (count - quiet)
    rng.shuffle(owners)  # the flood and the others arrive mixed in one burst
    events = []
    for index, installation in enumerate(owners):
        owner = owner_of(installation)
        repo = f"repo{rng.randrange(REPOS_PER_INSTALLATION)}"
        head = BASE + f"\n\ndef change_{index}(value):\n    return value * {index}\n"
        pull = fake.open_pull(owner, repo, {"svc/module.py": head}, title=f"Change {index}")
        payload = pr_payload(pull, installation=installation)
        payload["repository"].update(name=repo, full_name=f"{owner}/{repo}")
        payload["repository"]["owner"]["login"] = owner
        events.append(Event(installation, payload))
    return events


def start_workers(stack, count: int, logs: Path, fairness: bool) -> list[subprocess.Popen]:
    workers = []
    for number in range(count):
        host = f"worker{number + 1}"
        data_dir = logs / f"{host}-data"
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {**stack.env, "PRGUARD_DATA_DIR": str(data_dir), "QUEUE_FAIRNESS": "on" if fairness else "off"}
        log = (logs / f"{host}.log").open("ab")
        workers.append(
            subprocess.Popen(
                [
                    str(BIN / "python"),
                    "-c",
                    WORKER_LAUNCHER,
                    "-A",
                    "prguard.queue.celery_app",
                    "worker",
                    "-Q",
                    "analyze,github-write",
                    "--pool",
                    "prefork",
                    "--concurrency",
                    "1",
                    "--prefetch-multiplier",
                    "1",
                    "-n",
                    f"{host}@scale",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel",
                    "INFO",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    for number in range(count):
        path = logs / f"worker{number + 1}.log"
        wait_until(
            lambda p=path: "worker warmed up" in p.read_text(errors="replace"), 120, f"{path.name} ready"
        )
    return workers


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def completions(logs: Path) -> list[dict]:
    """Every `review completed` line of every worker: installation, queue_wait_ms, ts."""
    found = []
    for path in logs.glob("worker*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("{") and '"review completed' in line:
                entry = json.loads(line)
                found.append(entry)
    return found


def epoch(ts: str) -> float:
    import datetime as dt

    return dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC).timestamp()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else float("nan")


def run(fake, key, logs: Path, redis_url: str, events: list[Event], workers: int, fairness: bool) -> dict:
    logs.mkdir(parents=True, exist_ok=True)
    stack = make_stack(
        fake, key, logs, redis_url, LOG_LEVEL="INFO", QUEUE_FAIRNESS="on" if fairness else "off"
    )
    cleanup_redis(stack)
    stack.start_web()
    processes = start_workers(stack, workers, logs, fairness)
    try:
        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(lambda e: stack.post("pull_request", e.payload, delivery=str(uuid.uuid4())), events)
            )
        sent = time.time()
        refused = [
            a.status_code for a in answers if a.status_code != 202 or a.json().get("status") != "queued"
        ]
        if refused:
            sys.exit(f"{len(refused)} webhooks not queued: {refused[:5]}")
        wait_until(lambda: len(completions(logs)) >= len(events), 3600, "every review", interval=1.0)
        done = completions(logs)
        budget = budget_check(stack.redis, stack.prefix)
        cpu = sum(process_cpu(worker.pid) for worker in processes)
    finally:
        stop(processes)
        stack.close()
        cleanup_redis(stack)
    last = max(epoch(c["ts"]) for c in done)
    waits = [(int(c["installation"]), c.get("queue_wait_ms", 0) / 1000) for c in done]
    return {
        "events": len(events),
        "workers": workers,
        "fairness": fairness,
        "burst_seconds": sent - started,
        "seconds": last - started,
        "throughput_per_min": len(done) / (last - started) * 60,
        "waits": waits,
        "budget": budget,
        "cpu_per_review": cpu / len(done),
    }


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a worker: its main process and its live pool children (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for one in [pid, *map(int, children)]:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / ticks
    return total


def budget_check(client: redis.Redis, prefix: str) -> dict:
    """From the shared throttle log: the closest two mutations of one installation ever were, and how many."""
    closest, mutations = float("inf"), 0
    for key in client.scan_iter(f"{prefix}throttle:*:log"):
        times = [score for _, score in client.zrange(key, 0, -1, withscores=True)]
        mutations += len(times)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        if gaps:
            closest = min(closest, min(gaps))
    return {"mutations": mutations, "closest_ms": closest}


def summary(label: str, result: dict, who=lambda installation: True) -> str:
    waits = [w for installation, w in result["waits"] if who(installation)]
    return (
        f"  {label:44} {result['throughput_per_min']:8.0f}/min  wait p50 {percentile(waits, 0.5):6.2f} s"
        f"  p95 {percentile(waits, 0.95):6.2f} s  (n={len(waits)}, {result['seconds']:.0f} s, burst sent in "
        f"{result['burst_seconds']:.1f} s; closest writes of one installation "
        f"{result['budget']['closest_ms']:.0f} ms >= {SPACING_MS} ms, {result['budget']['mutations']} writes)"
        f"; worker CPU {result['cpu_per_review'] * 1000:.0f} ms per review"
    )


def redis_memory_per_job(jobs: int = 2000) -> None:
    """Redis memory a queued review holds: its message plus the receiver's dedupe and PR-state keys, by
    MEMORY USAGE of every key the receiver wrote for `jobs` webhooks (distinct pull requests) sent in
    process under a fresh key prefix (DB 15, whose `analyze` list is emptied first and after)."""
    import logging

    from prguard.app import create_app

    from tests.conftest import load_webhook
    from tests.spine_helpers import make_settings, webhook_headers

    logging.getLogger("prguard").setLevel(logging.WARNING)
    client = redis.Redis(host="127.0.0.1", port=6379, db=15)
    client.delete("analyze")
    settings = make_settings("redis://127.0.0.1:6379/15")
    app = create_app(settings, redis_client=client).test_client()
    template = load_webhook("pull_request", "opened.payload.json")
    for number in range(jobs):
        payload = json.loads(json.dumps(template))
        payload["number"] = payload["pull_request"]["number"] = number + 1
        payload["pull_request"]["head"]["sha"] = f"{number + 1:040x}"
        payload["installation"]["id"] = INSTALLATIONS[number % len(INSTALLATIONS)]
        body = json.dumps(payload).encode()
        answer = app.post("/webhooks", data=body, headers=webhook_headers("pull_request", body))
        assert answer.get_json()["status"] == "queued", answer.get_json()
    keys = [*client.scan_iter(f"{settings.redis_key_prefix}*"), b"analyze"]
    used = sum(client.memory_usage(key) or 0 for key in keys)
    waiting = [*client.scan_iter(f"{settings.redis_key_prefix}fair:q:*"), b"analyze"]
    queued = sum(client.llen(k) for k in waiting)
    sample = client.lindex("analyze", 0) or b""
    print(
        f"\nRedis memory per queued review: {used / jobs / 1024:.1f} KiB ({jobs} webhooks, {queued} jobs "
        f"waiting, {len(keys)} keys; the Celery message alone is {len(sample) / 1024:.1f} KiB, the rest is "
        "the delivery and content dedupe keys and the PR state, which expire after a day)"
    )
    client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--fairness-workers", type=int, default=2)
    parser.add_argument("--skip-fairness", action="store_true")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--logs", type=Path, default=Path("/tmp/prguard-scale"))
    parser.add_argument("--memory-only", action="store_true", help="only measure Redis memory per queued job")
    args = parser.parse_args()
    if args.memory_only:
        redis_memory_per_job()
        return

    key = make_app_key()
    fake = FakeGitHub(app_id=key.app_id, app_public_key=key.public_pem, validate=False)
    fake.app_private_key = key.private_pem
    fake.start()
    for installation in INSTALLATIONS:
        fake.add_installation(installation, owner_of(installation))
        for number in range(REPOS_PER_INSTALLATION):
            fake.add_repo(owner_of(installation), f"repo{number}", {"svc/module.py": BASE})
    results = []
    try:
        if not args.skip_scaling:
            print(f"\n{args.events} events, {len(INSTALLATIONS)} installations, 100 repos, fair dispatch on:")
            for count in [int(w) for w in args.workers.split(",")]:
                events = prepare(fake, args.events, None, seed=count)
                result = run(fake, key, args.logs / f"scale-{count}", args.redis, events, count, True)
                results.append(result)
                print(summary(f"{count} worker process(es)", result), flush=True)
        if not args.skip_fairness:
            flood = INSTALLATIONS[0]
            others = lambda installation: installation != flood  # noqa: E731
            n = args.fairness_workers
            print(f"\nfairness, {n} workers: installation {flood} sends 90% of a {args.events}-event burst")
            mixed = prepare(fake, args.events, flood, seed=7)
            quiet = [e for e in mixed if e.installation != flood]
            base = run(fake, key, args.logs / "fair-baseline", args.redis, quiet, n, True)
            print(summary("the other 9 installations alone (baseline)", base), flush=True)
            fair = run(
                fake, key, args.logs / "fair-flood", args.redis, prepare(fake, args.events, flood, 7), n, True
            )
            print(summary("with the flood, fair dispatch: the others", fair, others), flush=True)
            print(summary("with the flood, fair dispatch: the flood", fair, lambda i: i == flood), flush=True)
            fifo = run(
                fake,
                key,
                args.logs / "fifo-flood",
                args.redis,
                prepare(fake, args.events, flood, 7),
                n,
                False,
            )
            print(summary("with the flood, FIFO (QUEUE_FAIRNESS=off): the others", fifo, others), flush=True)
            base_p95 = percentile([w for _, w in base["waits"]], 0.95)
            for label, result in (("fair", fair), ("FIFO", fifo)):
                p95 = percentile([w for i, w in result["waits"] if others(i)], 0.95)
                print(f"  others' p95 wait, {label} / baseline: {p95 / base_p95:.2f}x (target <= 2x)")
    finally:
        fake.stop()
    print(f"\nload average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(json.dumps([{k: v for k, v in r.items() if k != "waits"} for r in results]))


if __name__ == "__main__":
    main()
