"""What Semgrep adds to a review of a typical change, and how that compares with the Semgrep CLI.

A change of 8 files (5 Python, 3 JavaScript, ~150 lines each) and an org rule folder of
6 files (12 rules). Medians of a few runs in one process:
  - review without the semgrep analyzer vs with it  → the time Semgrep adds;
  - `semgrep --config .semgrep/ <files>` (the folder as given, metrics off) on the same files.
Run: .venv/bin/python tests/benchmarks/semgrep.py [runs]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from prguard.analyzers import registry
from prguard.analyzers.semgrep import find_semgrep
from prguard.engine.model import ChangedFile
from prguard.engine.review import review
from prguard.policies.loader import load_policy

RULES = {
    "python-security.yml": [
        ("py-yaml-load", "yaml.load(...)", "python"),
        ("py-pickle-loads", "pickle.loads(...)", "python"),
    ],
    "python-style.yml": [
        ("py-print", "print(...)", "python"),
        ("py-bare-except", "try:\n  ...\nexcept:\n  ...", "python"),
    ],
    "python-http.yml": [
        ("py-requests-no-timeout", "requests.$M($URL)", "python"),
        ("py-verify-false", "requests.$M(..., verify=False, ...)", "python"),
    ],
    "js-security.yml": [
        ("js-eval", "eval(...)", "javascript"),
        ("js-innerhtml", "$EL.innerHTML = $X", "javascript"),
    ],
    "js-style.yml": [
        ("js-console", "console.log(...)", "javascript"),
        ("js-debugger", "debugger;", "javascript"),
    ],
    "generic.yml": [
        ("py-assert", "assert $X", "python"),
        ("js-settimeout-string", 'setTimeout("...", $T)', "javascript"),
    ],
}


def rule_texts() -> dict[str, str]:
    import yaml

    texts = {}
    for name, rules in RULES.items():
        body = [
            {
                "id": rid,
                "pattern": pattern,
                "message": f"{rid} found",
                "languages": [lang],
                "severity": "WARNING",
            }
            for rid, pattern, lang in rules
        ]
        texts[f".semgrep/{name}"] = yaml.safe_dump({"rules": body}, sort_keys=False)
    return texts


def python_file(i: int) -> str:
    parts = ["import pickle", "import requests", "import yaml", ""]
    for j in range(12):
        parts += [
            f"def handler_{i}_{j}(payload, url):",
            "    data = yaml.safe_load(payload)",
            "    if not data:",
            "        return None",
            f"    result = requests.get(url, timeout={j + 1})",
            "    items = [x for x in data if x]",
            "    return {'n': len(items), 'status': result.status_code}",
            "",
        ]
    parts += ["def risky(blob):", "    print(blob)", "    return pickle.loads(blob)", ""]
    return "\n".join(parts) + "\n"


def js_file(i: int) -> str:
    parts = []
    for j in range(15):
        parts += [
            f"export function render{i}_{j}(el, items) {{",
            "  const list = items.filter((x) => x.visible);",
            "  const total = list.reduce((a, b) => a + b.count, 0);",
            "  el.textContent = `${total}`;",
            "  return list.length;",
            "}",
            "",
        ]
    parts += [
        "export function bad(el, s) {",
        "  console.log(s);",
        "  el.innerHTML = s;",
        "  return eval(s);",
        "}",
    ]
    return "\n".join(parts) + "\n"


def change() -> list[ChangedFile]:
    files = [ChangedFile(f"svc/mod{i}.py", "added", python_file(i).encode(), None) for i in range(5)]
    files += [ChangedFile(f"web/view{i}.js", "added", js_file(i).encode(), None) for i in range(3)]
    return files


def timed(fn, runs: int) -> tuple[float, object]:
    samples, value = [], None
    for _ in range(runs):
        started = time.perf_counter()
        value = fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), value


def main(runs: int = 3) -> None:
    executable = find_semgrep()
    if executable is None:
        sys.exit("semgrep is not installed: pip install 'prguard[semgrep]'")
    files = change()
    texts = rule_texts()
    policy = load_policy(
        repo_text="paths:\n  include: ['**/*.py', '**/*.js']\nsemgrep:\n  rules: ['.semgrep/']\n"
    )
    others = [a for a in registry() if a.name != "semgrep"]
    review(files, policy, ai_authored=False, analyzers=others)  # warm imports and caches

    without, _ = timed(lambda: review(files, policy, ai_authored=False, analyzers=others), runs)
    with_semgrep, result = timed(
        lambda: review(files, policy, ai_authored=False, analyzers=[*registry()], rule_files=texts), runs
    )
    semgrep_findings = [f for f in result.findings if f.analyzer == "semgrep"]

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for path, text in texts.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        for f in files:
            (root / f.path).parent.mkdir(parents=True, exist_ok=True)
            (root / f.path).write_bytes(f.head)
        command = [executable, "--config", ".semgrep/", "--json", "--quiet", "--metrics=off",
                   "--disable-version-check", *(f.path for f in files)]  # fmt: skip
        cli, proc = timed(lambda: subprocess.run(command, cwd=root, capture_output=True, check=False), runs)
        cli_results = len(json.loads(proc.stdout)["results"])
        per_file = [executable, *(x for path in texts for x in ("--config", path)), *command[3:]]
        separate, _ = timed(
            lambda: subprocess.run(per_file, cwd=root, capture_output=True, check=False), runs
        )

    lines = sum(f.head.count(b"\n") for f in files)
    print(f"change: {len(files)} files, {lines} lines; rules: {len(texts)} files, median of {runs} runs")
    print(f"review without semgrep      {without * 1000:8.0f} ms")
    print(f"review with semgrep         {with_semgrep * 1000:8.0f} ms  ({len(semgrep_findings)} findings)")
    print(f"  → Semgrep adds            {(with_semgrep - without) * 1000:8.0f} ms")
    print(f"semgrep CLI, folder config  {cli * 1000:8.0f} ms  ({cli_results} results)")
    print(f"semgrep CLI, one --config per file {separate * 1000:8.0f} ms")
    print(f"  → prguard's Semgrep step / CLI with the folder = {(with_semgrep - without) / cli:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
