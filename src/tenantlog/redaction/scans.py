"""Every scan the redactor runs, and the combined scan they mostly share.

CPython's ``re`` skips non-candidate characters in C only when a pattern
starts with a literal or one character class, and each class-started scan
still costs a few microseconds per kilobyte just to skip. So values that
follow a delimiter (numbers, IBANs, key ids, auth schemes) share one
scan that starts on the delimiter; values with a rare literal of their own
("@", "=", ":", "eyJ") get small literal-started scans; IPv6 runs behind a
trigger.
"""

from __future__ import annotations

import re

from tenantlog.redaction import (
    addresses,
    command_lines,
    credentials,
    iban,
    key_prefixes,
    numeric,
    passwords,
)
from tenantlog.redaction.kinds import Scan

# A value starts after a character that is not a letter or digit, nor "." or
# "-": a number after those belongs to a larger token ("ORD-555-0199",
# "v1.2.3.4"). Delimiters are rarer than digits in logs, so starting here
# also means fewer attempts than starting on the value's first character.
# Nor after "_": "txn_4539...", "ord_..." are ids, whatever their digits.
_DELIMITER = r"[^0-9A-Za-z.\-_]"
# The first characters of every branch below ("+", "(", digits; IBANs and key
# ids in capitals; "b"/"B" of bearer and basic; "t" of tlk_; "s", "r", "g",
# "x", "d", "h", "l", "n", "p", "w", "y" (and "b" of bkua_) of prefixed API keys,
# the others' in capitals). A branch with another first character must add
# it: each lower-case letter costs every word starting with it a try of the
# branches (the "p" of "payment", "pod", "probe"...).
_STARTS = "0-9+(A-Zbtsrgxdhlnpwy"

COMBINED = Scan(
    # Numbers first (most values start with a digit), then the prefixed keys
    # before IBANs: Twilio's "SK12…" would otherwise be taken for an IBAN, and
    # rejected, at the same position. Where another branch starts with the
    # same letter ("AKIA", "bearer"), the rest of a key's prefix is not what
    # that branch matches.
    "|".join((*numeric.BRANCHES, *key_prefixes.BRANCHES, *iban.BRANCHES, *credentials.BRANCHES)),
    {**numeric.KINDS, **iban.KINDS, **credentials.KINDS, **key_prefixes.KINDS},
    flags=re.ASCII,
    lead=_DELIMITER,
    starts=_STARTS,
)

# Cheapest and most frequent first. The order decides only between equal
# spans: a "client_secret" value found by the token parameters and by the
# secrets' names stays a TOKEN, as it was before the secrets detector.
ALL: tuple[Scan, ...] = (
    COMBINED,
    addresses.EMAIL_SCAN,
    credentials.JWT_SCAN,
    *credentials.PARAMETER_SCANS,
    passwords.NAMED_SCAN,
    addresses.IPV6_SCAN,
    iban.LOWER_CASE_SCAN,
    key_prefixes.PEM_SCAN,
    key_prefixes.MAILCHIMP_SCAN,
    passwords.URL_SCAN,
    passwords.LOGIN_SCAN,
    command_lines.FLAG_SCAN,
    command_lines.ARGUMENT_SCAN,
)
