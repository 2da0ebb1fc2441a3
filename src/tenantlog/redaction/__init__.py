"""PII redaction: the public ``tenantlog.redact`` and the configurable ``Redactor``.

Detected (see docs/redaction.md): phone numbers, email addresses, US SSNs,
payment cards, IPv4/IPv6 addresses, IBANs, AWS access keys, bearer/basic
credentials, JWTs and token parameters. Each value is checked (Luhn, mod-97,
number plans, octet ranges, context words) before it is replaced as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from tenantlog.redaction.engine import CompiledScan, compile_scan, find_spans, render
from tenantlog.redaction.scans import ALL

__all__ = ["DETECTORS", "PlaceholderStyle", "Redaction", "Redactor", "redact"]

PlaceholderStyle = Literal["plain", "typed"]
DETECTORS: tuple[str, ...] = ("phone", "email", "ssn", "card", "ip", "iban", "aws_key", "token")

# A bound on re-scans; two always suffice in practice (see ``Redactor.redact_counted``).
_MAX_PASSES = 4


@dataclass(frozen=True, slots=True)
class Redaction:
    """A redacted text and how many values of each type were replaced."""

    text: str
    counts: Mapping[str, int] = field(default_factory=dict)


@lru_cache(maxsize=64)
def _compiled(enabled: frozenset[str]) -> tuple[CompiledScan, ...]:
    # Redactors are built per tenant setting; the regexes only once per detector set.
    return tuple(s for s in (compile_scan(scan, enabled) for scan in ALL) if s is not None)


class Redactor:
    """Replaces PII values with a placeholder; configured once, used for every log."""

    __slots__ = ("_scans", "_typed")

    def __init__(
        self, detectors: Iterable[str] | None = None, style: PlaceholderStyle = "plain"
    ) -> None:
        chosen = frozenset(DETECTORS if detectors is None else detectors)
        unknown = sorted(chosen - set(DETECTORS))
        if unknown:
            raise ValueError(
                f"unknown redaction detector(s): {', '.join(unknown)}; "
                f"known: {', '.join(DETECTORS)}"
            )
        if style not in ("plain", "typed"):
            raise ValueError(f"unknown placeholder style {style!r}; known: plain, typed")
        self._scans = _compiled(chosen)
        self._typed = style == "typed"

    def _placeholder(self, label: str) -> str:
        return f"[REDACTED:{label}]" if self._typed else "[REDACTED]"

    def redact_counted(self, text: str) -> Redaction:
        """Redact ``text`` and count the replaced values per type label.

        Replacing a value changes its neighbourhood: a number glued to an
        email (``a@b.com555-0199``) can only be judged once the email is gone.
        Texts where a replaced value touched a word or number are scanned
        again, which makes redaction idempotent; others take a single pass.
        """
        counts: dict[str, int] = {}
        for _ in range(_MAX_PASSES):
            spans = find_spans(self._scans, text)
            if not spans:
                break
            text, glued = render(text, spans, self._placeholder, counts)
            if not glued:
                break
        return Redaction(text, counts)

    def redact(self, text: str) -> str:
        """Redact ``text``; see ``redact_counted`` for the counts."""
        return self.redact_counted(text).text


_DEFAULT = Redactor()


def redact(text: str) -> str:
    """Redact PII from ``text`` with every detector and the ``[REDACTED]`` placeholder."""
    return _DEFAULT.redact(text)
