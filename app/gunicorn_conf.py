"""gunicorn server hooks for prguard's web process: `gunicorn -c python:app.gunicorn_conf 'app:create_app()'`.

Only hooks live here; the bind address, worker counts and timeouts stay on the
command line (Procfile, compose, Kubernetes, systemd) where operators see them.
"""

from __future__ import annotations

from typing import Any

from workers import metrics


def on_starting(server: Any) -> None:
    """Before the first worker forks: metrics of a previous run's processes no longer count."""
    metrics.reset_multiproc_dir()


def child_exit(server: Any, worker: Any) -> None:
    """A gunicorn worker ended (restart after --max-requests, crash): drop its live gauges."""
    metrics.process_exited(worker.pid)
