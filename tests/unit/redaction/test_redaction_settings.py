"""Settings and public API of the redactor: detector subsets, placeholder styles."""

from __future__ import annotations

import pytest

import tenantlog
from tenantlog.redaction import DETECTORS, Redaction, Redactor, redact

_MIXED = "mail a@example.com from 10.0.0.1 call 555-0199 card 4111111111111111"


def test_redact_keeps_seed_examples() -> None:
    assert redact("User 555-0199 accessed system") == "User [REDACTED] accessed system"
    assert redact("Server restarted at 555-1234") == "Server restarted at [REDACTED]"


def test_tenantlog_redact_is_the_redaction_function() -> None:
    assert tenantlog.redact is redact


def test_detectors_lists_every_setting_name() -> None:
    assert DETECTORS == (
        "phone",
        "email",
        "ssn",
        "card",
        "ip",
        "iban",
        "aws_key",
        "token",
        "secrets",
    )


def test_redactor_default_uses_every_detector_and_plain_placeholder() -> None:
    result = Redactor().redact_counted(_MIXED)
    assert result == Redaction(
        "mail [REDACTED] from [REDACTED] call [REDACTED] card [REDACTED]",
        {"EMAIL": 1, "IP": 1, "PHONE": 1, "CARD": 1},
    )


def test_redactor_subset_leaves_other_types() -> None:
    redactor = Redactor(detectors=["email", "card"], style="typed")
    assert redactor.redact(_MIXED) == (
        "mail [REDACTED:EMAIL] from 10.0.0.1 call 555-0199 card [REDACTED:CARD]"
    )


def test_redactor_empty_subset_changes_nothing() -> None:
    assert Redactor(detectors=[]).redact_counted(_MIXED) == Redaction(_MIXED, {})


@pytest.mark.parametrize("detector", DETECTORS)
def test_redactor_single_detector_reports_only_its_label(detector: str) -> None:
    text = (
        "a@example.com 10.0.0.1 555-0199 123-45-6789 4111111111111111 "
        "DE89370400440532013000 AKIAIOSFODNN7EXAMPLE Authorization: Bearer abc123def456 "
        "password=hunter2"
    )
    counts = Redactor(detectors=[detector]).redact_counted(text).counts
    assert len(counts) == 1


def test_redactor_typed_style_names_the_type() -> None:
    assert Redactor(style="typed").redact("User 555-0199") == "User [REDACTED:PHONE]"


def test_redactor_unknown_detector_is_named_in_error() -> None:
    with pytest.raises(ValueError, match="passport"):
        Redactor(detectors=["phone", "passport"])


def test_redactor_unknown_style_is_rejected() -> None:
    with pytest.raises(ValueError, match="fancy"):
        Redactor(style="fancy")  # type: ignore[arg-type]


def test_redact_counted_is_empty_for_clean_text() -> None:
    assert Redactor().redact_counted("all good") == Redaction("all good", {})


def test_redact_counted_counts_each_value() -> None:
    result = Redactor().redact_counted("555-0199, 555-0100 and a@b.co")
    assert result.counts == {"PHONE": 2, "EMAIL": 1}


def test_redact_replaces_value_at_start_and_end() -> None:
    assert redact("555-0199") == "[REDACTED]"
    assert redact("4111111111111111 x 10.0.0.1") == "[REDACTED] x [REDACTED]"


def test_redact_replaces_whole_value_never_part() -> None:
    assert redact("call (415) 555-0199 now") == "call [REDACTED] now"
    assert redact("write to name@example.com now") == "write to [REDACTED] now"


def test_redact_prefers_longer_overlapping_value() -> None:
    # An email whose local part is a phone number is one email.
    assert Redactor(style="typed").redact("4155550199@example.com") == "[REDACTED:EMAIL]"
    # An IPv4-mapped IPv6 address is one IP, not an IPv6 prefix plus an IPv4.
    assert Redactor(style="typed").redact("::ffff:192.0.2.1") == "[REDACTED:IP]"


def test_redact_rescans_value_glued_to_a_redacted_one() -> None:
    # GIVEN a phone number glued to an address (no delimiter before it)
    text = "10.0.0.1(415) 555-0199"
    # WHEN redacted once
    once = Redactor(style="typed").redact(text)
    # THEN both are gone and a second pass changes nothing
    assert once == "[REDACTED:IP][REDACTED:PHONE]"
    assert Redactor(style="typed").redact(once) == once
