"""The k-way merge of a sharded tenant's partitions into pages with one cursor
(tenantlog.store.dynamodb_shards.merge_page), as a property: whatever each partition's
Queries happen to read, the pages concatenated are the tenant's records in order, once."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from tenantlog.core.models import LogRecord
from tenantlog.store.dynamodb_shards import PartitionRead, SortKey, merge_page
from tests.support.factories import make_record


def sort_key(record: LogRecord) -> SortKey:
    return ("", record.log_id)


@dataclass
class Partition:
    """One shard's items in sort-key order: records, and items a filter drops (expired,
    erased, not matching), which a Query reads all the same."""

    items: list[tuple[str, bool]]  # (log_id, is a record)

    def read(self, after: SortKey | None, count: int, descending: bool) -> PartitionRead:
        """What the store's Queries return reading ``count`` items after ``after``."""
        ordered = sorted(self.items, reverse=descending)
        if after is not None:
            ordered = [i for i in ordered if (i[0] < after[1] if descending else i[0] > after[1])]
        taken = ordered[:count]
        records = [make_record(log_id=log_id) for log_id, is_record in taken if is_record]
        more = len(ordered) > count
        return PartitionRead(records, ("", taken[-1][0]) if more else None)


@st.composite
def partitions(draw: st.DrawFn) -> list[Partition]:
    ids = draw(st.sets(st.text("abcdef0123", min_size=1, max_size=4), max_size=60))
    shards = draw(st.integers(1, 16))
    split: list[list[tuple[str, bool]]] = [[] for _ in range(shards)]
    for log_id in sorted(ids):
        split[draw(st.integers(0, shards - 1))].append((log_id, draw(st.booleans())))
    return [Partition(items) for items in split]


@settings(max_examples=300, deadline=None)
@given(
    shards=partitions(),
    limit=st.integers(1, 12),
    descending=st.booleans(),
    reads=st.lists(st.integers(1, 15), min_size=1, max_size=40),
)
def test_merged_pages_concatenated_are_every_record_once_in_order(
    shards: list[Partition], limit: int, descending: bool, reads: list[int]
) -> None:
    # GIVEN partitions whose reads stop after an arbitrary number of items (a page of their
    # own, or the Query budget spent past filtered items)
    expected = sorted(
        (log_id for shard in shards for log_id, is_record in shard.items if is_record),
        reverse=descending,
    )
    # WHEN pages are read one after another, each resuming at the last one's cursor
    listed: list[str] = []
    cursor: SortKey | None = None
    for turn in range(10_000):
        count = reads[turn % len(reads)]
        page = merge_page(
            [shard.read(cursor, count, descending) for shard in shards],
            limit,
            sort_key,
            descending=descending,
        )
        assert len(page.records) <= limit
        listed += [record.log_id for record in page.records]
        if page.resume is None:
            break
        assert cursor is None or page.resume != cursor, "a page must make progress"
        cursor = page.resume
    # THEN they hold every record once, in order
    assert listed == expected
