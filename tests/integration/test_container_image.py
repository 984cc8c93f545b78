"""deploy/Dockerfile's build, run as a script in a fresh virtual environment (no container engine here).

The CI machines have no Docker, and Debian's buildah installs but cannot pull `python:3.13-slim` (no
registry access), so the image itself is not built. Instead this test reads the Dockerfile and runs its
build stage the way the builder would: ENV, WORKDIR, COPY from the repository, and every RUN line with
bash, with the image's absolute paths (/opt/prguard, /src) moved under a temporary directory and
`python` being Python 3.13 without this checkout's virtual environment. The build's own checks run
(prguard, semgrep and OpenTelemetry present). Then the runtime stage is checked: a non-root numeric USER,
a HEALTHCHECK, and its CMD (gunicorn) started from the fresh environment answers the HEALTHCHECK.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.fake_github.fixture import make_app_key
from tests.integration.fault_stack import free_port, wait_until

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
BASE_PYTHON_BIN = Path(sys.base_prefix) / "bin"  # the image's `python` (3.13), outside this checkout's venv
IMAGE_PATHS = ("/opt", "/src", "/home")


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def last(self, keyword: str) -> str | None:
        found = [arg for kw, arg in self.instructions if kw == keyword]
        return found[-1] if found else None


def parse(text: str) -> list[Stage]:
    """Instructions per stage (continuation lines joined, comments dropped)."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, argument = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = argument.split()
            stages.append(Stage(parts[2] if len(parts) > 2 else str(len(stages)), parts[0]))
        else:
            stages[-1].instructions.append((keyword, argument.strip()))
    return stages


def env_pairs(argument: str, env: dict[str, str]) -> dict[str, str]:
    pairs = {}
    for token in shlex.split(argument):
        key, _, value = token.partition("=")
        pairs[key] = re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value)
    return pairs


def moved(text: str, root: Path) -> str:
    """The image's absolute paths moved under `root` (only those the Dockerfile uses)."""
    pattern = r"(?<![\w./])(" + "|".join(re.escape(p) for p in IMAGE_PATHS) + r")(?=[/\s\"':]|$)"
    return re.sub(pattern, lambda m: str(root) + m.group(1), text)


def build(stage: Stage, root: Path) -> dict[str, str]:
    """Run the build stage; the environment it ends with."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = os.pathsep.join([str(BASE_PYTHON_BIN), "/usr/local/bin", "/usr/bin", "/bin"])
    env["HOME"] = str(root / "root")
    workdir = root
    for keyword, argument in stage.instructions:
        if keyword == "ENV":
            env.update({k: moved(v, root) for k, v in env_pairs(argument, env).items()})
        elif keyword == "WORKDIR":
            workdir = Path(moved(argument, root))
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            *sources, target = shlex.split(argument)
            assert not any(s.startswith("--") for s in sources), f"COPY options not simulated: {argument}"
            destination = Path(moved(target, root)) if target.startswith("/") else workdir / target
            for source in sources:
                path = ROOT / source
                if path.is_dir():
                    shutil.copytree(path, destination, dirs_exist_ok=True, ignore=_ignored)
                else:
                    destination.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, destination / path.name)
        elif keyword == "RUN":
            proc = subprocess.run(
                ["bash", "-ec", moved(argument, root)],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=1500,
            )
            assert proc.returncode == 0, (
                f"RUN {argument[:80]} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        else:
            assert keyword in ("EXPOSE", "LABEL", "ARG"), f"{keyword} is not simulated"
    return env


def _ignored(_directory: str, names: list[str]) -> list[str]:
    return [n for n in names if n in ("__pycache__", ".pytest_cache") or n.endswith(".pyc")]


def test_dockerfile_builds_and_runs_as_a_script(tmp_path):
    stages = parse(DOCKERFILE.read_text())
    builder, runtime = stages[0], stages[-1]
    assert builder.base == runtime.base == "python:3.13-slim"
    root = tmp_path / "image"
    root.mkdir()
    build(builder, root)

    venv_bin = root / "opt" / "prguard" / "bin"
    for program in ("prguard", "gunicorn", "celery", "semgrep"):
        assert (venv_bin / program).is_file(), f"{program} is not installed in the image"
    probe = subprocess.run(
        [
            str(venv_bin / "python"),
            "-c",
            "import opentelemetry.sdk.trace, prguard.analyzers.semgrep; print('ok')",
        ],
        capture_output=True,
        text=True,
    )
    assert probe.stdout.strip() == "ok", probe.stderr
    db = subprocess.run([str(venv_bin / "prguard"), "db", "--help"], capture_output=True, text=True)
    assert db.returncode == 0, db.stderr  # the migration step's command (compose `migrate`, k8s init)

    # the runtime stage: not root, a health check, and its command serving what the check asks for
    user = runtime.last("USER")
    assert user and user.isdigit() and int(user) != 0, f"USER {user!r}: the image must not run as root"
    healthcheck = runtime.last("HEALTHCHECK")
    assert healthcheck and " CMD " in f" {healthcheck} "
    command = json.loads(runtime.last("CMD"))  # the exec (JSON) form
    port = free_port()
    command = [
        str(venv_bin / command[0]),
        *(a.replace("0.0.0.0:8000", f"127.0.0.1:{port}") for a in command[1:]),
    ]
    key = make_app_key()
    run_env = {
        "PATH": f"{venv_bin}{os.pathsep}/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "GITHUB_APP_ID": str(key.app_id),
        "GITHUB_PRIVATE_KEY": key.private_pem,
        "GITHUB_WEBHOOK_SECRET": f"whsec-{uuid.uuid4().hex}",
        "REDIS_URL": "redis://127.0.0.1:6379/8",
    }
    (tmp_path / "prometheus").mkdir()
    web = subprocess.Popen(
        command, cwd=tmp_path, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        check = healthcheck.split(" CMD ", 1)[1].replace("127.0.0.1:8000", f"127.0.0.1:{port}")

        def healthy() -> bool:
            return subprocess.run(["bash", "-c", check], env=run_env, capture_output=True).returncode == 0

        wait_until(healthy, 60, "the image's HEALTHCHECK to pass against its CMD", interval=0.5)
    finally:
        web.send_signal(signal.SIGTERM)
        try:
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            web.kill()
