"""Every deployment file in the repository is parsed, and every command in it must be a real entry point.

Docker is not available on this machine (no engine), so images are not built:
instead the Dockerfile's COPY sources must exist and its commands are checked
like the others. What "real" means per program:
- gunicorn: `-c python:MODULE` imports; the `module:factory()` app spec builds a Flask app
- celery: `-A MODULE` holds a Celery app; `-Q` names queues workers/celery_app.py routes to
- prguard: the subcommand exists in the CLI
Probe paths must be routes of the Flask app; env var names must be ones workers/config.py documents.
"""

from __future__ import annotations

import configparser
import importlib
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from celery import Celery
from prguard.cli import COMMANDS, build_parser
from prguard.config import ENV_VARS
from prguard.queue.celery_app import ANALYZE_QUEUE, WRITE_QUEUE

from tests.spine_helpers import make_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
QUEUES = {ANALYZE_QUEUE, WRITE_QUEUE}


@pytest.fixture(scope="module")
def url_rules() -> set[str]:
    import redis
    from prguard.app import create_app

    # never contacted: building the app only registers its routes
    app = create_app(make_settings("redis://127.0.0.1:6379/14"), redis_client=redis.Redis(db=14))
    return {rule.rule for rule in app.url_map.iter_rules()}


def _check_command(argv: list[str]) -> str:
    """Assert argv runs a real prguard entry point; returns the program's name."""
    argv = [a for a in argv if a]
    program = Path(argv[0]).name
    if program in ("sh", "bash") and argv[1] == "-c":
        return _check_command(shlex.split(argv[2]))
    if program == "exec":
        return _check_command(argv[1:])
    if program == "gunicorn":
        config = [argv[i + 1] for i, a in enumerate(argv) if a in ("-c", "--config")]
        for spec in config:
            assert spec.startswith("python:"), spec
            module = importlib.import_module(spec.removeprefix("python:"))
            assert hasattr(module, "on_starting")
        specs = [
            a
            for a in argv[1:]
            if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*(\(\))?", a) and not a.startswith("python:")
        ]
        assert len(specs) == 1, f"one app spec expected in {argv}"
        module_name, _, attr = specs[0].partition(":")
        factory = getattr(importlib.import_module(module_name), attr.removesuffix("()"))
        assert callable(factory) and attr.endswith("()"), "gunicorn must call the app factory"
        assert "--bind" in argv or any(a.startswith("--bind=") for a in argv)
    elif program == "celery":
        module = importlib.import_module(argv[argv.index("-A") + 1])
        assert isinstance(module.celery_app, Celery)
        if "worker" in argv:
            queues = set(argv[argv.index("-Q") + 1].split(","))
            assert queues == QUEUES, f"a worker must consume {QUEUES}, got {queues}"
        elif "beat" in argv:
            assert module.celery_app.conf.beat_schedule, "beat needs the ledger's schedule"
            assert "--schedule" in argv, "beat's schedule file goes where it may write"
        else:
            assert "inspect" in argv or "status" in argv, argv
    elif program == "prguard":
        assert argv[1] in COMMANDS
        build_parser().parse_args(argv[1:])
    elif program in ("redis-server", "redis-cli"):
        pass
    elif program == "python":
        assert argv[1] == "-c"
        compile(argv[2], "<probe>", "exec")
    else:
        raise AssertionError(f"unknown program {program!r} in {argv}")
    return program


def _check_env(names) -> None:
    unknown = set(names) - set(ENV_VARS)
    assert not unknown, f"env vars not documented in workers/config.py ENV_VARS: {unknown}"


# -- Procfile ----------------------------------------------------------------------------------------


def test_procfile_runs_web_worker_and_beat():
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            entries[name.strip()] = command.strip()
    assert set(entries) == {"web", "worker", "beat"}
    programs = {}
    for name, command in entries.items():
        words = shlex.split(command)
        assignments = [w for w in words if re.fullmatch(r"[A-Z_]+=\S+", w)]
        _check_env(a.split("=", 1)[0] for a in assignments)
        _check_env(re.findall(r"\$\{(\w+)", command))
        programs[name] = _check_command([w for w in words if w not in assignments])
    assert programs == {"web": "gunicorn", "worker": "celery", "beat": "celery"}


# -- Dockerfile and docker-compose -------------------------------------------------------------------


def test_dockerfile_copies_real_paths_and_runs_the_web_entry_point():
    text = (DEPLOY / "Dockerfile").read_text()
    logical = re.sub(r"\\\n\s*", " ", text)
    copies = [line.split()[1:-1] for line in logical.splitlines() if line.startswith("COPY ")]
    sources = [s for parts in copies if not any(p.startswith("--from") for p in parts) for s in parts]
    assert sources, "the Dockerfile copies the sources"
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such path in the repository"
    for package in ("app", "workers", "policies", "pyproject.toml"):
        assert package in sources
    [cmd] = [line for line in logical.splitlines() if line.startswith("CMD ")]
    assert _check_command(json.loads(cmd.removeprefix("CMD "))) == "gunicorn"
    envs = re.findall(
        r"(?:^|\s)([A-Z_]+)=", "\n".join(line for line in logical.splitlines() if line.startswith("ENV "))
    )
    _check_env(e for e in envs if not e.startswith(("PYTHON", "PIP_")) and e != "PATH")
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and "*.pem" in ignored  # credentials never reach an image layer


def test_docker_compose_services(url_rules):
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "redis", "postgres", "migrate"}
    redis_cmd = services["redis"]["command"]
    assert redis_cmd[redis_cmd.index("--maxmemory-policy") + 1] == "noeviction"
    assert redis_cmd[redis_cmd.index("--appendonly") + 1] == "yes"
    assert any(v.endswith(":/data") for v in services["redis"]["volumes"])
    assert "redis-data" in compose["volumes"]
    assert _check_command(services["web"]["command"]) == "gunicorn"
    assert _check_command(services["worker"]["command"]) == "celery"
    assert _check_command(services["beat"]["command"]) == "celery"
    # the ledger's schema is migrated before anything that uses it starts
    assert services["migrate"]["command"] == ["prguard", "db", "upgrade"]
    assert _check_command(services["migrate"]["command"]) == "prguard"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert (
            services[name]["environment"]["DATABASE_URL"]
            == services["migrate"]["environment"]["DATABASE_URL"]
        )
    _check_env(services["beat"]["environment"])
    _check_env(services["migrate"]["environment"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["postgres"]["volumes"])
    assert services["web"]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (DEPLOY / services["web"]["build"]["context"]).resolve() == ROOT
    for name in ("web", "worker"):
        _check_env(services[name]["environment"])
        test = services[name]["healthcheck"]["test"]
        assert test[0] == "CMD" and _check_command(test[1:]) == "python"
    web_probe = services["web"]["healthcheck"]["test"][-1]
    assert re.search(r"127\.0\.0\.1:8000(/\w+)", web_probe).group(1) in url_rules
    for secret in compose["secrets"].values():
        assert (DEPLOY / secret["file"]).resolve().parent == ROOT


# -- Kubernetes ----------------------------------------------------------------------------------------


def _k8s_documents():
    docs = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc["kind"] != "Kustomization":
                docs.append((path.name, doc))
    return docs


def test_kubernetes_manifests(url_rules):
    docs = _k8s_documents()
    kinds = {(doc["kind"], doc["metadata"]["name"]) for _, doc in docs}
    for needed in [
        ("Deployment", "prguard-web"),
        ("Deployment", "prguard-worker"),
        ("Service", "prguard-web"),
        ("Secret", "prguard-github"),
        ("HorizontalPodAutoscaler", "prguard-worker"),
        ("Deployment", "prguard-beat"),
    ]:
        assert needed in kinds
    by_name = {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in docs}
    kustomization = yaml.safe_load((DEPLOY / "kubernetes" / "kustomization.yaml").read_text())
    assert {p for p in kustomization["resources"]} == {
        p.name for p in (DEPLOY / "kubernetes").glob("*.yaml") if p.name != "kustomization.yaml"
    }
    config = by_name[("ConfigMap", "prguard-config")]["data"]
    _check_env(config)
    secret_keys = set(by_name[("Secret", "prguard-github")]["stringData"])

    for component, program in (("prguard-web", "gunicorn"), ("prguard-worker", "celery")):
        deployment = by_name[("Deployment", component)]
        spec = deployment["spec"]["template"]["spec"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= (
            deployment["spec"]["template"]["metadata"]["labels"].items()
        )
        [container] = spec["containers"]
        assert _check_command(container["command"]) == program
        [migrate] = spec["initContainers"]  # the ledger's schema before the pod serves
        assert migrate["command"] == ["prguard", "db", "upgrade"] and _check_command(migrate["command"])
        for env in migrate["env"] + container["env"]:
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if env["name"] == "DATABASE_URL":
                assert ref["key"] in secret_keys
        _check_env(e["name"] for e in container.get("env", []))
        for env in container.get("env", []):
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["key"] in secret_keys
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(
            resources["limits"]
        )
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        for probe_name in ("livenessProbe", "readinessProbe"):
            probe = container[probe_name]
            if "httpGet" in probe:
                port = probe["httpGet"]["port"]
                assert port in ports
                if program == "gunicorn":
                    assert probe["httpGet"]["path"] in url_rules
                else:
                    assert ports[port] == 9100
                    assert {"name": "WORKER_METRICS_PORT", "value": "9100"} in container["env"]
            else:
                _check_command(probe["exec"]["command"])
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        assert config["GITHUB_PRIVATE_KEY_PATH"].startswith(mounts["github-key"] + "/")
        assert config["PROMETHEUS_MULTIPROC_DIR"] == mounts["metrics"]
        key_volume = next(v for v in spec["volumes"] if v["name"] == "github-key")
        assert key_volume["secret"]["secretName"] == "prguard-github"
        assert key_volume["secret"]["items"][0]["key"] in secret_keys
    service = by_name[("Service", "prguard-web")]
    web_labels = by_name[("Deployment", "prguard-web")]["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= web_labels.items()
    hpa = by_name[("HorizontalPodAutoscaler", "prguard-worker")]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "prguard-worker"
    assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    redis_args = by_name[("StatefulSet", "prguard-redis")]["spec"]["template"]["spec"]["containers"][0][
        "args"
    ]
    assert redis_args[redis_args.index("--maxmemory-policy") + 1] == "noeviction"
    assert config["REDIS_URL"].startswith("redis://prguard-redis:")
    beat = by_name[("Deployment", "prguard-beat")]
    assert beat["spec"]["replicas"] == 1 and beat["spec"]["strategy"]["type"] == "Recreate"
    [beat_container] = beat["spec"]["template"]["spec"]["containers"]
    assert _check_command(beat_container["command"]) == "celery"
    schedule = beat_container["command"][beat_container["command"].index("--schedule") + 1]
    assert any(schedule.startswith(m["mountPath"] + "/") for m in beat_container["volumeMounts"])


# -- systemd ---------------------------------------------------------------------------------------------


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text())
    return parser


def test_systemd_units():
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert [u.name for u in units] == [
        "prguard-beat.service",
        "prguard-web.service",
        "prguard-worker.service",
    ]
    programs = []
    for path in units:
        unit = _unit(path)
        service = unit["Service"]
        programs.append(_check_command(shlex.split(service["ExecStart"])))
        for before in [v for k, v in service.items() if k == "ExecStartPre"]:
            _check_command(shlex.split(before))
        assert service["EnvironmentFile"].endswith(".env")
        assert service["User"] == "prguard"
        assert unit["Install"]["WantedBy"] == "multi-user.target"
        environment = [
            line.split("=", 1)[1] for line in path.read_text().splitlines() if line.startswith("Environment=")
        ]
        _check_env(assignment.split("=", 1)[0] for assignment in environment)
        runtime = service["RuntimeDirectory"]
        data_dir = next(a for a in environment if a.startswith("PRGUARD_DATA_DIR="))
        assert data_dir.split("=", 1)[1] in service["ReadWritePaths"].split()  # the SQLite ledger's home
        if path.name == "prguard-beat.service":
            continue
        multiproc = next(a for a in environment if a.startswith("PROMETHEUS_MULTIPROC_DIR="))
        assert multiproc.split("=", 1)[1].startswith(f"/run/{runtime}/")
    assert programs == ["celery", "gunicorn", "celery"]
    web = _unit(DEPLOY / "systemd" / "prguard-web.service")["Service"]
    assert shlex.split(web["ExecStartPre"])[1:] == ["db", "upgrade"]


def test_every_file_in_deploy_is_checked():
    checked = {
        "Dockerfile", "docker-compose.yml", "github-app-manifest.json", "kubernetes", "systemd", "docs",
    }  # fmt: skip
    assert {p.name for p in DEPLOY.iterdir()} <= checked
