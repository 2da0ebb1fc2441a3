"""Values that start with a digit, ``+`` or ``(``: phones, SSNs, cards, IPv4.

Logs are dense with digits, so this part of the combined scan must reject
timestamps, ids and versions in C, after a few steps each: that is what
keeps the redactor faster than even a naive phone-only regex.

Hand-written patterns rather than a library's: Presidio-style recognisers
miss the seven-digit ``555-0199`` form and match inside timestamps and ids,
because they do not know which neighbouring characters make a number part of
a larger token. Here no value starts right after a letter or digit, or
after a "." or "-" glued to one, and none ends where a word or number goes on.
"""

from __future__ import annotations

import re

from tenantlog.redaction import context, iban, numbering, validators
from tenantlog.redaction.kinds import Kind

# The value must not run on into a word, an id or a decimal.
_END = r"(?![0-9A-Za-z_\-])(?!\.[0-9])"
_NON_DIGIT = re.compile(r"[^0-9]")
_GROUP_GAP = re.compile(r"[ \-.()]+")
# The words that name an extension: English, French "poste", Italian "int.",
# Dutch "toestel", Polish "wew.", German "Durchwahl", Portuguese "ramal",
# Spanish "anexo" (Chile, Peru) and "interno" (Argentina), Swedish "ankn." and
# "anknytning", Czech and Slovak "kl.", "klapka" and "linka", Japanese "内線", Russian "доб.",
# Spanish "extensión", Austrian "DW" (Durchwahl) and German "App." (Apparat). A word
# may take a "-" before the digits ("Durchwahl -34": the digits a caller adds).
_EXT_WORDS = (
    # (a colon after the word too: "Ext: 5521").
    r"ext(?:ension|n)?[.:]?|extensi\u00f3n|poste|int\.|toestel|wewn?\.|durchwahl|ramal|anexo"
    r"|interno|ankn\.|anknytning|kl\.|klapka|linka|dw|app\.|\u5185\u7dda|\u0434\u043e\u0431\."
)
# A dial string's pause, ",,", before the digits an automaton dials: "+1312…,,3021".
_EXTENSION = re.compile(
    r"(?:,?[ ]?(?:(?:" + _EXT_WORDS + r")[ ]?-?|[x#][ ]?)|;ext=|,,)[0-9]+$", re.IGNORECASE
)


def _digits(text: str) -> str:
    # String methods for the separators candidates hold (a regex call costs
    # more on a dozen characters); the regex for anything else.
    digits = (
        text.replace(" ", "").replace("-", "").replace(".", "").replace("(", "").replace(")", "")
    )
    return digits if digits.isdigit() else _NON_DIGIT.sub("", digits)


# An extension named by a word ("ext. 12", "ramal 302", "内線 123") says the
# number before it is a phone, where "x12" or "#12" might not.
# (Or "x" after a blank: "0161 496 0842 x204".)
_WORDED_EXTENSION = re.compile(
    r"[ ]?(?:" + _EXT_WORDS + r")[ ]?-?[0-9]+$|[ ]x[0-9]{2,5}$", re.IGNORECASE
)


def _says_phone(text: str, start: int, end: int) -> bool:
    """A phone word around the number, or an extension named by a word at its end."""
    if context.says_phone(text, start, end):
        return True
    candidate = text[start:end]
    if candidate.isascii() and candidate.lower() == candidate.upper():
        return False  # no letter, so no extension's word
    return _WORDED_EXTENSION.search(candidate) is not None


def _without_extension(candidate: str) -> str:
    """The number without its extension; most have none, and need no regex to say so."""
    if (
        ";" in candidate
        or "#" in candidate
        or ",," in candidate
        or candidate.lower() != candidate.upper()
        or not candidate.isascii()
    ):
        return _EXTENSION.sub("", candidate)
    return candidate


def _group_ends(text: str, start: int, end: int) -> list[int]:
    """Ends of separator-delimited digit groups in a candidate, last first."""
    ends = [m.start() for m in _GROUP_GAP.finditer(text, start, end)]
    return [end, *(e for e in reversed(ends) if e > start)]


#: A global id's URI, "gid://shopify/Order/4539…": its number is a record's.
# (Or a webhook's id in its URL: Discord's "…/api/webhooks/<19 digits>/<token>".)
_GLOBAL_ID = re.compile(r"gid://[\w.\-]+/[\w.\-]+/\Z|/webhooks/\Z")


#: A card's key right before its digits: "card=", "old_card=", '"card_number": "'.
_CARD_KEY_BEFORE = re.compile(
    r"(?<![^\W_])(?:[a-z]+_)?(?:card|pan|cc)(?:_?(?:number|num|no))?[\"']?[ \t]*[:=][ \t]*[\"']?\Z",
    re.IGNORECASE,
)


def _check_card(text: str, start: int, end: int) -> tuple[int, int] | None:
    if text[start - 1 : start] in ("=", ":", " ", '"', "#") and context.says_identifier(
        text, start
    ):
        return None
    if text[start - 1 : start] == "/" and _GLOBAL_ID.search(text, max(0, start - 64), start):
        return None
    candidate = text[start:end]
    if candidate.isdigit():
        # (UATP's fifteen digits from "1" only in their groups; JCB's "1800…" plain too.)
        uatp = candidate[0] == "1" and not candidate.startswith("1800")
        named = (
            len(candidate) == 13
            and _CARD_KEY_BEFORE.search(text, max(0, start - 24), start) is not None
        )
        return (start, end) if not uatp and validators.card_ok(candidate, named) else None
    # A trailing group may be a CVV or an unrelated number ("4111 ... 1111 123"):
    # try the whole candidate, then without its last groups. The card patterns
    # separate groups by one " ", "-" or "."; string methods rather than the regexes
    # of _group_ends, because a log can hold a candidate every five characters.
    stop = len(candidate)
    if text[end : end + 1] == "." and text[end + 1 : end + 2].isdigit():
        # The last group is a decimal's whole part: "4485 2127 6686 6682 312.4 gal".
        stop = max(candidate.rfind(" "), candidate.rfind("-"), candidate.rfind("."))
    while stop > 0:
        digits = candidate[:stop].replace(" ", "").replace("-", "").replace(".", "")
        if len(digits) < 13:
            break
        if validators.card_ok(digits):
            return start, start + stop
        stop = max(
            candidate.rfind(" ", 0, stop),
            candidate.rfind("-", 0, stop),
            candidate.rfind(".", 0, stop),
        )
    return None


def _check_ipv4(text: str, start: int, end: int) -> tuple[int, int] | None:
    candidate = text[start:end]
    if not validators.ipv4_ok(candidate) or context.says_version(text, start, end):
        return None
    if candidate.startswith("0.") and candidate != "0.0.0.0":
        return None  # no host's (0/8 is "this network"): a version, "PuTTY 0.81.0.0"
    if _TWO_DIGIT_PADDED.search(candidate):
        # An octet of two digits with a leading zero is neither how an address
        # prints nor its zero-padded form ("010.001.002.003"): a firmware's
        # version, "lifecycle controller 7.00.00.173".
        return None
    if _OID_NAME.match(text, end):
        return None  # an LDAP schema's OID: "( 2.5.4.3 NAME 'cn' …)"
    if candidate.startswith("2.5.4.") and text[end : end + 1] == "=":
        return None  # an X.500 attribute's OID in a name: "2.5.4.97=PSDGB-FCA-912345"
    if (
        text[start - 1 : start] == ":"
        and text[start - 2 : start - 1] not in (":", "")
        and _may_name_image(text[max(0, start - _IMAGE_WINDOW) : start])
        and _IMAGE_BEFORE.search(text, max(0, start - _IMAGE_WINDOW), start)
    ):
        return None  # a container image's tag: "icr.io/ibm-messaging/mq:9.3.4.0-r1"
    return start, end


_IMAGE_WINDOW = 128


def _may_name_image(before: str) -> bool:
    """Whether an image's name can end the text before a tag: a path's "/" or the
    word "image" (C searches spare the regex to most addresses after a ":")."""
    return "/" in before or "mage" in before or "MAGE" in before


#: A container image's name before its tag's ":": a registry's host and a path
#: ("icr.io/ibm-messaging/mq:"), or any name after "image:" ("image: postgres:").
_IMAGE_BEFORE = re.compile(
    r"(?:(?<![\w./:\-])[\w\-]*[A-Za-z][\w\-]*\.[\w.\-]+(?:/[\w.\-]+)+"
    r"|(?i:image)[\"']?[ \t]*[:=][ \t]*[\"']?[\w.\-]+(?:/[\w.\-]+)*):\Z"
)
_TWO_DIGIT_PADDED = re.compile(r"(?:^|\.)0[0-9](?:\.|$)")
_OID_NAME = re.compile(r"[ \t]+NAME[ \t]+'")


def _check_ssn(text: str, start: int, end: int) -> tuple[int, int] | None:
    if _RECORD_BEFORE.search(text, max(0, start - 12), start):
        return None  # a lot's, a batch's or a part's number: "Lot 240-61-1188"
    return (start, end) if validators.ssn_ok(_digits(text[start:end])) else None


#: Words for the number of a thing, not a person, just before an SSN's shape.
_RECORD_BEFORE = re.compile(
    r"(?<![\w])(?:lot|batch|serial|part|model|sku|case|ref|job|build|p/n|pn)\.?"
    r"[ \t]*[:#=]?[ \t]*\Z",
    re.IGNORECASE,
)


def _nanp_plan_ok(ten: str) -> bool:
    """A real NANP area code and exchange: NXX NXX, the area's middle digit not 9, neither
    N11, nor 200, 300 or 400 (reserved: "200 200 412 1822" is an access log's counters)."""
    area, exchange = ten[:3], ten[3:6]
    return (
        area[0] >= "2"
        and area[1] != "9"
        and area[1:] != "11"
        and area not in ("200", "300", "400")
        and exchange[0] >= "2"
        and exchange[1:] != "11"
    )


def _check_nanp(text: str, start: int, end: int) -> tuple[int, int] | None:
    # Punctuated ten-digit numbers are phones even in the fictional ranges
    # logs and test data use ("(555) 123-4567", "123-456-7890"). A seven-digit
    # number needs a real exchange (2-9): "100-2000" is a range. "1" may only
    # lead as the country code of an eleven-digit number. Groups separated by
    # spaces alone ("415 555 0199") are as often columns of numbers: they
    # must also fit the numbering plan.
    candidate = text[start:end]
    digits = _digits(_without_extension(candidate))
    if not digits.strip("0"):
        return None  # a placeholder: "phone=000-000-0000"
    if len(digits) == 11:
        ok = digits[0] == "1"
    else:
        ok = len(digits) == 10 or (len(digits) == 7 and digits[0] >= "2")
    if ok and len(digits) >= 10 and not ("-" in candidate or "." in candidate or "(" in candidate):
        ok = _nanp_plan_ok(digits[-10:])
    if ok and _names_a_record(text, start, end):
        return None  # a record's number: "Personal ID 172-948-3361", "member no 312 555 0188"
    if ok and len(digits) == 7 and _NUMBERED.search(text, max(0, start - 12), start):
        # A record's number: "Kundennr. 300-1182", "ref no. 555-0199", unless a phone's.
        ok = context.says_phone(text, start, end)
    return (start, end) if ok else None


#: How a record's key ends before its number ("member no ", "Personal ID ", "meter_no=",
#: "Polizza n. "), and what may stand between it and the number.
#: A group of letters and digits together, then one blank: the number goes on a code.
_CODE_GROUP_BEFORE = re.compile(r"(?<![^\s\"'(])(?=[A-Z]*[0-9])(?=[0-9]*[A-Z])[A-Z0-9]{2,8} \Z")
_RECORD_KEY_ENDS = frozenset(
    {"id", "no", "nr", "num", "number", "meter", "n", "contratto", "contrato", "contrat"}
    | {"polizza", "poliza", "p\u00f3liza"}
)
_AFTER_KEY = frozenset(" \t:=#\"'.")
#: What ends a key right before its value.
_KEY_ENDS = frozenset(("=", ":", " ", '"', "#", "\t"))


def _names_a_record(text: str, start: int, end: int) -> bool:
    """Whether the key right before the number names a record's number and no phone word
    is near: "member no 312 555 0188", "numero contratto 338 512 7790"."""
    if text[start - 1 : start] not in _KEY_ENDS:
        return False
    # The key's last word, read back by hand (a regex tried at each of a dozen
    # positions cost every NANP number a microsecond).
    word_end = start
    while word_end > 0 and text[word_end - 1] in _AFTER_KEY:
        word_end -= 1
    word_start = word_end
    while word_start > max(0, word_end - 12) and text[word_start - 1].isalpha():
        word_start -= 1
    return (
        text[word_start:word_end].lower() in _RECORD_KEY_ENDS
        and context.says_identifier(text, start)
        and not context.says_phone(text, start, end)
    )


#: A word that numbers a record just before a number: "Kundennr.", "Ticket-Nr:", "ref no.".
_NUMBERED = re.compile(
    r"(?:nr|nummer|number|num|n[\u00ba\u00b0])\.?[ \t]*[:#]?[ \t]*\Z|no\.[ \t]*\Z"
    # An order's number: "número de pedido 300-7781", "commande 555-0142".
    r"|(?<![^\W\d_])(?:pedido|encomenda|commande|ordine|orden|order|bestellung|invoice"
    r"|factura|rechnung)[ \t]*[:#]?[ \t]*\Z",
    re.IGNORECASE,
)


def _check_paren_glued(text: str, start: int, end: int) -> tuple[int, int] | None:
    # The value includes the "(" the scan used as its delimiter, so that no
    # "(415)" is left behind when a word is glued to it.
    if start == 0 or text[start - 1] != "(":
        return None
    return _check_nanp(text, start - 1, end)


#: A record's number named by a compound right before bare digits, no phone's:
#: "Kundennr. 5003318872", "Vertragsnummer: …" (not "Telefonnr.", "Rufnummer").
_RECORD_COMPOUND_BEFORE = re.compile(
    r"(?<![^\W\d_])(?![^\W\d_]*(?:tel|fon|phone|handy|mobil|ruf))"
    r"[^\W\d_]{2,24}(?:nr|nummer|number)\.?[ \t]*[:#=]?[ \t]*\Z",
    re.IGNORECASE,
)


def _check_phone_by_word(text: str, start: int, end: int) -> tuple[int, int] | None:
    # Bare digits are as often byte counts or ids, or a build's number.
    if not context.says_phone(text, start, end) or context.says_version_key(text, start):
        return None
    if _RECORD_COMPOUND_BEFORE.search(text, max(0, start - 32), start):
        return None
    nanp = _check_nanp(text, start, end)
    if nanp is None and numbering.possible_number(text[start:end]):
        # No North American number, but one with its country code and no "+":
        # "sip:4930123456@…", '"to":"4930123456"' (Berlin's).
        return start, end
    return nanp


def _check_phone_spaced(text: str, start: int, end: int) -> tuple[int, int] | None:
    # "415 555 0199": a phone after a phone word, or anywhere when its area
    # code and exchange are real ones (``_check_nanp``); columns of numbers
    # rarely are.
    if context.says_phone(text, start):
        digits = _digits(_without_extension(text[start:end]))
        return (start, end) if len(digits) == 10 else None
    return _check_nanp(text, start, end)


# National numbers: "0" and a trunk ("020 7946 0958", "030 901820",
# "01 42 68 53 00"), with at least this many digits in all.
_NATIONAL_DIGITS = range(8, 14)


def _check_national(text: str, start: int, end: int) -> tuple[int, int] | None:
    # A national number has no country code, so only a phone word says it is
    # one; "00" is the international prefix of most countries ("0033 1 ..."),
    # and "011" North America's, checked like "+". Trailing groups that make
    # it too long are left out.
    if _names_a_record(text, start, end):
        return None  # "Polizza n. 0039 0612 4471"
    if end < len(text) and text[end].isalpha() and not text[end].isascii():
        # The last group is a count of the words after it: "TEL 06-6345-6789 10時〜20時".
        last_gap = text.rfind(" ", start, end)
        if last_gap > start:
            end = last_gap
    if text.startswith("00", start):
        dialled = _dialled_abroad(text, start, end)
        if dialled is not None:
            return dialled
    if len(_digits(text[start:end])) <= 9 and _POSTAL_KEY.search(text, max(0, start - 16), start):
        # A ZIP+4 or a Brazilian CEP by its key: "'zip': '02118-4401'" (not Turkish
        # "Cep:", a mobile, of eleven digits: "Cep: 0532 123 45 67").
        return None
    if not _digits(text[start:end]).strip("0"):
        return None  # a placeholder: "phone=000-000-0000"
    if not _says_phone(text, start, end):
        listed = text.find(" / ", start, end)
        if listed != -1:
            end = listed  # a field of a list: "佐藤 花子 / 080-2749-3815 / 11:30"
        return _grouped_mobile(text, start, end)
    paren = text[start] == "("
    number_end = start + len(_without_extension(text[start:end]))
    if number_end < end and len(_digits(text[start:number_end])) in _NATIONAL_DIGITS:
        return start, end  # an extension after the whole number is part of it
    for stop in _group_ends(text, start, number_end):
        digits = _digits(text[start:stop])
        if digits.startswith("00") and not paren:
            if len(digits) >= 9 and numbering.possible_number(digits[2:]):
                return start, stop
        elif (
            digits.startswith("011")
            and not paren
            and len(digits) >= 10
            and numbering.possible_number(digits[3:])
        ):
            return start, stop  # North America's international prefix: "011 44 20 …"
        elif len(digits) in _NATIONAL_DIGITS:
            return start, stop
        if len(digits) < _NATIONAL_DIGITS[0]:
            break
    return None


#: A mobile number as people write it: the trunk and operator's code in a group
#: of two to five ("06", "0917", "01712"), then groups of three or more apart by
#: blanks or a dash (Turkey's ends in two pairs, France's mobiles are five pairs).
#: Not a date's or a time's ("05/02/24 09"), a list of small numbers ("04 15 23 42
#: 55") or an ISBN's ("0-306-40615-2").
_WRITTEN_MOBILE = re.compile(
    r"0[0-9]{1,4}(?:[ \-][0-9]{3,8}){1,3}"
    # Turkey's 4-3-2-2: "0532 123 45 67".
    r"|0[0-9]{3}[ \-][0-9]{3}[ \-][0-9]{2}[ \-][0-9]{2}"
    # France's mobiles in five pairs, "07 58 21 46 93" or "06.12.34.56.78".
    r"|0[67]([ .])[0-9]{2}(?:\1[0-9]{2}){3}"
)


#: Two capitals alone before a number: a country's code in an id ("DE 01 234 56789").
_COUNTRY_LETTERS_BEFORE = re.compile(r"(?<![\w\-])[A-Z]{2} \Z")


def _grouped_mobile(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A mobile number written in groups with its trunk prefix ("0917 123 4567",
    "0812-3456-7890"): a phone without a phone word, as an international one is.
    Whole (a longer run of groups is some other number), grouped (an id of digits
    alone keeps its bare run) and not named as a record's number ("Rechnung Nr.")."""
    if not _WRITTEN_MOBILE.fullmatch(text, start, end) or text.startswith("011", start):
        return None  # (North America's international prefix: "011 234 5678" is no mobile)
    after = text[end : end + 2]
    if after[:1].isalnum() or (after[:1] in (":", "/", ".") and after[1:].isdigit()):
        return None  # more of the same number, or a time's: "… 09:00"
    if start and (text[start - 1].isalnum() or text[start - 1] in "/.-#"):
        return None  # (after "#" a record's number: "Receipt #0412-88213")
    if _COUNTRY_LETTERS_BEFORE.search(text, max(0, start - 4), start):
        return None  # a country's letters first: a bovine's ear tag, "DE 01 234 56789"
    if _CODE_GROUP_BEFORE.search(text, max(0, start - 12), start):
        return None  # the rest of a code's groups: UPS' tracking "1Z 999 AA1 01 2345 6784"
    if not numbering.trunk_mobile(_digits(text[start:end])):
        return None
    low = max(0, start - 16)
    record = _NUMBERED.search(text, low, start) or _TAGGED.search(text, low, start)
    if record is not None and (
        not record.group().lower().startswith("num")
        or text[record.start() - 1 : record.start()].isalpha()
    ):
        # "Rechnung Nr. 0170-2345-678", "bag tag 0220 441203", "Bestellnummer 0301 …" (a
        # phone's compound, "Telefonnummer", is a phone word found before).
        return None
    return None if context.says_identifier(text, start) else (start, end)


#: A postal code's key right before a number.
_POSTAL_KEY = re.compile(
    r"(?<![^\W\d_])(?:zip|zip_?code|postal_?code|post_?code|plz|cep)"
    r"[\"']?[ \t]*[:=]?[ \t]*[\"']?\Z",
    re.IGNORECASE,
)
#: A record's id or tag word right before a number: "ref 0301 …", "bag tag 0220 …".
_TAGGED = re.compile(r"(?<![^\W\d_])(?:ref|tag|id)\.?[ \t]*[:#=]?[ \t]*\Z", re.IGNORECASE)


#: "00", a country's calling code, then a blank: "0041 79 123 45 67" (not a
#: receipt's "0044-2079-4609-58").
_ABROAD = re.compile(r"00(?P<code>[1-9][0-9]{0,2}) ")


def _dialled_abroad(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A number written with "00", the international prefix of most countries,
    a group of its own for the country's code and two groups or more after it:
    a phone without a phone word, as "+41 79 …" is. Ids are not grouped so."""
    abroad = _ABROAD.match(text, start, end)
    if abroad is None or numbering.calling_code_width(abroad.group("code")) != len(
        abroad.group("code")
    ):
        return None
    # Whole: a longer run of groups ("0044 1234 5678 9012") is some other number.
    number = _without_extension(text[start:end])
    if len(_GROUP_GAP.findall(number)) < 2:
        return None
    return (start, end) if numbering.possible_number(_digits(number)[2:]) else None


#: A group of four with a digit before a candidate: it goes on a run of groups.
_IN_GROUP_RUN = re.compile(r"(?<![0-9A-Za-z])(?=[A-Za-z]{0,3}[0-9])[0-9A-Za-z]{4} \Z")
#: A date or a time in digit groups, which a phone word before it does not make a phone.
_DATE = re.compile(
    r"[0-9]{4}[\-/][0-9]{1,2}[\-/][0-9]{1,2}|[0-9]{1,2}[\-/][0-9]{1,2}[\-/][0-9]{2,4}"
)
#: The most digits of a phone number, its country code included (E.164).
_MOST_DIGITS = 15


def _check_phone_groups(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Digit groups in any country's grouping ("11 98765-4321", "138 0013 8000",
    "8 (495) 123-45-67", "9123 4567"): a phone only after a phone word."""
    if text[end : end + 1] == ":":
        return None  # a time: "called at 2024-05-01 12:30"
    number = _without_extension(text[start:end])
    digits = _digits(number)
    if not 7 <= len(digits) <= _MOST_DIGITS or _DATE.match(number) or not digits.strip("0"):
        return None  # (a placeholder of zeros); the word's search last: it costs the most
    return (start, end) if _says_phone(text, start, end) else None


def _check_longer_phone(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A phone number that starts like a NANP one the NANP rules turned away: a
    national number ("010-6552 9988" read as "010-6552") or other digit groups."""
    if text[start] == "0":
        national = _NATIONAL_AT.match(text, start)
        if national is not None:
            found = _check_national(text, start, national.end())
            if found is not None:
                return found
    groups = _GROUPS_AT.match(text, start)
    return None if groups is None else _check_phone_groups(text, start, groups.end())


def _check_ssn_by_word(text: str, start: int, end: int) -> tuple[int, int] | None:
    return _check_ssn(text, start, end) if context.says_ssn(text, start) else None


def _check_grouped_by_word(text: str, start: int, end: int) -> tuple[int, int] | None:
    # Digit groups without a trunk prefix are a phone only after a phone word.
    if text[start] == "0":
        return _check_national(text, start, end)  # with a trunk, or "00"/"011" first
    if not _says_phone(text, start, end) or context.says_identifier(text, start):
        return None  # (a phone word near a business's number: "contact ABN 51 824 753 556")
    return (
        (start, end)
        if len(_digits(_without_extension(text[start:end]))) in _NATIONAL_DIGITS
        else None
    )


def _check_grouped_4(text: str, start: int, end: int) -> tuple[int, int] | None:
    # (A year first is a record's number: "Rechnung 2024 004512".)
    if text.startswith(("19", "20"), start):
        return None
    return _check_grouped_by_word(text, start, end)


#: A Russian number as people write it: the trunk "8", the operator's or the
#: city's code in brackets ("9xx" mobile, "495" Moscow; Russia's codes start on
#: 3, 4, 8 or 9), then 3-2-2. No date, size or id has this shape.
_RUSSIAN_MOBILE = re.compile(r"8 ?\([3489][0-9]{2}\) ?[0-9]{3}-[0-9]{2}-[0-9]{2}")


def _check_trunk_8(text: str, start: int, end: int) -> tuple[int, int] | None:
    if _RUSSIAN_MOBILE.fullmatch(text, start, end):
        return start, end
    return _check_grouped_by_word(text, start, end)


def _check_hidden_phone(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A phone number whose start a card's, SSN's or IBAN's shape matched first.

    The combined scan takes the first branch that matches, so "0034 912 345
    678" reads as a 13-digit card, "0044 7911 123456" as an IBAN's groups and
    "447911123456" as a card: when that kind turns the candidate away, the
    number is judged as the phone a phone word before it may make it: a
    national number (its own, longer, match) or a country code without "+".
    """
    digits = text[start:end]
    if text[start] == "0" or not (9 <= len(digits) <= 15 and digits.isdigit()):
        # A national number, or digit groups ("9123 4567" read as an IBAN's
        # groups); not the rest of a run of such groups (an IBAN's, a card's).
        if _IN_GROUP_RUN.match(text, max(0, start - 5), start):
            return None
        return _check_longer_phone(text, start, end)
    if not context.says_phone(text, start, end):
        # An SMS API's recipient in E.164 without its "+": Vonage's '"to":"447700900987"',
        # Clickatell's "to=27821234567" (not ten digits or fewer: "to=1717286400", a time).
        if len(digits) >= 11 and _RECIPIENT_KEY.search(text, max(0, start - 12), start):
            return (start, end) if numbering.possible_number(digits) else None
        return None
    if _SIM_KEY.search(text, max(0, start - 12), start):
        return None  # (a SIM's number by a phone's: "imsi=234159876543210 msisdn=…")
    # Nine or ten digits are a national number without its trunk ("621302088");
    # more, a country code and its number.
    return (start, end) if len(digits) <= 10 or numbering.possible_number(digits) else None


#: A message's recipient as an SMS API names it, right before its number.
#: (Or M-Pesa's parties, a payment's: '"PartyB":"254712345678"'.)
_RECIPIENT_KEY = re.compile(r"(?<![\w\-])[\"']?(?:to|Party[AB])[\"']?[ \t]*[:=][ \t]*[\"']?\Z")
#: A SIM's or a handset's number by its key, no subscriber's line.
_SIM_KEY = re.compile(
    rf"(?<![A-Za-z])(?:{'|'.join(context.SIM_KEYS)})[\"']?[ \t]*[=:][ \t]*[\"']?\Z",
    re.IGNORECASE,
)


def _check_international(text: str, start: int, end: int) -> tuple[int, int] | None:
    # The regex is greedy across spaces ("+44 20 7946 0958 200 OK"); the
    # longest prefix that is a possible number for its country wins. An
    # extension after the whole number is part of it.
    if text.startswith("**", end) or text.startswith("* *", end):
        return None  # masked already, its last digits starred: "+4420794*****"
    number = _without_extension(text[start:end])
    number_end = start + len(number)
    # Most candidates are the number alone: judged whole before their groups are found.
    digits = _digits(number)
    if len(digits) < 7:
        return None
    if numbering.possible_number(digits):
        return start, end
    if numbering.formerly_possible(digits) and context.says_phone(text, start, end):
        return start, end
    for stop in _group_ends(text, start, number_end)[1:]:
        digits = _digits(text[start:stop])
        if len(digits) < 7:
            break
        if numbering.possible_number(digits):
            return start, end if stop == number_end else stop
    return None


def _check_encoded_international(text: str, start: int, end: int) -> tuple[int, int] | None:
    """An international number whose "+" a URL encodes as "%2B", which goes with it."""
    found = _check_international(text, start + len("%2B"), end)
    return None if found is None else (start, found[1])


# An extension belongs to the number: "x204", "ext. 12", "Ext 12", "extension 12",
# "#12", ";ext=12" (RFC 3966), and the other languages' words (``_EXT_WORDS``),
# in any case within the case-sensitive combined scan.
_EXT_BODY = r"(?:,?[ ]?(?:(?i:" + _EXT_WORDS + r")[ ]?-?|(?i:[x#])[ ]?)|;(?i:ext)=|,,)[0-9]{1,6}"
_EXT = f"(?:{_EXT_BODY})?"
_LAST4 = r"[0-9]{4}" + _EXT + _END  # the subscriber number that ends a phone
# Nor a "-" and more of an id after it: "4026171946936771-A" is an order's number.
# Track 2 data glues the expiry to the number after a "D" (or "="): "4761…0119D2512201".
_CARD_END = r"(?:(?![0-9A-Za-z])(?!-[A-Za-z])|(?=D[0-9]{4}))"
# National numbers after a phone word: "0", a trunk of up to five digits,
# then groups; or the trunk in parentheses, "(020) 7946 0958". Groups take
# every digit they can and the repeat is possessive, so a long run is read
# once. The look-aheads turn away what cannot hold eight digits (times, dates).
_NATIONAL = (
    r"(?:0(?=(?:(?: [\-/] |[ \-./])?[0-9]){7})[0-9]{0,5}+"
    # (Germany's "(0 89) 12 34 56-0": a blank after the trunk.)
    r"|\((?=(?:0 ?)?[1-9](?:[ \-./()]{0,2}[0-9]){6})(?:0 ?)?[1-9][0-9]{0,4}\)"
    # Britain's "(0)20 7946 0011": the trunk in brackets before the area code.
    r"|\(0\)(?=[1-9](?:[ \-./]?[0-9]){6})[0-9]{1,4})"
    r"(?:(?: [\-/] |[ \-./])?[0-9]{1,8}+){0,5}+" + _EXT + _END
)
_NATIONAL_AT = re.compile(_NATIONAL)
# Any other digit groups, for a phone word to confirm (``_check_phone_groups``):
# seven digits or more, groups joined by one space, "-", "/", " - " or " / ",
# a group in brackets; no "." (decimals: "call took 1234.5678 ms").
_GROUPS = (
    r"(?=(?:[ \-/()]{0,3}[0-9]){7})[0-9]{1,5}+"
    r"(?:(?: [\-/] |[ \-/])\(?[0-9]{1,8}+\)?){1,6}+" + _EXT + _END
)
_GROUPS_AT = re.compile(_GROUPS)


def _ipv4_rest(group: str) -> str:
    """The three octets after the first octet's dot; no fifth part, but tcpdump's
    port after a dot ("192.0.2.15.443 > 10.0.0.8.58210:")."""
    return (
        r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![0-9A-Za-z_])"
        r"(?:(?=\.[0-9]{1,5}(?::|[ \t]+>))|(?!\.?[0-9]))" + f"(?P<{group}>)"
    )


# Branches of the combined scan (see ``scans``) for values that start with
# "+", "(" or a digit. Each alternative starts with a literal or a character
# class, which ``re`` rejects without entering it; the named group closing an
# alternative only says which kind matched. The digits branch on the fourth
# character, so "2024-05-01" or "1048576" is dismissed in a few steps; digit
# rules (card prefixes, SSN areas, seven-digit exchanges) are left to the checkers.
# Where shapes overlap, the first matching alternative wins.
# The groups after an international number's country code, and its extension.
_INTERNATIONAL_GROUPS = (
    r"(?:[ \-.]?(?:\([0-9]{1,4}\)|[0-9]{1,5}+)){1,6}" + _EXT + r"(?![0-9A-Za-z_])"
)
_PHONE_TAIL = r"[0-9]{3}[\-.]" + _LAST4  # "555-0199" after the area code
# After the first three digits, by fourth character.
_AFTER_3_DIGITS = "|".join(
    (
        r"\." + _ipv4_rest("ipv4_3"),
        # Cards: 16-19 digits in groups of four, Amex/Diners 4-6-5/4, 13-digit
        # Visa 4-3-3-3 and 4-4-4-1, 14-digit Diners 4-4-4-2, Amex 4-4-4-3, 13-19 plain.
        # (OCR may read two blanks between groups: "3566  0020  2036  0505".)
        r"[0-9](?:(?: ?[ \-](?:[0-9]{4} ?[ \-]?[0-9]{4} ?[ \-]?"
        r"(?:[0-9]{4}(?:[ \-]?[0-9]{1,3})?|[0-9]{1,3})"
        r"|[0-9]{6}[ \-]?[0-9]{4,5}|[0-9]{3}[ \-][0-9]{3}[ \-][0-9]{3})"
        # ... and 4-4-4-4 with dots, as OCR reads a card's front.
        r"|\.[0-9]{4}\.[0-9]{4}\.[0-9]{4}(?![0-9.]))" + _CARD_END + "(?P<card_groups>)"
        # (A plain run may end in a group of three: "372841390766 217", the card's
        # last digits apart, or its CVV, which ``_check_card`` leaves if it must.)
        r"|(?:[0-9]{9,15}(?: [0-9]{3})?|[0-9]{8} [0-9]{3})" + _CARD_END + "(?P<card_plain>)"
        # Four digits, then one group, after a phone word: Greece's "2310 123456";
        # or two of three: Australia's business numbers, "1300 123 456".
        r"|(?: [0-9]{5,7}|(?<=1[0-9]{3}) [0-9]{3} [0-9]{3})" + _EXT + _END + "(?P<phone_grouped_4>)"
        # Bare ten-digit phones and nine-digit SSNs count only after a word
        # saying so: otherwise they are byte counts and ids.
        r"|[0-9]{6}(?<=[2-9][0-9]{9})" + _END + "(?P<phone_bare>)"
        r"|[0-9]{5}" + _END + "(?P<ssn_bare>)"
        # Eleven or twelve digits: a country code without its "+" after a
        # phone word ("msisdn=447911123456").
        r"|[0-9]{7,8}" + _END + "(?P<phone_bare_long>)"
        # A lower-case IBAN's groups ("gb82 west 1234 5698 ..."): see ``iban``.
        r"|" + iban.AFTER_FIRST_GROUP + ")",
        r"-(?:[0-9][0-9]-[0-9]{4}" + _END + "(?P<ssn>)"
        r"|" + _LAST4 + "(?P<phone_local>)"  # the seed's seven-digit "555-0199"
        r"|" + _PHONE_TAIL + "(?P<phone_dash>)"
        # Poland's "607-939-278", after a phone word.
        r"|[0-9]{3}-[0-9]{3}" + _END + "(?P<phone_grouped_dash>))",
        r"\.(?:" + _PHONE_TAIL + "(?P<phone_dot>)"
        # An SSN written with dots ("721.44.9083", as OCR reads a form), after an SSN word.
        r"|[0-9]{2}\.[0-9]{4}" + _END + "(?P<ssn_dotted>))",
        # An SSN with en dashes (U+2013), as a word processor writes "-" ("472-18-6620"),
        # after an SSN word.
        r"\u2013[0-9]{2}\u2013[0-9]{4}" + _END + "(?P<ssn_en_dash>)",
        # "x(415) 555-0199": the "(" was taken as the delimiter; see the checker.
        r"\)[ \-.]?[0-9]{3}[ \-.]?" + _LAST4 + "(?P<phone_paren_glued>)",
        r" (?:" + _PHONE_TAIL + "(?P<phone_space>)"
        # All-space groups: "415 555 0199" must fit the numbering plan (or
        # follow a phone word), "123 45 6789" needs an SSN word.
        r"|[0-9]{3} " + _LAST4 + "(?P<phone_spaced>)"
        r"|[0-9]{2} [0-9]{4}" + _END + "(?P<ssn_spaced>)"
        # Numbers without a trunk "0" after a phone word: Spain's "912 345 678",
        # "612 34 56 78", China's "138 0013 8000", Colombia's "310 1234567".
        r"|(?:[0-9]{2,4}(?:[ \-][0-9]{2,7}){1,3}|[0-9]{7})" + _EXT + _END + "(?P<phone_grouped>))",
        # India's "98765 43210", after a phone word.
        r"[0-9]{1,2} [0-9]{5}" + _EXT + _END + "(?P<phone_grouped_5>)",
    )
)

# Branches of the combined scan (see ``scans``) for values that start with
# "+", "(" or a digit. Each alternative starts with a literal or a character
# class, which ``re`` rejects without entering it; the named group closing an
# alternative only says which kind matched. The digits branch on the fourth
# character, so "2024-05-01" or "1048576" is dismissed in a few steps; digit
# rules (card prefixes, SSN areas, seven-digit exchanges) are left to the checkers.
# Where shapes overlap, the first matching alternative wins. Ten-digit NANP
# numbers need a "-" or "." before the last four digits, or a phone word.
BRANCHES = (
    # A digit group takes all the digits it can ("{1,5}+"): splitting a run
    # of digits differently cannot end the number anywhere else, and trying
    # every split of a long run before giving up took seconds per 64 KiB.
    r"\+[1-9][0-9]{0,2}" + _INTERNATIONAL_GROUPS + "(?P<phone_intl>)",
    # The "+" encoded in a URL's query: "?to=%2B442079460958".
    r"%2[Bb][1-9][0-9]{0,2}" + _INTERNATIONAL_GROUPS + "(?P<phone_intl_encoded>)",
    # "(415) 555-0199"; a country code in brackets of its own, "(+49) 171 2345678".
    r"\((?:[0-9]{3}\)[ \-.]?[0-9]{3}[ \-.]?" + _LAST4 + "(?P<phone_paren>)"
    r"|\+[1-9][0-9]{0,2}\)" + _INTERNATIONAL_GROUPS + "(?P<phone_intl_paren>))",
    r"[0-9](?:\."
    + _ipv4_rest("ipv4_1")
    + r"|[0-9](?:\."
    + _ipv4_rest("ipv4_2")
    + "|[0-9](?:"
    + _AFTER_3_DIGITS
    + ")"
    # Two digits, then groups after a phone word: Portugal's "21 589 5376",
    # Poland's "22 393 67 76", Brazil's "11 98765-4321" (a space first:
    # "12-05-2024" is a date).
    + r"| [0-9]{2,5}(?:[ \-][0-9]{2,5}){1,3}"
    + _EXT
    + _END
    + "(?P<phone_grouped_2>))"
    # "1-800-555-0199", "1 (800) 555-0199": the checker makes sure the "1" leads.
    + r"|[ \-.]\(?[0-9]{3}\)?[ \-.]?[0-9]{3}[ \-.]"
    + _LAST4
    + "(?P<phone_1>)"
    # A trunk "8" and groups after a phone word: Russia's "8 (495) 123-45-67".
    + r"|[ \-]\(?[0-9]{3,5}\)?[ \-][0-9]{2,3}(?:[ \-][0-9]{2,4}){1,3}"
    + _EXT
    + _END
    + "(?P<phone_trunk_8>)"
    # A one-digit mobile prefix, then two groups of four after a phone word:
    # Chile's "9 8765 4321".
    + r"| [0-9]{4} [0-9]{4}"
    + _EXT
    + _END
    + "(?P<phone_grouped_1>))",
    # National numbers after a phone word (``_NATIONAL``), where no branch
    # above matched; where one did and was turned away, its kind tries them
    # (``_check_hidden_phone``).
    _NATIONAL + "(?P<phone_national>)",
)

_PHONE = Kind("phone", "PHONE", _check_nanp, also=Kind("phone", "PHONE", _check_longer_phone))
_IPV4 = Kind("ip", "IP", _check_ipv4)
_INTERNATIONAL = Kind("phone", "PHONE", _check_international)
_HIDDEN_PHONE = Kind("phone", "PHONE", _check_hidden_phone)
_GROUPED_PHONE = Kind("phone", "PHONE", _check_grouped_by_word)
_CARD = Kind("card", "CARD", _check_card, also=_HIDDEN_PHONE)
_SSN_BY_WORD = Kind("ssn", "SSN", _check_ssn_by_word, also=_HIDDEN_PHONE)
KINDS: dict[str, Kind] = {
    "phone_intl": _INTERNATIONAL,
    "phone_intl_paren": _INTERNATIONAL,
    "phone_intl_encoded": Kind("phone", "PHONE", _check_encoded_international),
    "phone_paren": _PHONE,
    "ipv4_1": _IPV4,
    "ipv4_2": _IPV4,
    "ipv4_3": _IPV4,
    "card_groups": _CARD,
    "card_plain": _CARD,
    "ssn": Kind("ssn", "SSN", _check_ssn),
    "phone_local": _PHONE,
    "phone_dash": _PHONE,
    "phone_dot": _PHONE,
    "phone_paren_glued": Kind("phone", "PHONE", _check_paren_glued),
    "phone_space": _PHONE,
    "phone_bare": Kind("phone", "PHONE", _check_phone_by_word),
    # "087 123 4567" reads as NANP's groups: a trunk's mobile if NANP turns it away.
    "phone_spaced": Kind("phone", "PHONE", _check_phone_spaced, also=_PHONE.also),
    "ssn_bare": _SSN_BY_WORD,
    "ssn_dotted": Kind("ssn", "SSN", _check_ssn_by_word),
    "ssn_en_dash": Kind("ssn", "SSN", _check_ssn_by_word),
    "ssn_spaced": Kind("ssn", "SSN", _check_ssn_by_word, also=_GROUPED_PHONE),
    "phone_grouped": _GROUPED_PHONE,
    "phone_grouped_2": _GROUPED_PHONE,
    "phone_grouped_1": _GROUPED_PHONE,
    "phone_grouped_dash": _GROUPED_PHONE,
    "phone_grouped_5": _GROUPED_PHONE,
    "phone_grouped_4": Kind("phone", "PHONE", _check_grouped_4),
    "phone_trunk_8": Kind("phone", "PHONE", _check_trunk_8),
    # Twelve digits may also be a Maestro card (the card branches take 13 and more).
    "phone_bare_long": _CARD,
    "phone_1": _PHONE,
    "phone_national": Kind("phone", "PHONE", _check_national),
    # Groups of four after a first group of four digits: the end of a
    # lower-case IBAN, or a national number ("0151 2345 6789") that this
    # branch, matching first, would otherwise hide from its own.
    "iban_tail": Kind("iban", "IBAN", iban.check_iban_tail, also=_HIDDEN_PHONE),
}
