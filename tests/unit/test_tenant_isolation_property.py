"""Property: over random interleavings of tenants, keys and requests, no key ever reads or
writes another tenant's data (DESIGN §2a), and only keys with ``audit`` see original_text."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.inprocess import InProcess, in_process

TENANTS = ("t0", "t1", "t2")
SCOPE_SETS = (
    ("ingest",),
    ("read",),
    ("ingest", "read"),
    ("read", "audit"),
    ("ingest", "read", "audit", "delete"),
)


@dataclass(frozen=True)
class KeySpec:
    tenant: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class Write:
    key: int
    kind: str  # json, text, ndjson
    named: tuple[str | None, ...]  # the tenant each log names (None: none), one per log


@dataclass(frozen=True)
class Read:
    key: int
    tenant: str
    one: bool


@dataclass(frozen=True)
class Drain:
    pass


keys_strategy = st.lists(
    st.builds(KeySpec, st.sampled_from(TENANTS), st.sampled_from(SCOPE_SETS)),
    min_size=1,
    max_size=5,
)
maybe_tenant = st.one_of(st.none(), st.sampled_from(TENANTS))


def operations(key_count: int) -> st.SearchStrategy[list[Write | Read | Drain]]:
    key = st.integers(0, key_count - 1)
    write = st.one_of(
        st.builds(Write, key, st.just("json"), st.tuples(maybe_tenant)),
        st.builds(Write, key, st.just("text"), st.tuples(maybe_tenant)),
        st.builds(
            Write,
            key,
            st.just("ndjson"),
            st.lists(maybe_tenant, min_size=1, max_size=4).map(tuple),
        ),
    )
    read = st.builds(Read, key, st.sampled_from(TENANTS), st.booleans())
    return st.lists(st.one_of(write, read, st.just(Drain())), min_size=1, max_size=25)


scenarios = keys_strategy.flatmap(lambda ks: st.tuples(st.just(ks), operations(len(ks))))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios)
def test_no_key_reads_or_writes_another_tenants_data(
    scenario: tuple[list[KeySpec], list[Write | Read | Drain]],
) -> None:
    specs, ops = scenario
    asyncio.run(_run(specs, ops))


async def _run(specs: list[KeySpec], ops: list[Write | Read | Drain]) -> None:
    async with in_process() as app:
        secrets = [await app.new_key(spec.tenant, *spec.scopes) for spec in specs]
        written: dict[str, str] = {}  # log_id -> tenant of the key that wrote it
        for number, op in enumerate(ops):
            if isinstance(op, Drain):
                await app.drain()
            elif isinstance(op, Write):
                await _write(app, specs[op.key], secrets[op.key], op, number, written)
            else:
                await _read(app, specs[op.key], secrets[op.key], op, written)
        await app.drain()
        # Every stored record is in the tenant of the key that wrote it.
        for tenant in TENANTS:
            page = await app.backends.store.list(tenant, 1000, None)
            for record in page.items:
                assert written[record.log_id] == tenant


async def _write(
    app: InProcess, spec: KeySpec, secret: str, op: Write, number: int, written: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {secret}"}
    log_ids = [f"op{number}-{n}" for n in range(len(op.named))]
    if op.kind == "text":
        if op.named[0] is not None:
            headers["X-Tenant-ID"] = op.named[0]
        headers["X-Log-ID"] = log_ids[0]
        response = await app.client.post(
            "/ingest", content=b"hello", headers={**headers, "Content-Type": "text/plain"}
        )
    else:
        logs = []
        for log_id, named in zip(log_ids, op.named, strict=True):
            log = {"log_id": log_id, "text": "hello"}
            if named is not None:
                log["tenant_id"] = named
            logs.append(orjson.dumps(log))
        content_type = "application/json" if op.kind == "json" else "application/x-ndjson"
        response = await app.client.post(
            "/ingest", content=b"\n".join(logs), headers={**headers, "Content-Type": content_type}
        )
    allowed = "ingest" in spec.scopes and all(n in (None, spec.tenant) for n in op.named)
    if not allowed:
        assert response.status_code == 403, response.text
        return
    assert response.status_code == 202, response.text
    answer = response.json()
    items = answer.get("items", [answer])
    assert {item["tenant_id"] for item in items} == {spec.tenant}
    for log_id in log_ids:
        written[log_id] = spec.tenant


async def _read(
    app: InProcess, spec: KeySpec, secret: str, op: Read, written: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {secret}"}
    mine = [log_id for log_id, tenant in written.items() if tenant == op.tenant]
    path = f"/tenants/{op.tenant}/logs"
    if op.one:
        path += "/" + (mine[0] if mine else "none")
    response = await app.client.get(path, headers=headers)
    if "read" not in spec.scopes:
        assert response.status_code == 403
        return
    if op.tenant != spec.tenant:
        assert (response.status_code, response.json()) == (404, {"error": "not found"})
        return
    if op.one and response.status_code == 404:
        return  # not processed yet
    assert response.status_code == 200, response.text
    body = response.json()
    records = [body] if op.one else body["items"]
    for record in records:
        assert record["tenant_id"] == spec.tenant
        assert written[record["log_id"]] == spec.tenant
        assert ("original_text" in record) is ("audit" in spec.scopes)
