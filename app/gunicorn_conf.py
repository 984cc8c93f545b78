"""gunicorn hooks and logging for prguard's web: `gunicorn -c python:app.gunicorn_conf 'app:create_app()'`.

Only hooks and logging live here; the bind address, worker counts and timeouts
stay on the command line (Procfile, compose, Kubernetes, systemd) where
operators see them. Settings an older gunicorn does not know are ignored.
"""

from __future__ import annotations

from typing import Any

from workers import metrics

# gunicorn's own lines (boot, worker exits, timeouts) in the same JSON shape as prguard's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "workers.logs.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}
# gunicorn >= 24 opens a control socket under $HOME by default: prguard does not use it, and several
# gunicorns on one host (or a read-only home under systemd) would trip over it.
control_socket_disable = True


def on_starting(server: Any) -> None:
    """Before the first worker forks: metrics of a previous run's processes no longer count."""
    metrics.reset_multiproc_dir()


def child_exit(server: Any, worker: Any) -> None:
    """A gunicorn worker ended (restart after --max-requests, crash): drop its live gauges."""
    metrics.process_exited(worker.pid)
