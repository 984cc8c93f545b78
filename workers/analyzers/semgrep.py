"""The org's Semgrep rules, run with Semgrep CE on the changed files (every language it knows).

Offline by construction: the only config is ONE local file holding every rule the
policy names (merged here: Semgrep spends seconds per config it loads), with
metrics and the version check off. The rule texts come from the caller
(`review(..., rule_files=...)`, read at the base ref; see prguard.policies.rulefiles), so the
engine reads no repository. Findings go through the engine like any other: the
changed-line filter, fingerprints, and `nosemgrep` comments (prguard.engine.suppress).
Semgrep is an optional extra; when the policy asks for rules and it is missing, or a
named rule file is absent, the run says so in `problems` and the engine reports the
coverage as partial: never a silent pass.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from prguard.analyzers.base import Analyzer, FileContext
from prguard.engine.model import Confidence, Finding, Severity, make_fingerprint
from prguard.policies.rulefiles import requested, select

INSTALL_HINT = "pip install 'prguard[semgrep]'"
DEFAULT_TIMEOUT = 120
DEFAULT_MAX_TARGET_BYTES = 1_000_000
SEVERITY = {
    "ERROR": Severity.HIGH,
    "CRITICAL": Severity.HIGH,
    "HIGH": Severity.HIGH,
    "WARNING": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "INFO": Severity.LOW,
    "LOW": Severity.LOW,
}
_CWE = re.compile(r"CWE-(\d+)", re.IGNORECASE)


def find_semgrep() -> str | None:
    """The `semgrep` executable: next to this Python (a virtualenv), else on PATH."""
    beside = Path(sys.executable).with_name("semgrep")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("semgrep")


class SemgrepAnalyzer(Analyzer):
    name = "semgrep"
    languages = frozenset({"*"})
    compare_with_base = False  # one Semgrep process per review; the base is not re-scanned
    cacheable = False
    order = 70

    def __init__(self, executable: str | None = None) -> None:
        self.executable = executable
        self.problems: list[str] = []  # read by the engine: they make coverage partial

    def analyze(self, files: list[FileContext]) -> Iterator[Finding]:
        self.problems = []
        if not files:
            return iter(())
        policy = files[0].policy
        locations = requested(policy)
        if not locations:
            return iter(())
        settings = policy.get("semgrep", default={}) or {}
        rule_files = files[0].extra.get("rule_files") or {}
        rules = self._merged_rules(locations, rule_files)
        if not rules:
            return iter(())
        executable = self.executable or find_semgrep()
        if executable is None:
            self.problems.append(
                f"Semgrep is not installed, so the {len(rules)} Semgrep rule(s) named in the policy "
                f"(semgrep.rules) did NOT run; install it with {INSTALL_HINT}"
            )
            return iter(())
        limit = int(settings.get("max_target_bytes") or DEFAULT_MAX_TARGET_BYTES)
        targets = [ctx for ctx in files if _safe_path(ctx.path) and len(ctx.head.text.encode()) <= limit]
        if not targets:
            return iter(())
        output = self._run(executable, rules, targets, int(settings.get("timeout") or DEFAULT_TIMEOUT))
        if output is None:
            return iter(())
        return iter(list(self._findings(output, rules, {ctx.path: ctx for ctx in targets})))

    # --- rules ----------------------------------------------------------------------------

    def _merged_rules(self, locations: list[Any], rule_files: dict[str, str]) -> list[dict[str, Any]]:
        """Every rule of every named file, in one list (one Semgrep config); ids kept unique."""
        merged: list[dict[str, Any]] = []
        seen: set[str] = set()
        for location in locations:
            texts = select(rule_files, location)
            if not texts:
                self.problems.append(
                    f"Semgrep rules {location.text} were not found at the base ref; they did not run"
                )
            for source, text in sorted(texts.items()):
                for rule in self._rules_of(source, text):
                    if rule["id"] in seen:
                        self.problems.append(
                            f"{source}: Semgrep rule id {rule['id']!r} repeats; the first one ran"
                        )
                        continue
                    seen.add(rule["id"])
                    merged.append(rule)
        return merged

    def _rules_of(self, source: str, text: str) -> list[dict[str, Any]]:
        import yaml  # on use: most reviews name no Semgrep rules

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            self.problems.append(
                f"{source}: not valid YAML ({str(error).splitlines()[0]}); its rules did not run"
            )
            return []
        rules = data.get("rules") if isinstance(data, dict) else None
        if not isinstance(rules, list):
            self.problems.append(f"{source}: a Semgrep rule file needs a top-level `rules:` list; skipped")
            return []
        return [r for r in rules if isinstance(r, dict) and isinstance(r.get("id"), str)]

    # --- the Semgrep process ------------------------------------------------------------------

    def _run(
        self, executable: str, rules: list[dict[str, Any]], targets: list[FileContext], timeout: int
    ) -> dict[str, Any] | None:
        import tempfile  # on use, with PyYAML: most reviews run no Semgrep rules

        import yaml

        with tempfile.TemporaryDirectory(prefix="prguard-semgrep-") as tmp:
            root = Path(tmp)
            config = root / "rules.yml"
            config.write_text(yaml.safe_dump({"rules": rules}, sort_keys=False), encoding="utf-8")
            source_root = root / "src"
            for ctx in targets:
                destination = source_root / ctx.path
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_text(ctx.head.text, encoding="utf-8")
            command = [
                executable,
                "scan",
                "--config",
                str(config),
                "--json",
                "--metrics=off",
                "--disable-version-check",
                "--disable-nosem",  # prguard applies nosemgrep itself, to list the suppressions
                "--no-git-ignore",
                "--quiet",
                "--timeout",
                "30",
                "--",
                *(ctx.path for ctx in targets),
            ]
            env = {
                **os.environ,
                "SEMGREP_SEND_METRICS": "off",
                "SEMGREP_ENABLE_VERSION_CHECK": "0",
                "SEMGREP_USER_DATA_FOLDER": str(root / "home"),
            }
            try:
                proc = subprocess.run(
                    command, cwd=source_root, env=env, capture_output=True, timeout=timeout, check=False
                )
            except subprocess.TimeoutExpired:
                self.problems.append(
                    f"Semgrep took longer than {timeout} s (semgrep.timeout); its rules did not finish"
                )
                return None
            except OSError as error:
                self.problems.append(f"Semgrep could not start ({error}); its rules did not run")
                return None
        try:
            output = json.loads(proc.stdout or b"{}")
        except ValueError:
            output = None
        if not isinstance(output, dict) or "results" not in output:
            detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            self.problems.append(f"Semgrep failed (exit {proc.returncode}): {detail[0][:300]}")
            return None
        for error in output.get("errors") or ():
            if str(error.get("level", "error")).lower() == "error":
                message = str(error.get("message") or error.get("type") or "error").strip().splitlines()[0]
                self.problems.append(f"Semgrep: {message[:300]}")
        return output

    # --- results → Findings ---------------------------------------------------------------------

    def _findings(
        self, output: dict[str, Any], rules: list[dict[str, Any]], by_path: dict[str, FileContext]
    ) -> Iterator[Finding]:
        ids = {rule["id"] for rule in rules}
        for result in output.get("results") or ():
            ctx = by_path.get(str(result.get("path", "")).removeprefix("./"))
            if ctx is None:
                continue
            extra = result.get("extra") or {}
            rule_id = _rule_id(str(result.get("check_id", "")), ids)
            start = int((result.get("start") or {}).get("line") or 1)
            end = max(start, int((result.get("end") or {}).get("line") or start))
            matched = "\n".join(ctx.head.lines[start - 1 : end])
            yield Finding(
                rule_id=rule_id,
                analyzer=self.name,
                severity=SEVERITY.get(str(extra.get("severity", "")).upper(), Severity.INFO),
                path=ctx.path,
                start_line=start,
                end_line=end,
                message=str(extra.get("message") or rule_id).strip(),
                fingerprint=make_fingerprint(rule_id, ctx.path, matched),
                confidence=_confidence(extra.get("metadata")),
                cwe=_cwe(extra.get("metadata")),
                suggestion=_suggestion(ctx, result, extra.get("fix")),
                title=rule_id,
                start_column=(result.get("start") or {}).get("col"),
                end_column=(result.get("end") or {}).get("col"),
            )


def _rule_id(check_id: str, ids: set[str]) -> str:
    """Semgrep prefixes rule ids with the config file's path; give back the id as written."""
    if check_id in ids:
        return check_id
    return next((i for i in sorted(ids, key=len, reverse=True) if check_id.endswith("." + i)), check_id)


def _cwe(metadata: Any) -> int | None:
    if not isinstance(metadata, dict):
        return None
    value = metadata.get("cwe")
    text = " ".join(map(str, value)) if isinstance(value, list) else str(value or "")
    match = _CWE.search(text)
    return int(match.group(1)) if match else None


def _confidence(metadata: Any) -> Confidence | None:
    value = str((metadata or {}).get("confidence", "")).lower() if isinstance(metadata, dict) else ""
    return Confidence(value) if value in ("high", "medium", "low") else None


def _suggestion(ctx: FileContext, result: dict[str, Any], fix: Any) -> str | None:
    """The rule's `fix`, applied to the matched range, as replacement text for whole lines."""
    if not isinstance(fix, str):
        return None
    data = ctx.head.text.encode("utf-8")
    try:
        start = int(result["start"]["offset"])
        end = int(result["end"]["offset"])
    except (KeyError, TypeError, ValueError):
        return None
    if not 0 <= start <= end <= len(data):
        return None
    line_start = data.rfind(b"\n", 0, start) + 1
    line_end = data.find(b"\n", end)
    line_end = len(data) if line_end < 0 else line_end
    return (data[line_start:start] + fix.encode("utf-8") + data[end:line_end]).decode("utf-8", "replace")


def _safe_path(path: str) -> bool:
    """A repository-relative path that stays inside the temporary folder."""
    parts = PurePosixPath(path).parts
    return bool(parts) and not path.startswith("/") and ".." not in parts and "\x00" not in path
