"""gunicorn hooks and logging for prguard's web.

Used as `gunicorn -c python:prguard.app.gunicorn_conf 'prguard.app:create_app()'`.

Only hooks and logging live here; the bind address, worker counts and timeouts
stay on the command line (Procfile, compose, Kubernetes, systemd) where
operators see them. Settings an older gunicorn does not know are ignored.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.glogging import Logger
from prguard import metrics


class AccessLogger(Logger):
    """gunicorn's logger, minus the access line when nothing would write it.

    With any log config set (this file's `logconfig_dict`), gunicorn builds every
    request's access-log atoms (environ walk, time formatting) and only then
    hands them to a logger that has no handler: about 6% of a web worker's CPU
    per webhook (this file's config gives that logger no handler, so even
    `--access-logfile` wrote nothing before). Access lines are built and written
    as before whenever `gunicorn.access` has a handler (an operator's own log config).
    """

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        if self.access_log.isEnabledFor(logging.INFO) and self.access_log.hasHandlers():
            super().access(resp, req, environ, request_time)


logger_class = AccessLogger

# gunicorn's own lines (boot, worker exits, timeouts) in the same JSON shape as prguard's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "prguard.logs.JsonFormatter"}},
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
