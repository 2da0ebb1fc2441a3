"""The baseline for bench/ingest.py: a bare ASGI app that parses the JSON body and answers 202.

It does no validation and no durable enqueue: it is the ceiling of what the
server stack (uvicorn + uvloop + httptools) can answer on one core, so the
ratio to it shows what tenantlog's own work costs.
"""

from __future__ import annotations

from typing import Any

import orjson

ACCEPTED = orjson.dumps({"status": "enqueued"})
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(ACCEPTED)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    orjson.loads(body)
    await send({"type": "http.response.start", "status": 202, "headers": HEADERS})
    await send({"type": "http.response.body", "body": ACCEPTED})
