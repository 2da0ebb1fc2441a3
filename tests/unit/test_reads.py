"""The read routes in-process: strict query integers, ``fields=``, and pages bounded in bytes."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenantlog.core.audit import ORIGINAL_READ
from tenantlog.core.models import LogRecord
from tenantlog.http.reads import RECORD_FIELDS
from tests.support.factories import make_record
from tests.support.inprocess import InProcess, in_process

pytestmark = pytest.mark.anyio

#: The smallest page budget the settings allow, so that a few records overflow it.
SMALL_BUDGET = 65536
LIMIT_ERROR = "limit must be an integer from 1 to 1000"
#: Strings that ``str.isdigit`` or ``int`` accept, or numbers out of range: none is a limit.
NOT_LIMITS = ["²", "٣", "\uff11", "+3", " 3", "3 ", "1_0", "3.0", "0x10", "-1", "", "0", "1001"]


def loopback(**settings: Any) -> AbstractAsyncContextManager[InProcess]:
    """The app with authentication off: the caller sees every field, original_text too."""
    return in_process(auth="off", base_url="http://127.0.0.1", **settings)


async def store(app: InProcess, records: Sequence[LogRecord]) -> None:
    for record in records:
        assert await app.backends.store.put_if_absent(record)


async def original_reads(app: InProcess) -> list[dict[str, str]]:
    """The detail of every original_text read in the audit trail, oldest first."""
    events = (await app.backends.audit.list(1000)).events
    return [dict(e.detail) for e in reversed(events) if e.action == ORIGINAL_READ]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("raw", [*NOT_LIMITS, pytest.param("9" * 5000, id="5000-digits")])
@pytest.mark.parametrize("path", ["/tenants/acme/logs", "/audit"])
async def test_limit_other_than_ascii_digits_in_range_is_400_naming_it(path: str, raw: str) -> None:
    async with loopback() as app:
        response = await app.client.get(path, params={"limit": raw})

    assert response.status_code == 400
    assert response.json() == {"error": LIMIT_ERROR}


@pytest.mark.parametrize("path", ["/tenants/acme/logs", "/audit"])
async def test_limit_with_leading_zeros_is_read_as_its_number(path: str) -> None:
    async with loopback() as app:
        await store(app, [make_record(log_id=str(n)) for n in range(5)])
        for raw, expected in (("0003", 3), ("0" * 5000 + "2", 2)):
            response = await app.client.get(path, params={"limit": raw})
            assert response.status_code == 200
            if path != "/audit":  # the trail holds nothing to count here
                assert len(response.json()["items"]) == expected


@settings(max_examples=200, deadline=None)
@given(raw=st.text(max_size=8))
def test_limit_is_accepted_exactly_when_it_is_ascii_digits_from_1_to_1000(raw: str) -> None:
    async def read() -> httpx.Response:
        async with loopback() as app:
            return await app.client.get("/tenants/acme/logs", params={"limit": raw})

    response = asyncio.run(read())

    valid = raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 1000
    assert response.status_code == (200 if valid else 400)


async def test_fields_returns_the_named_fields_and_the_ids() -> None:
    async with loopback() as app:
        await store(app, [make_record(log_id="1", text="call 555-0199")])

        listed = await app.client.get("/tenants/acme/logs?fields=modified_data,received_at")
        one = await app.client.get("/tenants/acme/logs/1?fields=attempts&fields=source")

        assert listed.status_code == 200
        assert listed.json()["items"] == [
            {
                "tenant_id": "acme",
                "log_id": "1",
                "modified_data": "call 555-0199",
                "received_at": "2024-01-01T00:00:00.000Z",
            }
        ]
        assert one.json() == {
            "tenant_id": "acme",
            "log_id": "1",
            "source": "json_upload",
            "attempts": 1,
        }


@pytest.mark.parametrize(
    ("query", "named"),
    [("fields=log_id,nope", "'nope'"), ("fields=", "''"), ("fields=source,,log_id", "''")],
)
@pytest.mark.parametrize("path", ["/tenants/acme/logs", "/tenants/acme/logs/1"])
async def test_fields_naming_an_unknown_field_is_400_naming_it(
    path: str, query: str, named: str
) -> None:
    async with loopback() as app:
        await store(app, [make_record(log_id="1")])
        response = await app.client.get(f"{path}?{query}")

    assert response.status_code == 400
    message = response.json()["error"]
    assert message.startswith(f"unknown field in fields: {named} (known: tenant_id, log_id,")


async def test_read_is_audited_exactly_when_the_answer_holds_original_text() -> None:
    async with loopback() as app:
        # GIVEN two records, one of them without an audit copy
        without_copy = dataclasses.replace(make_record(log_id="2"), original_text=None)
        await store(app, [make_record(log_id="1", text="call 555-0199"), without_copy])

        # WHEN original_text is left out, THEN nothing is audited
        for path in ("/tenants/acme/logs", "/tenants/acme/logs/1"):
            answer = await app.client.get(path, params={"fields": "modified_data"})
            assert "original_text" not in answer.text
        assert await original_reads(app) == []

        # WHEN the answer holds original_text only as null, THEN nothing is audited either
        answer = await app.client.get("/tenants/acme/logs/2?fields=original_text")
        assert answer.json()["original_text"] is None
        assert await original_reads(app) == []

        # WHEN it holds the text (named, or by default), THEN each read is audited once
        named = await app.client.get("/tenants/acme/logs/1?fields=original_text")
        listed = await app.client.get("/tenants/acme/logs")
        assert named.json()["original_text"] == "call 555-0199"
        assert listed.json()["items"][0]["original_text"] == "call 555-0199"
        one = {"count": "1", "first_log_id": "1", "last_log_id": "1"}
        assert await original_reads(app) == [one, one]


async def test_fields_original_text_without_the_audit_scope_is_403_naming_it() -> None:
    async with in_process() as app:
        await store(app, [make_record(log_id="1", text="call 555-0199")])
        reader = bearer(await app.new_key("acme", "read"))
        auditor = bearer(await app.new_key("acme", "read", "audit"))

        refused = await app.client.get("/tenants/acme/logs?fields=original_text", headers=reader)
        plain = await app.client.get("/tenants/acme/logs/1?fields=modified_data", headers=reader)
        unaudited = await app.client.get("/tenants/acme/logs?fields=log_id", headers=auditor)

        assert refused.status_code == 403
        assert "'audit'" in refused.json()["error"]
        assert plain.json() == {
            "tenant_id": "acme",
            "log_id": "1",
            "modified_data": "call 555-0199",
        }
        assert unaudited.json()["items"] == [{"tenant_id": "acme", "log_id": "1"}]
        assert await original_reads(app) == []


async def test_page_over_the_byte_budget_holds_what_fits_and_resumes_after_it() -> None:
    async with loopback(max_page_bytes=SMALL_BUDGET) as app:
        # GIVEN five records of about 40 KB each (two 20,000-character copies)
        await store(app, [make_record(log_id=str(n), text="x" * 20_000) for n in range(5)])

        # WHEN a page of all five is asked for
        first = (await app.client.get("/tenants/acme/logs?limit=5")).json()
        second = (await app.client.get(f"/tenants/acme/logs?cursor={first['next_cursor']}")).json()

        # THEN one record fits a 64 KiB page, and the cursor resumes after it
        assert [r["log_id"] for r in first["items"]] == ["0"]
        assert [r["log_id"] for r in second["items"]] == ["1"]
        # and the audit event names only the records the answer held
        assert (await original_reads(app))[0] == {
            "count": "1",
            "first_log_id": "0",
            "last_log_id": "0",
        }
        # WHEN original_text is left out, THEN a record takes half the bytes and three fit
        slim = (await app.client.get("/tenants/acme/logs?limit=5&fields=modified_data")).json()
        assert [r["log_id"] for r in slim["items"]] == ["0", "1", "2"]
        assert slim["next_cursor"] is not None


async def test_a_record_larger_than_the_budget_comes_alone() -> None:
    async with loopback(max_page_bytes=SMALL_BUDGET) as app:
        await store(app, [make_record(log_id=str(n), text="x" * 50_000) for n in range(2)])

        first = (await app.client.get("/tenants/acme/logs")).json()
        last = (await app.client.get(f"/tenants/acme/logs?cursor={first['next_cursor']}")).json()

    assert [r["log_id"] for r in first["items"]] == ["0"]
    assert [r["log_id"] for r in last["items"]] == ["1"]
    assert last["next_cursor"] is None


#: Texts whose serialised size differs from their length: escapes and multi-byte characters.
CHARACTERS = st.sampled_from(["a", "é", "😀", "\x00", '"'])
records_strategy = st.lists(
    st.tuples(st.integers(0, 30_000), CHARACTERS), min_size=0, max_size=12
).map(
    lambda specs: [
        make_record(log_id=f"{n:03}", text=char * size) for n, (size, char) in enumerate(specs)
    ]
)
fields_strategy = st.one_of(
    st.none(), st.lists(st.sampled_from(RECORD_FIELDS), min_size=1, unique=True)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=records_strategy,
    limit=st.integers(1, 8),
    budget=st.integers(SMALL_BUDGET, 4 * SMALL_BUDGET),
    fields=fields_strategy,
)
def test_paging_to_the_end_returns_every_record_once_in_pages_within_the_budget(
    records: list[LogRecord], limit: int, budget: int, fields: list[str] | None
) -> None:
    async def read_all() -> list[list[dict[str, Any]]]:
        pages: list[list[dict[str, Any]]] = []
        async with loopback(max_page_bytes=budget) as app:
            await store(app, records)
            params: dict[str, str] = {"limit": str(limit)}
            if fields is not None:
                params["fields"] = ",".join(fields)
            while True:
                page = (await app.client.get("/tenants/acme/logs", params=params)).json()
                pages.append(page["items"])
                if page["next_cursor"] is None:
                    return pages
                params["cursor"] = page["next_cursor"]

    pages = asyncio.run(read_all())

    seen = [item["log_id"] for page in pages for item in page]
    assert seen == [r.log_id for r in records]
    sizes = [[len(orjson.dumps(item)) for item in page] for page in pages]
    for page, following in zip(sizes, [*sizes[1:], []], strict=True):
        assert len(page) <= limit
        assert len(page) == 1 or sum(page) <= budget
        if len(page) < limit and following:  # cut by bytes: the next record did not fit
            assert sum(page) + following[0] > budget
