"""Process-wide choices and tuning shared by every long-running shell."""

import asyncio
import gc
import logging

#: A setting refused at start-up: ``tenantlog serve`` does not restart a process that exits so.
CONFIGURATION_ERROR = 2


def configure_logging(level: str) -> None:
    """One log format for every shell, the supervisor of ``serve`` included.

    It lives here rather than beside the servers so that the supervisor can
    log without importing the web stack it never runs.
    """
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop where it is installed, else asyncio's own.

    uvloop has no Windows or PyPy builds, so the package installs it only on
    CPython outside Windows (pyproject.toml's markers); elsewhere the service
    runs on the standard loop, slower but otherwise the same. The import is
    tried rather than looked up, so an installed but unloadable uvloop falls
    back too.
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def freeze_startup_heap() -> None:
    """Move everything allocated at start-up out of the garbage collector's sight.

    A full (generation 2) collection walks every live object; with the
    libraries loaded that is a pause of tens of milliseconds, which showed up
    as most of the p99 latency of /ingest in bench/ingest.py. Objects made
    later are collected as usual.
    """
    gc.collect()
    gc.freeze()
