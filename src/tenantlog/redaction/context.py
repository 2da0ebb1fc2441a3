"""What the words around a candidate say about it.

Some shapes are PII only when the log says so: ``4155550199`` is a phone
number after ``phone=`` but a byte count after ``bytes=``; ``10.2.3.4`` is an
address after ``client`` but a version after ``version``. These look-behind
checks run on candidates only, over a short window before them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable

_WINDOW = 48

# The word may be followed by up to five words, each ended by a space or a
# separator, then the number: "Tél. domicile : 05 43…", "telefone residencial
# (21) 5862-8848", "phone (home): …". A word holds no digit, bracket or colon,
# so a placeholder ("[REDACTED:PHONE]") in between never brings a phone word
# into reach on a second pass. The word must not continue another word
# ("Bestellnummer" holds "tel"): ``says_phone`` looks again after such a match.
_PHONE_WORD = (
    r"(?:phone|t[e\u00e9]l|tlf|tfno|mobile?|mob|cell|celular|fax|sms|msisdn|whatsapp|contact"
    r"|kontakt|handy|rufnummer|festnetz|landline|gsm|natel|hotline|helpline|voicemail"
    r"|dial(?:ed|ing)?|reach|call(?:er|ed|ing)?|callback|text(?:ed)?[ \t]+me|ph(?=_)"
    # Swedish "tfn" (telefon); the Philippines' "cp no." (a cellphone's number).
    r"|tfn|cp[ \t]+no"
    # A PBX's caller id and the number dialled in ("did", as a key only: a verb in prose).
    r"|caller_?id|did(?=[\"']?[ \t]*[:=])"
    # French, Spanish and German: "portable", "móvil", "llamar al", "Anruf von",
    # "rappel" and "Rückruf" (a call back); SMPP's addresses.
    r"|portable|m[o\u00f3]vil|llam(?:ar|ada|an?|e|\u00f3)|anruf|appel|rappel|r[u\u00fc]ckruf"
    # A switchboard: German "Zentrale", Spanish "centralita"; Polish "stacjonarny" (a landline).
    r"|zentrale|centralita|stacjonarn"
    r"|(?:dest|dst|destination|src|source)_(?:addr|number)|wa_id"
    # Portuguese "contato"; a person's "my number is", in four languages.
    # Vietnamese "liên hệ" (contact).
    r"|li\u00ean[ \t]+h\u1ec7"
    # Chile's "fono" (and "fono contacto").
    r"|fono"
    # Italian, Dutch, Portuguese, Polish, Finnish, Swahili, Vietnamese and a
    # French verb: "richiamato al", "terugbelverzoek", "Fone", "komórka",
    # "puh.", "vaihde" and Swedish "växel" (a switchboard), "Simu", "SĐT", "joindre au";
    # "fijo", "cel".
    r"|(?:ri)?chiam|terugbel|gebeld|kom[o\u00f3]rk|vaihde|v\u00e4xel"
    r"|[d\u0111]i[e\u1ec7]n[ \t]+tho|joindre|joignable"
    # Polish "kom." (komórka, a mobile), with its dot.
    r"|kom\."
    # Italian "chiamata" (a call), Finnish "soitti" (called), an SMS API's
    # "originator", a call centre's "DNIS" (the number dialled).
    r"|soitt|originator"
    # Dutch "bereikbaar op", German "erreichbar unter" ("zu erreichen unter"), "Rückfragen
    # an", "ruft an unter" (calls from); British "ring"/"rang".
    r"|bereikbaar|erreich(?:bar|en)|r[u\u00fc]ckfrage|r(?:uft|ief)[ \t]+(?:uns[ \t]+)?an\b"
    # Russian "звонок" and "перезвонить" (a call, call back), Korean
    # "수신번호"/"발신번호" (the recipient's and sender's number).
    r"|\u0437\u0432\u043e\u043d|\uc218\uc2e0\ubc88\ud638|\ubc1c\uc2e0\ubc88\ud638"
    # Chinese "shoujihao" (mobile number) in pinyin keys; a WhatsApp link's "wa.me/".
    r"|shouji|wa\.me/"
    # A SIP URI's user, when it is a number: "sip:4921198765432@203.0.113.45".
    r"|sips?:"
    # Short ones as whole words only ("Celery", "simulation"): "cel", "fijo",
    # Swedish "ringde" (called), Dutch "belt" (calls),
    # Malay and Indonesian "HP" (handphone), a switch's "ANI".
    # Portuguese "contato", Indonesian "hubungi" (contact); a person's "my number is", in
    # four languages.
    # (Brazil's "zap", WhatsApp: "pode me chamar no zap 11 97612-4408".)
    r"|(?:contato|hubungi|zap|my[ \t]+number|mi[ \t]+n[u\u00fa]mero|mon[ \t]+num[e\u00e9]ro"
    # Portuguese "meu número"; Turkish "arayan", "aranan" (the caller, the called) and
    # "numarasi", "numarasina" (its number; the Turkish "i" without its dot).
    r"|meu[ \t]+n[u\u00fa]mero|arayan|aranan|numaras\w{0,3}"
    # Turkish "sabit hat" (a landline).
    r"|sabit[ \t]+hat"
    r"|meine?[ \t]+nummer"
    # (And "ph", written alone: "pharmacy" holds it.)
    # Vietnamese "ĐT" (điện thoại). (Not Turkish "cep": Brazil's postal code.)
    r"|\u0111t"
    # Portuguese "ligou"/"ligar" (called, to call), Swedish "nås på" (reached at),
    # Czech and Slovak "volá"/"volejte" (calls, call), Danish "ringede" (called).
    # Czech "zavolat" (to call), Danish "opkald" (a call), French "fixe" (a landline).
    r"|lig(?:ou|ar|ue|a[c\u00e7][a\u00e3]o)|n\u00e5s|vol(?:\u00e1|at|ejte|ajte)|zavol\w{0,4}"
    r"|opkald|fixe"
    # Portuguese "tlm" (telemóvel); a contact's "home" number, as address books label it.
    r"|tlm|home"
    # A reminder or a code sent to a number: "sent to", Danish and Norwegian "sendt til",
    # Swedish "skickat till", Portuguese and Spanish "enviado para"/"enviado al", Polish
    # "wysłane na (numer)", German "gesendet an", French "envoyé au", Italian "inviato
    # al", Dutch "verstuurd naar"; Polish "na numer" (to the number), Czech "recepce".
    r"|sent[ \t]+to|sendt[ \t]+til|skickad?t?[ \t]+till|enviad[oa][ \t]+(?:para|al?)"
    r"|wys[l\u0142]an[aeoy][ \t]+na|gesendet[ \t]+an|envoy[e\u00e9]e?[ \t]+(?:au|[a\u00e0])"
    r"|inviat[oa][ \t]+(?:al|a)|verstuurd[ \t]+naar|na[ \t]+numer|recepc[ei]"
    # A message's recipient, as an SMS gateway names it ("destinataire=07…"); Danish
    # "tilbagekald" (a call back).
    r"|recipient|destinataire|destinatario|empf(?:ae|\u00e4)nger|tilbagekald"
    r"|fone|puh(?:elin)?|simu|s[d\u0111]t|fijo|fisso|cel|hp|ph|ani|dnis|r(?:ing(?:e?de|er|te?)?|ang)"
    r"|bel(?:len|t|de)?)\b"
    # Other scripts, written in no word of Latin letters: Cyrillic, Greek,
    # Hebrew, Arabic, Thai, Chinese, Japanese and Korean words for a phone.
    r"|\u0442\u0435\u043b|\u043c\u043e\u0431|\u03c4\u03b7\u03bb|\u03ba\u03b9\u03bd"
    r"|\u05d8\u05dc\u05e4\u05d5\u05df|\u05e0\u05d9\u05d9\u05d3|\u0647\u0627\u062a\u0641"
    r"|\u062c\u0648\u0627\u0644|\u0e42\u0e17\u0e23|\u96fb\u8a71|\u7535\u8bdd|\u624b\u673a"
    r"|\u624b\u6a5f|\u643a\u5e2f|\uc804\ud654|\ud734\ub300\ud3f0|\ud578\ub4dc\ud3f0"
    # "contact" in Korean and Japanese: "연락처", "連絡先".
    r"|\uc5f0\ub77d\ucc98|\u9023\u7d61\u5148"
    # To call, or a call: Hungarian "hívja", Greek "κλήση"/"καλέστε", Arabic "اتصل",
    # Hebrew "להתקשר".
    r"|h\u00edv|\u03ba\u03bb\u03ae\u03c3|\u03ba\u03b1\u03bb\u03ad\u03c3|\u0627\u062a\u0635\u0644"
    # ... and Hungarian "visszahívás" (a call back), Greek "επικοινωνία" (contact).
    r"|visszah\u00edv|\u03b5\u03c0\u03b9\u03ba\u03bf\u03b9\u03bd\u03c9\u03bd"
    r"|\u05d4\u05ea\u05e7\u05e9\u05e8"
    # Chinese "sent to" (发送至, 发送到) and Japanese "送信先" (the address sent to).
    r"|\u53d1\u9001[\u81f3\u5230]|\u9001\u4fe1\u5148"
    # Hindi: "phone" (with and without its nukta), "mobile".
    r"|\u092b\u093c?\u094b\u0928|\u092e\u094b\u092c\u093e\u0907\u0932)"
)
# A gap word may be glued to the phone word by "-" ("Tel.-Nr.") and end a
# question ("téléphone invalide? valeur=…"); the number may be quoted or in
# brackets after the last one ('field "mobile" changed (07911 …'); a gap word
# may be a JSON key in its quotes ('"channel":"whatsapp","to":"5511…"').
_PHONE_WORDS = re.compile(
    # (A word in brackets before its colon: "Urgencias (móvil): 644 302 118".)
    _PHONE_WORD + r"\w{0,16}\.?\)?"
    # (A list of objects after it: SCIM's '"phoneNumbers":[{"value":"…"'.)
    r"[\"']?\s*[:=#;|,\uff1a]?\s*(?:\[\{?)?[\"'(>]?\s*"
    # (A word's letters, and the vowel signs of Devanagari and Thai, which are no
    # letters to ``re``: Hindi "मोबाइल नंबर", "mobile number".)
    # (Or words joined by "-": RADIUS's "Calling-Station-Id", a mobile's MSISDN.)
    # (French and Italian elide an article: "contacter l'assurée au 04 …".)
    r"(?:[\-/]?\(?(?:[ldjLDJ]['\u2019])?(?:[^\W\d_]|[\u0900-\u0963\u0e30-\u0e4e]){1,14}+"
    r"(?:-[^\W\d_]{1,14}+){0,2}"
    r"[.?]?\)?[\"']?"
    r"(?:\s+|\s*[:=#\uff1a]\s*)[\"']?){0,5}[\"'(<\[]?\Z",
    re.IGNORECASE,
)
# A phone word right after the number: "01 42 68 53 00 (téléphone fixe)".
# (Or the way it came: "annulé par le 0745128390 via SMS".)
_PHONE_WORD_AFTER = re.compile(r"(?:via[ \t]+)?[(\[]?" + _PHONE_WORD, re.IGNORECASE)
#: The last word before a number, and how far back it is looked for.
_LAST_WORD = re.compile(r"[^\W\d_]+[^\w\n]{0,3}\Z")
_LAST_WORD_WINDOW = 24
# After a phone word that follows a number: the next number it labels.
# (Or its placeholder, once replaced: a second pass must not change the first's result.)
_LABELS_NEXT = re.compile(r"\w{0,16}\.?[\"']?[ \t]*[:=#]?[ \t]*[\"']?(?:[+(]?[0-9]|\[REDACTED)")
_BLANKS = (" ", "\t")
_BRACKETS = ("(", "[")
# A number, or its placeholder, then a word that joins a second number to it:
# "tel from 03 88 12 34 56 to 09 72 …", "von 0160 … auf 0176 …", "(07911 … -> 07400 …)".
# Read backwards from the second number (the text reversed): the joiner, then
# the first number's digits and separators, or its placeholder's "]".
_JOINED_REVERSED = re.compile(
    # Each number may be quoted, as in a list: '("+44 7700 900982", "020 7946 0123")'.
    # (Indonesian "atau", Swedish "eller", Spanish and Italian "o": "or".)
    # A preposition may follow the joiner: "ou au 01 …", "or at 020 …", "o al 91 …".
    r"[\"']?[ \t]*(?:(?:ua|ta|la|no|ma|na|\u00e0)[ \t]+)?"
    r"(?:ot|fua|hcan|dna|dnu|ro|redo|uo|uata|relle|te|y|e|o|srev|a|>-|>=|\u2192|/|,|;|&)"
    r"[ \t]*[\"']?"
    r"(?:[0-9][0-9 \-./()]{4,24}+|\])",
    re.IGNORECASE,
)
# A phone number's second line in a record, by what it is for: "work:", "home",
# "office", "İş:", "משרד:", "辦公室" (each may go on: "alternate", "Büro"); the
# first number (or its placeholder) just before, which a phone word must
# introduce (``says_phone``). Looked for only where the text before the
# number ends with one of them (``_ends_with_label``): most numbers have none.
_LABEL_WORDS = (
    *("home", "work", "office", "business", "landline", "fixed", "alt", "other", "secondary"),
    *("private", "privat", "buro", "b\u00fcro", "bureau", "domicile", "casa", "trabajo"),
    *("oficina", "lavoro", "ufficio", "kantoor", "werk", "praca", "fixo", "comercial"),
    *("residencial", "is", "i\u015f", "i\u0307\u015f", "ev", "dom", "vast", "standard"),
    # Swedish "växel" (switchboard); Chinese "备用"/"備用" (a spare number).
    *("v\u00e4xel", "\u5907\u7528", "\u5099\u7528"),
    # Hebrew, Chinese, Japanese, Korean and Russian.
    *("\u05de\u05e9\u05e8\u05d3", "\u05d1\u05d9\u05ea", "\u8fa6\u516c\u5ba4", "\u529e\u516c\u5ba4"),
    *("\u81ea\u5b85", "\u4f1a\u793e", "\uc0ac\ubb34\uc2e4", "\uc9d1", "\u043e\u0444\u0438\u0441"),
    *("\u0440\u0430\u0431\u043e\u0447", "\u0434\u043e\u043c\u0430\u0448"),
)
_LABELLED = re.compile(
    r"(?P<number>[0-9][0-9 \-./()]{4,24}[0-9)]|\])[ \t]*[,;/\uff0c\u3001]?[ \t]*"
    # "… or", in the languages of the labels
    # (and a preposition: "ou au standard 01 …")
    r"(?:(?:or|ou|o|of|oder|eller|y|e|und|and|et)[ \t]+(?:(?:au|at|al|a|\u00e0)[ \t]+)?)?"
    r"(?:"
    + "|".join(map(re.escape, _LABEL_WORDS))
    + r")\w{0,8}\.?[ \t]*[:=\uff1a]?[ \t]*[\"'(]?\Z",
    re.IGNORECASE,
)
_LABELLED_WINDOW = 64
_LAST_WORD_REVERSED = re.compile(r"\w{1,24}")


def _ends_with_label(before: str) -> bool:
    """Whether the text before a number ends with a label's word ("work:", "home")."""
    tail = before.rstrip(" \t:=\uff1a\"'(.")
    last = _LAST_WORD_REVERSED.match(tail[::-1])
    if last is None:
        return False
    word = last.group()[::-1].casefold()
    # Unspaced scripts write the label right after other words: look inside.
    return word.startswith(_LABEL_WORDS) or (
        word[-1:] >= _UNSPACED_SCRIPTS and any(label in word for label in _LABEL_WORDS)
    )


#: How far back the first of two joined numbers is looked for.
_JOINED_WINDOW = 40
#: The last characters of the joiners: any other before a number rules a join out.
_JOINER_ENDS = frozenset("ofhdruteysaAOFHDRUTEYSlmnLMN\u00e0>\u2192/,;&")


def _may_follow_joiner(text: str, start: int) -> bool:
    """Whether the character before ``start`` (and up to two blanks) may end a joiner."""
    before = start - 1
    if before >= 0 and text[before] in "\"'":
        before -= 1  # a quoted number of a list
    while before >= 0 and start - before <= 4 and text[before] in " \t":
        before -= 1
    return before >= 0 and text[before] in _JOINER_ENDS


_SSN_WORDS = re.compile(
    # "social" alone too, as people say it: "gave her social as 601 23 4417".
    r"(?:ssn|social(?:[ _\-]?security(?:[ _\-]?(?:number|no))?)?|tax[ _\-]?id"
    # A DMV's or a payroll's abbreviation: "soc_sec_no=", "SocSecNum", "soc. sec. no.".
    r"|soc\.?[ _\-]?sec"
    # NCIC's field: "SOC/412671893".
    r"|(?<![A-Za-z])soc/"
    # PeopleSoft's "NATIONAL_ID" (an SSN's shape is checked besides).
    r"|national[ _\-]?id"
    # A taxpayer's identification number, an SSN to the IRS: "payee TIN", "recipient_tin=".
    r"|(?<![A-Za-z])i?tin(?![a-z])"
    # "ss no.", "SS#", "ss num": the abbreviation with its number's word.
    r"|ss[ \t]*(?:no\b\.?|num(?:ber)?\b|#))[\w\-]{0,8}[.?]?"
    # up to two words between: 'invalid SSN format "…"', "SSN on file: …", "TIN type
    # SSN, number …", "my social? it's …"
    r"(?:,?[ \t]+[^\W\d_]{2,12}+(?:['\u2019][a-z]{1,2}|\.)?){0,2}"
    # ... or an element's end: "<PrimarySSN>401…"; PostgreSQL's "Key (ssn)=(…)", a
    # JSON escaped in a message ('ssn: \\"5448…').
    r"(?:\\?[\"')])?\s*[:=#>]?\s*(?:\\?[\"'(])?\s*(?:is\s*)?\Z",
    re.IGNORECASE,
)

# "version 1.2.3.4", "ver=1.2.3.4", "build: 10.0.19041.1", and keys such as
# JSON's "app_version": "10.2.0.1", "agentVersion", "firmware_rev": the last
# part of the key, or any part that says version or firmware.
_VERSION_PARTS = frozenset(
    {"v", "ver", "vsn", "version", "release", "build", "rev", "revision", "firmware", "fw"}
    | {"os", "sdk", "api", "bootloader", "bios", "uefi", "kernel", "microcode", "rom"}
    # .NET's assembly version: "(assembly 13.2.0.0)", "AssemblyVersion=1.0.0.0".
    | {"assembly"}
    # A driver's or a piece of software's: "ScaleCom driver 2.14.0.5",
    # "certified software 12.4.1.0".
    | {"driver", "software"}
    # ... a part's, which no host is called: "ERP plugin 22.2.1.1", "TWAIN module 3.1.0.12",
    # "launcher 2.0.7.1", French "pilote" (a driver).
    | {"plugin", "module", "addon", "package", "launcher", "pilote"}
    # A database schema's: "database schema 6.6.3.0".
    | {"schema"}
    # A standard's numbered parts: "ISO 8601 clause 4.3.2.1", "section 6.5.1.2".
    | {"clause", "section", "paragraph", "chapter", "annex", "table", "figure", "appendix"}
    # ... in German: "Punkt 1.2.3.4", "Abschnitt", "Kapitel", "Ziffer".
    | {"punkt", "abschnitt", "kapitel", "ziffer"}
    # "version" in Russian, Chinese, Turkish, Polish, Portuguese, Spanish, Italian.
    | {
        "\u0432\u0435\u0440\u0441\u0438\u044f",
        "\u0432\u0435\u0440\u0441\u0438\u0438",
        "\u7248\u672c",
    }
    | {"s\u00fcr\u00fcm", "wersja", "vers\u00e3o", "versi\u00f3n", "versione"}
    # Norwegian and Danish, Korean, Chinese's "version number".
    | {"versjon", "\ubc84\uc804", "\u7248\u672c\u53f7"}
    # The oldest a client may run: "min_supported=4.10.0.0".
    | {"supported"}
)
_VERSION_ANYWHERE = frozenset(
    {"version", "ver", "firmware", "fw"}
    # Spanish, Portuguese, Italian, Dutch, Polish, Czech, French (firmware).
    | {"versión", "versão", "versione", "versie", "wersja", "verze", "micrologiciel"}
)
# The key before the value, matched on the reversed text (its end is known,
# its start is not: a forward search would try every position of the window).
_KEY_REVERSED = re.compile(r"[\w.\-]{0,40}[^\W\d_]")
_QUOTES = "\"'\\"
# camelCase and snake_case parts: a boundary before a capital that follows a
# small letter, then a split on what is not a letter.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NOT_LETTERS = re.compile(r"[\W\d_]+")
# "build_number", "versionName": a version word, then what names its form.
_VERSION_FORMS = frozenset({"number", "no", "num", "id", "name", "string", "str", "code", "tag"})
# Keys of the two ends of an upgrade ("current=10.4.2.1 target=10.5.0.3"):
# a version's when the line speaks of upgrading (a "target" alone is as
# often a host).
_TRANSITION_KEYS = frozenset(
    {"current", "target", "installed", "available", "latest", "previous", "running", "desired"}
)
_UPGRADE_WORD = re.compile(
    r"(?:up|down)grad|updat|rollout|roll(?:ing|ed)? back|install|firmware", re.IGNORECASE
)
_UPGRADE_WINDOW = 96
_AVAILABLE = re.compile(r"[ \t]+available\b")
_KEY_WINDOW = 56
# "Chrome/112.0.5615.4".
_PRODUCT_BEFORE = re.compile(r"[A-Za-z][\w.\-]*/$", re.IGNORECASE)
#: A code in capitals before "/", no product's name: Squid's "HIER_DIRECT/93.184.216.34".
_STATUS_CODE = re.compile(r"[A-Z]+(?:_[A-Z]+)+")
#: A host's name numbered at its end, no product's: kubectl's "Node: worker-3/172.31.22.140".
_NUMBERED_HOST = re.compile(r"-[0-9]+\Z")
_PORT_AFTER = re.compile(r":[0-9]{1,5}(?![0-9.])")
# "1.2.3.4-beta", "17.1.1.3 Build 0.0.5".
_VERSION_AFTER = re.compile(
    r"[\-+](?:alpha|beta|rc|dev|snapshot|build|pre)|[ \t]+\(?build[ \t]+[0-9]"
    # An Android app's version and its code: "DentaCare 7.12.0.3 (versionCode 712003)".
    r"|[ \t]+\(version_?code\b"
    # A build's architecture: "vMix 27.0.0.49 x64".
    r"|[ \t]+(?:x64|x86|x86_64|amd64|arm64|aarch64)\b",
    re.IGNORECASE,
)
# A dotted quad and an arrow or "to" before the number: "1.0.0.42 -> 1.0.0.43",
# "Version 3.8.2.1 → 3.9.0.0". The number is a version when the one before is.
_TRANSITION_BEFORE = re.compile(
    r"(?<![0-9.])([0-9]{1,5}(?:\.[0-9]{1,5}){3})[ \t]*(?:->|=>|\u2192|\u21d2|[ \t]to)[ \t]*\Z"
)
# "upgraded from 10.2.0.1 to 10.3.0.0", "downgrading to 4.1.0.2": the word
# right before "from" or "to" (an address is upgraded with a noun between:
# "Upgraded connection from 10.0.0.1", which stays an address).
# A word for what was upgraded may come between: "Upgraded firmware from …";
# after "updated" it must ("route updated from 10.0.0.1 to …" is an address).
# Or a package's name, which a word of prose is not: "upgraded fleet-agent from …".
_UPGRADED_NOUNS = r"firmware|fw|software|os|bios|kernel|agent|package|image|version"
_UPGRADED = rf"(?:(?:{_UPGRADED_NOUNS}|[A-Za-z][\w]*[\-.][\w.\-]+)[ \t]+)"
# What was updated, named before the verb: "console software updated 2.1.0.45 → …".
_NOUN_UPDATED = re.compile(
    rf"(?:{_UPGRADED_NOUNS})[ \t]+"
    r"(?:up|down)?(?:dated|graded)(?:[ \t]+to)?\Z",
    re.IGNORECASE,
)
_UPGRADE_BEFORE = re.compile(
    # (What is upgraded may be named first: "upgrading meter firmware from …".)
    rf"(?:(?:up|down)grad(?:e|ed|es|ing)?[ \t]+(?:(?:[A-Za-z]\w*[ \t]+)?{_UPGRADED})?"
    rf"|updat(?:e|ed|es|ing)[ \t]+{_UPGRADED}"
    # A fix carried to a release: "backport to 5.15.0.105".
    r"|backport(?:ed|ing|s)?[ \t]+)"
    r"(?:from[ \t]+\S{1,40}[ \t]+)?(?:from|to)\Z",
    re.IGNORECASE,
)


# "trace_id=", "dd.span_id=", "x-b3-traceid: ", JSON "spanId":, "request_id=",
# "x-request-id:", "correlationId", "kafka offset ", "seq=", "nonce=": the value
# of an identifier or a counter. Tracers print their 64-bit ids in decimal, and
# ids and offsets are long numbers; one in ten of those that start like a card
# passes Luhn. Never a key that names a card or an account ("card_id").
#: The keys of a SIM's or a handset's number (``numeric`` keeps them beside a phone word).
SIM_KEYS = ("imsi", "imeisv", "imei", "iccid", "meid")
_IDENTIFIER_LAST = frozenset(
    {"id", "ids", "offset", "seq", "sequence", "nonce", "trace", "span", "parent"}
    | {"traceid", "spanid", "parentid", "requestid", "uuid"}
    # A receipt's or a shipment's number, a product's barcode: "receipt 0412-88120",
    # "AWB 020-12345675", "JANコード: 4901234567894", "EAN 4006381333931".
    | {"receipt", "awb", "waybill", "ean", "jan", "upc", "gtin", "isbn", "barcode"}
    # A booking's confirmation; a prescriber's NPI and DEA numbers (US healthcare's ids).
    | {"confirmation", "npi", "dea"}
    # A utility's meter: "Meter 0398 112 764 read 18452 kWh"; a parcel's tracking number.
    | {"meter", "tracking"}
    # A SIM's or a handset's number, no subscriber's line: "imsi=234159876543210".
    | set(SIM_KEYS)
    # A business's registration or tax number: Australia's "ABN 51 824 753 556" and
    # "ACN", the US' "EIN", France's "SIREN"/"SIRET", India's "GSTIN", Brazil's "CNPJ",
    # the Netherlands' "KvK".
    | {"abn", "acn", "ein", "siren", "siret", "gstin", "cnpj", "kvk"}
)
# An order's or an invoice's number: "order #4485…", "OrderNumber: 4000…"; an
# employee's or a policy's ("employee_number=5310…", "policy_number=6011-…").
_RECORD_WORDS = frozenset(
    {"order", "invoice", "increment", "ticket", "booking", "employee", "policy"}
)
#: Records whose number is named as one ("member no", "customer number"); the word alone
#: is a person's ("customer 415 555 0199 asked for a refund": a phone).
_NUMBERED_RECORD_WORDS = frozenset(
    {"meter", "member", "customer", "contract", "claim", "student"}
    # ... in Italian, Spanish, Portuguese and French: "numero contratto", "Polizza n.".
    | {"contratto", "contrato", "contrat", "polizza", "poliza", "p\u00f3liza", "cliente"}
    # A health record's, a prescription's, an appointment's or a shipment's number.
    | {"record", "prescription", "patient", "appointment", "shipment"}
)
_NUMBER_WORDS = frozenset({"number", "no", "nr", "num", "n", "numero", "n\u00famero"})
# How each of those ends, reversed: the test ``says_identifier`` makes first.
_IDENTIFIER_ENDS = tuple(
    word[::-1]
    for word in sorted(_IDENTIFIER_LAST | _RECORD_WORDS | _NUMBER_WORDS | _NUMBERED_RECORD_WORDS)
)
_NOT_IDENTIFIER = frozenset(
    {"card", "cc", "pan", "credit", "debit", "account", "acct", "iban"}
    # ... nor the caller's id, a phone number: "caller_id=934 567 890", "callerId".
    | {"caller", "callerid"}
)
#: How far back a word naming a card still counts.
_NEAR_WORDS = 24


def _head_before(text: str, start: int, delimiters: tuple[str, ...] = (":", "=")) -> str:
    """The text before a value at ``start`` up to its key's end: the value's opening
    quote, its ":" or "=", the key's closing quote (each optional) taken off."""
    head = text[max(0, start - _KEY_WINDOW) : start].rstrip().rstrip(_QUOTES).rstrip()
    if head.endswith(delimiters):
        head = head[:-1].rstrip().rstrip(_QUOTES)
    elif head.endswith("(") and head[-2:-1].isalpha():
        head = head[:-1]  # a call's argument: 'AssemblyVersion("3.2.1.0")'
    return head


def says_version_key(text: str, start: int) -> bool:
    """True when the key just before the number at ``start`` names a version or a
    build: Android's "versionCode=2024051401" is ten digits and no phone."""
    key = _KEY_REVERSED.match(_head_before(text, start)[::-1])
    return key is not None and _names_version(key.group()[::-1])


def says_identifier(text: str, start: int) -> bool:
    """True when the number at ``start`` is the value of an id, a trace or span id, an
    offset, a sequence number or a nonce: the key or word just before it says so."""
    head = _head_before(text, start, (":", "=", "#"))
    key = _KEY_REVERSED.match(head[::-1])
    if key is None:
        return False
    # Most keys before a card-shaped number are no id at all ("card=",
    # "amount:"): their last word, read backwards, says so before the split.
    # Only an ASCII letter is judged here; anything else takes the split.
    last_word = key.group().lstrip("0123456789_.-")
    if last_word[:1].isascii() and not last_word[:12].casefold().startswith(_IDENTIFIER_ENDS):
        return False
    parts = [
        part.casefold() for part in _NOT_LETTERS.split(_CAMEL.sub("_", key.group()[::-1])) if part
    ]
    if not parts:
        return False
    if parts == [parts[-1]] and (parts[-1] in _NUMBER_WORDS or parts[-1] in _NUMBERED_RECORD_WORDS):
        # The record's word before, apart: "member no 312 555 0188", "order number 4000…";
        # or the number's word before the record's: "numero contratto 338 512 7790".
        before = head[: len(head) - key.end()].rstrip().rsplit(None, 1)[-1:]
        parts = [word.casefold().rstrip(".") for word in before] + parts
        if parts[-1] in _NUMBERED_RECORD_WORDS and parts[0] in _NUMBER_WORDS:
            return True
    if (
        parts[-1] not in _IDENTIFIER_LAST
        and not (
            # An order's or an invoice's number: "order #4485…", "OrderNumber: 4000…".
            _RECORD_WORDS.intersection(parts)
            and (parts[-1] in _RECORD_WORDS or parts[-1] in _NUMBER_WORDS)
        )
        and not (_NUMBERED_RECORD_WORDS.intersection(parts) and parts[-1] in _NUMBER_WORDS)
    ):
        return False
    # Nor after a word that names a card: "card id: 4111 ...".
    near = _NOT_LETTERS.split(_CAMEL.sub("_", head[-_NEAR_WORDS:]).casefold())
    return _NOT_IDENTIFIER.isdisjoint(near)


#: Scripts written without spaces between words (Thai, Chinese, Japanese,
#: Korean) start here: a phone word in them may follow another word directly.
_UNSPACED_SCRIPTS = "\u0e00"


def _continues_word(text: str, at: int) -> bool:
    """Whether the phone word found at ``at`` continues another word ("Bestellnummer").

    A capital after a small letter starts a word of its own: the last part of
    a camelCase key ("homePhone", "contactTel").
    """
    if at == 0 or not text[at - 1].isalpha() or text[at] >= _UNSPACED_SCRIPTS:
        return False
    if text[at - 2 : at] == "\u0627\u0644":
        return False  # Arabic's article "al-" is written on its word: "الجوال"
    if text[at : at + 7].lower() == "telefon" and (
        not text[at + 7 : at + 8].isalpha() or text[at + 7 : at + 13].lower() == "nummer"
    ):
        return False  # a compound that ends in the phone: "jourtelefon", "Diensttelefonnummer"
    return not (text[at].isupper() and text[at - 1].islower())


def says_phone(text: str, start: int, end: int = -1, chained: bool = True) -> bool:
    """True when a phone-related word appears shortly before ``start``, or right
    after ``end`` (when given), or before a phone number this one is joined to
    ("from … to …")."""
    if end != -1:
        # A word follows after one blank at most: most numbers are followed
        # by a digit, a separator or nothing, which no match call is spent on.
        after = end + 1 if text[end : end + 1] in _BLANKS else end
        following = text[after : after + 1]
        if following.isalpha() or following in _BRACKETS:
            word = _PHONE_WORD_AFTER.match(text, after)
            if word is not None:
                # Not the label of the next number: "client 110029384 telefon 0744 318 271"
                # (unless a phone word stands right before this one too).
                if not _LABELS_NEXT.match(text, word.end()):
                    return True
                previous = _LAST_WORD.search(text, max(0, start - _LAST_WORD_WINDOW), start)
                if previous is not None and _PHONE_WORD_AFTER.match(text, previous.start()):
                    return True
    if text[start - 4 : start] in _X12_PHONE:
        return True  # X12 EDI's contact segment: "PER*IC*JOHN DOE*TE*6175550109"
    if text[start - 1 : start] == "/" and _DIAL_STRING.search(text, max(0, start - 64), start):
        return True  # a PBX's channel: "PJSIP/02079460321@trunk", "sofia/gateway/zain/00965…"
    if text[start - 1 : start] == '"' and _in_call_record(text, start):
        return True
    window = max(0, start - _WINDOW)
    before = text[window:start]
    if before.isascii() and before.lower() == before.upper():
        return False  # no letter, so no word: a run of digit groups costs no search
    found = _PHONE_WORDS.search(text, window, start)
    while found is not None and _continues_word(text, found.start()):
        found = _PHONE_WORDS.search(text, found.start() + 1, start)
    if found is not None and _ID_LAST.search(before) is None:
        return True
    # (Not a number the phone's word only qualifies: "Phone Conference ID: 912 345 678#";
    # a channel's key may still name it: "sms-gw: msg_id=7710023 dest=9477…".)
    if chained and _may_follow_joiner(text, start):
        behind = text[max(0, start - _JOINED_WINDOW) : start][::-1]
        joined = _JOINED_REVERSED.match(behind)
        if joined is not None:
            first = start - joined.end()
            while text[first] in " \t\"'":  # the run read back over the space before it
                first += 1
            if text[first - 1 : first] == "+":
                first -= 1  # an international number's "+"
            if text[first] == "]":  # a placeholder: look before its "["
                first = text.rfind("[", max(0, first - 24), first)
            if first != -1 and _introduces_phone(text, first):
                return True
    if chained and _in_named_column(text, start, _names_phone):
        return True
    if (
        text[start - 1 : start] in _PAIR_ENDS
        and _CHANNEL_KEY.search(text, max(0, start - 16), start)
        and _CHANNEL.search(text, max(0, start - _CHANNEL_WINDOW), start + _CHANNEL_WINDOW)
    ):
        return True  # an SMS's or a chat's '"to":"4477…"', '"from":"5511…"'
    if chained and _ends_with_label(before):
        # A second number under a label of its own: "cell: 082 123 4567  work: 021 …".
        labelled = _LABELLED.search(text, max(0, start - _LABELLED_WINDOW), start)
        if labelled is not None:
            first = labelled.start("number")
            if text[first] == "]":
                first = text.rfind("[", max(0, first - 24), first)
                if first == -1:
                    return False
            elif text[first - 1 : first] == "+":
                first -= 1
            return _introduces_phone(text, first)
    return False


#: A PBX's channel or dial string, right before the number dialled: Asterisk's
#: "PJSIP/", "SIP/trunk/", "IAX2/", "DAHDI/g0/"; FreeSWITCH's "sofia/gateway/<name>/".
_DIAL_STRING = re.compile(
    r"(?<![\w\-])(?:(?:PJSIP|SIP|IAX2|DAHDI)/(?:[\w\-]{1,32}/)?|sofia/[\w\-]{1,32}/[\w\-.]{1,64}/)\Z"
)
#: An Asterisk call record (Master.csv): its disposition and AMA flags, quoted fields.
_CALL_RECORD = re.compile(
    r'"(?:ANSWERED|NO ANSWER|BUSY|FAILED|CONGESTION)","(?:DOCUMENTATION|BILLING|OMIT|DEFAULT)"'
)


def _in_call_record(text: str, start: int) -> bool:
    """Whether a quoted number is a field of an Asterisk call record: its source, its
    destination or the caller id, all numbers dialled or dialling."""
    # A record's line is short: a hostile long line is not read once per number in it.
    low = max(0, start - _COLUMN_WINDOW)
    line_start = text.rfind("\n", low, start) + 1
    line_end = text.find("\n", start, start + _COLUMN_WINDOW)
    line_end = len(text) if line_end == -1 else line_end
    if (line_start == 0 and low > 0) or line_end - line_start > _COLUMN_WINDOW:
        return False
    # Most quoted numbers are JSON's: none of the AMA flags' words follows them.
    if not any(text.find(flag, start, line_end) != -1 for flag in _AMA_FLAGS):
        return False
    return _CALL_RECORD.search(text, start, line_end) is not None


_AMA_FLAGS = ('"DOCUMENTATION"', '"BILLING"', '"OMIT"', '"DEFAULT"')


#: An id's or a code's word last before the number (a caller's id is its number).
_ID_LAST = re.compile(
    r"(?<![\w\-.])(?<!caller )(?:id|pin|passcode)[ \t]*[:#=]?[ \t]*\Z",
    re.IGNORECASE,
)
#: A message's sender or recipient, as a key right before the number.
_CHANNEL_KEY = re.compile(
    r"(?<![\w\-])(?:to|from|recipient|sender|src|dst|dest|destination)"
    r"[\"']?[ \t]*[:=][ \t]*[\"']?\Z",
    re.IGNORECASE,
)
_PAIR_ENDS = frozenset("\"'=: \t")
#: How far from the number the channel's word is looked for: the whole text, once per
#: candidate, made 64 KiB of "to=4477009001 " take 30 s.
_CHANNEL_WINDOW = 160
#: What says the message went over a phone's channel, near the number.
_CHANNEL = re.compile(
    r"sms|whatsapp|msisdn|ussd|mms|wamid|\bsip:|voip|\bcall|\bvoice\b", re.IGNORECASE
)


def _introduces_phone(text: str, first: int) -> bool:
    """Whether the first of two joined numbers is a phone's: written with its
    country's "+" ("+971 50 … , office 04 …"), or after a phone word."""
    return text[first : first + 1] == "+" or says_phone(text, first, chained=False)


#: A column's name that says phone: "phone", "mobile_no", "Telefon", "contact number".
_PHONE_COLUMN = re.compile(r"[\w .\-]{0,32}?" + _PHONE_WORD, re.IGNORECASE)
#: How far back a row may start, or an INSERT's "VALUES", before a number.
_COLUMN_WINDOW = 512
_CSV_DELIMITERS = ",;\t|"


def read_fields(line: str, delimiter: str, quote: str = '"') -> list[str]:
    """A CSV line's fields; none where ``csv`` refuses the line (a lone "\r"
    inside it), which must not stop a worker's redaction."""
    try:
        return next(csv.reader([line], delimiter=delimiter, quotechar=quote), [])
    except csv.Error:
        return []


def _field_index(row: str, delimiter: str, quote: str) -> int:
    """Which field of a row (its text up to the number) the number is in (-1: none)."""
    return len(read_fields(row, delimiter, quote)) - 1


def _names_phone(name: str) -> bool:
    return _PHONE_COLUMN.match(name) is not None


#: A column's name that says SSN: "ssn", "SpouseSSN", "emp_ssn", "social_security_no", "TIN".
_SSN_COLUMN = re.compile(
    r"[\w .\-]{0,24}?(?:ssn|social[ _\-]?security|tin|tax[ _\-]?id)"
    r"(?:[ _\-.#]{0,2}(?:no|num|number|nr))?",
    re.IGNORECASE,
)


def _names_ssn(name: str) -> bool:
    return _SSN_COLUMN.fullmatch(name) is not None


def _names_column(columns: list[str], index: int, names: Callable[[str], bool]) -> bool:
    if not 0 <= index < len(columns):
        return False
    name = columns[index].strip().strip("\"'`[]")
    return len(name) <= 40 and names(name)


def _aligned_name(header: str, column: int) -> str:
    """The name of a table aligned with blanks over the number at ``column`` of its row:
    the header's word that holds that column, starting at most two characters before
    it ("REC  EMPNO  SSN" over "PAYR 000482 805183536"); empty where none does."""
    if column >= len(header) or header[column] == " ":
        return ""
    name_start = column
    while name_start and header[name_start - 1] != " ":
        name_start -= 1
    if column - name_start > 2:
        return ""
    name_end = header.find(" ", column)
    return header[name_start : len(header) if name_end == -1 else name_end]


def _in_named_column(text: str, start: int, names: Callable[[str], bool]) -> bool:
    """Whether the number is a field under a column's name that ``names`` accepts: a CSV
    row below its header (the text's first line), a row of a table aligned with blanks
    below its header, or a value of SQL's "INSERT INTO t (…, phone, …) VALUES (…)". Logs
    dump customer and payroll records so, the column's name far from the number.

    Rows and headers are read no longer than ``_COLUMN_WINDOW``: a hostile text
    of one long row must not be parsed again for each number in it.
    """
    low = max(0, start - _COLUMN_WINDOW)
    line_start = text.rfind("\n", low, start) + 1
    header_end = text.find("\n", 0, _COLUMN_WINDOW)
    if line_start > 0 and header_end != -1:
        header = text[:header_end]
        delimiter = max(_CSV_DELIMITERS, key=header.count)
        before = text.count(delimiter, line_start, start)
        # The field's index is at most the delimiters before it (fewer when some
        # are quoted): past the header's columns, no name can say it.
        if (
            header.count(delimiter)
            and (before or start - line_start <= 1)  # (or the first field)
            and (before <= header.count(delimiter) or '"' in text[line_start:start])
        ):
            index = _field_index(text[line_start:start], delimiter, '"') if before else 0
            if _names_column(read_fields(header, delimiter), index, names):
                return True
        elif (
            not header.count(delimiter)
            and "  " in header
            and text[start - 1] in " \t"
            and names(_aligned_name(header, start - line_start))
        ):
            return True
    if text.find("alues", low, start) == -1 and text.find("ALUES", low, start) == -1:
        return False  # no INSERT's "VALUES" before it: most numbers, told without a copy
    values = text[low:start].lower().rfind("values")
    if values == -1:
        return False
    values += low
    close = text.rfind(")", max(0, values - _COLUMN_WINDOW), values)
    opening = text.rfind("(", max(0, close - _COLUMN_WINDOW), close)
    first_value = text.rfind("(", values, start)
    if close == -1 or opening == -1 or first_value == -1 or text[close + 1 : values].strip():
        return False
    columns = text[opening + 1 : close].split(",")
    return _names_column(columns, _field_index(text[first_value + 1 : start], ",", "'"), names)


#: X12 EDI's qualifiers of a contact number: telephone, cell, home, work, fax.
_X12_PHONE = frozenset(("*TE*", "*CP*", "*HP*", "*WP*", "*FX*"))
#: X12 EDI's qualifiers for an SSN, the element before it: "REF*SY*…" (the
#: reference is an SSN), "NM1*IL*1*DOE*JOHN****34*…" (the member's id is one).
_X12_SSN = re.compile(r"(?:REF\*SY|NM1\*[^~\n]{0,60}\*34)\*\Z")


def says_ssn(text: str, start: int) -> bool:
    """True when an SSN-related word appears shortly before ``start``, or an EDI
    segment's qualifier says the element is one."""
    if text[start - 1 : start] == "*":
        return _X12_SSN.search(text, max(0, start - 80), start) is not None
    return (
        _SSN_WORDS.search(text, max(0, start - _WINDOW), start) is not None
        or _in_named_column(text, start, _names_ssn)
        or _names_ssn(_validated_field(text, start))
    )


def _validated_field(text: str, start: int) -> str:
    """The field a pydantic error's ``input_value=`` belongs to: its location, on the
    line before ("1 validation error for Applicant\nssn\n  String should match …
    [type=…, input_value='104774752', …]"); empty elsewhere."""
    if not text.endswith(("input_value='", 'input_value="', "input_value="), 0, start):
        return ""
    line_start = text.rfind("\n", max(0, start - _COLUMN_WINDOW), start)
    if line_start == -1:
        return ""
    field_start = text.rfind("\n", max(0, line_start - 80), line_start) + 1
    # A nested field's location is dotted: "applicant.ssn".
    return text[field_start:line_start].strip().rpartition(".")[2]


def _names_version(key: str) -> bool:
    if key.isascii() and key.islower():
        # Most keys before an address ("from", "client_ip") have no capital to split
        # at, nor a letter to fold.
        parts = [key] if key.isalpha() else [part for part in _NOT_LETTERS.split(key) if part]
    else:
        parts = [part.casefold() for part in _NOT_LETTERS.split(_CAMEL.sub("_", key)) if part]
    if not parts:
        return False
    last = parts[-1]
    return (
        last in _VERSION_PARTS
        or not _VERSION_ANYWHERE.isdisjoint(parts)
        or (last in _VERSION_FORMS and not _VERSION_PARTS.isdisjoint(parts))
    )


def says_version(text: str, start: int, end: int) -> bool:
    """True when a dotted quad is introduced or followed like a version string,
    or follows one with an arrow or "to" between ("1.0.0.42 -> 1.0.0.43").

    Runs once per IPv4 candidate, so a log dense with addresses pays for it
    thousands of times: one anchored search over a short window for the key
    or word before the number.
    """
    if (
        _introduced_as_version(text, start, end)
        or _twin_is_version(text, start, end)
        or _among_versions(text, start, end)
    ):
        return True
    head_start = max(0, start - 32)
    if not text[head_start:start].rstrip(" \t").endswith((">", "\u2192", "\u21d2", "to")):
        return False
    before = _TRANSITION_BEFORE.search(text, head_start, start)
    if before is None:
        # "OTA update to 8.3.2.0" after a version the line names: the release the
        # update brings ("ECU software version 8.3.1.12 detected, OTA update to …").
        return _UPDATE_TO.search(text, head_start, start) is not None and _version_before(
            text, start
        )
    first = before.start()
    return _introduced_as_version(text, first, first + len(before.group(1)))


#: An update's or an upgrade's target word before a number.
_UPDATE_TO = re.compile(r"(?i:update|upgrade)[ \t]+to[ \t]*\Z")


#: How far before an update's target the version it replaces is looked for.
_UPDATE_WINDOW = 96


def _version_before(text: str, start: int) -> bool:
    """Whether the last dotted quad shortly before ``start``, on its line, is called a
    version (one, in a window: each of a text's updates looks again)."""
    low = max(0, start - _UPDATE_WINDOW)
    low = max(low, text.rfind("\n", low, start) + 1)
    quads = list(_DOTTED_QUAD.finditer(text, low, start))
    return bool(quads) and _introduced_as_version(text, quads[-1].start(), quads[-1].end())


#: A product's name right before a number: "Simphony", "SPACE", "rtpengine".
_PRODUCT_WORD_BEFORE = re.compile(r"(?<![\w.\-])[A-Za-z][\w+\-]{1,31}[ \t]+\Z")
#: Words for a network's parts, capitalised at a sentence's or a label's start.
_NETWORK_NOUNS = frozenset(
    {"server", "host", "client", "node", "peer", "gateway", "router", "proxy", "ip", "address"}
    | {"from", "to", "src", "dst", "source", "destination", "remote", "local", "origin"}
    | {"connected", "connecting", "listening", "bound", "resolved", "via", "dns", "nat"}
)
#: A part no address has: above 255, or of four digits or five.
_NO_OCTET = r"(?:[0-9]{4,5}|25[6-9]|2[6-9][0-9]|[3-9][0-9]{2})(?![0-9])"
#: Another version on the line: three parts, or four with a part no address has,
#: wherever it is ("10.0.17763.0", "19.5.0.1982").
_SIBLING_VERSION = re.compile(
    r"(?<![\w.])(?:[0-9]{1,5}\.[0-9]{1,5}\.[0-9]{1,5}"
    rf"|(?=(?:[0-9]{{1,5}}\.){{0,3}}{_NO_OCTET})[0-9]{{1,5}}(?:\.[0-9]{{1,5}}){{3}})"
    r"(?![\w.])"
)


#: How far along its line another version is looked for.
_SIBLING_WINDOW = 160
_DOTTED_QUAD = re.compile(r"(?<![\w.])[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?![\w.])")


def _product_word_before(text: str, start: int) -> re.Match[str] | None:
    """``_PRODUCT_WORD_BEFORE`` in the 40 characters before ``start``."""
    if text[start - 1 : start] not in (" ", "\t"):
        return None  # no blank before the number: no word before it
    # The word ends where the blanks before the number begin and is at most 32
    # characters long: the search starts there, not at every place of the window
    # (a look-behind sees the text before where a search starts).
    low = max(0, start - 40)
    word_end = low + len(text[low:start].rstrip(" \t"))
    return _PRODUCT_WORD_BEFORE.search(text, max(low, word_end - 32), start)


def _among_versions(text: str, start: int, end: int) -> bool:
    """Whether a dotted quad after a product's name shares its line with another
    version: "Simphony 19.5.0.2 CAPS started, workstation client 19.5.0.1982"."""
    found_word = _product_word_before(text, start)
    if found_word is None:
        return False
    word = found_word.group().strip()
    if word.lower() in _NETWORK_NOUNS:
        return False
    # A name in small letters may be a host's ("db01"), unless digit-free and among
    # two versions or more ("rtpengine 12.4.1.7, OpenSIPS 3.4.5, Asterisk 20.7.0").
    needed = 1 if word[0].isupper() else 2
    if needed == 2 and any(c.isdigit() for c in word):
        return False
    line_start, line_end = _line_window(text, start, end)
    siblings = sum(
        not (found.start() <= start < found.end())
        for found in _SIBLING_VERSION.finditer(text, line_start, line_end)
    )
    if siblings >= needed:
        return True
    if needed == 1 and _VERSION_WORD.search(text, line_start, line_end):
        # A product's name before it on a line that speaks of versions: "OPERA PMS
        # 5.6.19.4, Simphony 19.5.0.12, IFC8 8.14.2.1 — all versions supported".
        return True
    # (Or other dotted quads that their own words call versions: "firmware 1.25.0.5";
    # "build 10.0.19045.4291, sensor driver 6.2.0.4, TWAIN module 3.1.0.12".)
    return siblings + _named_versions(text, start, line_start, line_end) >= needed


_VERSION_WORD = re.compile(r"(?<![A-Za-z])[Vv]ersions?(?![A-Za-z])")


def _line_window(text: str, start: int, end: int) -> tuple[int, int]:
    """The line around a number, within a window: a text of thousands of addresses on
    one line must not be read again for each."""
    low, high = max(0, start - _SIBLING_WINDOW), min(len(text), end + _SIBLING_WINDOW)
    line_start = max(low, text.rfind("\n", low, start) + 1)
    line_end = text.find("\n", end, high)
    return line_start, high if line_end == -1 else line_end


def _named_versions(text: str, start: int, line_start: int, line_end: int) -> int:
    """How many other dotted quads of the line their own words call versions."""
    return sum(
        found.start() != start and _introduced_as_version(text, found.start(), found.end())
        for found in _DOTTED_QUAD.finditer(text, line_start, line_end)
    )


#: How far apart the same dotted quad, once named a version, makes both one.
_TWIN_WINDOW = 200


def _twin_is_version(text: str, start: int, end: int) -> bool:
    """Whether the same dotted quad, written again close by, is introduced as a
    version there: "Replication 12.1.1.56 (build 12.1.1.56)", "schema 12.1.1.56"."""
    value = text[start:end]
    for at in (
        text.rfind(value, max(0, start - _TWIN_WINDOW), start),
        text.find(value, end, end + _TWIN_WINDOW + len(value)),
    ):
        if (
            at != -1
            and not text[at - 1 : at].isdigit()
            and not text[at + len(value) : at + len(value) + 1].isdigit()
            and _introduced_as_version(text, at, at + len(value))
        ):
            return True
    return False


#: The operators of a package manager's version constraint.
_REQUIREMENT_OPERATORS = ("~>", ">=", "<=", "==", "~=", "!=")


#: A URL's path segments that name the address after them: threat intel's and
#: geolocation APIs' "/ip/<address>", Shodan's "/host/<address>", OTX's "/IPv4/<address>".
_ADDRESS_SEGMENTS = frozenset(("ip", "ips", "ipv4", "ip4", "host", "hosts", "addr", "address"))


def _names_address_in_path(text: str, start: int, word: str) -> bool:
    """Whether the word before a "/" and a dotted quad is a URL's, naming an address:
    a host right after "//" ("https://ipinfo.io/185.220.101.34"), or a path's segment
    for addresses ("/v2/ip/…"), not a product's name ("Chrome/…")."""
    if text[start - 2 : start] == "//":
        return "." in word
    return text[start - 1 : start] == "/" and word.casefold() in _ADDRESS_SEGMENTS


def _introduced_as_version(text: str, start: int, end: int) -> bool:
    if start == 0:
        # Nothing before it (an access log's client, first on its line): only
        # what follows can say so, and every test below but the last reads before.
        return _VERSION_AFTER.match(text, end) is not None
    window_start = max(0, start - 16)
    window = text[window_start:start]
    if window.rstrip(" \t\"'").endswith(_REQUIREMENT_OPERATORS):
        return True  # a dependency's constraint: Ruby's "~> 7.1.3.2", pip's ">=1.2.0.4"
    if window.rstrip(" \t\u00a0").endswith("\u00a7"):
        return True  # a law's or a contract's section: "§ 3.1.4.2"
    # "$" also matches before a final newline, hence "/\n".
    product = (
        _PRODUCT_BEFORE.search(text, window_start, start) if window.endswith(("/", "/\n")) else None
    )
    if (
        product is not None
        and not _PORT_AFTER.match(text, end)
        and not _STATUS_CODE.fullmatch(product.group().rstrip("/\n"))
        and not _NUMBERED_HOST.search(product.group().rstrip("/\n"))
        and not _names_address_in_path(text, product.start(), product.group().rstrip("/\n"))
    ):
        return True  # "Chrome/112.0.5615.4"; not OpenVPN's "client/192.0.2.88:1194"
    # (JSON's escaped quotes inside text are quotes too.)
    head = _head_before(text, start)
    key = _KEY_REVERSED.match(head[::-1])
    if (
        key is not None
        and _names_version(key.group()[::-1])
        # Not a Windows switch: xfreerdp's "/v:172.16.8.40" names the server.
        and not (
            key.group() in ("v", "V")
            and text[start - 1 : start] == ":"
            and head[: len(head) - key.end()].endswith("/")
        )
    ):
        return True
    if (
        key is not None
        and key.group()[::-1].casefold() in _TRANSITION_KEYS
        and _UPGRADE_WORD.search(text, max(0, start - _UPGRADE_WINDOW), start)
    ):
        return True  # "upgrade current=10.4.2.1 target=10.5.0.3"
    if (
        key is not None
        and key.group()[::-1] in ("from", "to")  # (the key is matched reversed)
        and text[max(0, start - 3) : start].rstrip(" \t\"'").endswith((":", "="))
        and _INSTALL_WORD.search(text, max(0, start - _UPGRADE_WINDOW), start)
    ):
        return True  # an upgrade's "from:" and "to:" keys: "upgrade billing-sdk\n from: …"
    if head[-5:].lower().endswith(("from", " to", "\tto")) and _upgraded_before(head[-96:]):
        return True
    if ("dated" in head[-12:] or "graded" in head[-12:]) and _NOUN_UPDATED.search(head[-40:]):
        return True  # "console software updated 2.1.0.45 → 2.1.1.3"
    if (head[-4:].lower() == "(was" or _AVAILABLE.match(text, end)) and _UPGRADE_WORD.search(
        text, max(0, start - _UPGRADE_WINDOW), start
    ):
        # The version before, or a release offered: "updated to firmware 4.1.2.7 (was
        # 4.1.1.9)", "(update to 4.12.0.3 available)".
        return True
    if head[-11:].lower().endswith("delta from") and _UPGRADE_WORD.search(head[-96:]):
        return True  # Squirrel's "Applying update …-full.nupkg (delta from 2.5.0.2)"
    if "ersion" in head[-64:] and _VERSION_OF.search(head[-64:]):
        return True  # Flyway's 'Current version of schema "pos": 4.12.0.2'
    tail = head[-64:]
    if _holds_version_letters(tail) and _VERSION_PHRASE.search(tail):
        return True  # "wersja aplikacji: 3.4.2.1", "versione firmware lettore 2.11.0.3"
    if _ARROW_TO_QUAD.match(text, end) and _INSTALL_WORD.search(
        text, max(0, start - _UPGRADE_WINDOW), start
    ):
        return True  # "Installing update 10.2.0.1 -> 10.2.0.4": the first of the two
    return _VERSION_AFTER.match(text, end) is not None


def _upgraded_before(head: str) -> bool:
    """``_UPGRADE_BEFORE`` in ``head``, whose every branch holds one of three words:
    "from" is before most addresses, and most lines around them have none."""
    folded = head.lower()
    return (
        "grad" in folded or "updat" in folded or "backport" in folded
    ) and _UPGRADE_BEFORE.search(head) is not None


#: A version word, then words of what it is the version of (no address's word):
#: "wersja aplikacji: 3.4.2.1" (Polish), "versione firmware lettore smart card 2.11.0.3".
_VERSION_PHRASE = re.compile(
    # (Each language's word with its endings: Turkish "sürümü", Romanian "versiunea".)
    # (Finnish glues it: "Ohjelmistoversio", a software's version.)
    r"(?<![^\W\d_])(?:version|versi|versj|wersj|verz|vers\u00e3o|s\u00fcr\u00fcm|\u03ad\u03ba\u03b4\u03bf\u03c3"
    r"|[^\W\d_]{2,20}versio(?![^\W\d_]))"
    r"[^\W\d_]{0,6}"
    r"(?:[ \t]+(?!(?:from|to|on|at|via|by|for|of|host|server|address|ip|peer|gateway|node)\b)"
    r"[^\W\d_]+){0,4}[ \t]*:?[ \t]*\Z",
    re.IGNORECASE,
)


def _holds_version_letters(tail: str) -> bool:
    """Whether letters of the version words above are in ``tail``: "rs" of "version",
    "wersja", "versión", "rz" of "verze" and "verzió", Turkish "sürüm", Greek "έκδοση"
    (plain ``in`` tests: most addresses have none of them before them, and lower-casing
    the text first cost more than the tests)."""
    return (
        "rs" in tail
        or "RS" in tail
        or "rz" in tail
        or "RZ" in tail
        or "\u00fcr\u00fcm" in tail
        or "\u00dcR\u00dcM" in tail
        or "\u03ba\u03b4\u03bf\u03c3" in tail
        or "\u039a\u0394\u039f\u03a3" in tail
    )


#: What a sentence's "version of …" names before its value's colon.
_VERSION_OF = re.compile(r"\bversion[ \t]+(?:of|for)[ \t][^\n:=]{1,40}\Z", re.IGNORECASE)
#: An arrow, then another dotted quad.
_ARROW_TO_QUAD = re.compile(
    r"[ \t]*(?:->|=>|\u2192|\u21d2)[ \t]*[0-9]{1,5}(?:\.[0-9]{1,5}){3}(?![0-9.])"
)
#: Words of an installation before such a pair ("route updated 10.0.0.1 -> 10.0.0.2"
#: stays two addresses).
_INSTALL_WORD = re.compile(r"(?:up|down)grad|install|firmware|package|release", re.IGNORECASE)
