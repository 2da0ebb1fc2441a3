"""How ``tenantlog serve``'s supervisor spaces restarts and names how a child ended."""

from __future__ import annotations

import signal
import subprocess
import sys

from tenantlog.cli.supervisor import RestartPolicy, children, describe


def test_restart_delay_doubles_with_each_failure_to_start_up_to_the_cap() -> None:
    policy = RestartPolicy(first_delay=0.5, max_delay=10)
    # a child that had been running a while (0 quick failures) waits the first delay too
    delays = [policy.delay(n) for n in range(8)]
    assert delays == [0.5, 0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_exit_status_in_words() -> None:
    assert describe(-signal.SIGKILL) == "killed by SIGKILL"
    assert describe(1) == "exit code 1"
    assert describe(0) == "exit code 0"
    assert describe(-200) == "killed by signal 200"


def test_one_api_child_and_one_child_per_worker_process_each_tied_to_the_supervisor() -> None:
    specs = children(3, "/usr/bin/python3", 42)
    assert [spec.name for spec in specs] == ["api", "worker 1", "worker 2", "worker 3"]
    assert all(spec.argv[-1] == "42" for spec in specs)
    assert [spec.argv[-2] for spec in specs] == ["api", "worker", "worker", "worker"]


# A supervisor of one child that never installs a SIGTERM handler (a worker still
# importing), stopped by SIGTERM: the child dies by the signal's default action.
_STARTING_CHILD = """
import os, signal, sys, threading
from tenantlog.cli.supervisor import ChildSpec, Supervisor

child = ChildSpec("worker 1", (sys.executable, "-c", "import time; time.sleep(60)"))
supervisor = Supervisor([child], stop_timeout=10)
threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM)).start()
sys.exit(supervisor.run())
"""


def test_a_child_still_starting_when_sigterm_comes_is_a_clean_stop() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _STARTING_CHILD], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
