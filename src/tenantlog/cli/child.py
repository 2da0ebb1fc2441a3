"""How ``tenantlog serve`` starts its children: ``tenantlog api`` or ``worker``, tied to it.

A supervisor killed by SIGKILL cannot stop its children, and an orphaned API
would keep the port while an orphaned worker kept taking messages beside the
next ``serve``. On Linux the kernel sends a child SIGTERM when its parent dies
(``PR_SET_PDEATHSIG``), and SIGTERM drains it as it drains any process. On
other systems a child outlives a killed supervisor, as a process started by
hand would.

Usage: ``python -m tenantlog.cli.child (api|worker) <supervisor pid>``.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

#: prctl(2) option: the signal this process gets when its parent ends.
PR_SET_PDEATHSIG = 1


def die_with(parent: int) -> None:
    """Ask for SIGTERM when the supervisor ends; exit now if it already has."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    # The parent may have died before the request took effect: then nobody
    # would ever send the signal, and nobody waits for this process either.
    if os.getppid() != parent:
        raise SystemExit(0)


def main(argv: list[str]) -> None:
    command, parent = argv
    die_with(int(parent))
    from tenantlog.cli.main import app

    app([command], prog_name="tenantlog")


if __name__ == "__main__":
    main(sys.argv[1:])
