"""PII redaction: the public ``tenantlog.redact`` and the configurable ``Redactor``.

Detected (see docs/redaction.md): phone numbers, email addresses, US SSNs,
payment cards, IPv4/IPv6 addresses, IBANs, AWS access keys, bearer/basic
credentials, JWTs and token parameters, and secrets (passwords in their
many syntaxes, password hashes, secret parameters, prefixed API keys,
private key material). Digits of other scripts (full-width, Arabic-Indic)
are read as digits.
Each value is checked (Luhn, mod-97, number plans, octet ranges, context
words) before it is replaced as a whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from tenantlog.redaction.compiled import use_build

if TYPE_CHECKING:
    from tenantlog.redaction.redactor import Redaction, Redactor, redact

# Before any other module of the package is imported: where a fresh mypyc
# build of them exists, it is found first (``compiled``).
use_build(__path__)

__all__ = ["DETECTORS", "PlaceholderStyle", "Redaction", "Redactor", "redact"]

PlaceholderStyle = Literal["plain", "typed"]
DETECTORS: tuple[str, ...] = (
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


def __getattr__(name: str) -> Any:
    """The redactor on first use: compiling its scans takes tens of milliseconds that
    processes which only check settings (the ingest API, a Lambda cold start) skip."""
    if name in ("Redaction", "Redactor", "redact"):
        from tenantlog.redaction import redactor

        return getattr(redactor, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
