"""The `prguard` command line: the same engine as the GitHub App, no GitHub, Redis or Celery.

Each subcommand is a module in this package with `register(subparsers)`; adding one
is adding a module and its name to COMMANDS. Exit status: 0 the gate passed, 1 it
failed, 2 usage, git or policy errors (message on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence

from prguard import codecache

codecache.install(sys.argv[1] if len(sys.argv) > 1 else "")  # first: the modules below define dataclasses

from prguard.cli.gitrepo import GitError  # noqa: E402
from prguard.engine.model import ENGINE_VERSION  # noqa: E402
from prguard.policies.model import PolicyError  # noqa: E402

COMMANDS = (
    "review",
    "policy",
    "rules",
    "authorship",
    "replay",
    "app",
    "action",
    "impact",
    "trace",
    "db",
    "digest",
)

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_ERROR = 2


class CliError(Exception):
    """A usage or input problem the user can fix; printed without a traceback."""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, just that subcommand's (importing every subcommand's module costs a
    run ~25 ms: the App registration's HTTP server, the replay's queue ...)."""
    parser = argparse.ArgumentParser(
        prog="prguard",
        description="Review a change the way the prguard GitHub App would, locally.",
    )
    parser.add_argument("--version", action="version", version=f"prguard {ENGINE_VERSION}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        if only is not None and name != only:
            continue
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue  # a subcommand another part of prguard has not shipped yet
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    as_program = argv is None  # the `prguard` executable; callers in a process pass their arguments
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_named(argv))
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except (CliError, PolicyError, GitError) as exc:
        _error(str(exc))
    except OSError as exc:
        _error(f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc))
    except KeyboardInterrupt:
        return 130
    finally:
        if as_program:
            _leave_heap_to_exit()
    return EXIT_ERROR


def _leave_heap_to_exit() -> None:
    """The process exits next: park everything the run built out of the cyclic collector's reach.

    A review leaves millions of objects (modules, the index, what analyzers cached); the collections
    that followed (the report, interpreter shutdown) walked them all for nothing, since exit frees the
    memory anyway: ~15% of a small review's CPU. Reports are written and closed before this.
    """
    gc.freeze()


def _command_named(argv: Sequence[str]) -> str | None:
    """The subcommand the arguments name, when the first one does (else the full parser answers)."""
    first = argv[0] if argv else ""
    return first if first in COMMANDS else None


def _error(message: str) -> None:
    print(f"prguard: error: {message}", file=sys.stderr)
