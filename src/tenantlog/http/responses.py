"""JSON answers; every error body is ``{"error": "<message>"}`` (DESIGN §2)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import Send

_JSON = (b"content-type", b"application/json")
#: The policy of the pages a browser renders (the console, /docs): scripts, styles and
#: connections from this origin only, no inline script or style, images also as data:
#: URIs, no framing. Those pages hold no inline scripts or handlers, which is what lets
#: it be this strict.
STRICT_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: With a 503: the store or queue behind the route did not answer; try again shortly.
RETRY_SOON = {"Retry-After": "5"}


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSON:
    return JSON({"error": message}, status_code=status, headers=headers)


def error_body(message: str) -> bytes:
    return orjson.dumps({"error": message})


async def send_json(
    send: Send, status: int, content: bytes, extra: list[tuple[bytes, bytes]]
) -> None:
    """A JSON answer straight on the ASGI channel, for the raw-ASGI paths (the request
    policy and /ingest) where building a Response object would cost more than the answer."""
    headers = [_JSON, (b"content-length", str(len(content)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
