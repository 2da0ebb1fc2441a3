"""Phone numbers as the world writes them: words in many languages and scripts,
national groupings, extensions named by a word, a second number under a label.

And the near misses each rule must keep: dates after "called", decimals after
"call", ids, a label word with no phone before it.
"""

from __future__ import annotations

import pytest

from tenantlog.redaction import Redactor

_TYPED = Redactor(style="typed")
_PHONE = "[REDACTED:PHONE]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # phone words in other languages and scripts
        ("richiamare il cliente al 06 4821 7733", f"richiamare il cliente al {_PHONE}"),
        ("terugbelverzoek 06 23456789 open", f"terugbelverzoek {_PHONE} open"),
        ("komórka: 601 234 567", f"komórka: {_PHONE}"),
        ("puh. 050 765 4321", f"puh. {_PHONE}"),
        ("Контактный телефон: 8 (812) 555-12-34", f"Контактный телефон: {_PHONE}"),
        ("τηλέφωνο 210 765 4321", f"τηλέφωνο {_PHONE}"),
        ("联系电话\uff1a021-6234 5678", f"联系电话\uff1a{_PHONE}"),  # a full-width colon
        ("携帯 080-2345-6789 に送信", f"携帯 {_PHONE} に送信"),
        ("휴대폰: 010-9876-5432", f"휴대폰: {_PHONE}"),
        ("SĐT: 090 123 45 67", f"SĐT: {_PHONE}"),
        ('{"telefono_cliente":"(21) 3456-7890"}', f'{{"telefono_cliente":"{_PHONE}"}}'),
        # national groupings after a phone word
        ("WhatsApp 21 99876-5432", f"WhatsApp {_PHONE}"),
        ("mobile: 91234 56789", f"mobile: {_PHONE}"),
        ("手机\uff1a139 1234 5678", f"手机\uff1a{_PHONE}"),
        ("celular 315 7654321", f"celular {_PHONE}"),
        ("Tel: 8123 4567 (mobile)", f"Tel: {_PHONE} (mobile)"),
        ("Cel: 011 15 5123-4567", f"Cel: {_PHONE}"),
        ("Tel.nr: 020 - 765 43 21", f"Tel.nr: {_PHONE}"),
        # an extension named by a word says "phone" by itself
        ("chiamare 02 8765 4321 int. 12", f"chiamare {_PHONE}"),
        ("Atendimento (31) 3456-7890 ramal 45", f"Atendimento {_PHONE}"),
        ("helpdesk 010-765 4321 toestel 8", f"helpdesk {_PHONE}"),
        ("Växel: 08-765 432 10 ankn. 3", f"Växel: {_PHONE}"),
        ("お問い合わせ: 06-1234-5678 内線 45", f"お問い合わせ: {_PHONE}"),
        ("phone 020 7946 0111 extension 4", f"phone {_PHONE}"),
        # a second number under a label of its own
        ("cell: 072 345 6789  work: 011 234 5678", f"cell: {_PHONE}  work: {_PHONE}"),
        ("mobile 085 765 4321 home (01) 876 5432", f"mobile {_PHONE} home {_PHONE}"),
        ("Telefon: 0533 765 43 21 İş: (0216) 765 43 21", f"Telefon: {_PHONE} İş: {_PHONE}"),
        ("טלפון: 052-765-4321 משרד: 02-765-4321", f"טלפון: {_PHONE} משרד: {_PHONE}"),
        # kept: a date or a time after "called", a decimal after "call", a label alone
        ("called at 2024-05-01 12:30:00", None),
        ("API call took 1234.5678 ms", None),
        ("work: 011 234 5678 items queued", None),
        ("celery worker 4155550199 ready", None),
        ("simulation 4155550199 ok", None),
    ],
)
def test_phones_as_the_world_writes_them(text: str, expected: str | None) -> None:
    assert _TYPED.redact(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an SSN word with words between it and the number
        ('invalid SSN format "536129874"', 'invalid SSN format "[REDACTED:SSN]"'),
        # kept: an order number with a suffix glued by "-" (a card would end there)
        ('"orderNumber":"4539578763621486-B"', None),
        # an IPv6 address with "::" before a port is one, a fingerprint's chain is not
        ("Viewer-Address: 2001:db8:7::b2:51234", "Viewer-Address: [REDACTED:IP]:51234"),
        ("sha1 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01", None),
    ],
)
def test_ssn_words_card_ends_and_addresses(text: str, expected: str | None) -> None:
    assert _TYPED.redact(text) == (text if expected is None else expected)
