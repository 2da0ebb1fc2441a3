"""Which scans a text needs: most short lines need one, or none.

The worker redacts one short line per call. Running every scan on it, each
behind its own trigger, cost about 3 µs of calls and bookkeeping, more
than a naive phone regex, whatever the line held. A plan settles it in one
go with ``str.__contains__`` (a vectorised search per mark, where a regex
steps through the text character by character):

* a line without a mark of any enabled detector needs no scan at all;
* any other line needs the untriggered scans, and those triggered scans
  (email, JWT, secret names, IPv6, lower-case IBAN, PEM, URL password,
  command-line flag, Mailchimp key)
  whose trigger holds: each trigger's test is run once, inline, and the
  first pass does not run it again. Most lines with a mark hold digits
  and none of the rarer marks, and need the combined scan alone.

The marks must never miss a value; a property test holds the planned
redactor to one running every scan on every text. Why each set is complete:

* phone, SSN, card, IPv4, IBAN: every pattern needs an ASCII digit (the
  scans use ``[0-9]`` under ``re.ASCII``); an IPv6 candidate is confirmed
  only if it holds a digit, and its characters are ASCII.
* email: the scan starts on ``@`` or ``%40``.
* aws_key: ``AKIA`` or ``ASIA``, case-sensitive.
* token: ``eyJ`` (JWT), ``tlk_`` (tenantlog's keys), ``bearer``/``basic``
  (ASCII case-insensitive), and the parameter names, matched with Unicode
  case rules: every name holds ``token``, ``key`` or ``secret``, or is a
  session cookie's, holding ``sess`` before an ``=``, ``sid=``
  (``connect.sid``), ``aspxauth`` or ``aspnetcore.`` (ASP.NET's) or
  ``remember`` (Laravel, Spring: only in a cookie
  header, so with a ``k``), or a URL's ``sig=`` or ``code=``
  (``holds_named_pair``), or a request's ``signature=``, and every character ``re.IGNORECASE`` takes
  for one of their letters (the Kelvin
  sign for ``k``, the long s for ``s``) case-folds to it, so the words are
  looked for in ``str.casefold()`` of the text.
* secrets: a digit, which many prefixed keys hold in their prefix
  (Square's ``sq0``, age's ``…-KEY-1``, ``r8_``, ``dop_v1_``,
  ``dt0c01.``, ``pypi-…S5vcmc``, ``ATATT3``, LangSmith's ``lsv2_``), before
  them (Telegram's bot id), at the start of their value (Okta's ``00``),
  after them (Mailchimp's ``-us14``, a scan behind the trigger ``-us``) or
  in a run of hex the pattern
  requires one in (Twilio, Databricks, Pulumi, Buildkite, Brevo, Supabase);
  any other prefixed key holds ``_live_``/``_test_`` (Stripe, Shippo), ``gh``
  (``ghp_``…), ``_pat_`` (``github_pat_``), ``shp`` (Shopify), ``gl``
  (GitLab, Grafana), ``gsk_``, ``npm_``, ``ntn_``, ``hf_``, ``lin_api_``,
  ``whsec_``, ``sntry``, ``nfp_`` (Netlify), ``pscale_`` (PlanetScale),
  ``dckr_`` (Docker Hub), ``pplx-`` (Perplexity), ``sk-``, ``xox``, ``xapp-``, ``xai-``, ``AK-``
  (Postman, New Relic), ``AT-`` (Contentful), ``KU-`` (Heroku), ``PX-``
  (Google OAuth), ``-----BEGIN``, ``AIza``, ``SG.``, ``sk.`` (Mapbox),
  ``hv`` (Vault), ``dp.`` (Doppler) or ``hooks.slack.com``,
  case-sensitive (``may_hold_prefixed_key``), or the word ``secret``
  (Notion's ``secret_``); a password in a URL an ``@``; a secret's name
  ``pass``, ``pw``, ``psk``, ``secret``, ``key``, ``credential`` or ``identified`` (ASCII,
  case-insensitive: looked for in the case-folded text, as above), or in a
  text that is not ASCII one of ``names_secret_in_other_language``'s; a
  command-line flag a ``-`` after a space, tab or quote
  (``may_hold_flag_password``); a command's argument ``AUTH``, ``LOGIN``,
  ``SETUSER``, ``USING``, ``rabbitmqctl``, a login call's ``CALL_MARKS``
  (``login(``, ``auth=(``…) as written, or ``net use`` in any case
  (``may_hold_command_argument``).
* iban: a digit (the combined scan); a compact IBAN in lower case also
  ``iban`` or ``account`` in the case-folded text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tenantlog.redaction.addresses import may_hold_email, may_hold_ipv6, search_ipv6_hint
from tenantlog.redaction.command_lines import (
    ARGUMENT_MARKS,
    ARGUMENT_WORDS,
    CALL_MARKS,
    may_hold_command_argument,
    may_hold_flag_password,
    may_hold_login_call,
    search_flag_hint,
)
from tenantlog.redaction.credentials import (
    holds_named_pair,
    may_hold_jwt,
    may_name_secret,
    names_secret_in_other_language,
)
from tenantlog.redaction.engine import CompiledScan
from tenantlog.redaction.iban import may_name_bank_account
from tenantlog.redaction.key_prefixes import (
    may_hold_mailchimp_key,
    may_hold_pem,
    may_hold_prefixed_key,
)
from tenantlog.redaction.passwords import may_hold_url_password

_DIGITS = tuple("0123456789")
# Detector -> case-sensitive marks, and words looked for in the case-folded text.
_MARKS: dict[str, tuple[str, ...]] = {
    "phone": _DIGITS,
    "ssn": _DIGITS,
    "card": _DIGITS,
    "ip": _DIGITS,
    "iban": _DIGITS,
    "email": ("@", "%40"),
    "aws_key": ("AKIA", "ASIA"),
    "token": ("eyJ", "tlk_"),
    # Its prefixed keys are ruled out by ``may_hold_prefixed_key``, grouped;
    # many of them hold a digit instead of a mark of their own.
    # A command's argument: the marks ``may_hold_command_argument`` looks for.
    "secrets": (*_DIGITS, "@", *ARGUMENT_MARKS),
}
# Names of pairs without "token", "key" or "secret" (``holds_named_pair``):
# session cookies, a URL's "sig" and "code".
_NAMED_PAIRS = ("sess", "sid=", "remember", "sig=", "code=", "aspxauth", "aspnetcore.")
_WORDS: dict[str, tuple[str, ...]] = {
    "token": ("bearer", "basic", "token", "key", "secret", "signature=", *_NAMED_PAIRS),
    "secrets": ("pass", "pw", "psk", "secret", "key", "identified", "credential", *ARGUMENT_WORDS),
}
# The triggers ``scans_for`` decides on, each with its bit in a plan's index
# of scan tuples (it repeats their tests inline).
_TRIGGER_BITS: dict[Callable[[str], bool], int] = {
    may_hold_email: 1,
    may_hold_jwt: 2,
    may_name_secret: 4,
    may_hold_ipv6: 8,
    may_name_bank_account: 16,
    may_hold_pem: 32,
    may_hold_url_password: 64,
    may_hold_flag_password: 128,
    may_hold_mailchimp_key: 256,
    may_hold_command_argument: 512,
}


# A character each of these marks and words holds and many lines lack: one
# search for it, at memory speed, rules the longer mark out for most lines.
_GATES = {"%40": "%", "AKIA": "A", "ASIA": "A", "eyJ": "J", "tlk_": "_", "token": "k"}
# The named pairs are found only with an "=", which the names do not all hold.
_GATES.update({"key": "k", "pw": "w", "psk": "k", "identified": "y", "signature=": "="})
_GATES.update(dict.fromkeys(_NAMED_PAIRS, "="))
# A "remember…" cookie is taken only in a cookie header, whose "k" the text holds.
_GATES["remember"] = "k"
# A command's argument (``may_hold_command_argument``, the same tests).
_GATES.update({"AUTH": "U", "SETUSER": "U", "USING": "U"})
_GATES.update(dict.fromkeys(CALL_MARKS, "("))


def _unique(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(mark for group in groups for mark in group))


def _gated(marks: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The marks under each gate, in their order: a gate is searched for once."""
    gated: dict[str, tuple[str, ...]] = {}
    for mark in marks:
        gate = _GATES.get(mark, mark)
        gated[gate] = (*gated.get(gate, ()), mark)
    return gated


def _holds_any(marks: dict[str, tuple[str, ...]]) -> Callable[[str], bool]:
    """One expression of ``in`` tests, gate first, for a plan's marks or words.

    A loop over the pairs cost more than the searches it ran: a line without
    a mark tries every pair, and the loop's own steps were about a tenth of
    what such a line cost. The expression is built from this module's
    literals, written with ``repr``: nothing from a text or a tenant's
    settings goes into it, only which detectors' marks are included.
    """
    tests = [
        " or ".join(f"{mark!r} in text" for mark in group)
        if group == (gate,)
        else f"({gate!r} in text and ({' or '.join(f'{mark!r} in text' for mark in group)}))"
        for gate, group in marks.items()
    ]
    source = "lambda text: " + (" or ".join(tests) if tests else "False")
    test: Callable[[str], bool] = eval(source, {"__builtins__": {}})
    return test


class Plan:
    """The scans of one detector set, and the test that picks those a text needs."""

    __slots__ = (
        "_by_bits",
        "_holds_mark",
        "_holds_word",
        "_iban",
        "_secrets",
        "_untriggered",
        "scans",
    )

    @property
    def untriggered(self) -> tuple[CompiledScan, ...]:
        """The scans without a trigger: what ``scans_for`` returns for most lines to scan."""
        return self._untriggered

    def __init__(self, enabled: Iterable[str], scans: tuple[CompiledScan, ...]) -> None:
        # Digits first: most lines that hold anything have one, so a line to
        # scan is usually let through by the first few tests. A KeyError for
        # a detector without marks: leaving it out would hide its values.
        chosen = sorted(enabled, key=lambda detector: _MARKS[detector] != _DIGITS)
        self._holds_mark = _holds_any(_gated(_unique(_MARKS[detector] for detector in chosen)))
        # Looked for in the case-folded text.
        self._holds_word = _holds_any(
            _gated(_unique(_WORDS.get(detector, ()) for detector in chosen))
        )
        unknown = {scan.trigger for scan in scans} - {None} - _TRIGGER_BITS.keys()
        if unknown:  # a new trigger must be decided on in scans_for before it can be skipped
            raise ValueError(f"scan triggers the plan cannot rule out: {unknown}")
        self.scans = scans
        self._untriggered = tuple(scan for scan in scans if scan.trigger is None)
        # The scans for each set of triggers that hold, in their order (which
        # decides between equal spans); none holding is the untriggered
        # tuple itself, which the redactor tells by identity.
        self._by_bits = (
            self._untriggered,
            *(
                tuple(
                    scan
                    for scan in scans
                    if scan.trigger is None or _TRIGGER_BITS[scan.trigger] & bits
                )
                for bits in range(1, 2 * max(_TRIGGER_BITS.values()))
            ),
        )
        self._secrets = "secrets" in chosen
        self._iban = "iban" in chosen

    def scans_for(self, text: str) -> tuple[CompiledScan, ...]:
        """The scans the first pass over ``text`` needs (empty: none can match).

        A scan behind a trigger is among them only when its trigger holds
        for the text: the tests below are those of the triggers, run once
        each, so the first pass need not run them again (``find_spans``
        with ``screened``). The secrets' words are looked for only when that
        detector is on: without it, no scan looks for "pass", "pw", "psk" or
        "identified".
        """
        folded = text.casefold()
        if not (
            self._holds_mark(text)
            or self._holds_word(folded)
            # no mark nor word: only a prefixed key, a flag or a password's
            # name in another language can let the text through
            or (
                self._secrets
                and (
                    may_hold_prefixed_key(text)
                    or may_hold_flag_password(text)
                    or (not text.isascii() and names_secret_in_other_language(folded))
                )
            )
        ):
            return ()
        bits = 0
        if "@" in text:  # may_hold_email, may_hold_url_password
            bits = 65 if "://" in text else 1
        elif "%" in text:
            bits = 1
        if "J" in text and "eyJ" in text:  # may_hold_jwt
            bits |= 2
        # may_hold_ipv6: its hint is "::" or four colons, which a count
        # rules out for most lines (times, "level:") without a regex call.
        # The count first: a two-character search ("::") over a long line
        # costs more than counting one character.
        if (
            ":" in text
            and (text.count(":") > 3 or "::" in text)
            and search_ipv6_hint(text) is not None
        ):
            bits |= 8
        if (  # may_name_secret
            ("k" in folded and ("token" in folded or "key" in folded))
            or "secret" in folded
            or ("=" in text and holds_named_pair(text, folded))
            or (
                self._secrets
                and (
                    "pass" in folded
                    or ("w" in folded and "pw" in folded)
                    or ("k" in folded and "psk" in folded)
                    or ("y" in folded and "identified" in folded)
                    or "credential" in folded
                    or (not text.isascii() and names_secret_in_other_language(folded))
                )
            )
            or ("=" in text and "signature=" in folded)
        ):
            bits |= 4
        if self._iban and (  # may_name_bank_account
            ("b" in folded and "iban" in folded) or "account" in folded
        ):
            bits |= 16
        if self._secrets and "-" in text:
            # Each longer search behind a character many lines lack.
            if "G" in text and "-----BEGIN" in text:  # may_hold_pem
                bits |= 32
            # may_hold_flag_password: one search for the "-" of a flag after a
            # space or quote; four searches for " -" and the like cost more
            # (about 1 µs each on 1 KB: a space starts many near matches).
            if search_flag_hint(text) is not None:
                bits |= 128
            if "-us" in text:  # may_hold_mailchimp_key
                bits |= 256
        if self._secrets and (  # may_hold_command_argument, inline
            ("U" in text and ("AUTH" in text or "SETUSER" in text or "USING" in text))
            or "LOGIN" in text  # behind no gate: "G" is in every "GET"
            or "rabbitmqctl" in text
            or "net use" in folded
            or ("(" in text and may_hold_login_call(text))
        ):
            bits |= 512
        return self._by_bits[bits]
