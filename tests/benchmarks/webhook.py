"""Webhook receiver benchmark: saturated throughput and p50/p99 latency of `POST /webhooks`.

prguard's receiver (signature + parse + route + Redis dedupe/coalescing + Celery
enqueue) against a minimal Flask + HMAC + Redis LPUSH receiver, both under the
same gunicorn settings, measured in the same run with `wrk` (Debian package)
at 16 connections with signed ~20 KB `pull_request.opened` payloads. Every
request carries a new delivery id and (cycling through a pool) distinct
PR numbers and head SHAs, so prguard really dedupes and enqueues each one.

    .venv/bin/python -m tests.benchmarks.webhook [--seconds 8] [--rounds 2]

Targets (issue 3): throughput >= 0.6x the minimal receiver, p99 < 25 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis
import requests

from tests.conftest import load_webhook
from tests.spine_helpers import private_key_pem, sign

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/13"
SECRET = "benchmark-secret"
POOL = 4096
CONNECTIONS = 16
GUNICORN = ["--workers", "2", "--worker-class", "gthread", "--threads", "4", "--log-level", "warning"]

WRK_SCRIPT = r"""
local items = {}
local counter = 0
local nonce = "x"
local tid = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  nonce = args[2]
  local f = assert(io.open(args[1], "r"))
  for line in f:lines() do
    local sig, body = line:match("^(%S+)\t(.*)$")
    items[#items + 1] = {sig, body}
  end
  f:close()
end

function request()
  counter = counter + 1
  local item = items[((counter + tid * 2039) % #items) + 1]
  return wrk.format("POST", "/webhooks", {
    ["Content-Type"] = "application/json",
    ["X-GitHub-Event"] = "pull_request",
    ["X-GitHub-Delivery"] = nonce .. "-" .. tid .. "-" .. counter,
    ["X-Hub-Signature-256"] = item[1],
    ["User-Agent"] = "GitHub-Hookshot/bench",
  }, item[2])
end
"""


def _payloads(path: Path) -> int:
    """POOL distinct signed payloads, one `signature<TAB>body` per line; returns the body size."""
    base = load_webhook("pull_request", "opened.payload.json")
    base["pull_request"]["head"].pop("repo", None)  # ~20 KB, like a typical delivery
    size = 0
    with path.open("w") as out:
        for i in range(POOL):
            base["number"] = base["pull_request"]["number"] = 1000 + i
            base["pull_request"]["head"]["sha"] = f"{i:040x}"
            body = json.dumps(base, separators=(",", ":"))
            size = len(body)
            out.write(f"{sign(body.encode(), SECRET)}\t{body}\n")
    return size


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(app_spec: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), app_spec, "--bind", f"127.0.0.1:{port}", *GUNICORN],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.post(url + "/webhooks", data=b"{}", timeout=1)
            return process, url
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app_spec} did not start")


def _wrk(url: str, script: Path, payloads: Path, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script), url,
         "--", str(payloads), uuid.uuid4().hex[:8]],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))

    def pct(label: str) -> float:
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rps, "p50": pct("50"), "p99": pct("99"), "requests": total,
            "errors": int(non2xx.group(1)) if non2xx else 0}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2

    prefix = f"bench-{uuid.uuid4().hex[:8]}:"
    minimal_queue = f"{prefix}minimal"
    env = {
        **os.environ,
        "GITHUB_APP_ID": "4242",
        "GITHUB_PRIVATE_KEY": private_key_pem(),
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": prefix,
        "DEDUPE_CONTENT_TTL": "1",  # the payload pool repeats every few seconds: keep every request "new"
        "LOG_LEVEL": "WARNING",
        "MINIMAL_QUEUE": minimal_queue,
        "PYTHONPATH": str(ROOT),
    }
    rds = redis.Redis.from_url(REDIS_URL)
    results: dict[str, list[dict[str, float]]] = {"prguard": [], "minimal": []}
    servers = {"prguard": "app:create_app()", "minimal": "tests.benchmarks.minimal_receiver:create_app()"}
    with tempfile.TemporaryDirectory() as tmp:
        script, payloads = Path(tmp) / "post.lua", Path(tmp) / "payloads.tsv"
        script.write_text(WRK_SCRIPT)
        size = _payloads(payloads)
        try:
            for _ in range(args.rounds):
                for name, spec in servers.items():
                    process, url = _serve(spec, env)
                    try:
                        _wrk(url, script, payloads, 2)  # warm-up
                        results[name].append(_wrk(url, script, payloads, args.seconds))
                    finally:
                        process.terminate()
                        process.wait(timeout=10)
            queued = rds.llen("analyze")
        finally:
            keys = list(rds.scan_iter(f"{prefix}*"))
            for start in range(0, len(keys), 1000):
                rds.delete(*keys[start : start + 1000])
            rds.delete("analyze", minimal_queue)

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    print(f"POST /webhooks, signed {size / 1024:.1f} KB pull_request.opened, {CONNECTIONS} connections, "
          f"gunicorn {' '.join(GUNICORN[:6])}, {args.rounds} x {args.seconds}s rounds (medians)")  # fmt: skip
    for name in ("prguard", "minimal"):
        errors = sum(r["errors"] for r in results[name])
        print(f"  {name:8s} {median(name, 'rps'):8.0f} req/s   p50 {median(name, 'p50'):6.2f} ms   "
              f"p99 {median(name, 'p99'):6.2f} ms   non-2xx {errors}")  # fmt: skip
    ratio = median("prguard", "rps") / median("minimal", "rps")
    print(f"  throughput ratio prguard/minimal: {ratio:.2f}x (target >= 0.6x)")
    print(f"  p99 prguard: {median('prguard', 'p99'):.2f} ms (target < 25 ms)")
    print(f"  Celery messages enqueued by prguard: {queued}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
