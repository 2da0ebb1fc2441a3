"""The KeyStore contract, run against every backend (see identity_fixtures.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tenantlog.core.keys import SCOPES, ApiKey, DuplicateKey, KeyStore, new_secret, secret_digest
from tests.contract.identity_fixtures import key_store, make_key

__all__ = ["key_store"]

pytestmark = pytest.mark.anyio

LATER = "2024-01-02T00:00:00.000Z"
LATEST = "2024-01-03T00:00:00.000Z"
#: Creation times in order; the middle one is 1 ms after the first.
CREATED_AT = ("2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.001Z", "2024-02-01T00:00:00.000Z")


def key_id(n: int) -> str:
    return f"key{n:013d}"


async def test_key_store_add_then_get_round_trips_a_minimal_key(key_store: KeyStore) -> None:
    key = make_key()

    await key_store.add(key)

    got = await key_store.get(key.key_id)
    assert got == key
    assert got is not None and isinstance(got.scopes, frozenset)
    assert (got.name, got.expires_at, got.revoked_at, got.last_used_at) == (None,) * 4


async def test_key_store_add_then_get_round_trips_every_field(key_store: KeyStore) -> None:
    secret = new_secret(key_id(7))
    key = ApiKey(
        key_id=key_id(7),
        tenant_id="acme",
        scopes=frozenset(SCOPES),
        secret_hash=secret_digest(secret),
        created_at="2024-01-01T00:00:00.000Z",
        name="ci-shipper ünïcødé",
        expires_at="2025-01-01T00:00:00.000Z",
        revoked_at="2024-06-01T00:00:00.000Z",
        last_used_at="2024-05-31T23:59:59.999Z",
    )

    await key_store.add(key)

    got = await key_store.get(key.key_id)
    assert got == key
    assert got is not None and got.scopes == frozenset(SCOPES)
    # the stored digest still verifies the secret it was made from
    assert got.matches(secret)


async def test_key_store_get_unknown_is_none(key_store: KeyStore) -> None:
    await key_store.add(make_key(key_id(1)))

    assert await key_store.get(key_id(2)) is None


async def test_key_store_add_of_an_existing_id_is_refused(key_store: KeyStore) -> None:
    # GIVEN a stored key
    first = make_key(key_id(1), "acme")
    await key_store.add(first)
    # WHEN another key with the same id is added
    with pytest.raises(DuplicateKey):
        await key_store.add(make_key(key_id(1), "globex", scopes=frozenset({"admin"})))
    # THEN the first key is unchanged (its tenant, scopes and secret)
    assert await key_store.get(key_id(1)) == first


async def test_key_store_list_orders_by_tenant_then_creation_then_id(key_store: KeyStore) -> None:
    # GIVEN keys of two tenants added out of order, whose ids do not follow their creation
    # times, two of them created at the same time
    keys = [
        make_key(key_id(2), "acme", created_at=CREATED_AT[1]),
        make_key(key_id(0), "globex", created_at=CREATED_AT[0]),
        make_key(key_id(1), "acme", created_at=CREATED_AT[2]),
        make_key(key_id(4), "acme", created_at=CREATED_AT[0]),
        make_key(key_id(3), "acme", created_at=CREATED_AT[1]),
    ]
    for key in keys:
        await key_store.add(key)
    # WHEN every key is listed
    listed = await key_store.list()
    # THEN they come by tenant, then creation time, then id
    assert [(k.tenant_id, k.key_id) for k in listed] == [
        ("acme", key_id(4)),
        ("acme", key_id(2)),
        ("acme", key_id(3)),
        ("acme", key_id(1)),
        ("globex", key_id(0)),
    ]
    assert sorted(listed, key=lambda k: k.key_id) == sorted(keys, key=lambda k: k.key_id)


async def test_key_store_list_of_a_tenant_has_only_its_keys(key_store: KeyStore) -> None:
    # GIVEN keys of three tenants
    for n, tenant in enumerate(["acme", "globex", "acme", "initech", "globex"]):
        await key_store.add(make_key(key_id(n), tenant, created_at=CREATED_AT[n % 3]))
    # WHEN one tenant's keys are listed
    globex = await key_store.list("globex")
    # THEN only that tenant's come, in order; a tenant without keys has none
    assert [(k.tenant_id, k.key_id) for k in globex] == [
        ("globex", key_id(1)),
        ("globex", key_id(4)),
    ]
    assert await key_store.list("nobody") == []


async def test_key_store_list_is_empty_without_keys(key_store: KeyStore) -> None:
    assert await key_store.list() == []


async def test_key_store_revoke_marks_the_key_and_returns_it(key_store: KeyStore) -> None:
    # GIVEN a key
    key = make_key()
    await key_store.add(key)
    # WHEN it is revoked
    revoked = await key_store.revoke(key.key_id, LATER)
    # THEN the key comes back with its revocation time, and is stored so
    assert revoked == replace(key, revoked_at=LATER)
    assert await key_store.get(key.key_id) == revoked


async def test_key_store_second_revoke_keeps_the_first_time(key_store: KeyStore) -> None:
    # GIVEN a revoked key
    key = make_key()
    await key_store.add(key)
    await key_store.revoke(key.key_id, LATER)
    # WHEN it is revoked again, later
    again = await key_store.revoke(key.key_id, LATEST)
    # THEN it stays revoked at the first time
    assert again is not None and again.revoked_at == LATER
    stored = await key_store.get(key.key_id)
    assert stored is not None and stored.revoked_at == LATER


async def test_key_store_revoke_unknown_is_none_and_creates_nothing(key_store: KeyStore) -> None:
    assert await key_store.revoke(key_id(9), LATER) is None

    assert await key_store.get(key_id(9)) is None
    assert await key_store.list() == []


async def test_key_store_touch_records_the_last_use(key_store: KeyStore) -> None:
    # GIVEN a key never used
    key = make_key()
    await key_store.add(key)
    # WHEN it is touched twice
    await key_store.touch(key.key_id, LATER)
    first = await key_store.get(key.key_id)
    await key_store.touch(key.key_id, LATEST)
    # THEN last_used_at is the latest touch, and nothing else of the key changed
    assert first == replace(key, last_used_at=LATER)
    assert await key_store.get(key.key_id) == replace(key, last_used_at=LATEST)


async def test_key_store_touch_unknown_creates_nothing(key_store: KeyStore) -> None:
    await key_store.touch(key_id(9), LATER)

    assert await key_store.get(key_id(9)) is None
    assert await key_store.list() == []
