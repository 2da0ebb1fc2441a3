"""International bank account numbers, printed compact or in groups of four.

In capitals (as printed) or mixed case, an IBAN is found from its start,
like the other values of the combined scan. In lower case ("gb82 west 1234
5698 7654 32", as people and forms also write it) it is found from its first
group of four digits: the combined scan already stops there, where starting
on every lower-case word after a delimiter (to try for two letters and two
digits) cost a quarter of its time on lines without any value. The checker
then looks back for the country code and check digits.
"""

from __future__ import annotations

import re

from tenantlog.redaction import validators
from tenantlog.redaction.kinds import Kind, Scan


def _check_iban(text: str, start: int, end: int) -> tuple[int, int] | None:
    # The regex may run on into a following word ("... 3000 EUR"); the
    # country's registered length says where the IBAN really ends.
    # Upper case is the printed form, but people and forms also write it in
    # lower or mixed case ("gb82 west 1234 ..."): the checksum decides.
    length = validators.IBAN_LENGTHS.get(text[start : start + 2].upper())
    if length is None:
        return None
    # Walked group by group (a group is a few characters, a character loop
    # cost more than the checksum): the IBAN must end where a group does.
    kept = 0
    stop = start
    candidate = text[start:end]
    if "-" in candidate:  # typed with dashes: "DE89-3704-0044-…"
        candidate = candidate.replace("-", " ")
    for group in candidate.split(" "):
        kept += len(group)
        stop += len(group)
        if kept >= length:
            break
        stop += 1  # the space after the group
    if kept != length:
        return None
    compact = text[start:stop].replace(" ", "").replace("-", "").upper()
    return (start, stop) if validators.iban_ok(compact) else None


# The groups before a lower-case IBAN's first group of four digits, matched
# on the reversed text: a space, groups of four, the check digits, the country.
_HEAD_REVERSED = re.compile(r"[ ](?:[0-9A-Za-z]{4}[ ]){0,7}[0-9]{2}[A-Za-z]{2}(?![0-9A-Za-z])")
_LONGEST = max(validators.IBAN_LENGTHS.values())


def check_iban_tail(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The IBAN whose groups start at ``start`` (see ``AFTER_FIRST_GROUP``), if any."""
    window = text[max(0, start - _LONGEST - 8) : start]
    head = _HEAD_REVERSED.match(window[::-1])
    if head is None:
        return None
    return _check_iban(text, start - head.end(), end)


# What follows the first four digits of a group run in the combined scan
# (``numeric`` places it after the branches for cards and bare numbers, and
# gives it its checker): groups of four after one space, the last shorter.
AFTER_FIRST_GROUP = (
    r"(?:[ ][0-9A-Za-z]{4}){1,7}(?:[ ][0-9A-Za-z]{1,3})?(?![0-9A-Za-z])(?P<iban_tail>)"
)

# The account after the country and check digits, grouped as the writer chose
# (in fours as printed, compact, or "…5678 9", "1503 42 87391"): the country's
# length, checked by ``_check_iban``, says where it ends.
_BBAN = (
    r"(?:(?:[ ]?[0-9A-Za-z]){11,32}"
    # ... or typed with dashes between its groups: "DE89-3704-0044-0532-0130-00".
    r"|(?:-[0-9A-Za-z]{4}){2,7}(?:-[0-9A-Za-z]{1,3})?)(?![0-9A-Za-z])"
)

# Branch of the combined scan (see ``scans``); its delimiter keeps an IBAN
# from starting inside a word. A capital first: lower case goes by the tail.
BRANCHES = (r"[A-Z][A-Za-z][0-9][0-9]" + _BBAN + r"(?P<iban>)",)
KINDS = {"iban": Kind("iban", "IBAN", _check_iban)}


#: Words near a compact lower-case IBAN, in any case: "iban=de89…",
#: "beneficiary account: gb82…", "Kontonummer se45…", "conta: pt50…",
#: "compte ch93…", "hesap no tr33…", "refund to dk50…", "wire to fr76…". Only what the
#: scan costs rides on them (the checksum decides): the screen finds them all
#: in its one pass.
BANK_ACCOUNT_WORDS = (
    *("iban", "account", "bank", "payee", "beneficiar", "refund", "payout"),
    # Portuguese "conta" with what follows it: "container" holds it too.
    *("konto", "conta ", "conta:", "conta=", "compte", "cuenta", "conto", "rekening", "hesap"),
    # Romanian "cont" (an account), as a word.
    *("cont ", "cont:"),
    # Its abbreviation; Polish "rachunek", Czech and Slovak "účet".
    *("acct", "rachunek", "\u00fa\u010det"),
    # Money moved to it: "settlement credited to kw74…", "wire to", "remitted", "deposit".
    *("settle", "credited", "transfer", "remit", "wire", "deposit"),
    # ... in other languages: German "überweisen", "Zahlung" ("Rückzahlung", a refund),
    # French "virement", Italian "bonifico", Dutch "overboeken", "overmaken", Polish
    # "przelew", Turkish "havale".
    *("berweis", "zahlung", "virement", "bonifico", "overboek", "overmak", "przelew", "havale"),
    # ... and refunds and payouts: French "remboursement", German "Auszahlung" and
    # "Erstattung", Spanish and Portuguese "reembolso", Italian "rimborso", Dutch
    # "terugbetaling", Polish "wypłata" (with and without its "ł") and "zwrot".
    *("rembours", "auszahl", "erstatt", "reembols", "rimbors", "terugbetal"),
    *("wyp\u0142at", "wyplat", "zwrot"),
    # Salaries and donations paid to or from it: "payroll", German "Gehalt", "Spende".
    *("payroll", "salary", "gehalt", "spende", "donat"),
    # SEPA's anything ("sepa:mandate:…"), withdrawals (French "retrait", Danish
    # "udbetaling"), Finnish "tilille" and "tilinumero" (to the account, its number).
    *("sepa", "retrait", "udbetal", "tilille", "tilinumero"),
    # A direct debit's mandate, which names the account it draws on; a refund in
    # Romanian, Spanish and Italian ("restituire", "restitución", "restituzione").
    *("mandate", "restitu"),
    # Dutch "betaald" (paid), "betaling" (a payment).
    "betaal",
    # ... and "tilisiirto" (a bank transfer), "tili" (an account) as a word.
    *("tilisiirto", "tili ", "tili:"),
    # A British bank's sort code, asked for beside the account.
    *("sort code", "sortcode", "sort_code"),
    # An account and a payment in Hungarian ("számla"), Croatian ("račun"), Slovene
    # ("nakazilo"), Lithuanian ("sąskaita", "mokėjimas").
    *("sz\u00e1mla", "ra\u010dun", "racun", "nakazil", "s\u0105skait", "mok\u0117jim"),
)


def may_name_bank_account(text: str) -> bool:
    """Whether the text holds one of ``BANK_ACCOUNT_WORDS`` (in any case)."""
    folded = text.casefold()
    return any(word in folded for word in BANK_ACCOUNT_WORDS)


def _check_iban_from_check_digits(text: str, start: int, end: int) -> tuple[int, int] | None:
    # The match starts at the check digits; the country is the two letters before.
    return _check_iban(text, start - 2, end)


# A compact IBAN that starts in lower case ("iban=de89370400440532013000",
# "gB82WEsT1234..."): the combined scan starts values on a digit or a capital
# only. This scan runs only on texts that name a bank account, and starts on
# the check digits, the country read behind them: starting on the country's
# first letter tried every lower-case letter of the line (three times as many
# starts as digits in most lines). The checksum decides.
LOWER_CASE_SCAN = Scan(
    r"[0-9][0-9](?<=(?<![0-9A-Za-z])[a-z][A-Za-z][0-9][0-9])" + _BBAN + r"(?P<iban_lower>)",
    {"iban_lower": Kind("iban", "IBAN", _check_iban_from_check_digits)},
    trigger=may_name_bank_account,
    flags=re.ASCII,
)
