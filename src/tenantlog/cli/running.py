"""Running the API or the worker in this process (``tenantlog serve`` starts one of each).

Signals are handled here rather than by uvicorn, so that SIGTERM and SIGINT
mean one thing in every mode: stop taking work, finish or release what is in
flight, close the database, and exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator
from typing import Any, NoReturn

import uvicorn

from tenantlog.backends import Backends, open_backends
from tenantlog.core.processing import Processor
from tenantlog.core.tenant_policies import TenantPolicies
from tenantlog.http.app import UnsafeStart, check_reachable_auth, create_app
from tenantlog.http.connections import http_protocol, raise_open_file_limit
from tenantlog.process import (
    CONFIGURATION_ERROR,
    configure_logging,
    freeze_startup_heap,
    new_event_loop,
)
from tenantlog.settings import Settings
from tenantlog.store.sqlite import SqliteStore
from tenantlog.worker import Worker

log = logging.getLogger("tenantlog")


class _Server(uvicorn.Server):
    """uvicorn's server without its own signal handling (ours stops API and worker together)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's settings for every way tenantlog serves HTTP."""
    return {
        "host": settings.host,
        "port": settings.port,
        "loop": "auto",  # uvloop where installed, else asyncio
        # httptools where installed, else h11, closing a connection whose request
        # head is not in within header_timeout and answering JSON at the cap
        "http": http_protocol(settings.header_timeout),
        "ws": "none",  # no WebSocket routes: an Upgrade request is plain HTTP
        "access_log": False,
        "proxy_headers": False,  # tenantlog never reads the client address
        "log_level": settings.log_level,
        "timeout_graceful_shutdown": int(settings.shutdown_grace),
        # A request arriving while this many connections (or requests) are open
        # gets a JSON 503 and its connection closed. A connection whose request
        # head is not in within header_timeout is closed; idle keep-alive
        # connections close after uvicorn's timeout_keep_alive (5 s); a body
        # that is slow to arrive gets 408 from /ingest (request_timeout).
        "limit_concurrency": settings.max_connections,
    }


def make_worker(settings: Settings, backends: Backends) -> Worker:
    return Worker(
        backends.queue,
        Processor(
            backends.store,
            settings.redactor(),
            settings.processing_policy(),
            tenant_policy=TenantPolicies(backends.tenants, settings.tenant_defaults()).policy,
            erase_messages=backends.queue.erase_tenant,
        ),
        batch_size=settings.batch_size,
        max_batches=settings.worker_concurrency,
        visibility_timeout=settings.visibility_timeout,
        shutdown_grace=settings.shutdown_grace,
        usage=backends.usage,
    )


def _stop_on_signals(stopping: asyncio.Event, on_stop: list[_Server]) -> None:
    loop = asyncio.get_running_loop()

    def stop(signame: str) -> None:
        log.info("%s received: draining", signame)
        stopping.set()
        for server in on_stop:
            server.should_exit = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop, sig.name)
        except NotImplementedError:
            # Windows' event loops have no signal handlers: a plain one hands
            # the signal over to the loop, which is woken up to run stop.
            signal.signal(
                sig,
                lambda signum, _: loop.call_soon_threadsafe(stop, signal.Signals(signum).name),
            )


async def serve(settings: Settings, *, with_api: bool = True, with_worker: bool = True) -> None:
    """Run the API, the worker, or both in this process until SIGTERM/SIGINT."""
    backends = await open_backends(settings)
    if with_api:
        try:
            await check_reachable_auth(settings, backends)
        except BaseException:
            await backends.close()
            raise
    stopping = asyncio.Event()
    servers: list[_Server] = []
    if with_api:
        raise_open_file_limit(settings.max_connections)
        app = create_app(settings, backends)
        servers.append(_Server(uvicorn.Config(app, lifespan="off", **server_options(settings))))
    _stop_on_signals(stopping, servers)
    freeze_startup_heap()
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    if with_worker:
        tasks.append(asyncio.create_task(make_worker(settings, backends).run(stopping)))
        if isinstance(backends.store, SqliteStore):  # DynamoDB deletes expired logs by TTL
            tasks.append(asyncio.create_task(backends.store.run_purge(stopping)))
            tasks.append(asyncio.create_task(backends.store.run_text_index(stopping)))
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()
    finally:
        stopping.set()
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        await backends.close()
    log.info("stopped cleanly")


def run(settings: Settings, *, with_api: bool = True, with_worker: bool = True) -> None:
    configure_logging(settings.log_level)
    try:
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            runner.run(serve(settings, with_api=with_api, with_worker=with_worker))
    except UnsafeStart as exc:
        _refuse(exc)


def _refuse(exc: UnsafeStart) -> NoReturn:
    """Exit with the code of a refused setting, so that ``serve`` does not restart us."""
    print(f"error: {exc}", file=sys.stderr)
    raise SystemExit(CONFIGURATION_ERROR)


async def _check_before_forking(settings: Settings) -> None:
    backends = await open_backends(settings)
    try:
        await check_reachable_auth(settings, backends)
    finally:
        await backends.close()


def run_api_processes(settings: Settings) -> None:
    """Several API processes on one port (uvicorn's supervisor), each with its own backends.

    The worker processes import the app by name and read their settings from
    the environment, so the caller exports any CLI overrides first.
    """
    configure_logging(settings.log_level)
    try:  # here, once, rather than as a start-up failure in every worker process
        asyncio.run(_check_before_forking(settings))
    except UnsafeStart as exc:
        _refuse(exc)
    raise_open_file_limit(settings.max_connections)  # the worker processes inherit it
    uvicorn.run(
        "tenantlog.http.app:app_from_environment",
        factory=True,
        workers=settings.api_workers,
        lifespan="on",
        **server_options(settings),
    )
