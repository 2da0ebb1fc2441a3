"""The Store contract, run against every backend (see conftest.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tenantlog.core.cursor import InvalidCursor, encode_cursor
from tenantlog.core.models import LogRecord, epoch_seconds
from tenantlog.core.store import Store
from tests.contract.conftest import Clock
from tests.support.factories import make_record

pytestmark = pytest.mark.anyio

DAY = 86_400
#: Expiries around the clock's start (2024-02-01T00:00:00Z).
PAST = "2024-01-31T00:00:00Z"
SOON = "2024-02-02T00:00:00Z"
LATER = "2024-03-01T00:00:00Z"


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


# ---- retention: expired records are never read --------------------------------------


def expiring(expires_at: str | None, log_id: str = "123", text: str = "hello") -> LogRecord:
    return replace(make_record(log_id=log_id, text=text), expires_at=expires_at)


async def list_all(store: Store, tenant_id: str, limit: int) -> tuple[list[str], list[int]]:
    """Every log_id a tenant's pages give, in order, and the size of each page."""
    seen: list[str] = []
    sizes: list[int] = []
    cursor = None
    while True:
        page = await store.list(tenant_id, limit, cursor)
        seen += [r.log_id for r in page.items]
        sizes.append(len(page.items))
        cursor = page.next_cursor
        if cursor is None:
            return seen, sizes
        assert len(sizes) < 100, "paging does not end"


async def test_store_expires_at_round_trips(store: Store) -> None:
    record = expiring(LATER)

    await store.put_if_absent(record)

    assert await store.get("acme", "123") == record
    assert (await store.list("acme", 10, None)).items == [record]


async def test_store_record_is_not_read_once_it_expires(store: Store, clock: Clock) -> None:
    # GIVEN a record that expires tomorrow, read back today
    await store.put_if_absent(expiring(SOON))
    assert await store.get("acme", "123") is not None
    # WHEN the clock reaches one second before its expiry, THEN it is still there
    clock.now = epoch_seconds(SOON) - 1
    assert await store.get("acme", "123") is not None
    # WHEN it reaches the expiry itself, THEN neither get nor list returns it any more
    clock.now = epoch_seconds(SOON)
    assert await store.get("acme", "123") is None
    page = await store.list("acme", 10, None)
    assert page.items == [] and page.next_cursor is None


async def test_store_record_already_expired_when_written_is_never_read(store: Store) -> None:
    assert await store.put_if_absent(expiring(PAST)) is True

    assert await store.get("acme", "123") is None
    assert (await store.list("acme", 10, None)).items == []


async def test_store_record_without_expiry_is_kept_forever(store: Store, clock: Clock) -> None:
    record = expiring(None)
    await store.put_if_absent(record)

    clock.advance(100 * 365 * DAY)

    assert await store.get("acme", "123") == record
    assert (await store.list("acme", 10, None)).items == [record]


async def test_store_expired_record_counts_as_absent_for_the_next_write(
    store: Store, clock: Clock
) -> None:
    # GIVEN a record that has expired (whether or not it is deleted yet)
    await store.put_if_absent(expiring(SOON, text="old"))
    clock.now = epoch_seconds(SOON) + 1
    # WHEN a record with the same id is written
    new = expiring(LATER, text="new")
    written = await store.put_if_absent(new)
    # THEN it is written and read back, like a first write
    assert written is True
    assert await store.get("acme", "123") == new
    assert (await store.list("acme", 10, None)).items == [new]


async def test_store_first_write_still_wins_over_a_record_not_yet_expired(store: Store) -> None:
    first = expiring(SOON, text="first")
    await store.put_if_absent(first)

    assert await store.put_if_absent(expiring(LATER, text="second")) is False
    assert await store.get("acme", "123") == first


@pytest.mark.parametrize("limit", [1, 3, 4, 50])
async def test_store_pages_skip_expired_records_without_skipping_or_repeating_others(
    store: Store, limit: int
) -> None:
    # GIVEN a tenant's records where expired ones come singly, in a run longer than a
    # page, first and last; and live ones that expire later or never
    expired = {0, 2, 5, 6, 7, 8, 9, 10, 11, 14, 19}
    for n in range(20):
        expires_at = PAST if n in expired else (LATER if n % 2 else None)
        await store.put_if_absent(expiring(expires_at, log_id=f"id-{n:02d}"))
    # WHEN the tenant's records are listed page by page
    seen, sizes = await list_all(store, "acme", limit)
    # THEN every live record comes exactly once, in order, and no expired one
    assert seen == [f"id-{n:02d}" for n in range(20) if n not in expired]
    assert all(size <= limit for size in sizes)


async def test_store_only_expired_records_list_as_empty(store: Store) -> None:
    for n in range(5):
        await store.put_if_absent(expiring(PAST, log_id=f"id-{n}"))

    seen, _ = await list_all(store, "acme", 2)

    assert seen == []
