"""The worker applies a tenant's own redaction rules to that tenant's logs only, after the
built-in detectors, to the text and the attributes, and compiles them once per version."""

from __future__ import annotations

import pytest

from tenantlog.core.models import InternalMessage
from tenantlog.core.processing import Ack, ProcessingPolicy, Processor
from tenantlog.core.queue import Delivery
from tenantlog.core.tenants import TenantPolicy
from tenantlog.redaction import DETECTORS, Redactor
from tenantlog.redaction.custom_rules import TenantRedactor, custom_rules
from tenantlog.store.memory import MemoryStore

pytestmark = pytest.mark.anyio

BASE = TenantPolicy(0, 1, 0, True, DETECTORS, "typed")
ACME = TenantPolicy(
    0,
    1,
    0,
    True,
    DETECTORS,
    "typed",
    redaction_rules=(("employee_id", r"E\d{6}"),),
    redaction_deny=("project falcon",),
)
TEXT = "E123456 mailed a@example.com about Project Falcon"


def delivery(tenant_id: str, log_id: str, attributes: dict[str, str] | None = None) -> Delivery:
    body = InternalMessage(
        tenant_id,
        log_id,
        "json_upload",
        TEXT,
        "2024-01-01T00:00:00.000Z",
        attributes=attributes or {},
    ).encode()
    return Delivery(f"m-{tenant_id}-{log_id}", body, "r", 1)


def processor(store: MemoryStore, policies: dict[str, TenantPolicy]) -> Processor:
    async def policy_of(tenant_id: str) -> TenantPolicy:
        return policies[tenant_id]

    return Processor(
        store,
        Redactor(),
        ProcessingPolicy(crash_probability=0, processing_delay_per_char=0),
        tenant_policy=policy_of,
    )


async def test_a_tenants_rules_apply_to_its_logs_and_never_to_another_tenants() -> None:
    # GIVEN two tenants, only acme with rules of its own, whose logs share one batch
    store = MemoryStore()
    worker = processor(store, {"acme": ACME, "globex": BASE})
    # WHEN the same log of each is processed, interleaved
    outcomes = await worker.process_batch(
        [delivery("acme", "1"), delivery("globex", "1"), delivery("acme", "2")]
    )
    # THEN acme's logs are redacted by its rules after the built-in detectors
    assert all(isinstance(outcome, Ack) and outcome.stored for outcome in outcomes)
    for log_id in ("1", "2"):
        acme = await store.get("acme", log_id)
        assert acme is not None
        assert acme.modified_data == (
            "[REDACTED:EMPLOYEE_ID] mailed [REDACTED:EMAIL] about [REDACTED:DENY_LIST]"
        )
        assert acme.redactions == {"EMAIL": 1, "EMPLOYEE_ID": 1, "DENY_LIST": 1}
    # AND globex's identical log only by the built-in detectors
    globex = await store.get("globex", "1")
    assert globex is not None
    assert globex.modified_data == "E123456 mailed [REDACTED:EMAIL] about Project Falcon"
    assert globex.redactions == {"EMAIL": 1}


async def test_a_tenants_rules_apply_to_attribute_values_and_are_counted() -> None:
    store = MemoryStore()
    worker = processor(store, {"acme": ACME})

    await worker.process(delivery("acme", "1", {"employee": "E654321", "team": "falcon"}))

    record = await store.get("acme", "1")
    assert record is not None
    assert record.attributes == {"employee": "[REDACTED:EMPLOYEE_ID]", "team": "falcon"}
    assert record.redactions == {"EMAIL": 1, "EMPLOYEE_ID": 2, "DENY_LIST": 1}


async def test_rules_compile_once_per_version_and_a_tenant_without_rules_costs_nothing() -> None:
    # GIVEN a worker, and acme's rules not yet compiled in this process
    custom_rules.cache_clear()
    policies = {"acme": ACME, "globex": BASE}
    worker = processor(MemoryStore(), policies)
    # WHEN many logs of each are processed
    for n in range(20):
        await worker.process(delivery("acme", str(n)))
        await worker.process(delivery("globex", str(n)))
    # THEN acme's rules were compiled once
    assert custom_rules.cache_info().misses == 1
    # AND globex gets the built-in Redactor itself, nothing wrapped around it
    built_in = worker._redactor_for(BASE.redaction_detectors, BASE.redaction_style)
    assert type(built_in) is Redactor
    own = worker._redactor_for(
        ACME.redaction_detectors, ACME.redaction_style, ACME.redaction_rules, ACME.redaction_deny
    )
    assert isinstance(own, TenantRedactor)
    # AND a new version of acme's rules (a settings change) is compiled once more
    policies["acme"] = TenantPolicy(
        0, 1, 0, True, DETECTORS, "plain", redaction_rules=(("badge", r"B-\d+"),)
    )
    await worker.process(delivery("acme", "new"))
    assert custom_rules.cache_info().misses == 2
