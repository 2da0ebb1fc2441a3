"""The service runs where uvloop is not installed (Windows, PyPy) and where the loop has no
signal handlers (Windows).

Neither platform is in CI, so these tests stage each fault on this one: uvloop is made
unimportable, and the loop's ``add_signal_handler`` raises as Windows' loops do.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.applications import Starlette

from tenantlog.cli.running import _Server, _stop_on_signals
from tenantlog.process import new_event_loop


async def _running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def _loop_serve_runs_on() -> asyncio.AbstractEventLoop:
    """The loop a coroutine gets when run as ``tenantlog.cli.running.run`` runs serve()."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(_running_loop())


def test_new_event_loop_falls_back_to_asyncio_without_uvloop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN uvloop cannot be imported, as where the package does not install it
    monkeypatch.setitem(sys.modules, "uvloop", None)
    # WHEN the service's loop is made and runs a coroutine
    loop = _loop_serve_runs_on()
    # THEN it is the standard library's loop
    assert isinstance(loop, asyncio.BaseEventLoop)


def test_new_event_loop_is_uvloop_where_installed() -> None:
    uvloop = pytest.importorskip("uvloop")

    assert isinstance(_loop_serve_runs_on(), uvloop.Loop)


@pytest.fixture
def restore_stop_signals() -> Iterator[None]:
    """The test installs process-wide handlers; later tests must get the originals back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.usefixtures("restore_stop_signals")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_on_signals_drains_where_the_loop_has_no_signal_handlers(
    monkeypatch: pytest.MonkeyPatch, sig: signal.Signals
) -> None:
    stopping = asyncio.Event()
    server = _Server(uvicorn.Config(Starlette()))

    async def receive_signal() -> None:
        # GIVEN a loop whose add_signal_handler is not implemented, as on Windows
        loop = asyncio.get_running_loop()

        def not_implemented(*_: object) -> None:
            raise NotImplementedError

        monkeypatch.setattr(loop, "add_signal_handler", not_implemented)
        _stop_on_signals(stopping, [server])
        # WHEN the process gets the signal
        signal.raise_signal(sig)
        await asyncio.wait_for(stopping.wait(), timeout=5)

    asyncio.run(receive_signal())
    # THEN the worker is told to drain and the server to exit
    assert stopping.is_set()
    assert server.should_exit
