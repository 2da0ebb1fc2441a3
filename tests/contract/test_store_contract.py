"""The Store contract, run against every backend (see conftest.py)."""

from __future__ import annotations

import pytest

from tenantlog.core.cursor import InvalidCursor, encode_cursor
from tenantlog.core.store import Store
from tests.support.factories import make_record

pytestmark = pytest.mark.anyio


async def test_store_put_if_absent_then_get_round_trips(store: Store) -> None:
    record = make_record(text="User [REDACTED] accessed system")

    assert await store.put_if_absent(record) is True

    assert await store.get("acme", "123") == record


async def test_store_first_write_wins(store: Store) -> None:
    # GIVEN a stored record
    first = make_record(text="first")
    await store.put_if_absent(first)
    # WHEN the same (tenant_id, log_id) is written again with other content
    written = await store.put_if_absent(make_record(text="second"))
    # THEN the second write reports it did nothing and the first record stays
    assert written is False
    assert await store.get("acme", "123") == first


async def test_store_tenants_do_not_share_log_ids(store: Store) -> None:
    await store.put_if_absent(make_record(tenant_id="acme", text="acme's"))
    await store.put_if_absent(make_record(tenant_id="globex", text="globex's"))

    acme = await store.get("acme", "123")
    globex = await store.get("globex", "123")

    assert acme is not None and acme.modified_data == "acme's"
    assert globex is not None and globex.modified_data == "globex's"
    assert [r.tenant_id for r in (await store.list("acme", 10, None)).items] == ["acme"]


async def test_store_get_missing_is_none(store: Store) -> None:
    assert await store.get("acme", "nope") is None


async def test_store_keeps_record_without_original_text(store: Store) -> None:
    record = make_record()
    record = type(record)(**{**record.to_dict(), "original_text": None})

    await store.put_if_absent(record)

    assert await store.get("acme", "123") == record


@pytest.mark.parametrize("log_id", ["a/b", "x#y", "q?z=1", "100%", "ünï-cødé", "~!@$^&*()"])
async def test_store_odd_log_ids_round_trip(store: Store, log_id: str) -> None:
    await store.put_if_absent(make_record(log_id=log_id))

    record = await store.get("acme", log_id)

    assert record is not None and record.log_id == log_id


async def test_store_list_pages_in_log_id_order(store: Store) -> None:
    # GIVEN 7 records of one tenant written out of order, and one of another tenant
    ids = [f"id-{n:02d}" for n in (5, 1, 7, 3, 2, 6, 4)]
    for log_id in ids:
        await store.put_if_absent(make_record(log_id=log_id))
    await store.put_if_absent(make_record(tenant_id="other", log_id="id-00"))
    # WHEN the tenant's records are listed three at a time
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await store.list("acme", 3, cursor)
        seen += [r.log_id for r in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    # THEN every record comes once, in order, and nothing of the other tenant
    assert seen == sorted(ids)
    assert pages == 3


async def test_store_list_exact_multiple_has_no_empty_last_page(store: Store) -> None:
    for n in range(4):
        await store.put_if_absent(make_record(log_id=f"id-{n}"))

    first = await store.list("acme", 2, None)
    second = await store.list("acme", 2, first.next_cursor)

    assert len(second.items) == 2
    assert second.next_cursor is None


async def test_store_list_unknown_tenant_is_empty(store: Store) -> None:
    page = await store.list("nobody", 10, None)

    assert page.items == [] and page.next_cursor is None


async def test_store_list_rejects_garbage_cursor(store: Store) -> None:
    with pytest.raises(InvalidCursor):
        await store.list("acme", 10, "!!not-a-cursor!!")


async def test_store_list_cursor_past_the_end_is_empty(store: Store) -> None:
    await store.put_if_absent(make_record(log_id="a"))

    page = await store.list("acme", 10, encode_cursor("zzz"))

    assert page.items == []


async def test_store_ping_succeeds(store: Store) -> None:
    await store.ping()
