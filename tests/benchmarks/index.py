"""Repository index benchmark: cold index, a few-file push, peak memory, on real PyPI sources.

    .venv/bin/python tests/benchmarks/index.py                 # django (downloads its sdist to /tmp)
    .venv/bin/python tests/benchmarks/index.py --sdist-dir /tmp/sdists django click
    .venv/bin/python tests/benchmarks/index.py --path /some/checkout

Each figure is measured in a fresh child process (so the in-memory facts cache and the
allocator start empty, as in a new worker or a new `prguard` run):

- cold: every file extracted, the index built, no cache;
- warm: nothing changed since the last run: facts read from the disk pack;
- push: three files changed since the last run (a function appended to each): the index
  updated (three files extracted) and the impact of that change assessed (changed symbols,
  their call sites, stale calls), which is what a review on a push costs;
- resolve-all: every reference of the repository resolved (what `prguard impact` on
  every symbol at once would cost; a review resolves only the changed symbols' names);
- peak RSS of the child (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _child(mode: str, source: str, cache_dir: str, push: int) -> dict:
    """Run one measurement in this process (called through `--child`)."""
    import gc
    import resource

    from prguard.engine.model import ChangedFile
    from prguard.index.impact import assess
    from prguard.index.snapshot import FactsCache, RepositorySnapshot

    gc.disable()  # as in a review (prguard.engine.review)
    root = Path(source)
    files = {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}
    changed: list[ChangedFile] = []
    if push:
        for path in sorted(p for p in files if p.endswith(".py") and "/tests/" not in p)[
            :: max(1, len(files) // push)
        ][:push]:
            base = files[path]
            head = base + b"\n\ndef _benchmark_added(value):\n    return value\n"
            files[path] = head
            lines = base.count(b"\n")
            patch = (
                f"@@ -{lines},0 +{lines + 1},4 @@\n+\n+\n+def _benchmark_added(value):\n+    return value\n"
            )
            changed.append(ChangedFile(path, "modified", head, base, patch))
    cache = None if mode == "cold" else FactsCache(cache_dir, namespace="benchmark")
    started = time.perf_counter()
    snapshot = RepositorySnapshot.from_files(files, cache=cache)
    figures: dict = {
        "files": len(snapshot.blobs),
        "lines": sum(files[p].count(b"\n") for p in snapshot.blobs),
    }
    if mode == "push":
        assessment = assess(snapshot, changed)
        figures["seconds"] = time.perf_counter() - started
        figures["extracted"] = snapshot.stats.get("extracted", 0)
        figures["changed_symbols"] = len(assessment.impact.get("symbols", []))
    else:
        index = snapshot.index()
        figures["seconds"] = time.perf_counter() - started
        figures["extracted"] = snapshot.stats.get("extracted", 0)
        if mode == "cold":
            started = time.perf_counter()
            figures["references"] = sum(1 for _ in index.references())
            figures["resolve_all_seconds"] = time.perf_counter() - started
            figures["symbols"] = len(index.symbols)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def measure(source: Path, label: str) -> None:
    with tempfile.TemporaryDirectory(prefix="prguard-index-bench-") as cache_dir:

        def run(mode: str, push: int = 0) -> dict:
            out = subprocess.run(
                [sys.executable, __file__, "--child", mode, str(source), cache_dir, str(push)],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            return json.loads(out.stdout.strip().splitlines()[-1])

        cold = run("cold")
        run("warm")  # fills the disk pack
        warm = run("warm")
        push = run("push", 3)
    print(f"{label}: {cold['files']} files, {cold['lines']:,} lines, {cold['symbols']:,} symbols")
    print(f"  cold index        {cold['seconds']:6.2f} s   peak RSS {cold['peak_rss_mb']:6.0f} MB")
    print(
        f"  resolve all refs  {cold['resolve_all_seconds']:6.2f} s   "
        f"({cold['references']:,} resolved references)"
    )
    print(f"  warm (no change)  {warm['seconds']:6.2f} s   peak RSS {warm['peak_rss_mb']:6.0f} MB")
    print(
        f"  3-file push       {push['seconds']:6.2f} s   peak RSS {push['peak_rss_mb']:6.0f} MB   "
        f"({push['extracted']} files extracted, impact of the change assessed)"
    )


def sdist_source(name: str, directory: Path) -> Path:
    """The unpacked sdist of a PyPI project (downloaded with pip when not in `directory`)."""
    directory.mkdir(parents=True, exist_ok=True)
    archives = sorted(directory.glob(f"{name}-*.tar.gz")) or sorted(
        directory.glob(f"{name.replace('-', '_')}-*.tar.gz")
    )
    if not archives:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", name,
             "-d", str(directory)],
            check=True,
        )  # fmt: skip
        archives = sorted(directory.glob(f"{name}-*.tar.gz"))
    archive = archives[-1]
    target = directory / archive.name.removesuffix(".tar.gz")
    if not target.is_dir():
        with tarfile.open(archive) as tar:
            tar.extractall(directory, filter="data")
    return target


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("projects", nargs="*", default=["django"], help="PyPI projects (sdists)")
    parser.add_argument("--sdist-dir", type=Path, default=Path("/tmp/prguard-sdists"))
    parser.add_argument("--path", type=Path, action="append", default=[], help="a local source tree instead")
    args = parser.parse_args()
    for path in args.path:
        measure(path, str(path))
    if not args.path:
        for name in args.projects:
            source = sdist_source(name, args.sdist_dir)
            measure(source, source.name)


if __name__ == "__main__":
    main()
