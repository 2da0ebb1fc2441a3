"""Idempotency-Key on /ingest, in-process: same key and tenant, same ids, nothing enqueued twice."""

from __future__ import annotations

import time
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenantlog.core.idempotency import (
    LEASE_SECONDS,
    DerivedLogIds,
    IdempotencyUnavailable,
    KeyRecord,
    fingerprint,
    parse_key,
)
from tenantlog.core.queue import Outgoing, QueueUnavailable
from tenantlog.core.validation import IngestError
from tests.support.inprocess import InProcess, in_process

pytestmark = pytest.mark.anyio

NDJSON = {"Content-Type": "application/x-ndjson"}


def keyed(secret: str, key: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", "Idempotency-Key": key, **extra}


async def depth(app: InProcess) -> int:
    return (await app.backends.queue.stats()).depth


# ---- the key, its ids ------------------------------------------------------------------


@pytest.mark.parametrize("header", ["abc", '"abc"', "  abc ", "a" * 255, "order-42:retry/1"])
def test_key_accepts_bare_and_quoted_visible_ascii(header: str) -> None:
    assert parse_key(header) == header.strip().strip('"')


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("", "empty"),
        ('""', "empty"),
        ("a" * 256, "longer than 255"),
        ("a b", "visible ASCII"),
        ("ünï", "visible ASCII"),
        ("a\tb", "visible ASCII"),
        ('a"b', "visible ASCII"),
    ],
)
def test_key_refuses_what_is_not_a_key_naming_the_header(header: str, reason: str) -> None:
    with pytest.raises(IngestError) as refused:
        parse_key(header)
    assert refused.value.status == 400
    assert "Idempotency-Key header" in refused.value.message and reason in refused.value.message


@given(st.text(min_size=1, max_size=40), st.integers(0, 2**48 - 1))
def test_derived_ids_are_uuidv7_repeatable_and_distinct(key: str, at_ms: int) -> None:
    first, again = DerivedLogIds(key, at_ms), DerivedLogIds(key, at_ms)
    ids = [first() for _ in range(50)]

    assert ids == [again() for _ in range(50)]
    assert len(set(ids)) == 50
    for text in ids:
        parsed = uuid.UUID(text)
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
        assert parsed.int >> 80 == at_ms  # the first attempt's time: sorts by arrival


def test_derived_ids_differ_by_key_and_time() -> None:
    assert DerivedLogIds("a", 1)() != DerivedLogIds("b", 1)()
    assert DerivedLogIds("a", 1)() != DerivedLogIds("a", 2)()


def test_fingerprint_tells_parts_apart() -> None:
    assert fingerprint("ab", "c") != fingerprint("a", "bc")
    assert fingerprint(None, "x") != fingerprint("", "x")
    assert fingerprint(b"x") == fingerprint("x")


# ---- /ingest -----------------------------------------------------------------------------


async def test_a_retry_gets_the_same_ids_and_enqueues_nothing_new() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme")
        body = b'{"text":"one"}\n{"text":"two","log_id":"given"}\n{"text":"three"}\n'

        first = await app.client.post(
            "/ingest", content=body, headers=keyed(secret, "k1", **NDJSON)
        )
        retry = await app.client.post(
            "/ingest", content=body, headers=keyed(secret, "k1", **NDJSON)
        )

        assert (first.status_code, retry.status_code) == (202, 202)
        assert retry.json() == first.json()
        assert retry.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        assert [i["log_id"] for i in first.json()["items"]][1] == "given"
        assert await depth(app) == 3


async def test_single_json_and_text_logs_are_idempotent_too() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme")
        for _ in range(3):
            as_json = await app.client.post(
                "/ingest", json={"text": "j"}, headers=keyed(secret, "json")
            )
            as_text = await app.client.post(
                "/ingest",
                content="t",
                headers=keyed(secret, "text", **{"Content-Type": "text/plain"}),
            )
            assert (as_json.status_code, as_text.status_code) == (202, 202)
        assert await depth(app) == 2


async def test_without_a_key_every_retry_is_a_new_log() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme")
        headers = {"Authorization": f"Bearer {secret}"}
        ids = {
            (await app.client.post("/ingest", json={"text": "x"}, headers=headers)).json()["log_id"]
            for _ in range(3)
        }
        assert len(ids) == 3 and await depth(app) == 3


async def test_retries_store_each_log_once() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "ingest", "read")
        for _ in range(3):
            await app.client.post(
                "/ingest", json={"text": "call 555-123-4567"}, headers=keyed(secret, "k")
            )
        await app.drain()
        page = (await app.client.get("/tenants/acme/logs", headers=keyed(secret, "k"))).json()
        assert [r["modified_data"] for r in page["items"]] == ["call [REDACTED]"]


async def test_a_key_reused_for_a_different_request_is_422() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme")
        await app.client.post("/ingest", json={"text": "first"}, headers=keyed(secret, "k"))

        other = await app.client.post(
            "/ingest", json={"text": "second"}, headers=keyed(secret, "k")
        )

        assert other.status_code == 422
        assert "Idempotency-Key was already used for a different request" in other.json()["error"]
        assert await depth(app) == 1


async def test_keys_are_scoped_by_tenant() -> None:
    async with in_process() as app:
        acme, globex = await app.new_key("acme"), await app.new_key("globex")

        a = await app.client.post("/ingest", json={"text": "x"}, headers=keyed(acme, "same"))
        g = await app.client.post("/ingest", json={"text": "y"}, headers=keyed(globex, "same"))

        assert (a.status_code, g.status_code) == (202, 202)
        assert "idempotent-replayed" not in g.headers
        assert await depth(app) == 2


async def test_a_request_still_in_flight_is_409_with_retry_after() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme")
        body = b'{"text":"x"}'
        now = time.time()
        # GIVEN the same request holds the key (it is enqueueing)
        await app.backends.idempotency.claim(
            "acme",
            "k",
            KeyRecord(_fingerprint(body), int(now * 1000), False, now + 60, now + 600),
            now,
        )

        response = await app.client.post(
            "/ingest",
            content=body,
            headers=keyed(secret, "k", **{"Content-Type": "application/json"}),
        )

        assert response.status_code == 409
        assert "still being processed" in response.json()["error"]
        assert response.headers["retry-after"] == "1"
        assert await depth(app) == 0


async def test_a_holder_that_died_is_taken_over_under_the_first_attempts_ids() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "ingest", "read")
        body = b'{"text":"x"}'
        died_at = time.time() - LEASE_SECONDS - 1
        first_ms = int(died_at * 1000)
        # GIVEN an attempt that claimed the key, maybe enqueued, and died before recording it
        await app.backends.idempotency.claim(
            "acme",
            "k",
            KeyRecord(_fingerprint(body), first_ms, False, died_at + LEASE_SECONDS, died_at + 600),
            died_at,
        )
        expected_id = DerivedLogIds("k", first_ms)()
        await app.backends.queue.send([_message("acme", expected_id)])

        retry = await app.client.post(
            "/ingest",
            content=body,
            headers=keyed(secret, "k", **{"Content-Type": "application/json"}),
        )

        assert retry.status_code == 202 and retry.json()["log_id"] == expected_id
        await app.drain()
        page = (await app.client.get("/tenants/acme/logs", headers=keyed(secret, "k"))).json()
        assert [r["log_id"] for r in page["items"]] == [expected_id]  # stored once


async def test_invalid_key_is_400_and_enqueues_nothing() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme")
        response = await app.client.post(
            "/ingest", json={"text": "x"}, headers=keyed(secret, "has space")
        )
        assert response.status_code == 400
        assert "Idempotency-Key header" in response.json()["error"]
        assert await depth(app) == 0


def _fingerprint(body: bytes) -> str:
    return fingerprint("application/json", None, None, None, body)


def _message(tenant: str, log_id: str) -> Outgoing:
    from tenantlog.core.models import InternalMessage, utc_now

    body = InternalMessage(
        tenant_id=tenant, log_id=log_id, source="json_upload", text="x", received_at=utc_now()
    ).encode()
    return Outgoing(tenant, body)


async def test_a_failed_enqueue_frees_the_key_for_an_immediate_retry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with in_process() as app:
        secret = await app.new_key("acme")
        send = app.backends.queue.send

        async def unreachable(messages: list[Outgoing]) -> None:
            raise QueueUnavailable("down")

        monkeypatch.setattr(app.backends.queue, "send", unreachable)
        failed = await app.client.post("/ingest", json={"text": "x"}, headers=keyed(secret, "k"))
        monkeypatch.setattr(app.backends.queue, "send", send)
        retry = await app.client.post("/ingest", json={"text": "x"}, headers=keyed(secret, "k"))

        assert failed.status_code == 500
        assert retry.status_code == 202 and "idempotent-replayed" not in retry.headers
        assert await depth(app) == 1


async def test_an_unavailable_key_record_is_503_and_enqueues_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with in_process() as app:
        secret = await app.new_key("acme")

        async def unreachable(*args: object) -> None:
            raise IdempotencyUnavailable("table gone")

        monkeypatch.setattr(app.backends.idempotency, "claim", unreachable)
        response = await app.client.post("/ingest", json={"text": "x"}, headers=keyed(secret, "k"))

        assert response.status_code == 503
        assert response.json() == {"error": "idempotency keys unavailable; retry later"}
        assert response.headers["retry-after"] == "5"
        assert await depth(app) == 0
