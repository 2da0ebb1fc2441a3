"""A tenant's own redaction rules: named patterns and a literal deny list, run by RE2.

Python's ``re`` backtracks: a pattern such as ``(a+)+$`` takes exponential
time on a line of ``a``s, and a tenant's pattern runs in the worker beside
every other tenant's logs. RE2 (google-re2) compiles to automata whose time
is linear in the text, and refuses what it cannot run that way
(backreferences, look-around); a refusal names the rule and the reason,
never the text the rule was meant to hide.

What runs per log, for a tenant with rules (a tenant without any never gets
here): one RE2 search of the UTF-8 text for all the tenant's patterns and
deny-list entries at once, which settles most lines (nothing found: the text
is returned as it is); on a line with a match, one pass of the patterns and
one of the deny list find each match and its rule.

- The patterns run as one alternation, leftmost first; where two rules match
  at the same place, the one listed first wins. Each match is replaced as a
  whole by the rule's placeholder (``[REDACTED:EMPLOYEE_ID]`` for a rule
  named ``employee_id`` in the typed style).
- The deny list is one alternation of escaped literals, matched without
  regard to case (RE2's simple Unicode case folding), labelled
  ``DENY_LIST``.
- Where a rule's match and a deny-list match overlap, both are replaced by
  one placeholder, labelled by the longer, so no matched character is left.
- The built-in detectors have run before: a match lying wholly inside one of
  their placeholders is ignored (so ``[REDACTED:EMAIL]`` is never rewritten),
  and one that reaches into a placeholder takes the placeholder with it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Protocol

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

from tenantlog.redaction import PlaceholderStyle
from tenantlog.redaction.redactor import Redaction, Redactor

#: The label of a deny-list match, reserved: no rule may be named so.
DENY_LABEL = "DENY_LIST"
#: RE2's memory for one rule's program and its automata, in bytes: a pattern that
#: would need more is refused ("pattern too large") instead of growing the worker.
RULE_MAX_MEM = 4 << 20
#: The same for a deny list: 1,000 entries of 200 characters, matched without regard
#: to case, need about 64 MiB for RE2 to keep its fast automaton (with less it falls
#: back to a slower, still linear, simulation). Memory is taken as the text needs it.
DENY_MAX_MEM = 64 << 20
#: Distinct rule sets kept compiled in one process (one per version of a tenant's rules).
CACHED_RULE_SETS = 256

#: The built-in placeholders, which custom rules must neither rewrite nor cut.
_PLACEHOLDER = re.compile(rb"\[REDACTED(?::[A-Z0-9_]+)?\]")
# What RE2 reports (``invalid escape sequence: \1``) without the fragment of the pattern.
_REASONS = {
    "invalid escape sequence": "an escape RE2 does not know (backreferences such as \\1 "
    "are not supported)",
    "invalid perl operator": "a group RE2 does not support (look-ahead (?=, (?!, "
    "look-behind (?<=, (?<! and atomic groups are not)",
    "invalid named capture group": "an invalid named group",
    "invalid repetition size": "a repetition count over 1000",
    "pattern too large - compile failed": "it needs more memory than a rule may use",
    "pattern too large - reverse compile failed": "it needs more memory than a rule may use",
}


class _Match(Protocol):
    def span(self, group: int = 0) -> tuple[int, int]: ...
    def start(self, group: int = 0) -> int: ...


class _Compiled(Protocol):
    """What is used of a compiled ``re2`` pattern (always given UTF-8 bytes)."""

    @property
    def groups(self) -> int: ...
    def search(self, text: bytes) -> _Match | None: ...
    def finditer(self, text: bytes) -> Iterable[_Match]: ...


class RuleRejected(ValueError):
    """A rule RE2 cannot run in linear time, or one that would match empty text."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(f"rule {rule!r}: {reason}")
        self.rule = rule
        self.reason = reason


def _options(max_mem: int, *, case_sensitive: bool = True) -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # RE2 would print the refused pattern to stderr
    options.max_mem = max_mem
    options.case_sensitive = case_sensitive
    return options


def _reason(error: re2.error) -> str:
    message = error.args[0] if error.args else ""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    kind = str(message).partition(":")[0].strip()
    return _REASONS.get(kind, kind or "RE2 cannot compile it")


@lru_cache(maxsize=4096)  # every process checks the rules of each settings read
def compile_rule(name: str, pattern: str) -> _Compiled:
    """The rule's pattern compiled, or RuleRejected naming the rule and why."""
    try:
        compiled: _Compiled = re2.compile(pattern, _options(RULE_MAX_MEM))
    except re2.error as exc:
        raise RuleRejected(name, f"RE2 cannot compile it: {_reason(exc)}") from None
    if _matches_empty(compiled):
        raise RuleRejected(name, "it matches empty text; a rule must match at least one character")
    try:  # the rules run as one alternation of groups: an open \Q quote would eat the rest
        re2.compile(f"(?:{pattern})", _options(RULE_MAX_MEM))
    except re2.error:
        raise RuleRejected(
            name, "it cannot be combined with other rules (end a \\Q quote with \\E)"
        ) from None
    return compiled


# Where an empty match can happen depends only on the characters either side (RE2's
# assertions: ^ $ \A \z \b \B, with or without (?m)): these texts hold every pair of a
# word character, a space, a newline, the start and the end. An empty match would make
# the search of all the rules skip a character, and another rule's match there with it.
_CORE = b"aa  \n\na \na\n a"
_EMPTY_PROBES = (
    b"",
    *(first + _CORE + last for first in (b"a", b" ", b"\n") for last in (b"a", b" ", b"\n")),
)


def _matches_empty(compiled: _Compiled) -> bool:
    return any(
        match.span()[0] == match.span()[1]
        for probe in _EMPTY_PROBES
        for match in compiled.finditer(probe)
    )


@lru_cache(maxsize=CACHED_RULE_SETS)
def compile_deny(entries: tuple[str, ...]) -> _Compiled | None:
    """The deny list as one case-insensitive alternation of literals (None when empty)."""
    if not entries:
        return None
    try:
        compiled: _Compiled = re2.compile(
            _literals(entries), _options(DENY_MAX_MEM, case_sensitive=False)
        )
    except re2.error as exc:  # never the entries: they are what is to be hidden
        raise RuleRejected(DENY_LABEL.lower(), f"RE2 cannot compile it: {_reason(exc)}") from None
    return compiled


def _literals(entries: tuple[str, ...]) -> str:
    # Longer entries first: at one position the longer of two entries that share a
    # start wins, as the leftmost-first alternation takes the first that matches.
    ordered = sorted(set(entries), key=lambda entry: (-len(entry), entry))
    return "|".join(re2.escape(entry) for entry in ordered)


def _together(pattern: str, max_mem: int, *, capture: bool = True) -> _Compiled:
    """Patterns each compiled alone, as one: only their sum can be too large."""
    options = _options(max_mem)
    options.never_capture = not capture
    try:
        compiled: _Compiled = re2.compile(pattern, options)
    except re2.error as exc:
        raise RuleRejected("*", f"RE2 cannot compile them together: {_reason(exc)}") from None
    return compiled


def placeholder_for(style: PlaceholderStyle) -> Callable[[str], str]:
    if style == "typed":
        return lambda label: f"[REDACTED:{label}]"
    return lambda label: "[REDACTED]"


class CustomRules:
    """A tenant's rules and deny list, compiled once; ``apply`` is what runs per text."""

    __slots__ = ("_any", "_deny", "_groups", "_labels", "_rules")

    def __init__(self, rules: Iterable[tuple[str, str]], deny: Iterable[str]) -> None:
        """Raises RuleRejected for a rule or deny list RE2 cannot run."""
        patterns: list[str] = []
        self._groups: list[int] = []  # the group of each rule in the alternation
        self._labels: list[str] = []
        group = 1
        for name, pattern in rules:
            inner = compile_rule(name, pattern).groups
            patterns.append(pattern)
            self._groups.append(group)
            self._labels.append(name.upper())
            group += 1 + inner
        entries = tuple(deny)
        self._rules: _Compiled | None = None
        if patterns:
            together = "|".join(f"({pattern})" for pattern in patterns)
            self._rules = _together(together, RULE_MAX_MEM * len(patterns))
        self._deny = compile_deny(entries)
        # Most lines hold nothing of the tenant's: one search, without groups, of the
        # rules and the deny list at once tells so in about the time of one of the two.
        self._any: _Compiled | None = None
        if patterns or entries:
            alternatives = [f"(?:{pattern})" for pattern in patterns]
            if entries:
                alternatives.append(f"(?i:{_literals(entries)})")
            memory = RULE_MAX_MEM * len(patterns) + DENY_MAX_MEM * bool(entries)
            self._any = _together("|".join(alternatives), memory, capture=False)

    def apply(self, text: str, placeholder: Callable[[str], str]) -> Redaction:
        """``text`` with every match replaced, and the count of each label."""
        if self._any is None:
            return Redaction(text, {})
        data = text.encode("utf-8")
        if self._any.search(data) is None:
            return Redaction(text, {})
        spans: list[tuple[int, int, str]] = []
        if self._rules is not None:
            groups, labels = self._groups, self._labels
            last = 0  # the rule of the previous match, tried first: matches come in runs
            for match in self._rules.finditer(data):
                if match.start(groups[last]) < 0:
                    last = next(i for i, group in enumerate(groups) if match.start(group) >= 0)
                spans.append((*match.span(), labels[last]))
        if self._deny is not None:
            spans += ((*match.span(), DENY_LABEL) for match in self._deny.finditer(data))
        if not spans:
            return Redaction(text, {})
        return _render(data, spans, placeholder)


def _render(
    data: bytes, spans: list[tuple[int, int, str]], placeholder: Callable[[str], str]
) -> Redaction:
    """Replace the spans (byte offsets), merged where they overlap, around placeholders."""
    kept = _outside_placeholders(data, spans) if b"[REDACTED" in data else spans
    kept.sort()
    merged: list[tuple[int, int, str]] = []
    longest: list[int] = []
    for start, end, label in kept:
        start, end = _char_bounds(data, start, end)
        if merged and start < merged[-1][1]:
            first, last, kept_label = merged[-1]
            if end - start > longest[-1]:
                kept_label, longest[-1] = label, end - start
            merged[-1] = (first, max(last, end), kept_label)
        else:
            merged.append((start, end, label))
            longest.append(end - start)
    counts: dict[str, int] = {}
    parts: list[bytes] = []
    at = 0
    for start, end, label in merged:
        parts += (data[at:start], placeholder(label).encode())
        counts[label] = counts.get(label, 0) + 1
        at = end
    parts.append(data[at:])
    return Redaction(b"".join(parts).decode("utf-8"), counts)


def _outside_placeholders(
    data: bytes, spans: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """The spans not wholly inside a placeholder, widened to take whole any they touch."""
    marks = [match.span() for match in _PLACEHOLDER.finditer(data)]
    if not marks:
        return spans
    starts = [start for start, _ in marks]
    kept: list[tuple[int, int, str]] = []
    for start, end, label in spans:
        # The placeholders that contain the span's first and last byte, if any.
        first = bisect.bisect_right(starts, start) - 1
        last = bisect.bisect_right(starts, end - 1) - 1
        in_first = first >= 0 and start < marks[first][1]
        in_last = last >= 0 and end - 1 < marks[last][1]
        if in_first and in_last and first == last:
            continue  # wholly inside one placeholder
        if in_first:
            start = marks[first][0]
        if in_last:
            end = marks[last][1]
        kept.append((start, end, label))
    return kept


def _char_bounds(data: bytes, start: int, end: int) -> tuple[int, int]:
    """Byte offsets widened to whole UTF-8 characters (``\\C`` matches single bytes)."""
    while start > 0 and data[start] & 0xC0 == 0x80:
        start -= 1
    while end < len(data) and data[end] & 0xC0 == 0x80:
        end += 1
    return start, end


@lru_cache(maxsize=CACHED_RULE_SETS)
def custom_rules(rules: tuple[tuple[str, str], ...], deny: tuple[str, ...]) -> CustomRules:
    """The compiled form of one version of a tenant's rules, shared by equal versions."""
    return CustomRules(rules, deny)


class TenantRedactor(Redactor):
    """The built-in detectors, then the tenant's own rules, counted together."""

    __slots__ = ("_custom", "_custom_placeholder")

    def __init__(
        self,
        detectors: Iterable[str] | None,
        style: PlaceholderStyle,
        rules: tuple[tuple[str, str], ...],
        deny: tuple[str, ...],
    ) -> None:
        super().__init__(detectors, style)
        self._custom = custom_rules(rules, deny)
        self._custom_placeholder = placeholder_for(style)

    def redact_counted(self, text: str) -> Redaction:
        builtin = super().redact_counted(text)
        custom = self._custom.apply(builtin.text, self._custom_placeholder)
        if not custom.counts:
            return builtin
        return Redaction(custom.text, _added(builtin.counts, custom.counts))

    def redact(self, text: str) -> str:
        return self.redact_counted(text).text


def tenant_redactor(
    detectors: Iterable[str] | None,
    style: PlaceholderStyle,
    rules: tuple[tuple[str, str], ...] = (),
    deny: tuple[str, ...] = (),
) -> Redactor:
    """The redaction a tenant's settings ask for: the built-in Redactor alone for a tenant
    without rules (its logs cost nothing more), with its rules after it otherwise."""
    if rules or deny:
        return TenantRedactor(detectors, style, rules, deny)
    return Redactor(detectors, style)


def _added(first: Mapping[str, int], second: Mapping[str, int]) -> dict[str, int]:
    total = dict(first)
    for label, count in second.items():
        total[label] = total.get(label, 0) + count
    return total
