"""Which scans a text needs: most short lines need one, or none.

The worker redacts one short line per call. Running every scan on it, each
behind its own trigger, cost about 3 µs of calls and bookkeeping, more
than a naive phone regex, whatever the line held. A plan settles it in one
pass over the text:

* a line without a mark of any enabled detector needs no scan at all;
* any other line needs the untriggered scans, and those triggered scans
  (prefixed key, email, JWT, secret names, IPv6, lower-case IBAN, PEM, URL
  password, command-line flag, Mailchimp key, Azure AD secret or Canvas token,
  command argument) whose trigger holds.
  Most lines with a mark hold digits and none of the rarer marks, and need
  the combined scan alone.

The marks and words of every detector and trigger, some 170, are looked
for at once by an Aho-Corasick automaton (``ahocorasick_rs``, in Rust) over
the case-folded text. One ``in`` test per word searched the whole line each
time, and cost more than the combined scan itself; the automaton reads the
line once (``bench/redaction.py --section parts`` prints the plan's cost).
Only the words it finds are then tested exactly: a mark written in capitals
(``AKIA``) found in the folded text in any case, or a trigger's own test.

The marks must never miss a value; a property test holds the planned
redactor to one running every scan on every text. The automaton finds every
mark a text holds, in any case: case folding maps each character on its own,
so a text holding a mark folds to one holding the folded mark. Why each set
of marks is complete:

* phone, SSN, card, IPv4, IBAN: every pattern needs an ASCII digit (the
  scans use ``[0-9]`` under ``re.ASCII``); an IPv6 candidate is confirmed
  only if it holds a digit, and its characters are ASCII.
* email: the scan starts on ``@`` or ``%40``.
* aws_key: ``AKIA`` or ``ASIA``, case-sensitive.
* token: ``eyJ`` (JWT), ``tlk_`` (tenantlog's keys), ``bearer``/``basic``
  (ASCII case-insensitive), ``authorization`` (before the schemes ``Bot``,
  ``ApiKey``, ``Splunk``, ``Negotiate``, ``NTLM`` and ``SSWS``),
  and the parameter names, matched with Unicode
  case rules: every name holds ``token``, ``key`` or ``secret``, or is a
  session cookie's, holding ``sess`` before an ``=``, ``sid=``
  (``connect.sid``), ``aspxauth`` or ``aspnetcore.`` (ASP.NET's),
  ``wordpress_`` (WordPress' logins), ``mysapsso2`` (SAP's ticket),
  ``authcookie=`` (Proxmox's), ``oauth2_proxy=`` or ``remember`` (Laravel, Spring), or a URL's
  ``sig=``, ``code=`` or ``appid=`` (``credentials.NAMED_PAIR_WORDS``), or a
  request's ``signature=``, or ``authorization`` before a credential of no
  scheme the combined scan knows (``credentials.holds_other_authorization``), and
  every character ``re.IGNORECASE`` takes for one of their letters (the
  Kelvin sign for ``k``, the long s for ``s``) case-folds to it, so the words
  are looked for in ``str.casefold()`` of the text.
* secrets: a digit (a Mailchimp key's ``-us<n>``, an Azure AD secret's digit before
  ``Q~``, Twilio's keys), one of
  ``key_prefixes.KEY_MARKS`` or ``-----BEGIN``, as written (or a
  ``TESTED_KEY_MARKS`` mark where its test holds); a password in a
  URL an ``@``; a secret's name ``pass``, ``pw``, ``pswd``, ``psk``, ``secret``, ``key``,
  ``credential`` or ``identified`` (in the case-folded text, as above), or
  a name in another language (``credentials.SECRET_NAME_WORDS``); a
  command-line flag a ``-`` after a space, tab or quote
  (``command_lines.FLAG_LEADS``); a command's argument one of
  ``command_lines.ARGUMENT_MARKS`` as written, ``net use`` in any case, or a
  Windows switch ``/p`` or ``/rp`` after a blank (``command_lines.WINDOWS_SWITCHES``);
  a secret named by its program's label ``auth``, ``WIFI:``, ``Unseal Key`` or
  ``Recovery Key`` (``labelled_secrets.LABEL_MARKS``, each with its test);
  a password's hash one of ``password_hashes.HASH_MARKS`` as written.
* iban: a digit (the combined scan); a compact IBAN in lower case also
  one of ``iban.BANK_ACCOUNT_WORDS`` (``iban``, ``account``, ``refund``,
  ``wire``...) in the case-folded text.

A short ASCII line with a digit, outside a primed batch, is screened by
the prefilter instead (``prefilter``, once compiled): one Hyperscan search
finds the same marks and says whether the combined scan can find anything;
if not, it is left out of the line's scans.

Each trigger is an "or" of tests, each of which needs a mark of its own
(``_TRIGGER_MARKS``): a trigger none of whose marks is found is false, and a
mark found is then tested on its own (as written, or by the part of the
trigger's test it stands for), not by the whole trigger.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Collection, Iterable

import ahocorasick_rs

from tenantlog.redaction.addresses import may_hold_email, may_hold_ipv6
from tenantlog.redaction.command_lines import (
    ARGUMENT_MARKS,
    ARGUMENT_WORDS,
    FLAG_LEADS,
    WINDOWS_SWITCHES,
    may_hold_command_argument,
    may_hold_flag_password,
    may_hold_windows_switch,
)
from tenantlog.redaction.credentials import (
    NAMED_PAIR_WORDS,
    SECRET_NAME_WORDS,
    holds_named_pair,
    holds_other_authorization,
    may_hold_jwt,
    may_name_secret,
)
from tenantlog.redaction.engine import CompiledScan
from tenantlog.redaction.iban import BANK_ACCOUNT_WORDS, may_name_bank_account
from tenantlog.redaction.key_prefixes import (
    KEY_MARKS,
    TESTED_KEY_MARKS,
    may_hold_infix_key,
    may_hold_pem,
    may_hold_prefixed_key,
)
from tenantlog.redaction.labelled_secrets import LABEL_MARKS, may_hold_labelled_secret
from tenantlog.redaction.password_hashes import HASH_MARKS, may_hold_password_hash
from tenantlog.redaction.passwords import may_hold_url_password
from tenantlog.redaction.prefilter import Prefilter
from tenantlog.redaction.scans import ALL, COMBINED

#: Whether a mark found in the case-folded text holds for the text (given as
#: written and folded); None: finding it is enough.
Proof = Callable[[str, str], bool] | None


def _written(mark: str) -> Proof:
    """A mark looked for as written: the folded text holds it in any case."""
    return lambda text, folded: mark in text


def _tested(test: Callable[[str], object]) -> Proof:
    return lambda text, folded: bool(test(text))


def _named_pair(text: str, folded: str) -> bool:
    return ("=" in text or ":" in text or "value" in folded) and holds_named_pair(text, folded)


# The detectors whose values all hold an ASCII digit (secrets: many of them).
_DIGIT_DETECTORS = frozenset(("phone", "ssn", "card", "ip", "iban", "secrets"))

# Each trigger the plan decides on: its bit in a plan's index of scan tuples,
# and the marks of the tests its "or" is made of, each with its proof.
_TRIGGER_MARKS: dict[Callable[[str], bool], tuple[int, tuple[tuple[str, Proof], ...]]] = {
    may_hold_email: (1, (("@", _written("@")), ("%", _written("%")))),
    may_hold_jwt: (2, (("eyJ", _written("eyJ")),)),
    may_name_secret: (
        4,
        (
            *((word, None) for word in SECRET_NAME_WORDS),
            *((word, _named_pair) for word in NAMED_PAIR_WORDS),
            ("authorization", lambda text, folded: holds_other_authorization(folded)),
        ),
    ),
    # Or four colons, which a count rules out for most lines (``scans_for``).
    may_hold_ipv6: (8, (("::", _tested(may_hold_ipv6)),)),
    may_name_bank_account: (16, tuple((word, None) for word in BANK_ACCOUNT_WORDS)),
    may_hold_pem: (32, (("-----BEGIN", _written("-----BEGIN")),)),
    may_hold_url_password: (64, (("@", _tested(may_hold_url_password)),)),
    may_hold_flag_password: (
        128,
        tuple((lead, _tested(may_hold_flag_password)) for lead in FLAG_LEADS),
    ),
    may_hold_infix_key: (
        256,
        (
            ("-us", _written("-us")),
            ("Q~", _written("Q~")),
            ("NRAL", _written("NRAL")),
            ("~", _tested(may_hold_infix_key)),
        ),
    ),
    may_hold_prefixed_key: (
        1024,
        (
            *((mark, _written(mark)) for mark in KEY_MARKS),
            *((mark, _tested(test)) for mark, test in TESTED_KEY_MARKS),
        ),
    ),
    may_hold_command_argument: (
        512,
        (
            *((mark, _written(mark)) for mark in ARGUMENT_MARKS),
            *((word, None) for word in ARGUMENT_WORDS),
            *((switch, _tested(may_hold_windows_switch)) for switch in WINDOWS_SWITCHES),
        ),
    ),
    may_hold_labelled_secret: (2048, tuple((mark, _tested(test)) for mark, test in LABEL_MARKS)),
    may_hold_password_hash: (4096, tuple((mark, _written(mark)) for mark in HASH_MARKS)),
}
_IPV6 = _TRIGGER_MARKS[may_hold_ipv6][0]


def _colons_say_ipv6(text: str) -> bool:
    """Whether an IPv6 address without "::" may be in the text: it holds six colons or
    more, and a count of four rules most lines out before the address' own test."""
    return ":" in text and text.count(":") > 3 and may_hold_ipv6(text)


def _marks_of(*triggers: Callable[[str], bool]) -> tuple[tuple[str, Proof], ...]:
    return tuple(pair for trigger in triggers for pair in _TRIGGER_MARKS[trigger][1])


# Detector -> its other marks, each with its proof: found, a detector's
# value may be in the text. A KeyError for a detector without an entry:
# leaving it out would hide its values.
_MARKS: dict[str, tuple[tuple[str, Proof], ...]] = {
    "phone": (),
    "ssn": (),
    "card": (),
    "ip": (),
    "iban": (),
    "email": (("@", _written("@")), ("%40", _written("%40"))),
    "aws_key": (("AKIA", _written("AKIA")), ("ASIA", _written("ASIA"))),
    "token": (
        ("eyJ", _written("eyJ")),
        ("tlk_", _written("tlk_")),
        *((word, None) for word in ("bearer", "basic", "token", "key", "secret", "signature=")),
        # The schemes "Bot", "ApiKey", "Splunk", "SSWS", only after the header's name.
        ("authorization", None),
        # Found by the secret names' scans only when they are a pair's name.
        *((word, _named_pair) for word in NAMED_PAIR_WORDS),
    ),
    # A URL's "@", the names of secrets (not a pair's: those are the token
    # parameters'), and the marks of the secrets' own triggers.
    "secrets": (
        ("@", _written("@")),
        *((word, None) for word in SECRET_NAME_WORDS),
        *_marks_of(
            may_hold_command_argument,
            may_hold_prefixed_key,
            may_hold_pem,
            may_hold_flag_password,
            may_hold_labelled_secret,
            may_hold_password_hash,
        ),
    ),
}


def _holds_digit(text: str) -> bool:
    # Ten searches for one character each, at memory speed, and most lines
    # with a digit stop at the first few: faster than a regex call.
    return (
        "0" in text
        or "1" in text
        or "2" in text
        or "3" in text
        or "4" in text
        or "5" in text
        or "6" in text
        or "7" in text
        or "8" in text
        or "9" in text
    )


# Every mark of every detector and trigger, case-folded, in one automaton for
# all plans: what it finds in a text does not depend on the detector set,
# and one search may then serve a batch of texts (``prime``).
_WORDS = tuple(
    dict.fromkeys(
        mark.casefold()
        for marks in (
            *_MARKS.values(),
            *(trigger_marks for _, trigger_marks in _TRIGGER_MARKS.values()),
        )
        for mark, _ in marks
    )
)
_INDEX = {word: index for index, word in enumerate(_WORDS)}
# The folded text as UTF-8: the automaton reads bytes without a text of its
# own kind, and a mark's bytes are found only where its characters are
# (UTF-8 tells a character's first byte from the rest).
_find = ahocorasick_rs.BytesAhoCorasick(
    [word.encode("utf-8") for word in _WORDS],
    matchkind=ahocorasick_rs.MATCHKIND_STANDARD,
    implementation=ahocorasick_rs.Implementation.DFA,
).find_matches_as_indexes
# The same marks, and the combined scan's candidates, in one native pass
# (``prefilter``): the plan of a short ASCII line that is not in a batch.
# Its "no candidate" rules out the scans without a trigger, which must
# then be the combined scan's alone.
if [scan for scan in ALL if scan.trigger is None] != [COMBINED]:
    raise ValueError("the prefilter answers for the combined scan only among untriggered scans")
_PREFILTER = Prefilter(_WORDS, COMBINED)
_COMBINED_ID = _PREFILTER.scan_id
#: Compile the prefilter now rather than on the first line, and wait for it.
prepare = _PREFILTER.prepare
# Texts of the batch being redacted -> the marks found in each (``prime``).
_primed: dict[str, frozenset[int]] = {}
# Between two texts of a batch: in no mark, so no mark is found across it.
_SEPARATOR = b"\x00"


def _encoded(folded: str) -> bytes:
    try:
        return folded.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which JSON's "\ud800" can carry
        return folded.encode("utf-8", "surrogatepass")


def prime(texts: Iterable[str]) -> None:
    """Find the marks of a batch of texts in one search, for the redaction of each.

    The automaton lets other threads run while it reads (it releases the
    GIL), and taking the GIL back costs a switch between threads whenever one
    waits for it: a worker whose store writes in a thread lost a fifth of its
    throughput to one such switch per log. Searched together, a batch pays
    for one. ``scans_for`` takes a text's marks from here when it is the
    last batch's, and looks for them itself otherwise; no texts forget the
    batch's.
    """
    global _primed
    unique = list(dict.fromkeys(texts))
    if not unique:  # the batch is done: its texts are not kept
        _primed = {}
        return
    encoded = [_encoded(text.casefold()) for text in unique]
    found: list[set[int]] = [set() for _ in unique]
    ends = list(itertools.accumulate(len(chunk) + 1 for chunk in encoded))
    for index, start, _ in _find(_SEPARATOR.join(encoded), True):
        found[bisect.bisect_right(ends, start)].add(index)
    _primed = dict(zip(unique, map(frozenset, found), strict=True))


def _marks_in(text: str, folded: str) -> Collection[int]:
    """The indexes of the marks ``folded`` holds, each once however often it
    occurs: a proof reads the whole text, and a hostile one holds a mark
    thousands of times."""
    primed = _primed.get(text)
    if primed is not None:
        return primed
    found = _find(_encoded(folded), True)
    return {index for index, _, _ in found} if found else ()


class Plan:
    """The scans of one detector set, and the test that picks those a text needs."""

    __slots__ = ("_by_bits", "_digits", "_proofs", "_through", "_triggered_by_bits", "scans")

    @property
    def untriggered(self) -> tuple[CompiledScan, ...]:
        """The scans without a trigger: what ``scans_for`` returns for most lines to scan."""
        return self._by_bits[0]

    def __init__(self, enabled: Iterable[str], scans: tuple[CompiledScan, ...]) -> None:
        chosen = frozenset(enabled)
        unknown = {scan.trigger for scan in scans} - {None} - _TRIGGER_MARKS.keys()
        if unknown:  # a new trigger must be given its marks before it can be skipped
            raise ValueError(f"scan triggers the plan cannot rule out: {unknown}")
        self.scans = scans
        # Per mark: the proofs that let a text through (of the chosen
        # detectors only), and those of the triggers.
        through: list[list[Proof]] = [[] for _ in _WORDS]
        proofs: list[list[tuple[int, Proof]]] = [[] for _ in _WORDS]
        for detector in sorted(chosen):
            for mark, proof in _MARKS[detector]:
                through[_INDEX[mark.casefold()]].append(proof)
        for bit, marks in _TRIGGER_MARKS.values():
            for mark, proof in marks:
                proofs[_INDEX[mark.casefold()]].append((bit, proof))
        # A mark with a proof of None lets a text through when found.
        self._through: tuple[tuple[Callable[[str, str], bool], ...] | None, ...] = tuple(
            None if None in proved else tuple(filter(None, proved)) for proved in through
        )
        # (The prefilter's id of the combined scan, after the marks', proves no trigger.)
        self._proofs = (*map(tuple, proofs), ())
        self._digits = bool(chosen & _DIGIT_DETECTORS)
        # The scans for each set of triggers that hold, in their order (which
        # decides between equal spans); none holding is the untriggered
        # tuple, which the redactor tells by identity.
        top = 2 * max(bit for bit, _ in _TRIGGER_MARKS.values())
        self._by_bits = tuple(
            tuple(
                scan
                for scan in scans
                if scan.trigger is None or _TRIGGER_MARKS[scan.trigger][0] & bits
            )
            for bits in range(top)
        )
        # The same without the untriggered scans: for a text in which the
        # prefilter found no candidate of the combined scan.
        self._triggered_by_bits = tuple(
            tuple(scan for scan in by_bits if scan.trigger is not None) for by_bits in self._by_bits
        )

    def scans_for(self, text: str) -> tuple[CompiledScan, ...]:
        """The scans the first pass over ``text`` needs (empty: none can match).

        A scan behind a trigger is among them only when its trigger holds
        for the text, and the first pass need not run it again
        (``find_spans`` with ``screened``).
        """
        # Only a text with a digit: the combined scan, which the prefilter may
        # spare, runs on no other, and the marks alone are found faster here.
        digit = _holds_digit(text)
        if digit and text not in _primed:
            found = _PREFILTER.search(text)
            if found is not None:
                return self._prefiltered(text, found)
        folded = text.casefold()
        marks = _marks_in(text, folded)
        if not (self._digits and digit) and not self._lets_through(marks, text, folded):
            return ()
        bits = self._bits(marks, text, folded)
        return self._by_bits[bits]

    def _prefiltered(self, text: str, found: Collection[int]) -> tuple[CompiledScan, ...]:
        """``scans_for`` from what the prefilter found: the marks, and whether
        the combined scan may match (if not, it is left out)."""
        combined = _COMBINED_ID in found
        by_bits = self._by_bits if combined else self._triggered_by_bits
        if len(found) == combined:  # most lines: no mark
            return by_bits[_IPV6 if _colons_say_ipv6(text) else 0]
        # An ASCII text folds as it lowers.
        return by_bits[self._bits(found, text, text.lower())]

    def _bits(self, marks: Iterable[int], text: str, folded: str) -> int:
        """The triggers that hold, each found by one of its marks and proved."""
        bits = 0
        for index in marks:
            for bit, proof in self._proofs[index]:
                if not bits & bit and (proof is None or proof(text, folded)):
                    bits |= bit
        if not bits & _IPV6 and _colons_say_ipv6(text):
            bits |= _IPV6
        return bits

    def _lets_through(self, marks: Iterable[int], text: str, folded: str) -> bool:
        """Whether a mark found proves that a value of an enabled detector may be in the text."""
        for index in marks:
            proofs = self._through[index]
            if proofs is None or any(proof(text, folded) for proof in proofs):
                return True
        return False
