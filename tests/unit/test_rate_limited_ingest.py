"""Per-tenant rate limits on /ingest, in-process: 429, 413 over the burst, the headers."""

from __future__ import annotations

import time

import pytest

from tenantlog.core.idempotency import KeyRecord
from tenantlog.core.tenants import TenantSettings
from tests.support.factories import NDJSON
from tests.support.factories import bearer as auth
from tests.support.factories import ndjson_lines as lines
from tests.support.inprocess import InProcess, in_process

pytestmark = pytest.mark.anyio


async def limited(app: InProcess, tenant: str, rate: float, burst: int) -> str:
    await app.backends.tenants.put(TenantSettings(tenant, rate_limit=rate, burst=burst))
    return await app.new_key(tenant)


async def depth(app: InProcess) -> int:
    return (await app.backends.queue.stats()).depth


async def test_logs_not_requests_are_counted_and_the_excess_is_429() -> None:
    async with in_process() as app:
        secret = await limited(app, "acme", rate=0.5, burst=10)

        batch = await app.client.post("/ingest", content=lines(8), headers=auth(secret, **NDJSON))
        over = await app.client.post("/ingest", content=lines(3), headers=auth(secret, **NDJSON))
        fits = await app.client.post("/ingest", content=lines(2), headers=auth(secret, **NDJSON))
        empty = await app.client.post("/ingest", json={"text": "x"}, headers=auth(secret))

        assert [r.status_code for r in (batch, over, fits, empty)] == [202, 429, 202, 429]
        assert over.json() == {"error": "rate limit exceeded for tenant 'acme'"}
        assert int(over.headers["retry-after"]) >= 1
        assert await depth(app) == 10  # refused requests enqueued nothing


async def test_headers_of_both_drafts_on_202_and_429() -> None:
    async with in_process() as app:
        secret = await limited(app, "acme", rate=2, burst=10)

        accepted = await app.client.post(
            "/ingest", content=lines(4), headers=auth(secret, **NDJSON)
        )
        refused = await app.client.post("/ingest", content=lines(9), headers=auth(secret, **NDJSON))

        assert accepted.headers["ratelimit-policy"] == '"tenant";q=10;w=5'
        assert accepted.headers["ratelimit"] == '"tenant";r=6;t=2'
        assert (
            accepted.headers["ratelimit-limit"],
            accepted.headers["ratelimit-remaining"],
            accepted.headers["ratelimit-reset"],
        ) == ("10", "6", "2")
        assert refused.status_code == 429
        assert refused.headers["ratelimit"] == '"tenant";r=6;t=2'
        assert refused.headers["retry-after"] == "2"  # 3 logs short at 2 logs/s


async def test_a_batch_over_the_burst_is_413_naming_it_and_enqueues_nothing() -> None:
    async with in_process() as app:
        secret = await limited(app, "acme", rate=100, burst=5)

        response = await app.client.post(
            "/ingest", content=lines(6), headers=auth(secret, **NDJSON)
        )

        assert response.status_code == 413
        assert response.json()["error"] == (
            "payload too large: 6 logs for tenant 'acme', over its burst of 5"
            " (a request can never carry more)"
        )
        assert await depth(app) == 0


async def test_unlimited_tenants_get_no_rate_limit_headers() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme")
        response = await app.client.post(
            "/ingest", content=lines(50), headers=auth(secret, **NDJSON)
        )
        assert response.status_code == 202
        assert not [name for name in response.headers if name.startswith("ratelimit")]


async def test_one_tenants_limit_leaves_the_others_alone() -> None:
    async with in_process() as app:
        acme = await limited(app, "acme", rate=0.1, burst=1)
        globex = await app.new_key("globex")
        await app.client.post("/ingest", json={"text": "x"}, headers=auth(acme))

        refused = await app.client.post("/ingest", json={"text": "x"}, headers=auth(acme))
        others = [
            await app.client.post("/ingest", json={"text": "y"}, headers=auth(globex))
            for _ in range(20)
        ]

        assert refused.status_code == 429
        assert {r.status_code for r in others} == {202}


async def test_an_idempotent_replay_costs_no_tokens_and_a_refusal_frees_the_key() -> None:
    async with in_process() as app:
        secret = await limited(app, "acme", rate=0.1, burst=3)
        keyed = auth(secret, **NDJSON, **{"Idempotency-Key": "k"})

        first = await app.client.post("/ingest", content=lines(3), headers=keyed)
        replay = await app.client.post("/ingest", content=lines(3), headers=keyed)
        refused = await app.client.post(
            "/ingest", content=lines(1), headers={**keyed, "Idempotency-Key": "k2"}
        )

        assert (first.status_code, replay.status_code, refused.status_code) == (202, 202, 429)
        assert replay.headers["idempotent-replayed"] == "true"
        assert await depth(app) == 3
        # the refused request released its key: the next attempt claims it afresh
        now = time.time()
        claim = await app.backends.idempotency.claim(
            "acme", "k2", KeyRecord("other", int(now * 1000), False, now + 60, now + 600), now
        )
        assert claim.owned
