"""Search on the read route in-process: filters, their 400s, order defaults, no leak."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest

from tenantlog.core.models import LogRecord
from tenantlog.core.query import UnsupportedQuery
from tests.support.factories import make_record
from tests.support.inprocess import InProcess, in_process

pytestmark = pytest.mark.anyio

LOGS = "/tenants/acme/logs"


def loopback(**settings: Any) -> AbstractAsyncContextManager[InProcess]:
    """The app with authentication off: the caller sees every field, original_text too."""
    return in_process(auth="off", base_url="http://127.0.0.1", **settings)


def at(log_id: str, timestamp: str, **fields: Any) -> LogRecord:
    return dataclasses.replace(make_record(log_id=log_id), timestamp=timestamp, **fields)


async def store(app: InProcess, records: Sequence[LogRecord]) -> None:
    for record in records:
        assert await app.backends.store.put_if_absent(record)


def ids(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [item["log_id"] for item in answer.json()["items"]]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=yesterday", "invalid since: "),
        ("until=2024-02-30T00:00:00Z", "invalid until: "),
        ("since=1h&since=2h", "invalid since: given more than once"),
        ("since=1h&until=2h", "invalid until: must be later than since"),
        ("q=", "invalid q: empty"),
        ("q=" + "x" * 1025, "invalid q: longer than 1024 characters"),
        ("q=before%00after", "invalid q: holds a NUL character (U+0000)"),
        ("severity=error,", "invalid severity: empty"),
        ("source=fax", "invalid source: "),
        ("order=newest", "invalid order: use asc or desc"),
        ("attr.=pay", "invalid attr.: "),
    ],
)
async def test_search_malformed_filter_is_400_naming_it(query: str, message: str) -> None:
    async with loopback() as app:
        answer = await app.client.get(f"{LOGS}?{query}")

    assert answer.status_code == 400
    assert answer.json()["error"].startswith(message)


async def test_search_order_is_log_id_without_filters_and_newest_first_with_a_window() -> None:
    async with loopback() as app:
        await store(
            app,
            [
                at("b", "2024-01-01T10:00:00.000000000Z"),
                at("a", "2024-01-01T12:00:00.000000000Z"),
                at("c", "2024-01-01T11:00:00.000000000Z"),
            ],
        )
        since = "since=2024-01-01T00:00:00Z"

        assert ids(await app.client.get(LOGS)) == ["a", "b", "c"]
        assert ids(await app.client.get(f"{LOGS}?unknown=1")) == ["a", "b", "c"]
        assert ids(await app.client.get(f"{LOGS}?{since}")) == ["a", "c", "b"]
        assert ids(await app.client.get(f"{LOGS}?{since}&order=asc")) == ["b", "c", "a"]
        assert ids(await app.client.get(f"{LOGS}?order=desc")) == ["a", "c", "b"]


async def test_search_pages_follow_the_cursor_in_time_order() -> None:
    async with loopback() as app:
        await store(app, [at(f"id{n}", f"2024-01-01T10:0{n}:00Z") for n in range(5)])
        params = {"since": "2024-01-01T00:00:00Z", "limit": "2"}
        seen = await every_page(app.client, params)

        assert seen == ["id4", "id3", "id2", "id1", "id0"]
        # a cursor of this order is refused by another
        refused = await app.client.get(LOGS, params={**params, "order": "asc"})
        assert refused.status_code == 400
        assert refused.json() == {"error": "invalid cursor"}


async def test_search_page_cut_by_bytes_resumes_after_its_last_record_in_time_order() -> None:
    async with loopback(max_page_bytes=65536) as app:
        big = "x" * 40_000
        records = [
            at(f"id{n}", f"2024-01-01T10:0{n}:00Z", modified_data=big, original_text=None)
            for n in range(4)
        ]
        await store(app, records)
        params = {"order": "desc"}
        seen = await every_page(app.client, params)

        assert seen == ["id3", "id2", "id1", "id0"]


async def test_search_for_a_redacted_phone_number_finds_nothing() -> None:
    async with loopback() as app:
        # GIVEN a log whose phone number the worker redacted, in the text and an attribute
        sent = await app.client.post(
            "/ingest",
            json={
                "tenant_id": "acme",
                "text": "User 555-0199 accessed system",
                "attributes": {"phone": "555-0199", "service": "auth"},
            },
        )
        assert sent.status_code == 202
        await app.drain()
        stored = await app.client.get(LOGS)
        assert "555-0199" in stored.text  # the audit copy is there, and shown to this caller

        # THEN neither the number nor a part of it is found, by text or by attribute
        for query in ("q=555-0199", "q=0199", "attr.phone=555-0199"):
            assert ids(await app.client.get(f"{LOGS}?{query}")) == [], query
        # AND the redacted text is
        assert len(ids(await app.client.get(f"{LOGS}?q=user+[redacted]"))) == 1
        assert len(ids(await app.client.get(f"{LOGS}?attr.service=auth&q=ACCESSED"))) == 1


async def test_search_filter_the_backend_cannot_serve_is_400_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with loopback() as app:

        async def refuse(*args: Any) -> None:
            raise UnsupportedQuery("severity")

        monkeypatch.setattr(app.backends.store, "list", refuse)
        answer = await app.client.get(f"{LOGS}?severity=error")

    assert answer.status_code == 400
    assert answer.json() == {"error": "severity is not supported on this backend"}


async def every_page(client: httpx.AsyncClient, params: dict[str, str]) -> list[str]:
    """The log ids of every page, following the cursor; ``params`` ends with the last
    page's request (its cursor included)."""
    seen: list[str] = []
    while True:
        answer = await client.get(LOGS, params=params)
        seen += ids(answer)
        if answer.json()["next_cursor"] is None:
            return seen
        params["cursor"] = answer.json()["next_cursor"]
