"""Query parameters and small JSON bodies every route reads the same way, and the 4xx
they raise."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from tenantlog.http.auth import PARSED_FORM, form_fields
from tenantlog.http.responses import error
from tenantlog.protocols.entries import media_type


class Refused(Exception):
    """A request a route answers with a 4xx; the message names what is wrong."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status

    def response(self) -> Response:
        return error(self.status, str(self))


def positive_int(params: QueryParams, name: str, default: int, most: int) -> int:
    """The query parameter ``name`` as an integer from 1 to ``most``, or ``default`` if absent.

    Strictly ASCII digits: ``str.isdigit`` also accepts ``²`` (which ``int``
    refuses) and ``int`` accepts ``٣``, ``+3``, `` 3`` and ``1_0``, none of
    which a client means as a number here. Leading zeros are stripped before
    converting so that a huge string never reaches ``int``'s digit limit.
    """
    raw = params.get(name)
    if raw is None:
        return default
    digits = raw.lstrip("0")
    if not (raw.isascii() and raw.isdigit()) or len(digits) > len(str(most)):
        raise Refused(400, f"{name} must be an integer from 1 to {most}")
    value = int(digits or "0")
    if not 1 <= value <= most:
        raise Refused(400, f"{name} must be an integer from 1 to {most}")
    return value


async def json_body(
    request: Request, media_types: tuple[str, ...], max_bytes: int, what: str
) -> Any:
    """A small JSON body (an admin's request): of one of ``media_types``, at most
    ``max_bytes`` (a 413 names it as ``what``), read no further than that."""
    if media_type(request.headers.get("content-type", "")) not in media_types:
        raise Refused(415, f"unsupported Content-Type. Use {' or '.join(media_types)}.")
    too_large = Refused(413, f"{what} larger than {max_bytes} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise too_large
    try:
        return orjson.loads(bytes(body))
    except orjson.JSONDecodeError:
        raise Refused(400, "invalid JSON payload") from None


#: A console form post at most: its forms have a handful of short fields.
MAX_FORM_BODY = 64 * 1024


async def form_body(request: Request, max_bytes: int = MAX_FORM_BODY) -> dict[str, list[str]]:
    """A urlencoded form's fields, read no further than ``max_bytes`` (a 413 past it);
    those the request policy parsed already when it read the form for its key or CSRF token."""
    parsed: dict[str, list[str]] | None = request.scope.get("state", {}).get(PARSED_FORM)
    if parsed is not None:
        return parsed
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise Refused(413, f"form larger than {max_bytes} bytes")
    return form_fields(bytes(body))
