"""Encoded bodies, request caps and UTF-8 headers against a real ``tenantlog serve``, to storage."""

from __future__ import annotations

import gzip
import uuid
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest
import zstandard

from tests.support.server import wait_until

NDJSON = "application/x-ndjson"


def unique() -> str:
    return f"enc-{uuid.uuid4().hex[:12]}"


def stored_texts(client: httpx.Client, tenant: str, count: int) -> list[str]:
    """The texts of a tenant's stored logs, once the worker has written ``count`` of them."""

    def items() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = client.get(f"/tenants/{tenant}/logs").json()["items"]
        return found

    wait_until(lambda: len(items()) == count, seconds=15)
    return sorted(item["original_text"] for item in items())


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def post_lines(
    client: httpx.Client, tenant: str, parts: list[bytes], coding: str
) -> httpx.Response:
    return client.post(
        "/ingest",
        content=b"".join(parts),
        headers={"Content-Type": NDJSON, "X-Tenant-ID": tenant, "Content-Encoding": coding},
    )


def test_a_two_member_gzip_body_stores_both_lines(client: httpx.Client) -> None:
    # GIVEN an NDJSON body of two gzip members, as `cat a.gz b.gz` makes it
    tenant = unique()
    parts = [gzip.compress(b'{"text":"first line"}\n'), gzip.compress(b'{"text":"second line"}\n')]
    # WHEN it is posted
    response = post_lines(client, tenant, parts, "gzip")
    # THEN both lines are accepted and stored
    assert response.status_code == 202
    assert response.json()["count"] == 2
    assert stored_texts(client, tenant, 2) == ["first line", "second line"]


def test_a_two_frame_zstd_body_stores_both_lines(client: httpx.Client) -> None:
    tenant = unique()
    compress = zstandard.ZstdCompressor().compress
    parts = [compress(b'{"text":"frame one"}\n'), compress(b'{"text":"frame two"}\n')]

    response = post_lines(client, tenant, parts, "zstd")

    assert (response.status_code, response.json()["count"]) == (202, 2)
    assert stored_texts(client, tenant, 2) == ["frame one", "frame two"]


@pytest.mark.parametrize("deflate", [zlib.compress, raw_deflate], ids=["zlib", "raw"])
def test_deflate_in_either_form_is_stored(
    client: httpx.Client, deflate: Callable[[bytes], bytes]
) -> None:
    tenant = unique()

    response = post_lines(client, tenant, [deflate(b'{"text":"deflated"}')], "deflate")

    assert response.status_code == 202
    assert stored_texts(client, tenant, 1) == ["deflated"]


def test_an_unsupported_coding_is_415_with_accept_encoding(client: httpx.Client) -> None:
    response = post_lines(client, unique(), [b'{"text":"x"}'], "br")

    assert response.status_code == 415
    assert response.json() == {
        "error": "unsupported Content-Encoding: br; use gzip, deflate, zstd or identity"
    }
    assert response.headers["accept-encoding"] == "gzip, deflate, zstd"


def test_a_gzip_bomb_is_413_and_the_server_stays_up(client: httpx.Client) -> None:
    # GIVEN 64 MiB of zeros in about 64 KiB of gzip
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1024 * 1024)
    body = b"".join(compressor.compress(chunk) for _ in range(64)) + compressor.flush()
    # WHEN it is posted
    response = client.post(
        "/ingest",
        content=body,
        headers={"Content-Type": "text/plain", "X-Tenant-ID": "acme", "Content-Encoding": "gzip"},
    )
    # THEN it is refused on its decoded size, and the next request is served
    assert response.status_code == 413
    assert response.json() == {"error": "payload too large"}
    assert client.get("/healthz").status_code == 200


def test_more_ndjson_lines_than_the_cap_is_413_and_nothing_is_stored(
    client: httpx.Client,
) -> None:
    tenant = unique()
    body = b'{"text":"a"}\n' * 10_001

    response = client.post(
        "/ingest", content=body, headers={"Content-Type": NDJSON, "X-Tenant-ID": tenant}
    )

    assert response.status_code == 413
    assert response.json() == {
        "error": "payload too large: more than 10000 lines (TENANTLOG_MAX_BATCH_LINES)"
    }
    assert client.get(f"/tenants/{tenant}/logs").json()["items"] == []


def test_a_utf8_log_id_header_is_stored_as_sent(client: httpx.Client) -> None:
    tenant = unique()

    response = client.post(
        "/ingest",
        content=b"text with a UTF-8 id",
        headers={
            b"Content-Type": b"text/plain",
            b"X-Tenant-ID": tenant.encode(),
            b"X-Log-ID": "ünï".encode(),
        },
    )

    assert response.json() == {"status": "enqueued", "tenant_id": tenant, "log_id": "ünï"}
    path = f"/tenants/{tenant}/logs/{quote('ünï', safe='')}"
    wait_until(lambda: client.get(path).status_code == 200, seconds=15)
    assert client.get(path).json()["log_id"] == "ünï"


def test_a_header_that_is_not_utf8_is_400_naming_it(client: httpx.Client) -> None:
    response = client.post(
        "/ingest",
        content=b"x",
        headers={b"Content-Type": b"text/plain", b"X-Tenant-ID": b"acme", b"X-Log-ID": b"\xfc\xff"},
    )

    assert response.status_code == 400
    assert response.json() == {"error": "X-Log-ID header is not valid UTF-8"}


def test_a_large_body_parsed_off_the_loop_is_stored(client: httpx.Client) -> None:
    # GIVEN an NDJSON body over the size that is parsed on a thread
    tenant = unique()
    lines = [orjson.dumps({"text": f"line {n} " + "x" * 500}) for n in range(600)]
    body = b"\n".join(lines)
    assert len(body) > 256 * 1024
    # WHEN it is posted, THEN every line is accepted and stored
    response = client.post(
        "/ingest", content=body, headers={"Content-Type": NDJSON, "X-Tenant-ID": tenant}
    )
    assert (response.status_code, response.json()["count"]) == (202, 600)
    wait_until(
        lambda: (
            len(client.get(f"/tenants/{tenant}/logs", params={"limit": 1000}).json()["items"])
            == 600
        ),
        seconds=30,
    )
