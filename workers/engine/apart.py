"""Work run in a second process, beside the rest of the review.

A review's two halves need nothing of each other until the filters: the per-file analyzers
(security, complexity, instrumentation) read one file at a time, and the cross-file ones that
declare `runs_apart` (taint, impact) read every head tree at once. On a machine with a second
core, the engine forks once the trees are parsed: the child runs the cross-file analyzers and
sends back what each run left, while the parent runs the per-file analyzers. A review then
waits for the longer half, not for both.

The child shares the parsed trees copy-on-write and writes nothing but its pipe. Whatever goes
wrong there (a crash, a result that does not arrive whole) costs time only: the caller runs the
same work itself, so the findings are the same either way. Fork is used only where it is safe:
on Linux, from a process with one thread.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Apart:
    """A child process running named jobs; `result(name)` is each one's picklable result."""

    pid: int
    pipe: int
    names: frozenset[str]
    results: dict[str, Any] = field(default_factory=dict)
    collected: bool = False

    @classmethod
    def start(cls, jobs: Mapping[str, Callable[[], Any]]) -> Apart | None:
        """Fork a child that runs `jobs` in order (None when no child could be started: the
        caller runs them itself)."""
        if not jobs or not can_fork():
            return None
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:
            os.close(read_end)
            _child(jobs, write_end)  # never returns
        os.close(write_end)
        return cls(pid, read_end, frozenset(jobs))

    def result(self, name: str, wait: float | None = None) -> Any | None:
        """A job's result, waiting for the child if need be (at most `wait` seconds: then the child
        is stopped); None when it did not arrive."""
        self._collect(wait)
        return self.results.get(name)

    def abandon(self) -> None:
        """Stop the child (its results are no longer wanted)."""
        if not self.collected:
            self._stop()
            self._collect(None)

    def _stop(self) -> None:
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)

    def _collect(self, wait: float | None) -> None:
        if self.collected:
            return
        self.collected = True
        data = _read_all(self.pipe, wait)
        if data is None:  # no answer in time (a child stuck on a lock, say): stop it, run here
            self._stop()
            data = b""
        os.close(self.pipe)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        try:
            results = pickle.loads(data) if data else {}  # noqa: S301 - this review's own child wrote it
        except Exception:  # a result cut short: the caller runs the jobs itself
            results = {}
        self.results = results if isinstance(results, dict) else {}


def _read_all(fd: int, wait: float | None) -> bytes | None:
    """Everything until the writer closes its end; None when that takes more than `wait` seconds."""
    deadline = None if wait is None else time.monotonic() + wait
    chunks: list[bytes] = []
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    while True:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not poller.poll(None if left is None else left * 1000):
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def can_fork() -> bool:
    """Linux only (macOS system frameworks are not fork-safe), and never beside other threads
    (a lock one of them holds would stay held in the child)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def _child(jobs: Mapping[str, Callable[[], Any]], write_end: int) -> None:
    """Run the jobs, send their results, and leave without the parent's exit handlers or
    buffered output (os._exit)."""
    try:
        results = {name: job() for name, job in jobs.items()}
        data = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
        status = 0
    except BaseException:  # nothing may escape into the parent's code, run on in the child
        status = 1
    finally:
        os._exit(status)
