"""The agents' routes in-process (``/v1/logs``, ``/loki/api/v1/push``): who the tenant is,
and each refusal in the form the protocol's clients read. The real clients are in
tests/integration/test_agents_server.py."""

from __future__ import annotations

import orjson
import pytest
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse

from tenantlog.core.tenants import TenantSettings
from tests.support.factories import bearer
from tests.support.inprocess import in_process
from tests.unit.protocols.builders import loki_body, loki_stream, otlp_request, record

pytestmark = pytest.mark.anyio

PROTOBUF = {"Content-Type": "application/x-protobuf"}
OTLP = otlp_request([record("one"), record("two")]).SerializeToString()
LOKI = loki_body(loki_stream('{app="web"}', (1, "one"), (2, "two")))


async def test_the_key_names_the_tenant_and_a_header_may_only_repeat_it() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "ingest", "read")
        answer = await app.client.post("/v1/logs", content=OTLP, headers=bearer(secret, **PROTOBUF))
        assert answer.status_code == 200
        assert ExportLogsServiceResponse.FromString(answer.content) == ExportLogsServiceResponse()
        pushed = await app.client.post(
            "/loki/api/v1/push", content=LOKI, headers=bearer(secret, **{"X-Scope-OrgID": "acme"})
        )
        assert pushed.status_code == 204
        await app.drain()
        assert len((await app.backends.store.list("acme", 10, None)).items) == 4
        # another tenant in a header: 403, in each protocol's form
        other = bearer(secret, **PROTOBUF, **{"X-Scope-OrgID": "globex"})
        refused = await app.client.post("/v1/logs", content=OTLP, headers=other)
        assert refused.status_code == 403
        assert Status.FromString(refused.content).code == 7  # PERMISSION_DENIED
        refused = await app.client.post("/loki/api/v1/push", content=LOKI, headers=other)
        assert refused.status_code == 403 and "globex" in refused.json()["error"]


async def test_without_keys_the_tenant_comes_from_a_header_and_must_be_one() -> None:
    async with in_process(
        auth="off", client_address=("127.0.0.1", 1234), base_url="http://127.0.0.1"
    ) as app:
        missing = await app.client.post("/loki/api/v1/push", content=LOKI)
        assert missing.status_code == 400
        assert missing.json() == {"error": "missing tenant: send the X-Scope-OrgID header"}
        both = {"X-Tenant-ID": "a", "X-Scope-OrgID": "b"}
        answer = await app.client.post("/loki/api/v1/push", content=LOKI, headers=both)
        assert answer.json() == {"error": "X-Tenant-ID and X-Scope-OrgID name different tenants"}
        bad = await app.client.post(
            "/v1/logs", content=OTLP, headers={**PROTOBUF, "X-Tenant-ID": "a b"}
        )
        assert bad.status_code == 400
        assert "X-Tenant-ID header" in Status.FromString(bad.content).message


async def test_refusals_follow_each_protocol() -> None:
    async with in_process(
        auth="off", client_address=("127.0.0.1", 1234), base_url="http://127.0.0.1"
    ) as app:
        tenant = {"X-Tenant-ID": "acme"}
        # OTLP: another Content-Type is a 415 Status, in protobuf (the default encoding)
        wrong = await app.client.post(
            "/v1/logs", content=b"{}", headers={**tenant, "Content-Type": "text/plain"}
        )
        assert wrong.status_code == 415
        assert wrong.headers["content-type"] == "application/x-protobuf"
        assert Status.FromString(wrong.content).code == 3
        # a malformed JSON export: 400 Status in JSON
        json_headers = {**tenant, "Content-Type": "application/json"}
        malformed = await app.client.post("/v1/logs", content=b"[1]", headers=json_headers)
        assert malformed.status_code == 400
        assert malformed.headers["content-type"] == "application/json"
        assert orjson.loads(malformed.content)["code"] == 3
        # Loki: a malformed label set is a 400 naming the stream
        broken = loki_body(loki_stream("{app=web}", (1, "x")))
        answer = await app.client.post("/loki/api/v1/push", content=broken, headers=tenant)
        assert answer.status_code == 400 and "streams[0]" in answer.json()["error"]
        # a GET is not a push
        assert (await app.client.get("/loki/api/v1/push", headers=tenant)).status_code == 405
        # nothing of it was queued
        assert (await app.backends.queue.stats()).depth == 0


async def test_a_rate_limited_tenant_gets_429_with_retry_after_in_both_protocols() -> None:
    async with in_process(
        auth="off", client_address=("127.0.0.1", 1234), base_url="http://127.0.0.1"
    ) as app:
        await app.backends.tenants.put(TenantSettings("acme", rate_limit=1, burst=2))
        tenant = {"X-Tenant-ID": "acme"}
        assert (
            await app.client.post("/v1/logs", content=OTLP, headers={**PROTOBUF, **tenant})
        ).status_code == 200
        limited = await app.client.post("/v1/logs", content=OTLP, headers={**PROTOBUF, **tenant})
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert Status.FromString(limited.content).code == 8  # RESOURCE_EXHAUSTED
        pushed = await app.client.post("/loki/api/v1/push", content=LOKI, headers=tenant)
        assert pushed.status_code == 429 and "retry-after" in pushed.headers
        # a batch larger than the burst can never pass: 413, which agents drop
        three = otlp_request([record("a"), record("b"), record("c")]).SerializeToString()
        too_big = await app.client.post("/v1/logs", content=three, headers={**PROTOBUF, **tenant})
        assert too_big.status_code == 413
        assert "burst of 2" in Status.FromString(too_big.content).message
