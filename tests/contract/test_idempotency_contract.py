"""The record of Idempotency-Keys: one contract, every backend (memory, SQLite, DynamoDB)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tenantlog.core.idempotency import IdempotencyKeys, KeyRecord
from tenantlog.db.sqlite import SqliteDatabase

pytestmark = pytest.mark.anyio

NOW = 1_800_000_000.0


def record(fingerprint: str = "f1", *, at: float = NOW, lease: float = 60) -> KeyRecord:
    return KeyRecord(fingerprint, int(at * 1000), False, at + lease, at + 86400)


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
async def keys(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[IdempotencyKeys]:
    made: IdempotencyKeys
    database = None
    if request.param == "memory":
        from tenantlog.idempotency.memory import MemoryIdempotencyKeys

        made = MemoryIdempotencyKeys()
    elif request.param == "sqlite":
        from tenantlog.idempotency.sqlite import SqliteIdempotencyKeys

        database = await SqliteDatabase.open(tmp_path)
        made = SqliteIdempotencyKeys(database)
    else:
        from tests.support.aws_emulator import make_dynamodb_idempotency_keys

        made = await make_dynamodb_idempotency_keys()
    yield made
    await made.close()
    if database is not None:
        await database.close()


async def test_first_claim_owns_the_key(keys: IdempotencyKeys) -> None:
    claim = await keys.claim("acme", "k1", record(), NOW)

    assert claim.owned
    assert claim.record == record()


async def test_a_second_claim_sees_the_first_attempt_pending_then_done(
    keys: IdempotencyKeys,
) -> None:
    await keys.claim("acme", "k1", record(), NOW)

    pending = await keys.claim("acme", "k1", record(at=NOW + 5), NOW + 5)
    await keys.complete("acme", "k1")
    done = await keys.claim("acme", "k1", record(at=NOW + 6), NOW + 6)

    assert not pending.owned and not pending.record.done
    assert pending.record.first_attempt_ms == int(NOW * 1000)
    assert not done.owned and done.record.done
    assert done.record.first_attempt_ms == int(NOW * 1000)


async def test_keys_are_per_tenant(keys: IdempotencyKeys) -> None:
    await keys.claim("acme", "k1", record(), NOW)

    other = await keys.claim("globex", "k1", record("f2"), NOW)

    assert other.owned and other.record.fingerprint == "f2"


async def test_a_different_request_under_a_used_key_is_shown_the_first(
    keys: IdempotencyKeys,
) -> None:
    await keys.claim("acme", "k1", record("f1"), NOW)
    await keys.complete("acme", "k1")

    claim = await keys.claim("acme", "k1", record("f2"), NOW + 1)

    assert not claim.owned and claim.record.fingerprint == "f1"


async def test_a_pending_key_out_of_its_lease_is_taken_over_with_its_first_time(
    keys: IdempotencyKeys,
) -> None:
    await keys.claim("acme", "k1", record(lease=60), NOW)

    later = NOW + 61
    taken = await keys.claim("acme", "k1", record(at=later), later)
    again = await keys.claim("acme", "k1", record(at=later + 1), later + 1)

    assert taken.owned
    assert taken.record.first_attempt_ms == int(NOW * 1000)  # the ids of the first attempt
    assert taken.record.lease_until == pytest.approx(later + 60)
    assert not again.owned  # the new holder's lease runs


async def test_a_done_key_is_never_taken_over(keys: IdempotencyKeys) -> None:
    await keys.claim("acme", "k1", record(lease=60), NOW)
    await keys.complete("acme", "k1")

    claim = await keys.claim("acme", "k1", record(at=NOW + 3600), NOW + 3600)

    assert not claim.owned and claim.record.done


async def test_an_expired_key_is_claimed_afresh(keys: IdempotencyKeys) -> None:
    await keys.claim("acme", "k1", record(), NOW)
    await keys.complete("acme", "k1")

    later = NOW + 86400 + 1
    claim = await keys.claim("acme", "k1", record("f2", at=later), later)

    assert claim.owned and claim.record == record("f2", at=later)


async def test_release_forgets_only_a_pending_key_of_the_same_request(
    keys: IdempotencyKeys,
) -> None:
    await keys.claim("acme", "k1", record("f1"), NOW)
    await keys.release("acme", "k1", "f-other")
    kept = await keys.claim("acme", "k1", record("f1", at=NOW + 1), NOW + 1)
    await keys.release("acme", "k1", "f1")
    released = await keys.claim("acme", "k1", record("f1", at=NOW + 2), NOW + 2)
    await keys.complete("acme", "k1")
    await keys.release("acme", "k1", "f1")
    done = await keys.claim("acme", "k1", record("f1", at=NOW + 3), NOW + 3)

    assert not kept.owned
    assert released.owned and released.record.first_attempt_ms == int((NOW + 2) * 1000)
    assert not done.owned and done.record.done


async def test_concurrent_claims_have_one_owner(keys: IdempotencyKeys) -> None:
    claims = await asyncio.gather(
        *(keys.claim("acme", "race", record(at=NOW + i / 1000), NOW) for i in range(8))
    )

    assert sum(c.owned for c in claims) == 1
    owner = next(c for c in claims if c.owned)
    assert {c.record.first_attempt_ms for c in claims} == {owner.record.first_attempt_ms}
