"""The console's pages, as one router (tenantlog.console.routes mounts it)."""

from __future__ import annotations

from starlette.routing import Route, Router

from tenantlog.backends import Backends
from tenantlog.console import static
from tenantlog.console.explorer import Explorer
from tenantlog.console.keys import KeyPages
from tenantlog.console.operations import Operations
from tenantlog.console.session import Session
from tenantlog.console.tenants import TenantPages
from tenantlog.http.policy import ClientAddress
from tenantlog.http.reads import Reads
from tenantlog.settings import Settings


def router(settings: Settings, backends: Backends, reads: Reads) -> Router:
    explorer = Explorer(reads, backends.usage.store)
    session = Session(ClientAddress(settings.trusted_proxies))
    operations = Operations(backends.queue, backends.audit, backends.usage.store)
    keys = KeyPages(backends.keys, backends.audit)
    tenants = TenantPages(backends.tenants, backends.usage.store, settings.tenant_defaults())
    return Router(
        [
            Route("/", explorer.home, methods=["GET"]),
            Route("/sign-in", session.form, methods=["GET"]),
            Route("/sign-in", session.sign_in, methods=["POST"]),
            Route("/sign-out", session.sign_out, methods=["POST"]),
            Route("/static/{name}", static.serve, methods=["GET"]),
            Route("/tenants/{tenant_id}/logs", explorer.logs, methods=["GET"]),
            Route("/tenants/{tenant_id}/logs/{log_id:path}", explorer.record, methods=["GET"]),
            Route("/tenants/{tenant_id}/tail", explorer.tail, methods=["GET"]),
            Route("/operations/", operations.overview, methods=["GET"]),
            Route("/operations/dead-letters/{action}", operations.confirm, methods=["GET"]),
            Route("/operations/dead-letters/{action}", operations.act, methods=["POST"]),
            Route("/operations/keys", keys.index, methods=["GET"]),
            Route("/operations/keys", keys.create, methods=["POST"]),
            Route("/operations/keys/{key_id}/revoke", keys.confirm_revoke, methods=["GET"]),
            Route("/operations/keys/{key_id}/revoke", keys.revoke, methods=["POST"]),
            Route("/operations/tenants", tenants.index, methods=["GET"]),
            Route("/operations/tenants/{tenant_id}", tenants.show, methods=["GET"]),
        ]
    )
