"""Deterministic log ids for agent records: same record, same id; time-ordered."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from tenantlog.protocols import AgentLog, derive_log_id

ENTRY = AgentLog(
    text="GET /healthz 200",
    timestamp_ns=1_767_225_600_123_456_789,
    severity="INFO",
    severity_number=9,
    attributes={"app": "web"},
    stream='{app="web"}',
)


def test_derive_log_id_is_the_same_for_the_same_record() -> None:
    retried = replace(ENTRY, attributes={"different": "attributes do not count"})

    assert derive_log_id("acme", ENTRY, 3) == derive_log_id("acme", retried, 3)


@pytest.mark.parametrize(
    ("tenant", "entry", "index"),
    [
        ("other", ENTRY, 3),
        ("acme", replace(ENTRY, text="GET /healthz 500"), 3),
        ("acme", replace(ENTRY, timestamp_ns=ENTRY.timestamp_ns + 1), 3),  # type: ignore[operator]
        ("acme", replace(ENTRY, stream='{app="api"}'), 3),
        ("acme", ENTRY, 4),
    ],
)
def test_derive_log_id_changes_with_each_input(tenant: str, entry: AgentLog, index: int) -> None:
    assert derive_log_id(tenant, entry, index) != derive_log_id("acme", ENTRY, 3)


def test_derive_log_id_fields_do_not_run_together() -> None:
    # length-prefixed parts: moving a character from tenant to stream changes the id
    one = derive_log_id("ab", replace(ENTRY, stream="c"), 0)
    two = derive_log_id("a", replace(ENTRY, stream="bc"), 0)

    assert one != two


def test_derive_log_id_is_a_version_8_uuid_with_the_event_time_first() -> None:
    log_id = derive_log_id("acme", ENTRY, 0)
    parsed = uuid.UUID(log_id)

    assert str(parsed) == log_id
    assert parsed.version == 8
    assert parsed.variant == uuid.RFC_4122
    assert parsed.int >> 80 == 1_767_225_600_123  # Unix milliseconds, as in UUIDv7


def test_derive_log_id_sorts_by_event_time() -> None:
    times = [0, 1_000_000, 999_999_999_999, 1_767_225_600_000_000_000, 2**63 - 1]
    ids = [
        derive_log_id("acme", replace(ENTRY, timestamp_ns=t or None), 9 - i)
        for i, t in enumerate(times)
    ]

    assert ids == sorted(ids)


def test_derive_log_id_without_event_time_has_time_bits_zero() -> None:
    log_id = derive_log_id("acme", replace(ENTRY, timestamp_ns=None), 0)

    assert log_id.startswith("00000000-0000-8")
