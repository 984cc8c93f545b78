"""Precision and recall of the authorship detector on the labelled sets; prints them.

Run: `.venv/bin/python -m tests.benchmarks.authorship`. Three sets: the development set
(tests/unit/authorship_cases.py, also the unit tests), a holdout set written after
the detector (tests/benchmarks/authorship_holdout.py), and a set held back from the issue-14
changes (tests/benchmarks/authorship_holdout_outside.py, written from public examples).
A change counts as predicted AI-authored when `ai_authored` is true; the agent is right
when every expected agent is among the agents at qualifying confidence.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

from prguard.analyzers.authorship import detect_authorship

from tests.benchmarks.authorship_holdout import HOLDOUT_NEGATIVES, HOLDOUT_POSITIVES
from tests.benchmarks.authorship_holdout_outside import OUTSIDE_NEGATIVES, OUTSIDE_POSITIVES
from tests.unit.authorship_cases import NEGATIVES, POSITIVES, Case, added, commit, pr


def evaluate(name: str, cases: Sequence[Case]) -> dict[str, float]:
    tp = fp = fn = tn = agent_right = 0
    durations: list[float] = []
    misses: list[str] = []
    for case in cases:
        started = time.perf_counter()
        verdict = detect_authorship(case.pull, case.files)
        durations.append(time.perf_counter() - started)
        qualifying = {a.id for a in verdict.agents if a.confidence in ("medium", "high")}
        if case.ai and verdict.ai_authored:
            tp += 1
            agent_right += set(case.agents) <= qualifying
        elif case.ai:
            fn += 1
            misses.append(f"missed: {case.name}")
        elif verdict.ai_authored:
            fp += 1
            misses.append(f"false positive: {case.name} ({sorted(qualifying)})")
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(
        f"{name}: {len(cases)} cases ({tp + fn} AI, {fp + tn} not) | precision {precision:.3f} "
        f"recall {recall:.3f} | TP {tp} FP {fp} FN {fn} TN {tn} | right agent {agent_right}/{tp} | "
        f"median {statistics.median(durations) * 1e6:.0f} µs per PR"
    )
    for line in misses:
        print("   ", line)
    return {"precision": precision, "recall": recall}


def adversarial_timing() -> None:
    """Bodies and messages built to make careless regular expressions backtrack (65 kB, GitHub's body cap)."""
    texts = {
        "checkbox line": "- [x] " + "assisted " * 7000,
        "checkbox lines": ("- [x] " + "assisted " * 30 + "\n") * 240,
        "blank lines": "\n" * 65000,
        "fences": "```\n" * 16000,
        "quotes": "> a\n" * 16000,
        "review-bot openers": "<!-- CURSOR_SUMMARY -->" * 2800,
        "trailers": "Subject\n\n" + "Co-authored-by: a <a@b.c>\n" * 2500,
    }
    worst = 0.0
    for name, text in texts.items():
        pull = pr(commit(text), body=text, title=text[:256], branch=text[:250])
        started = time.perf_counter()
        detect_authorship(pull, [added("a.py", *("# " + line for line in text[:20000].splitlines()))])
        elapsed = time.perf_counter() - started
        worst = max(worst, elapsed)
        print(f"    adversarial {name}: {elapsed * 1000:.0f} ms")
    print(f"adversarial inputs: worst {worst * 1000:.0f} ms")


def main() -> None:
    evaluate("development set", POSITIVES + NEGATIVES)
    evaluate("holdout set    ", HOLDOUT_POSITIVES + HOLDOUT_NEGATIVES)
    evaluate("held back (14) ", OUTSIDE_POSITIVES + OUTSIDE_NEGATIVES)
    evaluate("both           ", POSITIVES + NEGATIVES + HOLDOUT_POSITIVES + HOLDOUT_NEGATIVES)
    adversarial_timing()


if __name__ == "__main__":
    main()
