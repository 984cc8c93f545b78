"""Findings per 1,000 changed lines of the instrumentation analyzer on real releases no one here wrote.

For each package, downloads two released sdists from PyPI (`pip download --no-deps --no-binary :all:`),
diffs their library sources (tests, docs and examples left out), runs the engine with only the
instrumentation analyzer and the default policy (human author, changed lines only, pre-existing
findings dropped), and prints every finding so a person can judge it, then the rate per rule.

    .venv/bin/python tests/benchmarks/instrumentation.py [--cache DIR] [--with-tests] [NAME==A..B ...]

`--with-tests` keeps the releases' test files in the change, as a real pull request has them, and
counts the findings on test files (there must be none: test code is not a production path).
"""

from __future__ import annotations

import argparse
import difflib
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter
from pathlib import Path

from prguard.analyzers.instrumentation import InstrumentationAnalyzer
from prguard.analyzers.testpaths import is_test_path
from prguard.engine.model import ChangedFile
from prguard.engine.review import review
from prguard.policies.loader import load_policy

DEFAULT_PAIRS = (
    "requests==2.31.0..2.32.3",
    "flask==3.0.3..3.1.0",
    "httpx==0.27.2..0.28.1",
    "celery==5.3.6..5.4.0",
    "sentry-sdk==2.18.0..2.19.0",
    "dramatiq==1.16.0..1.17.1",
    "django-allauth==65.0.2..65.3.0",
    "apprise==1.9.0..1.9.1",
    "flower==2.0.0..2.0.1",
    "djangorestframework==3.15.1..3.15.2",
    "python-gitlab==4.10.0..4.13.0",
    "pygithub==2.3.0..2.4.0",
)
SKIP_PARTS = {"tests", "test", "testing", "docs", "doc", "examples", "example", "t", "benchmarks"}


def download(name: str, version: str, cache: Path) -> Path:
    target = cache / f"{name}-{version}"
    if not target.exists():
        target.mkdir(parents=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"{name}=={version}",
                "-d",
                str(target),
            ],
            check=True,
            timeout=300,
        )
    archive = next(p for p in target.iterdir() if p.suffix in {".gz", ".zip"})
    unpacked = target / "src"
    if not unpacked.exists():
        if archive.suffix == ".zip":
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(unpacked)
        else:
            with tarfile.open(archive) as tarred:
                tarred.extractall(unpacked, filter="data")
    return unpacked


TEST_PARTS = {"tests", "test", "testing"}


def sources(root: Path, *, with_tests: bool = False) -> dict[str, bytes]:
    """Library .py files by path below the sdist's top directory (and its tests, `with_tests`)."""
    skip = SKIP_PARTS - TEST_PARTS if with_tests else SKIP_PARTS
    out: dict[str, bytes] = {}
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).parts[1:]  # drop "name-version/"
        if relative[:1] == ("src",):
            relative = relative[1:]  # a src/ layout in one release only must not look like a rewrite
        if (
            not relative
            or skip & {p.lower() for p in relative[:-1]}
            or relative[-1] == "setup.py"
            or (relative[-1] == "conftest.py" and not with_tests)
        ):
            continue
        out["/".join(relative)] = path.read_bytes()
    return out


def changed_files(old: dict[str, bytes], new: dict[str, bytes]) -> tuple[list[ChangedFile], int, int]:
    files: list[ChangedFile] = []
    added = removed = 0
    for path in sorted(new):
        before, after = old.get(path), new[path]
        if before == after:
            continue
        a = before.decode("utf-8", "replace").splitlines(keepends=True) if before is not None else []
        b = after.decode("utf-8", "replace").splitlines(keepends=True)
        patch = "".join(difflib.unified_diff(a, b, f"a/{path}", f"b/{path}"))
        for line in patch.splitlines():
            if line.startswith("+") and not line.startswith("+++"):
                added += 1
            elif line.startswith("-") and not line.startswith("---"):
                removed += 1
        files.append(ChangedFile(path, "added" if before is None else "modified", after, before, patch))
    return files, added, removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="*", default=list(DEFAULT_PAIRS), help="NAME==A..B")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/prguard-bench-sdists"))
    parser.add_argument(
        "--whole",
        action="store_true",
        help="review every file of the newer release as added (a precision stress test)",
    )
    parser.add_argument(
        "--with-tests", action="store_true", help="keep test files in the change and count findings on them"
    )
    args = parser.parse_args(argv)
    policy = load_policy()
    added_total = removed_total = 0
    per_rule: dict[str, Counter[str]] = {"human": Counter(), "ai": Counter()}
    rows = []
    test_files_total = findings_on_tests = analyzer_errors = 0
    for pair in args.pairs:
        name, versions = pair.split("==")
        old_version, new_version = versions.split("..")
        old = sources(download(name, old_version, args.cache), with_tests=args.with_tests)
        new = sources(download(name, new_version, args.cache), with_tests=args.with_tests)
        files, added, removed = changed_files({} if args.whole else old, new)
        added_total += added
        removed_total += removed
        results = {
            mode: review(files, policy, ai_authored=mode == "ai", analyzers=[InstrumentationAnalyzer()])
            for mode in ("human", "ai")
        }
        human_prints = {f.fingerprint for f in results["human"].findings}
        print(f"\n== {name} {old_version} -> {new_version}: {len(files)} files, +{added} -{removed} lines")
        for mode, result in results.items():  # a crash loses a file's findings: say so, never hide it
            for error in result.stats["analyzers"].get("instrumentation", {}).get("errors", []):
                print(f"  ANALYZER ERROR ({mode}): {error}")
                analyzer_errors += 1
        for finding in results["ai"].findings:
            tag = "human+ai" if finding.fingerprint in human_prints else "ai only"
            print(f"  [{tag}] {finding.path}:{finding.start_line} {finding.rule_id} {finding.severity}")
            print(f"      {finding.message}")
        for mode, result in results.items():
            per_rule[mode].update(f.rule_id for f in result.findings)
        rows.append((name, added, len(results["human"].findings), len(results["ai"].findings)))
        test_files = [f for f in files if is_test_path(f.path)]
        on_tests = [f for result in results.values() for f in result.findings if is_test_path(f.path)]
        test_files_total += len(test_files)
        findings_on_tests += len(on_tests)
    print("\n== summary (findings per 1,000 added lines; changed = added + removed)")
    for name, added, human, ai in rows:
        print(
            f"  {name:16} +{added:6}  human {human:3} ({_rate(human, added)})  ai {ai:3} ({_rate(ai, added)})"
        )
    for mode in ("human", "ai"):
        count = sum(per_rule[mode].values())
        print(
            f"  {mode:5} total: {count} findings on +{added_total} lines = {_rate(count, added_total)} "
            f"per 1,000 added ({_rate(count, added_total + removed_total)} per 1,000 changed); "
            + ", ".join(f"{rule} {n}" for rule, n in sorted(per_rule[mode].items()))
        )
    if args.with_tests:
        print(f"  test files in the changes: {test_files_total}; findings on them: {findings_on_tests}")
    if analyzer_errors:
        print(f"  the analyzer failed {analyzer_errors} times: the figures above miss those files' findings")
        return 1
    return 0


def _rate(count: int, lines: int) -> str:
    return f"{1000 * count / max(lines, 1):.2f}"


if __name__ == "__main__":
    raise SystemExit(main())
