"""``Store.follow``, the live tail's read, on every backend (see conftest.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tenantlog.core.erasure import Erasure
from tenantlog.core.models import LogRecord
from tenantlog.core.query import EVERYTHING, LogQuery, UnsupportedQuery, parse_query
from tenantlog.core.store import Store
from tests.contract.conftest import START, Clock
from tests.support.factories import make_record

pytestmark = pytest.mark.anyio


def following(store: Store) -> bool:
    """Whether the store follows (DynamoDB refuses: tested below)."""
    from tenantlog.store.dynamodb import DynamoDbStore

    return not isinstance(store, DynamoDbStore)


def rec(log_id: str, *, tenant_id: str = "acme", text: str = "hello", **fields: Any) -> LogRecord:
    return replace(make_record(tenant_id=tenant_id, log_id=log_id, text=text), **fields)


def asked(**params: str) -> LogQuery:
    return parse_query(params.items(), START)


async def put(store: Store, *records: LogRecord) -> None:
    for record in records:
        assert await store.put_if_absent(record) is True


async def test_store_follow_is_refused_where_it_cannot_be_served(store: Store) -> None:
    if following(store):
        pytest.skip("this backend follows")
    with pytest.raises(UnsupportedQuery, match="tail"):
        await store.follow("acme", None, EVERYTHING, 10)


async def test_store_follow_from_now_returns_nothing_and_then_only_what_comes_after(
    store: Store,
) -> None:
    if not following(store):
        pytest.skip("tested to refuse above")
    # GIVEN records stored before the tail starts
    await put(store, rec("old-1"), rec("old-2"))
    # WHEN it starts from now
    start = await store.follow("acme", None, EVERYTHING, 10)
    # THEN it gets nothing, and a position from which only later records come
    assert start.records == []
    await put(store, rec("new-1"), rec("new-2"))
    followed = await store.follow("acme", start.position, EVERYTHING, 10)
    assert [r.log_id for _, r in followed.records] == ["new-1", "new-2"]


async def test_store_follow_positions_grow_in_stored_order_whatever_the_log_ids(
    store: Store,
) -> None:
    if not following(store):
        pytest.skip("tested to refuse above")
    start = (await store.follow("acme", None, EVERYTHING, 10)).position
    # GIVEN ids that sort against the order they were stored in
    await put(store, rec("zz"), rec("mm"), rec("aa"))
    followed = await store.follow("acme", start, EVERYTHING, 10)
    positions = [p for p, _ in followed.records]
    assert [r.log_id for _, r in followed.records] == ["zz", "mm", "aa"]
    assert positions == sorted(positions) and len(set(positions)) == 3
    assert positions[0] > start and followed.position == positions[-1]
    # AND nothing new: the same position back
    again = await store.follow("acme", followed.position, EVERYTHING, 10)
    assert again.records == [] and again.position == followed.position


async def test_store_follow_applies_filters_and_keeps_other_tenants_out(store: Store) -> None:
    if not following(store):
        pytest.skip("tested to refuse above")
    start = (await store.follow("acme", None, EVERYTHING, 10)).position
    await put(
        store,
        rec("a-err", text="Payment FAILED", severity="ERROR"),
        rec("other-err", tenant_id="other", text="payment failed", severity="error"),
        rec("a-info", text="payment failed", severity="info"),
        rec("a-err-2", text="disk full", severity="Error"),
        rec("a-err-3", text="retry: payment failed", severity="error", attributes={"svc": "pay"}),
    )
    # WHEN the tail filters on severity and text
    query = asked(severity="error", q="payment FAILED")
    followed = await store.follow("acme", start, query, 10)
    # THEN only the tenant's matching records come, in stored order
    assert [r.log_id for _, r in followed.records] == ["a-err", "a-err-3"]
    # AND an attribute filter applies too
    by_attribute = await store.follow("acme", start, asked(**{"attr.svc": "pay"}), 10)
    assert [r.log_id for _, r in by_attribute.records] == ["a-err-3"]
    # AND the other tenant sees only its own
    theirs = await store.follow("other", start, EVERYTHING, 10)
    assert [r.log_id for _, r in theirs.records] == ["other-err"]


async def test_store_follow_limit_then_resume_after_the_last_position(store: Store) -> None:
    if not following(store):
        pytest.skip("tested to refuse above")
    start = (await store.follow("acme", None, EVERYTHING, 10)).position
    await put(store, *(rec(f"id-{n}") for n in range(5)))
    first = await store.follow("acme", start, EVERYTHING, 2)
    assert [r.log_id for _, r in first.records] == ["id-0", "id-1"]
    assert first.position == first.records[-1][0]
    rest = await store.follow("acme", first.position, EVERYTHING, 10)
    assert [r.log_id for _, r in rest.records] == ["id-2", "id-3", "id-4"]


async def test_store_follow_moves_past_records_it_skips(store: Store) -> None:
    if not following(store):
        pytest.skip("tested to refuse above")
    start = (await store.follow("acme", None, EVERYTHING, 10)).position
    # GIVEN records that the tail's filter skips, some of another tenant
    await put(store, rec("skip-1"), rec("x", tenant_id="other"), rec("skip-2"))
    followed = await store.follow("acme", start, asked(q="needle"), 10)
    # THEN nothing is returned, but the position is past them all
    assert followed.records == []
    assert followed.position > start
    await put(store, rec("hit", text="a needle here"))
    after = await store.follow("acme", followed.position, asked(q="needle"), 10)
    assert [r.log_id for _, r in after.records] == ["hit"]
    assert after.records[0][0] > followed.position


async def test_store_follow_skips_expired_and_erased_records(store: Store, clock: Clock) -> None:
    if not following(store):
        pytest.skip("tested to refuse above")
    start = (await store.follow("acme", None, EVERYTHING, 10)).position
    # GIVEN a record that expires, one that is deleted, one an erasure covers, one kept
    await put(
        store,
        rec("expiring", expires_at="2024-02-01T00:00:30Z"),
        rec("deleted"),
        rec("covered", received_at="2024-01-01T00:00:00.000Z"),
        rec("kept", received_at="2024-01-03T00:00:00.000Z"),
    )
    clock.advance(60)
    assert await store.delete("acme", "deleted") is True
    await store.save_erasure(
        Erasure(
            erasure_id="e1", tenant_id="acme", before="2024-01-02T00:00:00Z", requested_by="admin"
        )
    )
    # WHEN the tail reads on
    followed = await store.follow("acme", start, EVERYTHING, 10)
    # THEN only the kept record comes
    assert [r.log_id for _, r in followed.records] == ["kept"]


async def test_store_follow_gives_a_replaced_expired_record_a_new_position(
    store: Store, clock: Clock
) -> None:
    if not following(store):
        pytest.skip("tested to refuse above")
    # GIVEN a record that expired, followed past
    await put(store, rec("same", expires_at="2024-02-01T00:00:30Z"))
    clock.advance(60)
    past = (await store.follow("acme", None, EVERYTHING, 10)).position
    # WHEN a new record takes its id
    await put(store, rec("same", text="second life"))
    # THEN the tail sees it, after the position it had reached
    followed = await store.follow("acme", past, EVERYTHING, 10)
    assert [(r.log_id, r.modified_data) for _, r in followed.records] == [("same", "second life")]
    assert followed.records[0][0] > past


async def test_store_follow_never_gives_a_deleted_records_position_again(store: Store) -> None:
    if not following(store):
        pytest.skip("tested to refuse above")
    # GIVEN a tail that has seen the newest record, which is then deleted
    start = (await store.follow("acme", None, EVERYTHING, 10)).position
    await put(store, rec("newest"))
    seen = await store.follow("acme", start, EVERYTHING, 10)
    assert await store.delete("acme", "newest") is True
    # WHEN another record is stored
    await put(store, rec("next"))
    # THEN the tail finds it after the position it had reached
    followed = await store.follow("acme", seen.position, EVERYTHING, 10)
    assert [r.log_id for _, r in followed.records] == ["next"]
