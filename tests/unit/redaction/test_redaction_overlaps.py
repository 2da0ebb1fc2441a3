"""Overlap resolution between scans, held to the quadratic rule it replaced (issue 8)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tenantlog.redaction import Redactor
from tenantlog.redaction.engine import Span, keep_longest


def _keep_longest_reference(spans: list[Span]) -> list[Span]:
    """The oracle: resolution as first written, each span against every kept one (O(n²))."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        if all(span[1] <= other[0] or other[1] <= span[0] for other in kept):
            kept.append(span)
    kept.sort()
    return kept


# Candidates crowded into a short text, so that most overlap, nest, chain or
# repeat one another with another label (equal spans keep the first found).
_SPANS = st.lists(
    st.builds(
        lambda start, length, label: (start, start + length, label),
        st.integers(0, 80),
        st.integers(1, 24),
        st.sampled_from(["PHONE", "EMAIL", "IP"]),
    ),
    max_size=60,
)


@settings(max_examples=500)
@given(_SPANS)
def test_keep_longest_matches_the_quadratic_reference(spans: list[Span]) -> None:
    assert keep_longest(spans) == _keep_longest_reference(spans)


def test_keep_longest_settles_one_long_chain_like_the_reference() -> None:
    # GIVEN 600 spans of varied lengths, each overlapping the next: one cluster
    spans = [(i * 3, i * 3 + 4 + (i * 7) % 5, "IP" if i % 2 else "PHONE") for i in range(600)]
    # WHEN resolved THEN the result is the reference's
    assert keep_longest(spans) == _keep_longest_reference(spans)


def test_redact_replaces_every_value_of_the_issue_8_log() -> None:
    # GIVEN the log that took seconds: 7,800 values, three detectors
    text = "555-0199 a@b.co 10.0.0.1 " * 2600
    # WHEN redacted
    result = Redactor().redact_counted(text)
    # THEN each value is replaced and counted once
    assert result.text == "[REDACTED] [REDACTED] [REDACTED] " * 2600
    assert dict(result.counts) == {"PHONE": 2600, "EMAIL": 2600, "IP": 2600}


def test_redact_keeps_an_ipv4_mapped_address_whole_when_dense() -> None:
    # GIVEN thousands of IPv6 addresses that each hold an IPv4 candidate
    text = "peer ::ffff:192.0.2.1, " * 3000
    # WHEN redacted
    result = Redactor(style="typed").redact_counted(text)
    # THEN the longer IPv6 value wins every overlap
    assert result.text == "peer [REDACTED:IP], " * 3000
    assert dict(result.counts) == {"IP": 3000}
