"""International bank account numbers, printed compact or in groups of four."""

from __future__ import annotations

import re

from tenantlog.redaction import validators
from tenantlog.redaction.kinds import Kind, Scan


def _check_iban(text: str, start: int, end: int) -> tuple[int, int] | None:
    # The regex may run on into a following word ("... 3000 EUR"); the
    # country's registered length says where the IBAN really ends.
    length = validators.IBAN_LENGTHS.get(text[start : start + 2])
    if length is None:
        return None
    kept = 0
    stop = start
    while stop < end and kept < length:
        if text[stop] != " ":
            kept += 1
        stop += 1
    if kept < length or (stop < end and text[stop] != " "):
        return None
    compact = text[start:stop].replace(" ", "")
    return (start, stop) if validators.iban_ok(compact) else None


IBAN = Kind(
    "iban",
    "iban",
    "IBAN",
    "A-Z",
    r"[A-Z][0-9]{2}(?:[ ]?[0-9A-Z]{4}){2,7}(?:[ ]?[0-9A-Z]{1,3})?(?![0-9A-Za-z])",
    _check_iban,
)

# Two capitals then two digits: rare enough in logs to gate the scan.
_HINT = re.compile(r"[A-Z][A-Z][0-9][0-9]")


def _may_hold_iban(text: str) -> bool:
    return _HINT.search(text) is not None


SCAN = Scan((IBAN,), trigger=_may_hold_iban, boundary=r"(?<![0-9A-Za-z].)", flags=re.ASCII)
