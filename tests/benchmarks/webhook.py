"""Webhook receiver benchmark: saturated throughput and p50/p99, and p50/p99 at a fixed 300 req/s.

prguard's receiver (signature + parse + route + Redis dedupe/coalescing + Celery
enqueue) against a minimal Flask + HMAC + Redis LPUSH receiver, both under the
same gunicorn settings (the Procfile's), measured in the same run with signed
~20 KB `pull_request.opened` payloads. Every request carries a new delivery id
and (cycling through a pool) distinct PR numbers and head SHAs, so prguard
really dedupes and enqueues each one. prguard runs as deployed: its gunicorn
config file, Prometheus multiprocess metrics, and INFO logs (one JSON line per
delivery, written to /dev/null).

Two measurements per receiver and round:
- saturated: `wrk` (Debian package) at 16 connections, closed loop;
- fixed rate: an open-loop client (`_open_loop`, asyncio) that sends request i
  at t0 + i/rate whether or not earlier answers came back, and measures each
  latency from that scheduled time, so a stalled server cannot hide its
  queueing by slowing the client down (coordinated omission; wrk2 is not in Debian).

    .venv/bin/python -m tests.benchmarks.webhook [--seconds 8] [--rounds 3] [--rate 300] [--fixed-seconds 15]

Targets: issue 3, throughput >= 0.6x the minimal receiver and p99 < 25 ms at
saturation; DESIGN.md 4, p99 < 20 ms at 300 req/s.
"""

from __future__ import annotations

import argparse
import asyncio
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
# The Procfile's web settings (the config file's hooks and JSON logging are added for prguard only).
GUNICORN = "--workers 2 --worker-class gthread --threads 8 --keep-alive 5 --log-level warning"
MAX_OPEN_LOOP_CONNECTIONS = 64

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


def _serve(app_spec: str, env: dict[str, str], options: list[str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), app_spec, "--bind", f"127.0.0.1:{port}", *options],
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


def _signed_items(payloads: Path) -> list[tuple[str, bytes]]:
    items = []
    for line in payloads.read_text().splitlines():
        signature, body = line.split("\t", 1)
        items.append((signature, body.encode()))
    return items


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Status and keep-alive of one HTTP/1.1 response; its body is read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status, length, keep = int(lines[0].split()[1]), 0, True
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            keep = False
    if length:
        await reader.readexactly(length)
    return status, keep


async def _open_loop(
    port: int, items: list[tuple[str, bytes]], rate: float, seconds: float, nonce: str
) -> dict[str, float]:
    """Request i is due at t0 + i/rate and is sent then, whatever earlier requests are doing (a new
    connection when none is idle); its latency runs from that due time to the last byte of the answer."""
    loop = asyncio.get_running_loop()
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
    slots = asyncio.Semaphore(MAX_OPEN_LOOP_CONNECTIONS)
    latencies: list[float] = []
    errors = 0

    async def connection() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while idle:
            reader, writer, last_used = idle.pop()
            if loop.time() - last_used < 1.0:  # gunicorn closes connections idle for --keep-alive seconds
                return reader, writer
            writer.close()
        return await asyncio.open_connection("127.0.0.1", port)

    async def send(i: int, due: float) -> None:
        nonlocal errors
        signature, body = items[i % len(items)]
        head = (
            f"POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"X-GitHub-Event: pull_request\r\nX-GitHub-Delivery: {nonce}-{i}\r\n"
            f"X-Hub-Signature-256: {signature}\r\nUser-Agent: GitHub-Hookshot/bench\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        async with slots:
            reader, writer = await connection()
            try:
                writer.write(head + body)
                status, keep = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                errors += 1
                writer.close()
                return
            latencies.append(loop.time() - due)
            if status != 202:
                errors += 1
            if keep:
                idle.append((reader, writer, loop.time()))
            else:
                writer.close()

    total = int(rate * seconds)
    start = loop.time() + 0.05
    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(i, due)))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - start
    for _, writer, _ in idle:
        writer.close()
    latencies.sort()
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"rate": len(latencies) / elapsed, "p50": cuts[49] * 1000, "p99": cuts[98] * 1000,
            "max": latencies[-1] * 1000, "requests": len(latencies), "errors": errors}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8, help="saturated (wrk) run length")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=float, default=300.0, help="fixed-rate run: requests per second")
    parser.add_argument("--fixed-seconds", type=float, default=15.0, help="fixed-rate run length")
    parser.add_argument("--gunicorn", default=GUNICORN, help="gunicorn options for both receivers")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2

    load_before = os.getloadavg()[0]
    prefix = f"bench-{uuid.uuid4().hex[:8]}:"
    minimal_queue = f"{prefix}minimal"
    options = args.gunicorn.split()
    rds = redis.Redis.from_url(REDIS_URL)
    results: dict[str, list[dict[str, float]]] = {"prguard": [], "minimal": []}
    fixed: dict[str, list[dict[str, float]]] = {"prguard": [], "minimal": []}
    queued = 0
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "GITHUB_APP_ID": "4242",
            "GITHUB_PRIVATE_KEY": private_key_pem(),
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "REDIS_URL": REDIS_URL,
            "REDIS_KEY_PREFIX": prefix,
            "DEDUPE_CONTENT_TTL": "1",  # the payload pool repeats every few seconds: keep every request "new"
            "LOG_LEVEL": "INFO",  # as deployed: one JSON line per delivery (to /dev/null here)
            "PROMETHEUS_MULTIPROC_DIR": str(Path(tmp) / "metrics"),  # as deployed (Procfile)
            "MINIMAL_QUEUE": minimal_queue,
            "PYTHONPATH": str(ROOT),
        }
        servers = {
            "prguard": ("prguard.app:create_app()", ["-c", "python:prguard.app.gunicorn_conf", *options]),
            "minimal": ("tests.benchmarks.minimal_receiver:create_app()", options),
        }
        script, payloads = Path(tmp) / "post.lua", Path(tmp) / "payloads.tsv"
        script.write_text(WRK_SCRIPT)
        size = _payloads(payloads)
        items = _signed_items(payloads)
        try:
            for _ in range(args.rounds):
                for name, (spec, server_options) in servers.items():
                    process, url = _serve(spec, env, server_options)
                    try:
                        _wrk(url, script, payloads, 2)  # warm-up
                        port = int(url.rsplit(":", 1)[1])
                        nonce = uuid.uuid4().hex[:8]
                        fixed[name].append(
                            asyncio.run(_open_loop(port, items, args.rate, args.fixed_seconds, nonce))
                        )
                        results[name].append(_wrk(url, script, payloads, args.seconds))
                    finally:
                        process.terminate()
                        process.wait(timeout=10)
                    queued += rds.llen("analyze") if name == "prguard" else 0
                    rds.delete("analyze", minimal_queue)  # do not let a queue of ~100k messages build up
        finally:
            keys = list(rds.scan_iter(f"{prefix}*"))
            for start in range(0, len(keys), 1000):
                rds.delete(*keys[start : start + 1000])
            rds.delete("analyze", minimal_queue)

    def median(runs: dict[str, list[dict[str, float]]], name: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[name])

    def figures(runs: dict[str, list[dict[str, float]]], name: str, rate_key: str) -> str:
        p50, p99 = median(runs, name, "p50"), median(runs, name, "p99")
        return (
            f"  {name:8s} {median(runs, name, rate_key):8.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms"
        )

    print(f"POST /webhooks, signed {size / 1024:.1f} KB pull_request.opened, gunicorn {args.gunicorn}, "
          f"{args.rounds} rounds (medians); load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after")  # fmt: skip
    print(f"saturated: wrk -t2 -c{CONNECTIONS}, {args.seconds}s per round")
    for name in ("prguard", "minimal"):
        print(f"{figures(results, name, 'rps')}   non-2xx {sum(r['errors'] for r in results[name])}")
    print(f"fixed rate: {args.rate:.0f} req/s open loop, {args.fixed_seconds:.0f}s per round, "
          "latency from each request's scheduled send time")  # fmt: skip
    for name in ("prguard", "minimal"):
        print(f"{figures(fixed, name, 'rate')}   max {median(fixed, name, 'max'):6.1f} ms   "
              f"non-202/failed {sum(r['errors'] for r in fixed[name])}")  # fmt: skip
    ratio = median(results, "prguard", "rps") / median(results, "minimal", "rps")
    print(f"  throughput ratio prguard/minimal: {ratio:.2f}x (target >= 0.6x)")
    print(f"  p99 prguard saturated: {median(results, 'prguard', 'p99'):.2f} ms (target < 25 ms)")
    print(
        f"  p99 prguard at {args.rate:.0f} req/s: {median(fixed, 'prguard', 'p99'):.2f} ms (target < 20 ms)"
    )
    print(f"  Celery messages enqueued by prguard: {queued}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
