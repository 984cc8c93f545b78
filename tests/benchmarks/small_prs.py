"""Small real changes: `prguard review` against `bandit` on the same changed files, side by side.

The "pull requests" are the differences between consecutive releases of public Python packages, from
their source distributions on PyPI (`pip download --no-deps --no-binary :all:`): code other people wrote
and merged, a few to a few dozen files per change. Each pair becomes a local git repository (the old
release on `main`, the new one on `pr`); prguard reviews `main..pr` from the command line, as a user or
the pre-commit hook would, and bandit scans the added and modified `.py` files of the new release
(`bandit -q -f json`). Each round runs both commands once per change, interleaved, so machine load hits
both alike; medians over the rounds are printed with their ratio.

The first PAIRS are the development set (the ones looked at while making prguard faster); HELD_BACK
pairs were measured only at the end and are reported apart. `--handlers` adds handler-heavy changes:
a pull request adding a web package's request handlers (views of Flask-AppBuilder, django-allauth,
Flask-Security-Too, Flask-Admin, from their wheels) to the rest of the package.

    .venv/bin/python tests/benchmarks/small_prs.py [--runs 5] [--held-back] [--handlers | --only-handlers]
        [--profile] [--importtime] [--digest] [--baseline OTHER_VENV/bin] [--cold]

`--cold` gives every prguard run an empty index cache (the per-file facts of the repository index and
the complexity analyzer's base summaries, both kept by content), as on a repository's first review;
without it they are warm, as on every later push. `--profile` prints where one review's time goes
(cProfile, by cumulative time, in process);
`--importtime` runs the CLI under `python -X importtime` and prints the slowest imports;
`--digest` prints each change's findings count and a digest of its JSON findings, to compare before and
after a speed change (the findings must not move); `--baseline` times another installation's prguard
(say an older revision in a `git worktree` with its own virtualenv) in the same rounds, so a speed
change is measured side by side, and compares its digests.
Downloads are cached in --cache (default: $TMPDIR/prguard-small-prs). A script, not a test.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PAIRS = (
    ("click", "8.1.7", "8.1.8"),
    ("flask", "3.0.2", "3.0.3"),
    ("requests", "2.32.2", "2.32.3"),
    ("itsdangerous", "2.1.1", "2.1.2"),
    ("werkzeug", "3.0.3", "3.0.4"),
    ("jinja2", "3.1.3", "3.1.4"),
    ("packaging", "24.0", "24.1"),
    ("urllib3", "2.2.1", "2.2.2"),
)
HELD_BACK = (
    ("httpx", "0.27.0", "0.27.2"),
    ("markupsafe", "2.1.4", "2.1.5"),
    ("rich", "13.7.0", "13.7.1"),
    ("idna", "3.6", "3.7"),
)
#: handler-heavy changes: a pull request that adds a package's request handlers (the files
#: tests/corpora/security_handlers reads) to the rest of that package, from its PyPI wheel
HANDLER_CHANGES = (
    ("Flask-AppBuilder", "5.3.0", ("flask_appbuilder/views.py", "flask_appbuilder/baseviews.py",
                                   "flask_appbuilder/security/views.py")),
    ("django-allauth", "65.22.1", ("allauth/account/views/*.py", "allauth/socialaccount/helpers.py",
                                   "allauth/account/utils.py")),
    ("Flask-Security-Too", "5.9.2", ("flask_security/views.py",)),
    ("Flask-Admin", "2.2.1", ("flask_admin/contrib/fileadmin/__init__.py", "flask_admin/base.py",
                              "flask_admin/model/base.py")),
)  # fmt: skip
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Release",
    "GIT_AUTHOR_EMAIL": "release@example.com",
    "GIT_COMMITTER_NAME": "Release",
    "GIT_COMMITTER_EMAIL": "release@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def sdist(cache: Path, name: str, version: str) -> Path:
    target = cache / "sdists"
    target.mkdir(parents=True, exist_ok=True)
    found = [p for p in target.iterdir() if _is_sdist_of(p.name, name, version)]
    if not found:
        pip_download(name, version, "--no-binary", target)
        found = [p for p in target.iterdir() if _is_sdist_of(p.name, name, version)]
    if not found:
        sys.exit(f"no source distribution of {name} {version}")
    return found[0]


def _is_sdist_of(filename: str, name: str, version: str) -> bool:
    stem = filename.lower().replace("_", "-")
    return stem.startswith(f"{name.lower().replace('_', '-')}-{version}.") and stem.endswith(
        (".tar.gz", ".zip")
    )


def unpack(archive: Path, into: Path) -> Path:
    into.mkdir(parents=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(into)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(into, filter="data")
    [top] = list(into.iterdir())
    return top


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **_GIT_ENV},
    ).stdout


def wheel(cache: Path, name: str, version: str) -> Path:
    target = cache / "wheels" / f"{name}-{version}"
    if not any(target.glob("*.whl")):
        target.mkdir(parents=True, exist_ok=True)
        pip_download(name, version, "--only-binary", target)
    return next(target.glob("*.whl"))


def pip_download(name: str, version: str, kind: str, target: Path) -> None:
    """`kind`: --no-binary (the source distribution) or --only-binary (a wheel)."""
    subprocess.run(
        [str(BIN / "pip"), "download", "-q", "--no-deps", kind, ":all:", f"{name}=={version}", "-d", target],
        check=True,
        stderr=subprocess.DEVNULL,
    )


def build_added(cache: Path, name: str, version: str, added: tuple[str, ...]) -> tuple[Path, list[str]]:
    """A repository with the package without `added` (paths or globs) on main, and `pr` adding them."""
    repo = cache / "repos" / f"{name}-{version}-handlers"
    if not (repo / ".git").is_dir():
        shutil.rmtree(repo, ignore_errors=True)
        repo.mkdir(parents=True)
        with zipfile.ZipFile(wheel(cache, name, version)) as archive:
            archive.extractall(repo)
        added = tuple(sorted(str(p.relative_to(repo)) for pattern in added for p in repo.glob(pattern)))
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A", "-f")
        git(repo, "rm", "-q", "--cached", *added)
        git(repo, "commit", "-q", "-m", f"{name} {version} without its handlers")
        git(repo, "checkout", "-q", "-b", "pr")
        git(repo, "add", "-f", *added)
        git(repo, "commit", "-q", "-m", "add the handlers")
    changed = git(repo, "diff", "--name-only", "-z", "main", "pr")
    return repo, [p for p in changed.split("\0") if p]


def build_change(cache: Path, name: str, old: str, new: str) -> tuple[Path, list[str]]:
    """A repository with the old release on main and the new one on `pr` (checked out)."""
    repo = cache / "repos" / f"{name}-{old}-{new}"
    if not (repo / ".git").is_dir():
        shutil.rmtree(repo, ignore_errors=True)
        with tempfile.TemporaryDirectory() as tmp:
            old_tree = unpack(sdist(cache, name, old), Path(tmp) / "old")
            new_tree = unpack(sdist(cache, name, new), Path(tmp) / "new")
            repo.mkdir(parents=True)
            git(repo, "init", "-q", "-b", "main")
            shutil.copytree(old_tree, repo, dirs_exist_ok=True)
            git(repo, "add", "-A", "-f")
            git(repo, "commit", "-q", "-m", f"{name} {old}")
            git(repo, "checkout", "-q", "-b", "pr")
            git(repo, "rm", "-rq", ".")
            shutil.copytree(new_tree, repo, dirs_exist_ok=True)
            git(repo, "add", "-A", "-f")
            git(repo, "commit", "-q", "-m", f"{name} {new}")
    changed = git(repo, "diff", "--name-only", "--diff-filter=AMR", "-z", "main", "pr", "--", "*.py")
    return repo, [p for p in changed.split("\0") if p]


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the child). CPU time is what load on a shared
    machine disturbs least; both are printed, ratios are taken on CPU time."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):  # 1: findings (bandit) or a failed gate (prguard)
            errors.seek(0)
            tail = errors.read().decode(errors="replace")[-800:]
            sys.exit(f"{' '.join(cmd[:4])} ... failed ({proc.returncode}): {tail}")
    return elapsed, usage.ru_utime + usage.ru_stime


def prguard_cmd(repo: Path, bin_dir: Path = BIN) -> list[str]:
    return [str(bin_dir / "prguard"), "review", "--repo", str(repo), "--base", "main", "--head", "pr",
            "--format", "json", "--output", os.devnull]  # fmt: skip


def bandit_cmd(files: list[str]) -> list[str]:
    return [str(BIN / "bandit"), "-q", "-f", "json", "-o", os.devnull, *files]


Row = tuple[str, float, float, float, float]  # label, prguard wall, bandit wall, prguard CPU, bandit CPU
BASELINE_CPU: dict[str, float] = {}  # label -> the baseline prguard's median CPU, with --baseline


def measure(
    changes: list[tuple[str, Path, list[str]]], runs: int, baseline: Path | None = None, cold: bool = False
) -> list[Row]:
    """Median (wall, CPU) per change of this prguard and bandit, and of a `baseline` prguard (another
    installation's bin directory) when given, each command run once per round, interleaved. `cold`:
    every prguard run starts with an empty index cache (no per-file facts or base summaries kept
    from an earlier run), as the first review of a repository does."""
    times: dict[str, list[list[tuple[float, float]]]] = {label: [[], [], []] for label, _, _ in changes}
    for _ in range(runs):
        for label, repo, files in changes:
            if cold:
                with tempfile.TemporaryDirectory() as empty:
                    env = {**os.environ, "PRGUARD_INDEX_CACHE": empty}
                    times[label][0].append(timed(prguard_cmd(repo), repo, env))
            else:
                times[label][0].append(timed(prguard_cmd(repo), repo))
            times[label][1].append(timed(bandit_cmd(files), repo) if files else (0.0, 0.0))
            if baseline is not None:
                with tempfile.TemporaryDirectory() as empty:
                    env = baseline_env(baseline) | ({"PRGUARD_INDEX_CACHE": empty} if cold else {})
                    times[label][2].append(timed(prguard_cmd(repo, baseline), repo, env))
    rows = []
    for label, (prguard, bandit, before) in times.items():
        if before:
            BASELINE_CPU[label] = statistics.median(t[1] for t in before)
        rows.append(
            (
                label,
                statistics.median(t[0] for t in prguard),
                statistics.median(t[0] for t in bandit),
                statistics.median(t[1] for t in prguard),
                statistics.median(t[1] for t in bandit),
            )
        )
    return rows


def report(title: str, rows: list[Row], changes) -> None:
    sizes = {label: len(files) for label, _, files in changes}
    print(f"\n{title}")
    baseline = " baseline CPU  ratio" if BASELINE_CPU else ""
    print(
        f"  {'change':30} {'py files':>8} {'prguard wall':>12} {'bandit wall':>11} {'ratio':>6}"
        f" {'prguard CPU':>11} {'bandit CPU':>10} {'ratio':>6}{baseline}"
    )
    wall_ratios, cpu_ratios = [], []
    for label, p_wall, b_wall, p_cpu, b_cpu in rows:
        wall_ratios.append(p_wall / b_wall if b_wall else float("nan"))
        cpu_ratios.append(p_cpu / b_cpu if b_cpu else float("nan"))
        before = BASELINE_CPU.get(label)
        side = ""
        if before is not None:
            side = f" {before:12.3f} {before / b_cpu if b_cpu else float('nan'):6.2f}"
        print(
            f"  {label:30} {sizes[label]:8d} {p_wall:12.3f} {b_wall:11.3f} {wall_ratios[-1]:6.2f}"
            f" {p_cpu:11.3f} {b_cpu:10.3f} {cpu_ratios[-1]:6.2f}{side}"
        )
    for name, ratios, column in (("wall", wall_ratios, 1), ("CPU", cpu_ratios, 3)):
        finite = [r for r in ratios if r == r]
        print(
            f"  {name}: median prguard {statistics.median(r[column] for r in rows):.3f} s, bandit "
            f"{statistics.median(r[column + 1] for r in rows):.3f} s; median ratio "
            f"{statistics.median(finite):.2f}x (min {min(finite):.2f}, max {max(finite):.2f})"
        )
    if BASELINE_CPU:
        pairs = [(BASELINE_CPU[r[0]], r[3], r[4]) for r in rows if r[0] in BASELINE_CPU]
        print(
            f"  baseline prguard CPU: median ratio to bandit "
            f"{statistics.median(base / b for base, _, b in pairs if b):.2f}x; this prguard / baseline: "
            f"median {statistics.median(p / base for base, p, _ in pairs):.2f}x"
        )
    print(f"  load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


def profile(repo: Path, top: int = 30) -> None:
    import cProfile
    import io
    import pstats

    sys.path.insert(0, str(ROOT))
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    from prguard.cli import main

    main(prguard_cmd(repo)[1:])
    profiler.disable()
    print(f"\nin-process profile of one review ({time.perf_counter() - started:.3f} s incl. imports):")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:12000])


def importtime(repo: Path, top: int = 25) -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "prguard.cli", *prguard_cmd(repo)[1:]],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, module = line.split(":", 1)[1].split("|")
        rows.append((int(cumulative_us), int(self_us), module.rstrip()))
    total = sum(r[1] for r in rows)
    print(f"\nimports: {len(rows)} modules, {total / 1000:.0f} ms in total; slowest (cumulative, self ms):")
    top_level = sorted((r for r in rows if not r[2].startswith("   ")), reverse=True)[:top]
    for cumulative, self_us, module in top_level:
        print(f"  {cumulative / 1000:7.1f} {self_us / 1000:7.1f}  {module.strip()}")


def compile_installation(bin_dir: Path) -> None:
    """Byte-compile the baseline's own prguard with its own interpreter: an editable install run
    with PYTHONDONTWRITEBYTECODE set (as some shells export it) compiles every module on every run,
    a cost the timing would charge to it."""
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import os, prguard; print(os.path.dirname(prguard.__file__))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    subprocess.run(
        [str(bin_dir / "python"), "-m", "compileall", "-q", where], check=True, stdout=subprocess.DEVNULL
    )


def baseline_env(baseline: Path) -> dict[str, str]:
    """The baseline keeps its own start-up cache: two installations sharing one would invalidate
    each other's entries on every run."""
    return {**os.environ, "PRGUARD_CACHE_DIR": str(baseline.parent / "prguard-cache")}


def findings_digest(repo: Path, bin_dir: Path = BIN) -> tuple[int, str]:
    """(number of findings, a digest of the review's JSON findings): what a speed change must keep."""
    to_stdout = prguard_cmd(repo, bin_dir)[:-2]  # without `--output /dev/null`
    env = None if bin_dir == BIN else baseline_env(bin_dir)
    proc = subprocess.run(to_stdout, cwd=repo, capture_output=True, text=True, check=False, env=env)
    try:
        findings = json.loads(proc.stdout)["findings"]
    except (ValueError, KeyError):
        sys.exit(f"{to_stdout[0]} printed no review ({proc.returncode}): {proc.stderr[-800:]}")
    encoded = json.dumps(findings, sort_keys=True).encode()
    return len(findings), hashlib.sha256(encoded).hexdigest()[:12]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--held-back", action="store_true", help="also measure the held-back changes")
    parser.add_argument("--only-held-back", action="store_true")
    parser.add_argument("--handlers", action="store_true", help="also measure the handler-heavy changes")
    parser.add_argument(
        "--only-handlers", action="store_true", help="measure the handler-heavy changes alone"
    )
    parser.add_argument(
        "--cold", action="store_true", help="time prguard with an empty index cache each run (a first review)"
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--importtime", action="store_true")
    parser.add_argument("--digest", action="store_true", help="print each change's findings digest")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="bin directory of another prguard installation (an older revision) to time side by side "
        "and compare digests with",
    )
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "prguard-small-prs")
    args = parser.parse_args()

    # byte-compiled like an installed package (bandit's modules are); see tests/benchmarks/engine.py
    compileall.compile_dir(str(ROOT / "workers"), quiet=1)
    compileall.compile_dir(str(ROOT / "policies"), quiet=1)
    if args.baseline is not None:
        compile_installation(args.baseline)
    sets = [] if args.only_held_back or args.only_handlers else [("development set", PAIRS)]
    if args.held_back or args.only_held_back:
        sets.append(("held-back set", HELD_BACK))
    if args.handlers or args.only_handlers:
        sets.append(("handler-heavy changes", HANDLER_CHANGES))
    for title, pairs in sets:
        changes = []
        for name, old, new in pairs:
            if isinstance(new, tuple):  # a handler-heavy change: `new` holds the files it adds
                repo, files = build_added(args.cache, name, old, new)
                changes.append((f"{name} {old} + handlers", repo, files))
                continue
            repo, files = build_change(args.cache, name, old, new)
            changes.append((f"{name} {old} -> {new}", repo, files))
        timed(prguard_cmd(changes[0][1]), changes[0][1])  # warm the page cache once
        timed(bandit_cmd(changes[0][2]), changes[0][1])
        if args.baseline is not None:  # a broken baseline exits 1 too, which timing takes for findings
            findings_digest(changes[0][1], args.baseline)
        rows = measure(changes, args.runs, args.baseline, cold=args.cold)
        report(f"{title}: medians of {args.runs} rounds", rows, changes)
        if args.digest:
            for label, repo, _ in changes:
                count, digest = findings_digest(repo)
                line = f"  findings {label:30} {count:4d}  {digest}"
                if args.baseline is not None:
                    same = findings_digest(repo, args.baseline) == (count, digest)
                    line += "  same as the baseline" if same else "  DIFFERENT from the baseline"
                print(line)
        if args.importtime:
            importtime(changes[0][1])
        if args.profile:
            profile(changes[0][1])


if __name__ == "__main__":
    main()
