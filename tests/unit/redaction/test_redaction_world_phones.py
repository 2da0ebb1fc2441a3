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
        # British "ring", Dutch "bereikbaar", German "Rückfragen", "HP", a switch's ANI,
        # Korean "contact", CSV fields, "(0)" before the area code, Polish "wewn."
        ("please ring the depot on 03 9876 5432", f"please ring the depot on {_PHONE}"),
        ("klant bereikbaar op 0470 98 76 54", f"klant bereikbaar op {_PHONE}"),
        ("Rückfragen an 089 / 765 432 10", f"Rückfragen an {_PHONE}"),
        ("customer hp 8765 4321 redelivery", f"customer hp {_PHONE} redelivery"),
        ("IVR ANI 3135550177 matched", f"IVR ANI {_PHONE} matched"),
        ("고객 연락처: 010-9876-5432", f"고객 연락처: {_PHONE}"),
        ("GmbH;Tel;040 / 3344 5566;Fax", f"GmbH;Tel;{_PHONE};Fax"),
        ("ContactPhone=(0)20 7946 0022;Country=GB", f"ContactPhone={_PHONE};Country=GB"),
        ("Kontakt: +48 22 765 43 21 wewn. 21", f"Kontakt: {_PHONE}"),
        # a second number after "or" and its own label
        ("celular (11) 98765-4321 ou fixo (21) 2345-6789", f"celular {_PHONE} ou fixo {_PHONE}"),
        # kept: a date or a time after "called", a decimal after "call", a label alone
        ("called at 2024-05-01 12:30:00", None),
        ("API call took 1234.5678 ms", None),
        ("work: 011 234 5678 items queued", None),
        ("celery worker 4155550199 ready", None),
        ("simulation 4155550199 ok", None),
        ("frete R$ 18,00, CEP 01310-100, prazo 5 dias", None),
    ],
)
def test_phones_as_the_world_writes_them(text: str, expected: str | None) -> None:
    assert _TYPED.redact(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an SSN word with words between it and the number
        ('invalid SSN format "536129874"', 'invalid SSN format "[REDACTED:SSN]"'),
        # kept: an order's number (glued to a suffix, or named as one)
        ('"orderNumber":"4539578763621486-B"', None),
        ("order #4485100690976703 cancelled", None),
        ("OrderNumber: 4000112233445563 (increment id)", None),
        ("card number: 4111 1111 1111 1111", "card number: [REDACTED:CARD]"),
        # IBANs grouped as the writer chose
        ("refund.iban=SE455000000005839825746 6 ok", "refund.iban=[REDACTED:IBAN] ok"),
        ("til NO938601 11 17947 ok", "til [REDACTED:IBAN] ok"),
        # OpenVPN's peer: an address and its port, not a product's version
        ("client/192.0.2.88:1194 MULTI", "client/[REDACTED:IP]:1194 MULTI"),
        # an IPv6 address with "::" before a port is one, a fingerprint's chain is not
        ("Viewer-Address: 2001:db8:7::b2:51234", "Viewer-Address: [REDACTED:IP]:51234"),
        ("sha1 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01", None),
    ],
)
def test_ssn_words_card_ends_and_addresses(text: str, expected: str | None) -> None:
    assert _TYPED.redact(text) == (text if expected is None else expected)
