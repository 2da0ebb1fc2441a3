"""International bank account numbers, printed compact or in groups of four."""

from __future__ import annotations

from tenantlog.redaction import validators
from tenantlog.redaction.kinds import Kind


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


# Branch of the combined scan (see ``scans``); its delimiter keeps an IBAN
# from starting inside a word.
BRANCHES = (
    r"[A-Z][A-Z][0-9][0-9](?:[ ]?[0-9A-Z]{4}){2,7}(?:[ ]?[0-9A-Z]{1,3})?(?![0-9A-Za-z])"
    r"(?P<iban>)",
)
KINDS = {"iban": Kind("iban", "IBAN", _check_iban)}
