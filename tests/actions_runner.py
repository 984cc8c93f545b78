"""Run a composite action's `run:` steps the way the GitHub Actions runner does, on this machine.

What is simulated (from GitHub's documentation of the runner): inputs with their defaults, the
`${{ inputs.* }}`, `${{ github.* }}`, `${{ runner.* }}`, `${{ env.* }}` and `${{ steps.<id>.outputs.* }}`
expressions, `shell: bash` as `bash --noprofile --norc -eo pipefail {file}`, a fresh GITHUB_OUTPUT per step
(both `name=value` and `name<<DELIMITER` forms), GITHUB_PATH and GITHUB_ENV carried to later steps,
GITHUB_STEP_SUMMARY per step and concatenated, the composite's `outputs:` evaluated at the end, and the
first failing step ending the action. `uses:` steps are not run (there are none in prguard's action).
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


@dataclass
class StepRun:
    id: str
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


@dataclass
class ActionRun:
    steps: list[StepRun] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""

    @property
    def returncode(self) -> int:
        return self.steps[-1].returncode if self.steps else 0

    def step(self, step_id: str) -> StepRun:
        return next(s for s in self.steps if s.id == step_id)


class ExpressionError(Exception):
    pass


def parse_output_file(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT / GITHUB_ENV: `name=value` lines and `name<<DELIM` ... `DELIM` blocks."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            while i < len(lines) and lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            if i >= len(lines):
                raise ValueError(f"unterminated {name}<<{delimiter} block")
            i += 1
            values[name] = "\n".join(body)
        else:
            name, _, value = line.partition("=")
            values[name] = value
    return values


def run_composite(
    action_file: Path,
    *,
    inputs: dict[str, str],
    workspace: Path,
    event_path: Path,
    event_name: str,
    temp: Path,
    env: dict[str, str] | None = None,
    skip_steps: frozenset[str] = frozenset(),
) -> ActionRun:
    """Run the action as a workflow step `uses: ./` with `with: inputs` would."""
    action = yaml.safe_load(action_file.read_text())
    assert action["runs"]["using"] == "composite"
    declared = action.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    if unknown:
        raise ValueError(f"inputs the action does not declare: {sorted(unknown)}")
    values = {name: str(inputs.get(name, spec.get("default", ""))) for name, spec in declared.items()}
    temp.mkdir(parents=True, exist_ok=True)
    base_env = {
        **(env if env is not None else os.environ),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_ACTION_PATH": str(action_file.parent),
        "RUNNER_TEMP": str(temp),
    }
    github = {
        "action_path": str(action_file.parent),
        "workspace": str(workspace),
        "event_path": str(event_path),
        "event_name": event_name,
    }
    runner = {"temp": str(temp), "os": "Linux"}
    path_prefix: list[str] = []
    extra_env: dict[str, str] = {}
    steps_outputs: dict[str, dict[str, str]] = {}
    result = ActionRun()
    summary_parts: list[str] = []
    for index, step in enumerate(action["runs"]["steps"]):
        step_id = step.get("id", f"__{index}")
        if "uses" in step or step_id in skip_steps:
            continue
        assert step.get("shell") == "bash", "prguard's action runs bash steps only"

        def evaluate(text: str, step_env: dict[str, str]) -> str:
            def one(match: re.Match[str]) -> str:
                expr = match.group(1)
                parts = expr.split(".")
                if parts[0] == "inputs" and len(parts) == 2 and parts[1] in values:
                    return values[parts[1]]
                if parts[0] == "github" and len(parts) == 2 and parts[1] in github:
                    return github[parts[1]]
                if parts[0] == "runner" and len(parts) == 2 and parts[1] in runner:
                    return runner[parts[1]]
                if parts[0] == "env" and len(parts) == 2:
                    return step_env.get(parts[1], "")
                if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
                    return steps_outputs.get(parts[1], {}).get(parts[3], "")
                raise ExpressionError(f"expression the simulator does not know: {expr!r}")

            return _EXPRESSION.sub(one, text)

        step_env = {**base_env, **extra_env}
        step_env.update({k: evaluate(str(v), step_env) for k, v in (step.get("env") or {}).items()})
        if path_prefix:
            step_env["PATH"] = os.pathsep.join([*reversed(path_prefix), step_env.get("PATH", "")])
        files = {name: temp / f"{name.lower()}_{index}" for name in ("OUTPUT", "PATH", "ENV", "STEP_SUMMARY")}
        for name, file in files.items():
            file.write_text("")
            step_env[f"GITHUB_{name}"] = str(file)
        script = temp / f"step_{index}.sh"
        script.write_text(evaluate(step["run"], step_env))
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=step.get("working-directory") or workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        outputs = parse_output_file(files["OUTPUT"].read_text())
        steps_outputs[step_id] = outputs
        path_prefix.extend(line for line in files["PATH"].read_text().splitlines() if line)
        extra_env.update(parse_output_file(files["ENV"].read_text()))
        summary_parts.append(files["STEP_SUMMARY"].read_text())
        result.steps.append(StepRun(step_id, proc.returncode, proc.stdout, proc.stderr, outputs))
        if proc.returncode != 0:
            break
    result.summary = "".join(summary_parts)
    for name, spec in (action.get("outputs") or {}).items():
        value: Any = spec.get("value", "")
        result.outputs[name] = _EXPRESSION.sub(lambda m: _step_output(m.group(1), steps_outputs), str(value))
    return result


def _step_output(expr: str, steps_outputs: dict[str, dict[str, str]]) -> str:
    parts = expr.split(".")
    if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
        return steps_outputs.get(parts[1], {}).get(parts[3], "")
    raise ExpressionError(f"output expression the simulator does not know: {expr!r}")


def parse_annotations(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    """`::level k=v,k=v::message` lines, unescaped as the runner does."""

    def unescape(value: str) -> str:
        return (
            value.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
        )

    found = []
    for line in stdout.splitlines():
        match = re.fullmatch(r"::(error|warning|notice)( [^:]*)?::(.*)", line)
        if not match:
            continue
        props: dict[str, str] = {}
        for pair in (match.group(2) or "").strip().split(","):
            if pair:
                key, _, value = pair.partition("=")
                props[key] = unescape(value)
        found.append((match.group(1), props, unescape(match.group(3))))
    return found
