"""``GET /tenants/{t}/usage`` and ``GET /tenants`` in-process: the counts that ingest, the
rate limit and the worker leave, and who may read them."""

from __future__ import annotations

from collections import Counter

import orjson
import pytest

from tenantlog.core.tenants import TenantSettings
from tenantlog.core.usage import FIELDS
from tests.support.factories import NDJSON
from tests.support.factories import bearer as auth
from tests.support.factories import ndjson_lines as lines
from tests.support.inprocess import InProcess, in_process

pytestmark = pytest.mark.anyio


def totals(days: list[dict[str, object]]) -> dict[str, int]:
    """A window's counts summed (a test that runs across midnight UTC has two days)."""
    return {name: sum(int(str(day[name])) for day in days) for name in FIELDS}


async def queued_bytes(app: InProcess) -> Counter[str]:
    """Bytes of the queued messages per tenant, leaving them queued."""
    sizes: Counter[str] = Counter()
    for delivery in await app.backends.queue.receive(100, 0):
        sizes[orjson.loads(delivery.body)["tenant_id"]] += len(delivery.body)
        await app.backends.queue.give_back(delivery.receipt)
    return sizes


async def test_usage_counts_accepted_rate_limited_and_stored_logs_per_tenant() -> None:
    async with in_process() as app:
        # GIVEN a rate-limited tenant (a burst of 10, barely refilled) and an unlimited one
        await app.backends.tenants.put(TenantSettings("acme", rate_limit=0.001, burst=10))
        acme = await app.new_key("acme", "ingest", "read")
        other = await app.new_key("other", "ingest", "read")
        # WHEN acme sends 8 + 5 + 2 + 1 logs, of which 5 and 1 are over its limit
        statuses = [
            (
                await app.client.post("/ingest", content=body, headers=auth(acme, **NDJSON))
            ).status_code
            for body in (lines(8), lines(5), lines(2), lines(1))
        ]
        assert statuses == [202, 429, 202, 429]
        # AND the other tenant sends 3 logs
        sent = await app.client.post("/ingest", content=lines(3), headers=auth(other, **NDJSON))
        assert sent.status_code == 202
        sizes = await queued_bytes(app)
        # AND the worker stores them all, and the counts are flushed
        await app.drain()
        assert await app.backends.usage.flush()
        # THEN each tenant reads its own counts
        response = await app.client.get("/tenants/acme/usage?days=2", headers=auth(acme))
        assert response.status_code == 200
        body = response.json()
        assert body["tenant_id"] == "acme"
        assert len(body["days"]) == 2
        assert body["days"][0]["day"] < body["days"][1]["day"]
        assert totals(body["days"]) == {
            "accepted_logs": 10,
            "accepted_bytes": sizes["acme"],
            "rate_limited_logs": 6,
            "stored_logs": 10,
            "dead_lettered_logs": 0,
        }
        response = await app.client.get("/tenants/other/usage?days=2", headers=auth(other))
        assert totals(response.json()["days"]) == {
            "accepted_logs": 3,
            "accepted_bytes": sizes["other"],
            "rate_limited_logs": 0,
            "stored_logs": 3,
            "dead_lettered_logs": 0,
        }


async def test_a_window_of_seven_days_by_default_every_day_shown() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "read")

        response = await app.client.get("/tenants/acme/usage", headers=auth(secret))

        assert response.status_code == 200
        days = response.json()["days"]
        assert len(days) == 7
        assert all(set(day) == {"day", *FIELDS} for day in days)
        assert totals(days) == dict.fromkeys(FIELDS, 0)


async def test_only_the_tenants_read_keys_and_admins_read_its_usage() -> None:
    async with in_process() as app:
        reader = await app.new_key("acme", "read")
        ingest_only = await app.new_key("acme", "ingest")
        another = await app.new_key("other", "read")
        admin = await app.new_key("ops", "admin")

        async def status(secret: str | None) -> int:
            headers = {} if secret is None else auth(secret)
            return (await app.client.get("/tenants/acme/usage", headers=headers)).status_code

        assert await status(reader) == 200
        assert await status(admin) == 200
        assert await status(ingest_only) == 403
        assert await status(another) == 404  # as the logs routes: the tenant is not disclosed
        assert await status(None) == 401


async def test_the_admin_lists_every_tenant_with_activity_and_no_one_else_may() -> None:
    async with in_process() as app:
        acme = await app.new_key("acme", "ingest", "read")
        admin = await app.new_key("ops", "admin")
        await app.client.post("/ingest", content=lines(4), headers=auth(acme, **NDJSON))
        await app.backends.usage.flush()

        listed = await app.client.get("/tenants?days=1", headers=auth(admin))
        refused = await app.client.get("/tenants", headers=auth(acme))

        assert listed.status_code == 200
        body = listed.json()
        assert body["first_day"] == body["last_day"]
        assert [(t["tenant_id"], t["accepted_logs"]) for t in body["tenants"]] == [("acme", 4)]
        assert refused.status_code == 403
        assert refused.json() == {"error": "this API key lacks the 'admin' scope"}


@pytest.mark.parametrize("days", ["0", "367", "-1", "seven", "1.5", ""])
async def test_days_out_of_range_is_400(days: str) -> None:
    async with in_process(auth="off", base_url="http://127.0.0.1") as app:
        for path in ("/tenants/acme/usage", "/tenants"):
            response = await app.client.get(path, params={"days": days})

            assert response.status_code == 400, path
            assert response.json() == {"error": "days must be an integer from 1 to 366"}


async def test_an_invalid_tenant_id_is_400() -> None:
    async with in_process(auth="off", base_url="http://127.0.0.1") as app:
        response = await app.client.get("/tenants/a%20b/usage")

        assert response.status_code == 400
        assert response.json() == {"error": "invalid tenant_id in path"}
