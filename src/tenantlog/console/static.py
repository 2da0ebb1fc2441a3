"""The console's static files: a fixed allow-list read from the package once, at import.

URLs carry a digest of the content (``?v=``), so a browser may keep a file for
a year and still never runs an old script after an upgrade.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.resources import files

from starlette.requests import Request
from starlette.responses import Response

from tenantlog.http.responses import error

#: Every file the console serves, with its type; nothing else under static/ is reachable.
ALLOWED = {
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "htmx.min.js": "text/javascript; charset=utf-8",
}
PREFIX = "/console/static/"
_FOREVER = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    media_type: str
    digest: str  # a short hex digest of the body: the URL's version and the ETag


def _load() -> dict[str, StaticFile]:
    folder = files("tenantlog.console") / "static"
    loaded = {}
    for name, media_type in ALLOWED.items():
        body = (folder / name).read_bytes()
        loaded[name] = StaticFile(body, media_type, hashlib.sha256(body).hexdigest()[:16])
    return loaded


FILES = _load()


def url(name: str) -> str:
    """The URL of a static file, versioned by its content (KeyError for one not allowed)."""
    return f"{PREFIX}{name}?v={FILES[name].digest}"


async def serve(request: Request) -> Response:
    found = FILES.get(request.path_params["name"])
    if found is None:
        return error(404, "not found")
    etag = f'"{found.digest}"'
    current = request.query_params.get("v") == found.digest
    headers = {"ETag": etag, "Cache-Control": _FOREVER if current else _REVALIDATE}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)
