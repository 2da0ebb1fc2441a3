"""PII redaction: the public ``tenantlog.redact`` and the configurable ``Redactor``.

Interim seed version (phone numbers only); the full detector set replaces the
internals behind this same API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

PlaceholderStyle = Literal["plain", "typed"]
DETECTORS: tuple[str, ...] = ("phone",)

_PHONE = re.compile(r"(?<![\w-])(?:\(?\d{3}\)?[-. ]?)?\d{3}-\d{4}(?![\w-])")


@dataclass(frozen=True, slots=True)
class Redaction:
    """A redacted text and how many values of each type were replaced."""

    text: str
    counts: Mapping[str, int] = field(default_factory=dict)


class Redactor:
    """Replaces PII values with a placeholder; configured once, used for every log."""

    def __init__(
        self, detectors: Iterable[str] | None = None, style: PlaceholderStyle = "plain"
    ) -> None:
        chosen = tuple(DETECTORS if detectors is None else detectors)
        unknown = sorted(set(chosen) - set(DETECTORS))
        if unknown:
            raise ValueError(f"unknown redaction detector(s): {', '.join(unknown)}")
        self._detectors = chosen
        self._placeholder = "[REDACTED:PHONE]" if style == "typed" else "[REDACTED]"

    def redact_counted(self, text: str) -> Redaction:
        if "phone" not in self._detectors:
            return Redaction(text)
        redacted, n = _PHONE.subn(self._placeholder, text)
        return Redaction(redacted, {"PHONE": n} if n else {})

    def redact(self, text: str) -> str:
        return self.redact_counted(text).text


_DEFAULT = Redactor()


def redact(text: str) -> str:
    """Redact PII from ``text`` with the default detectors and ``[REDACTED]``."""
    return _DEFAULT.redact(text)
