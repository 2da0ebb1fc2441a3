"""Every scan the redactor runs, and the combined scan they mostly share.

CPython's ``re`` skips non-candidate characters in C only when a pattern
starts with a literal or one character class, and each class-started scan
still costs a few microseconds per kilobyte just to skip. So values that
follow a delimiter (numbers, IBANs, AWS key ids, auth schemes) share one
scan that starts on the delimiter; prefixed API keys, which follow a
delimiter too, have one behind their marks; values with a rare literal of
their own ("@", "=", ":", "eyJ") get small literal-started scans; IPv6 runs
behind a trigger.
"""

from __future__ import annotations

import re

from tenantlog.redaction import (
    addresses,
    command_lines,
    credentials,
    iban,
    key_prefixes,
    labelled_secrets,
    numeric,
    password_hashes,
    passwords,
)
from tenantlog.redaction.kinds import DELIMITER, Scan

# The first characters of every branch below ("+", "(", digits; IBANs and key
# ids in capitals; "b"/"B" of bearer and basic; "t" of tlk_ and token). A
# branch with another first character must add it: each lower-case letter
# costs every word starting with it a try of the branches (the "p" of
# "payment", "pod", "probe"...), which is why the prefixed keys, most of
# them starting in lower case, have a scan of their own. "%": a phone's "+"
# encoded in a URL ("%2B").
_STARTS = "0-9+(%A-Zbt"

COMBINED = Scan(
    # Numbers first: most values start with a digit. Keys without marks before
    # IBANs: "SK12…" would otherwise be taken for an IBAN, and rejected, at
    # the same position.
    "|".join(
        (*numeric.BRANCHES, *key_prefixes.UNMARKED_BRANCHES, *iban.BRANCHES, *credentials.BRANCHES)
    ),
    {**numeric.KINDS, **key_prefixes.UNMARKED_KINDS, **iban.KINDS, **credentials.KINDS},
    flags=re.ASCII,
    lead=DELIMITER,
    starts=_STARTS,
)

# Cheapest and most frequent first. The order decides only between equal
# spans: a "client_secret" value found by the token parameters and by the
# secrets' names stays a TOKEN, as it was before the secrets detector.
ALL: tuple[Scan, ...] = (
    # Before the combined scan: a key and an IBAN of equal span are a key.
    key_prefixes.PREFIXED_SCAN,
    COMBINED,
    addresses.EMAIL_SCAN,
    credentials.JWT_SCAN,
    *credentials.PARAMETER_SCANS,
    passwords.NAMED_SCAN,
    addresses.IPV6_SCAN,
    iban.LOWER_CASE_SCAN,
    key_prefixes.PEM_SCAN,
    password_hashes.HASH_SCAN,
    key_prefixes.INFIX_SCAN,
    labelled_secrets.LABELLED_SCAN,
    passwords.URL_SCAN,
    passwords.SIP_SCAN,
    passwords.LOGIN_SCAN,
    command_lines.FLAG_SCAN,
    command_lines.ARGUMENT_SCAN,
)
