"""The embedded queue beyond the shared contract: taking turns round many tenants, what a
receive costs, and the migration of database files made before messages had a tenant."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tenantlog.core.queue import Outgoing
from tenantlog.db.sqlite import DATABASE_FILE, SqliteDatabase
from tenantlog.queue import sqlite as sqlite_queue
from tenantlog.queue.sqlite import SqliteQueue
from tests.support.factories import message, message_body

pytestmark = pytest.mark.anyio

#: The queue's tables and index as tenantlog created them before messages had a tenant.
OLD_QUEUE_TABLES = """
CREATE TABLE queue_messages (
    id            INTEGER PRIMARY KEY,
    body          BLOB    NOT NULL,
    sent_at       REAL    NOT NULL,
    visible_at    REAL    NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT
);
CREATE INDEX queue_messages_by_visibility ON queue_messages (visible_at, id);
CREATE TABLE dead_letters (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL,
    body          BLOB    NOT NULL,
    sent_at       REAL    NOT NULL,
    receive_count INTEGER NOT NULL,
    reason        TEXT    NOT NULL,
    dead_at       REAL    NOT NULL
);
INSERT INTO queue_messages (body, sent_at, visible_at) VALUES (X'7B7D', 1, 1);
INSERT INTO dead_letters (message_id, body, sent_at, receive_count, reason, dead_at)
    VALUES (7, X'5B5D', 1, 5, 'broken', 2);
"""


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = await SqliteDatabase.open(tmp_path)
    yield database
    await database.close()


async def test_a_receive_goes_round_more_tenants_than_it_takes(database: SqliteDatabase) -> None:
    # GIVEN 25 tenants with two messages each
    queue = SqliteQueue(database)
    await queue.send([message(f"t{n:02d}", str(k)) for k in range(2) for n in range(25)])
    # WHEN 10 are received at a time
    receives = [await queue.receive(10, 0) for _ in range(5)]
    # THEN each receive serves 10 tenants once, going on where the last one stopped:
    # every tenant's first message before any tenant's second
    served = [[d.group for d in got] for got in receives]
    assert served[0] == [f"t{n:02d}" for n in range(10)]
    assert served[1] == [f"t{n:02d}" for n in range(10, 20)]
    assert served[2] == [f"t{n:02d}" for n in range(20, 25)] + [f"t{n:02d}" for n in range(5)]
    firsts = [d for got in receives[:2] for d in got] + receives[2][:5]
    assert {d.body for d in firsts} == {message_body(f"t{n:02d}", "0") for n in range(25)}
    assert Counter(g for got in served for g in got) == {f"t{n:02d}": 2 for n in range(25)}


async def test_tenants_with_nothing_visible_are_passed_over(database: SqliteDatabase) -> None:
    # GIVEN 150 tenants whose messages are all in flight, and one with messages waiting
    queue = SqliteQueue(database)
    await queue.send([message(f"busy{n:03d}", "1") for n in range(150)])
    while await queue.receive(100, 0):
        pass
    await queue.send([message("zzz", str(n)) for n in range(5)])
    # WHEN a worker asks for 100
    got = await queue.receive(100, 0)
    # THEN it gets the waiting tenant's five, in one receive
    assert [d.body for d in got] == [message_body("zzz", str(n)) for n in range(5)]


async def test_a_tenant_short_of_its_share_leaves_it_to_the_others(
    database: SqliteDatabase,
) -> None:
    # GIVEN tenant A's 100 messages and B's 3
    queue = SqliteQueue(database)
    await queue.send([message("A", str(n)) for n in range(100)] + [message("B", "x")] * 3)
    # WHEN 20 are received
    got = await queue.receive(20, 0)
    # THEN B's three come first in turn with A's, and A fills the rest
    assert [d.group for d in got] == ["A", "B"] * 3 + ["A"] * 14


async def test_two_queues_on_one_file_each_take_turns(tmp_path: Path) -> None:
    # GIVEN two processes' queues on one data directory, and two tenants' backlogs
    first, second = await asyncio.gather(
        SqliteDatabase.open(tmp_path), SqliteDatabase.open(tmp_path)
    )
    try:
        one, two = SqliteQueue(first), SqliteQueue(second)
        await one.send([message(t, str(n)) for t in ("A", "B") for n in range(40)])
        # WHEN both receive at the same time, again and again
        got = []
        for _ in range(4):
            pair = await asyncio.gather(one.receive(10, 0), two.receive(10, 0))
            got += [d for receive in pair for d in receive]
        # THEN no message went to both, and each receive was shared between the tenants
        assert len({d.message_id for d in got}) == len(got) == 80
        assert Counter(d.group for d in got) == {"A": 40, "B": 40}
    finally:
        await first.close()
        await second.close()


async def test_a_receive_finds_its_messages_through_the_tenant_index(
    database: SqliteDatabase,
) -> None:
    statements: list[tuple[str, list[object] | dict[str, object]]] = [
        (sqlite_queue._claim(2), [0, 0, "a", 1, "b", 1]),
        (sqlite_queue._RING_AFTER, {"after": "", "upto": None, "now": 0, "limit": 1}),
    ]
    plans = await database.read(
        lambda conn: [
            " ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            for sql, params in statements
        ]
    )

    for plan in plans:
        assert "queue_messages_by_tenant" in plan
        assert "SCAN queue_messages" not in plan.replace("USING COVERING INDEX", "")


async def test_erasing_a_tenant_is_one_commit_of_its_own(database: SqliteDatabase) -> None:
    queue = SqliteQueue(database)
    await queue.send([message("X", str(n)) for n in range(300)] + [message("Y", "1")])

    assert await queue.erase_tenant("X", float("inf")) == 300
    assert (await queue.stats()).depth == 1


async def test_database_made_before_tenants_in_the_queue_is_migrated_when_opened(
    tmp_path: Path,
) -> None:
    # GIVEN a database file whose queue tables have no tenant column: a message and a dead
    # letter in them
    conn = sqlite3.connect(tmp_path / DATABASE_FILE)
    conn.executescript(OLD_QUEUE_TABLES)
    conn.close()
    # WHEN it is opened by two processes' worth of databases at once
    first, second = await asyncio.gather(
        SqliteDatabase.open(tmp_path), SqliteDatabase.open(tmp_path)
    )
    try:
        # THEN both tables have the column, and the tenant index replaced the old one
        conn = sqlite3.connect(tmp_path / DATABASE_FILE)
        for table in ("queue_messages", "dead_letters"):
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            assert columns.count("tenant") == 1
        indexes = [row[1] for row in conn.execute("PRAGMA index_list(queue_messages)")]
        conn.close()
        assert indexes == ["queue_messages_by_tenant"]
        # AND the old message is delivered, in a group of its own (''), in turn with new ones
        queue = SqliteQueue(first)
        await SqliteQueue(second).send([message("acme", "1"), message("acme", "2")])
        got = await queue.receive(2, 0)
        assert [(d.group, d.body) for d in got] == [
            ("", b"{}"),
            ("acme", message_body("acme", "1")),
        ]
        # AND the old dead letter is listed, and redriven into its group
        [dead] = await queue.list_dead_letters(10)
        assert (dead.body, dead.group, dead.reason) == (b"[]", "", "broken")
        assert await queue.redrive() == 1
        got = await queue.receive(10, 0)
        assert [(d.group, d.body) for d in got] == [
            ("", b"[]"),
            ("acme", message_body("acme", "2")),
        ]
        # AND an erasure finds the old messages by their group and send time
        assert await queue.erase_tenant("", 1) == 2
    finally:
        await first.close()
        await second.close()
    # AND opening it again changes nothing
    again = await SqliteDatabase.open(tmp_path)
    await again.close()


async def test_a_send_of_more_messages_than_a_statement_carries(database: SqliteDatabase) -> None:
    queue = SqliteQueue(database)
    step = sqlite_queue.ROWS_A_STATEMENT
    sent = [Outgoing(f"t{n % 3}", message_body(f"t{n % 3}", str(n))) for n in range(2 * step + 7)]

    await queue.send(sent)

    got = []
    while batch := await queue.receive(100, 0):
        got += batch
    assert sorted((d.group, d.body) for d in got) == sorted(sent)
