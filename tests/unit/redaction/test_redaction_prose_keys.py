"""Keys and tokens named in a sentence, and secrets named in other languages
(``prose_keys``): a generated value is removed whole after each form of name, the
words around it stay, and the names that are no secret's keep their values."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenantlog.redaction import Redactor
from tenantlog.redaction.prose_keys import FOREIGN_WORDS

_TYPED = Redactor(style="typed")
_ANY_LABEL = re.compile(r"\[REDACTED:[A-Z_]+\]")
_GONE = "[REDACTED]"


@st.composite
def _generated(draw: st.DrawFn) -> str:
    """A value no person wrote: letters of both cases and digits, twenty or more."""
    body = draw(st.text(string.ascii_letters + string.digits, min_size=20, max_size=48))
    return "Ab1" + body + "Z9q"


_FORMS = st.sampled_from(
    [
        "sync: API key {} rejected by upstream",
        "access token expired: {} (renewing)",
        'refreshtoken invalid: "{}" (invalid_grant)',
        "Invalid X-Api-Key header value {} from client",
        "Klucz API: {} (aktywny)",
        'chiave API non valida "{}" per il cliente',
        "config geheime_sleutel={} loaded",
        "jeton d'accès obtenu : {} (expire dans 3600 s)",
        "tajný klíč {} - nahrávání",
        "ayarlar: gizli_anahtar: {}",
        "сессия: токен доступа: {} выдан",
        "sessao token_renovacao={} expira=3600",
    ]
)


@settings(max_examples=300)
@given(_FORMS, _generated())
def test_a_generated_value_after_each_form_of_name_is_removed_whole(form: str, value: str) -> None:
    redacted = _TYPED.redact(form.format(value))
    assert _ANY_LABEL.sub(_GONE, redacted) == form.format(_GONE)


@pytest.mark.parametrize(
    "text",
    [
        "cache key 0a1b2c3d4e5f60718293a4b5c6d7e8f9 evicted",
        "kms: key id: 6d2c1b0a-9f8e-4d7c-b6a5-948372615041 enabled",
        "list: NextToken AbCdEfGh1234IjKlMnOp5678QrStUvWx returned",
        "merge token 3b18e512dba79e4c8300dd08aeb37f8e728b8dad applied",
        "config token_type=Bearer expires_in=3600",
        "the monkey Xq7LmN2pR8sT4vW6yZ1bC3dF5gH9jK0a",
        "sleutel van de voordeur ligt bij de receptie",
        "client-key-data file: /etc/kubernetes/pki/client.key",
    ],
)
def test_names_that_are_no_secrets_keep_their_values(text: str) -> None:
    assert _TYPED.redact(text) == text


def test_every_foreign_word_is_a_mark_the_plan_finds() -> None:
    # The plan finds marks in the case-folded text: a word that folding changes
    # would never be found, and its values never looked for.
    assert all(word == word.casefold() for word in FOREIGN_WORDS)


@pytest.mark.parametrize(
    "text",
    [
        "token " * 20_000,
        "key: " * 20_000,
        "API key " + "a " * 30_000,
        "chiave " + "x" * 60_000,
        ("klucz " + "słowo " * 5) * 3_000,
    ],
)
def test_hostile_runs_of_names_end_with_nothing_to_remove(text: str) -> None:
    # Runs of names with no value after them: each is tried once and turned away
    # (bench/redaction.py --section worst times such shapes).
    assert _TYPED.redact(text) == text
