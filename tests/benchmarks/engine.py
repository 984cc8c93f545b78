"""Engine benchmark: prguard's engine against `bandit -r` and `radon cc` + `radon mi`, same files, same run.

Corpus: the installed packages celery, kombu, flask and werkzeug (every *.py file, treated
as newly added). Each round runs every command once, interleaved, so machine load hits
all of them alike; the medians over the rounds are printed with the ratios the design
targets (engine <= 1.2x bandit, and <= 0.5x bandit + radon cc + radon mi).

    .venv/bin/python tests/benchmarks/engine.py [--runs 5]

prguard's own modules are byte-compiled first, as installing a package does (bandit's and
radon's are): where PYTHONDONTWRITEBYTECODE is set, the engine's command line would otherwise
compile its modules on every start while the tools it is compared with do not.

A script, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("celery", "kombu", "flask", "werkzeug")
MY_ANALYZERS = "security,complexity"  # issue 2's analyzers; DESIGN 4's target is for all of them together


def package_dirs() -> list[Path]:
    dirs = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            sys.exit(f"benchmark corpus package {name!r} is not installed in this interpreter")
        dirs.append(Path(next(iter(spec.submodule_search_locations))))
    return dirs


def timed(cmd: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):  # 1: findings (bandit, prguard gate)
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return elapsed


def in_process(dirs: list[Path], analyzers: str | None) -> tuple[float, dict[str, float]]:
    sys.path.insert(0, str(ROOT))
    from prguard.analyzers import registry
    from prguard.engine.__main__ import collect
    from prguard.engine.review import review
    from prguard.policies.loader import load_policy

    files = collect([str(d) for d in dirs])
    chosen = registry()
    if analyzers:
        chosen = [a for a in chosen if a.name in analyzers.split(",")]
    started = time.perf_counter()
    result = review(files, load_policy(), analyzers=chosen)
    elapsed = time.perf_counter() - started
    return elapsed, {name: s["duration_ms"] / 1000 for name, s in result.stats["analyzers"].items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds; medians are printed (default 5)")
    args = parser.parse_args()
    dirs = package_dirs()
    cwd = dirs[0].parent
    names = [d.name for d in dirs]
    py = sys.executable
    bindir = Path(py).parent
    env_ok = all((bindir / tool).exists() for tool in ("bandit", "radon"))
    if not env_ok:
        sys.exit(f"bandit and radon must be installed next to {py}")
    for package in ("workers", "policies"):
        compileall.compile_dir(ROOT / package, quiet=1)
    files = [p for d in dirs for p in d.rglob("*.py")]
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    print(f"corpus: {len(files)} files, {lines:,} lines ({', '.join(names)}), {args.runs} rounds, medians")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpu(s), load average {os.getloadavg()[0]:.2f}")

    commands = {
        "engine CLI, all analyzers": [py, "-m", "prguard.engine", *names],
        f"engine CLI, {MY_ANALYZERS}": [py, "-m", "prguard.engine", "--analyzers", MY_ANALYZERS, *names],
        "bandit -r -q": [str(bindir / "bandit"), "-r", "-q", *names],
        "radon cc": [str(bindir / "radon"), "cc", *names],
        "radon mi": [str(bindir / "radon"), "mi", *names],
    }
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = str(ROOT) + (os.pathsep + env_path if env_path else "")
    times: dict[str, list[float]] = {name: [] for name in commands}
    times["engine in-process, all analyzers"] = []
    times[f"engine in-process, {MY_ANALYZERS}"] = []
    per_analyzer: dict[str, list[float]] = {}
    for _ in range(args.runs):
        for name, cmd in commands.items():
            times[name].append(timed(cmd, cwd))
        elapsed, analyzers = in_process(dirs, None)
        times["engine in-process, all analyzers"].append(elapsed)
        for analyzer, seconds in analyzers.items():
            per_analyzer.setdefault(analyzer, []).append(seconds)
        times[f"engine in-process, {MY_ANALYZERS}"].append(in_process(dirs, MY_ANALYZERS)[0])

    median = {name: statistics.median(values) for name, values in times.items()}
    width = max(map(len, median)) + 2
    for name, value in median.items():
        print(f"  {name:<{width}} {value:6.2f} s")
    print("  in-process time per analyzer (all analyzers run):")
    for analyzer, values in per_analyzer.items():
        print(f"    {analyzer:<{width - 2}} {statistics.median(values):6.2f} s")
    baseline = median["bandit -r -q"] + median["radon cc"] + median["radon mi"]
    print("ratios (the targets compare command lines: each pays its interpreter start-up and imports):")
    for label in (
        "engine CLI, all analyzers",
        f"engine CLI, {MY_ANALYZERS}",
        "engine in-process, all analyzers",
        f"engine in-process, {MY_ANALYZERS}",
    ):
        engine = median[label]
        target = " (target <= 1.2 and <= 0.5)" if label.startswith("engine CLI") else ""
        print(
            f"  {label}: {engine / median['bandit -r -q']:.2f}x bandit, "
            f"{engine / baseline:.2f}x bandit + radon cc + radon mi{target}"
        )


if __name__ == "__main__":
    main()
