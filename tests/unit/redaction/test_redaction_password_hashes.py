"""Password hashes wherever they stand: each format replaced whole, without a
name beside it, the user and the fields around it kept; near misses kept."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tenantlog.redaction import Redactor
from tenantlog.redaction.credentials import SECRET_NAME_WORDS
from tenantlog.redaction.prose_keys import FOREIGN_WORDS

_TYPED = Redactor(style="typed")
_SECRET = "[REDACTED:SECRET]"

_BCRYPT = "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"
_SHA512_CRYPT = (
    "$6$Jq1eV9xk$2/cO/4eiKY5nzTOsMmpOvhaZklBNesvpfNlICz6rfpHs9Pl1MmC.B4xQo.QS8lUR2h8trj"
    "/y6XrGLyFoLgCS1p"
)
_APR1 = "$apr1$pqWpdMNl$3AQ5omI/aiVs9G8dVcsXk9"
_GRUB = (
    "grub.pbkdf2.sha512.10000."
    + "9D40EFD3C55BF5DC40924DB995DCA966" * 2
    + ".6E7ABD492E566F53F4923C52945DDD52"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a shadow file's line: the user and the aging fields stay
        (f"backup:{_SHA512_CRYPT}:19423:0:99999:7:::", f"backup:{_SECRET}:19423:0:99999:7:::"),
        ("admin:$apr1$x8Hk2P1q$0VvLk6kYyJ9mB2aCq8Qb0/", f"admin:{_SECRET}"),
        (
            f"INSERT INTO users VALUES (1,'ann','{_BCRYPT}',1);",
            f"INSERT INTO users VALUES (1,'ann','{_SECRET}',1);",
        ),
        ("(1,'admin','$P$BZ4Ds5zijQuWPKU6i3U/Fpeh85UNX2k','a')", f"(1,'admin','{_SECRET}','a')"),
        (
            "'pbkdf2_sha256$600000$6YKrTy2LvHCn8DBylvWmLT$EjTEBrLnD62HWqmzieXlIJ+9aM0ri2Dtbbte73QZafE='",
            f"'{_SECRET}'",
        ),
        (f"password_pbkdf2 root {_GRUB}", f"password_pbkdf2 root {_SECRET}"),
        ("userPassword: {SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g9DTpV", f"userPassword: {_SECRET}"),
        (
            "svc:$y$j9T$F5Jx5fExrKuJdvaa4Vh7Y/$zLBV9.EX2S8f3UT9vbGgq4O3X2ZwCmRfn2wQKaiEUl0:19700::",
            f"svc:{_SECRET}:19700::",
        ),
        (
            "hash=$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG ok",
            f"hash={_SECRET} ok",
        ),
        # printed by a command that names a password file: only the hash, its user stays
        (
            f"$ sudo cat /etc/nginx/.htpasswd\nadmin:{_BCRYPT}\nro:{_APR1}",
            f"$ sudo cat /etc/nginx/.htpasswd\nadmin:{_SECRET}\nro:{_SECRET}",
        ),
    ],
)
def test_a_password_hash_is_removed_without_a_name(text: str, expected: str) -> None:
    assert _TYPED.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "price $5$ per unit, $6$ for two",
        "s/(a)(b)/$1$2/g applied",
        "sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "x$1$abcdefgh$0123456789012345678901 glued to a word",
        # OpenStack's clients print a token's SHA-256 in hex, a digest
        "X-Auth-Token: {SHA256}cf9282b0d07b3e3db30fb1072964df156f3e65a067181ec9e9a5052e60f35da8",
        # a CI step's trace, then its JSON response: no password in one word
        '+ curl -s https://api.example/v1/tokens\n{"id":"tok_1","last4":"6505","brand":"visa"}',
    ],
)
def test_near_misses_of_password_hashes_are_kept(text: str) -> None:
    assert _TYPED.redact(text) == text


_B64 = string.ascii_letters + string.digits + "./"


@given(
    st.sampled_from(("1", "5", "6", "apr1")),
    st.text(_B64, min_size=1, max_size=16),
    st.text(_B64, min_size=22, max_size=86),
    st.text(string.ascii_lowercase, min_size=1, max_size=12),
)
def test_a_crypt_hash_in_a_shadow_line_is_removed_whole(
    method: str, salt: str, digest: str, user: str
) -> None:
    # GIVEN a shadow file's line with any salt and hash of crypt's alphabet
    # (for a user whose name is no secret's: "passord:" names a password, Czech "klic:" a key)
    assume(not any(word in user for word in (*SECRET_NAME_WORDS, *FOREIGN_WORDS)))
    text = f"{user}:${method}${salt}${digest}:19731:0:99999:7:::"
    # WHEN redacted; THEN the hash alone is gone, the user and fields stay
    assert _TYPED.redact(text) == f"{user}:{_SECRET}:19731:0:99999:7:::"


@given(st.text(_B64, min_size=53, max_size=53), st.sampled_from("abxy"), st.integers(4, 31))
def test_a_bcrypt_hash_is_removed_whole(rest: str, variant: str, cost: int) -> None:
    hashed = f"$2{variant}${cost:02d}${rest}"
    assert _TYPED.redact(f'{{"password_digest": "{hashed}", "id": 7}}') == (
        f'{{"password_digest": "{_SECRET}", "id": 7}}'
    )
