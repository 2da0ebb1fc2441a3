"""Password hashes wherever they stand: a shadow file's line, an htpasswd entry,
a users table's row, a framework's stored password.

A password's hash is a password's equivalent (it is cracked offline, and
some services take it as the credential), and its formats say what they are
without a name beside them: crypt's ``$id$salt$hash`` (``$1$``, ``$apr1$``,
``$2b$``, ``$5$``, ``$6$``, yescrypt's ``$y$``, ``$argon2id$``, phpass'
``$P$``), Django's ``pbkdf2_sha256$…``, GRUB's ``grub.pbkdf2.sha512.…``, LDAP's
``{SSHA}…``. The hash alone is replaced: the user before it and the fields
after it (``deploy:[REDACTED]:19731:0:99999:7:::``) stay.
"""

from __future__ import annotations

import re

from tenantlog.redaction.kinds import Kind, Scan

_B64 = r"[./A-Za-z0-9]"
_STD_B64 = r"[A-Za-z0-9+/]"
# Each branch starts on a literal, which ``re`` skips to; the look-behind
# after it says the hash does not go on a word ("x$1$…" is no crypt string).
_HASH = (
    r"(?:\$(?<![\w$]\$)(?:"
    # bcrypt: cost, then 22 characters of salt and 31 of hash.
    rf"2[abxy]\$[0-9]{{2}}\${_B64}{{53}}"
    # MD5-crypt, Apache's, SHA-256/512-crypt (rounds optional): salt, then the hash.
    rf"|(?:1|apr1|5|6)\$(?:rounds=[0-9]{{1,9}}\$)?{_B64}{{1,16}}\${_B64}{{22,86}}"
    # yescrypt: parameters, salt, hash.
    rf"|y\${_B64}{{1,32}}\${_B64}{{1,64}}\${_B64}{{43}}"
    # Argon2 in its PHC string (Django's "argon2$" before it stays).
    rf"|argon2(?:id|i|d)\$v=[0-9]{{1,3}}\$m=[0-9]{{1,9}},t=[0-9]{{1,9}},p=[0-9]{{1,3}}"
    rf"\${_STD_B64}{{8,}}\${_STD_B64}{{16,}}"
    # phpass (WordPress, phpBB).
    rf"|[PH]\${_B64}{{31}}"
    # passlib's PBKDF2: iterations, salt, hash.
    rf"|pbkdf2(?:-sha(?:256|512))?\$[0-9]{{1,9}}\$[./A-Za-z0-9+]{{4,}}\$[./A-Za-z0-9+]{{16,}}"
    r")"
    # Django's PBKDF2.
    rf"|p(?<![\w$]p)bkdf2_sha(?:1|256|512)\$[0-9]{{1,9}}\${_B64}{{4,}}\$[A-Za-z0-9+/]{{16,}}={{0,2}}"
    # GRUB's PBKDF2: iterations, then salt and hash in hex.
    r"|g(?<![\w$]g)rub\.pbkdf2\.sha(?:256|512)\.[0-9]{1,9}\.[0-9A-F]{32,}\.[0-9A-F]{32,}"
    # LDAP's salted and plain SHA, MD5 and crypt, in base64 (OpenStack's clients
    # print a token's hash in hex after "{SHA256}": a digest, no password's).
    rf"|\{{(?:SSHA(?:256|512)?|SHA(?:256|512)?|SMD5|MD5)\}}(?![0-9a-f]{{32,}}(?![A-Za-z0-9+/=]))"
    rf"{_STD_B64}{{20,}}={{0,2}}"
    r"|\{CRYPT\}\$[^\s\"',;]{20,}"
    r")(?P<password_hash>)"
)

#: Literals every hash holds, as written (the screen finds them case-folded).
HASH_MARKS = (
    *("$2a$", "$2b$", "$2x$", "$2y$", "$1$", "$apr1$", "$5$", "$6$", "$y$", "$argon2"),
    *("$P$", "$H$", "pbkdf2_sha", "$pbkdf2", "grub.pbkdf2.", "{SSHA", "{SHA", "{SMD5}", "{MD5}"),
    "{CRYPT}",
)


def may_hold_password_hash(text: str) -> bool:
    return any(mark in text for mark in HASH_MARKS)


HASH_SCAN = Scan(
    _HASH,
    {"password_hash": Kind("secrets", "SECRET")},
    trigger=may_hold_password_hash,
    flags=re.ASCII,
    # A rejected candidate cannot be: the pattern is its own check.
    skip_rejected=True,
)
