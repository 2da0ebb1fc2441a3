"""``tenantlog serve``: the API and the workers in processes of their own, kept running.

Redaction and the worker's bookkeeping are Python CPU work. In one process
they hold the interpreter, and with it the event loop that answers
``/ingest``, for as long as each batch takes; in separate processes the API
answers on one core while the workers use the others. The supervisor is
the small process that makes that one command again:

* it starts ``tenantlog api`` (itself several processes on one port when
  ``TENANTLOG_API_WORKERS`` says so, by uvicorn's own supervisor) and as
  many ``tenantlog worker`` as ``TENANTLOG_SERVE_WORKER_PROCESSES`` says,
  which read their settings from the environment it passes on;
* a child that dies is started again after a backoff, with a log line
  naming it and how it ended. Nothing accepted is lost meanwhile: the queue
  holds what the API acknowledged, and a message a dead worker held
  reappears after its visibility timeout;
* a child that dies soon after starting, several times in a row (a port
  already taken, a database it cannot open), is not restarted forever:
  the supervisor stops the others and exits 1 with the reason. A child that
  exits with ``CONFIGURATION_ERROR`` refused a setting, which no restart
  will change, so the supervisor gives up at once;
* SIGTERM or SIGINT is passed on as SIGTERM: the API stops accepting and
  finishes its requests, the workers finish or release their batches, and
  the supervisor exits 0 once every child has exited 0. A child that SIGTERM
  ends by its default action was still starting (its handler is installed
  before it accepts or claims anything), so it had nothing to drain: that
  is a clean stop too.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType

from tenantlog.process import CONFIGURATION_ERROR, configure_logging

log = logging.getLogger("tenantlog.supervisor")


@dataclass(frozen=True)
class ChildSpec:
    """A child to keep running: its name in log lines, and its command line."""

    name: str
    argv: tuple[str, ...]


@dataclass(frozen=True)
class RestartPolicy:
    """When a dead child is started again, and when the supervisor stops trying."""

    first_delay: float = 0.5
    max_delay: float = 10.0
    #: A child that dies sooner than this after it started failed to start.
    quick: float = 10.0
    #: Failures to start in a row after which the supervisor gives up.
    max_quick_failures: int = 5

    def delay(self, quick_failures: int) -> float:
        """Doubling with each failure to start in a row, so a crash loop costs little."""
        return float(min(self.first_delay * 2 ** max(quick_failures - 1, 0), self.max_delay))


def describe(returncode: int) -> str:
    """How a process ended, in words (Popen gives a signal as a negative code)."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


@dataclass
class _Child:
    spec: ChildSpec
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    quick_failures: int = 0
    restart_at: float | None = None


class Supervisor:
    """Keeps its children running until a signal, then stops them and reports how they ended."""

    def __init__(
        self,
        children: Sequence[ChildSpec],
        *,
        stop_timeout: float,
        policy: RestartPolicy | None = None,
        poll_interval: float = 0.1,
    ) -> None:
        self._children = [_Child(spec) for spec in children]
        self._stop_timeout = stop_timeout
        self._policy = policy or RestartPolicy()
        self._poll_interval = poll_interval
        self._signal: str | None = None
        self._failure: str | None = None

    def run(self) -> int:
        """Supervise until SIGTERM/SIGINT or a child that cannot start; the exit code."""
        watched = (signal.SIGTERM, signal.SIGINT)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in watched}
        try:
            for child in self._children:
                self._start(child)
            while self._signal is None and self._failure is None:
                self._check(time.monotonic())
                time.sleep(self._poll_interval)
            return self._stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self._signal is None:
            log.info("%s received: stopping every process", name)
            self._signal = name

    def _start(self, child: _Child) -> None:
        # Standard output and error are this process's, so children's lines
        # reach the same terminal or journal with no copying.
        child.process = subprocess.Popen(child.spec.argv)
        child.started = time.monotonic()
        child.restart_at = None
        log.info("%s process started (pid %d)", child.spec.name, child.process.pid)

    def _check(self, now: float) -> None:
        for child in self._children:
            if child.process is not None:
                code = child.process.poll()
                if code is not None:
                    self._exited(child, code, now)
            elif child.restart_at is not None and now >= child.restart_at:
                self._start(child)

    def _exited(self, child: _Child, code: int, now: float) -> None:
        assert child.process is not None
        name, pid, lived = child.spec.name, child.process.pid, now - child.started
        child.process = None
        if code == CONFIGURATION_ERROR:
            self._give_up(f"the {name} process (pid {pid}) refused its settings ({describe(code)})")
            return
        child.quick_failures = child.quick_failures + 1 if lived < self._policy.quick else 0
        if child.quick_failures >= self._policy.max_quick_failures:
            self._give_up(
                f"the {name} process failed {child.quick_failures} times in a row within"
                f" {self._policy.quick:g} s of starting (last: pid {pid}, {describe(code)})"
            )
            return
        delay = self._policy.delay(child.quick_failures)
        child.restart_at = now + delay
        log.warning(
            "%s process (pid %d) %s after %.1f s; starting it again in %.1f s",
            name,
            pid,
            describe(code),
            lived,
            delay,
        )

    def _give_up(self, reason: str) -> None:
        self._failure = reason
        log.error("%s: giving up, stopping every process", reason)

    def _stop(self) -> int:
        """SIGTERM to every child, then wait for each to drain (killed past the deadline)."""
        running = [child for child in self._children if child.process is not None]
        for child in running:
            assert child.process is not None
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self._stop_timeout
        clean = True
        for child in running:
            assert child.process is not None
            process, name = child.process, child.spec.name
            try:
                code = process.wait(max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                log.error(
                    "%s process (pid %d) still running %g s after SIGTERM: killing it",
                    name,
                    process.pid,
                    self._stop_timeout,
                )
                process.kill()
                process.wait()
                clean = False
                continue
            if code == -signal.SIGTERM:
                log.info("%s process (pid %d) stopped while starting", name, process.pid)
            elif code != 0:
                log.error("%s process (pid %d) stopped with %s", name, process.pid, describe(code))
                clean = False
        if self._failure is not None:
            return 1
        if clean:
            log.info("every process stopped cleanly")
            return 0
        return 1


def children(worker_processes: int, python: str, parent: int) -> list[ChildSpec]:
    """The API and each worker, by name.

    There is one API child whatever ``TENANTLOG_API_WORKERS`` says: it reads
    that setting itself and, above 1, keeps its processes on the one port
    with uvicorn's supervisor, as ``tenantlog api --workers N`` does.
    """
    entry = (python, "-m", "tenantlog.cli.child")
    specs = [ChildSpec("api", (*entry, "api", str(parent)))]
    for n in range(1, worker_processes + 1):
        name = "worker" if worker_processes == 1 else f"worker {n}"
        specs.append(ChildSpec(name, (*entry, "worker", str(parent))))
    return specs


def main(argv: list[str]) -> None:
    """``tenantlog serve`` once its settings are checked and exported (it execs this).

    Arguments: worker processes, log level, seconds the children may take to drain.
    """
    worker_processes, level, stop_timeout = int(argv[0]), argv[1], float(argv[2])
    configure_logging(level)
    specs = children(worker_processes, sys.executable, os.getpid())
    raise SystemExit(Supervisor(specs, stop_timeout=stop_timeout).run())


if __name__ == "__main__":
    main(sys.argv[1:])
