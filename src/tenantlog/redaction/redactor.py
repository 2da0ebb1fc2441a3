"""The redactor: the plan of scans for a detector set, run on one text at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from mypy_extensions import mypyc_attr

from tenantlog.redaction import DETECTORS, PlaceholderStyle
from tenantlog.redaction.engine import (
    ASCII_DIGITS,
    compile_scan,
    find_spans,
    redact_passes,
    render_single,
    spans_of_one,
)
from tenantlog.redaction.scans import ALL
from tenantlog.redaction.screen import Plan, prime


@dataclass(frozen=True, slots=True)
class Redaction:
    """A redacted text and how many values of each type were replaced."""

    text: str
    counts: Mapping[str, int] = field(default_factory=dict)


def _plain(label: str) -> str:
    return "[REDACTED]"


def _typed(label: str) -> str:
    return f"[REDACTED:{label}]"


@lru_cache(maxsize=64)
def _plan(enabled: frozenset[str]) -> Plan:
    # Redactors are built per tenant setting; the regexes only once per detector set.
    scans = tuple(s for s in (compile_scan(scan, enabled) for scan in ALL) if s is not None)
    return Plan(enabled, scans)


# Compiled, the class still takes subclasses that are not (a test's, a user's wrapper).
@mypyc_attr(allow_interpreted_subclasses=True)
class Redactor:
    """Replaces PII values with a placeholder; configured once, used for every log."""

    __slots__ = ("_lone", "_placeholder", "_plan", "_scans_for", "_untriggered")

    def __init__(
        self, detectors: Iterable[str] | None = None, style: PlaceholderStyle = "plain"
    ) -> None:
        chosen = frozenset(DETECTORS if detectors is None else detectors)
        unknown = sorted(chosen - set(DETECTORS))
        if unknown:
            raise ValueError(
                f"unknown redaction detector(s): {', '.join(unknown)}; "
                f"known: {', '.join(DETECTORS)}"
            )
        if style not in ("plain", "typed"):
            raise ValueError(f"unknown placeholder style {style!r}; known: plain, typed")
        self._plan = _plan(chosen)
        self._scans_for = self._plan.scans_for  # bound once: it runs for every log
        self._untriggered = self._plan.untriggered
        # Most lines to scan need the combined scan alone, and most of those
        # hold nothing: asked directly, they skip find_spans and its loop.
        self._lone = self._untriggered[0] if len(self._untriggered) == 1 else None
        # A function chosen once rather than a style test on every value.
        self._placeholder = _typed if style == "typed" else _plain

    def prime(self, texts: Iterable[str]) -> None:
        """Screen a batch of texts in one search before each is redacted.

        For a caller that redacts many texts in a row, such as the worker's
        batch: ``screen.prime`` says why it pays. Any redactor's call then
        takes a text's marks from it, whatever its detectors. Called with
        none once the batch is redacted, so that its texts are not kept.
        """
        prime(texts)

    def redact_counted(self, text: str) -> Redaction:
        """Redact ``text`` and count the replaced values per type label.

        Most short log lines need one scan or none; the plan says which
        (see ``screen``), so such a line costs little more than a search.
        A line with one value clear of its neighbours (most lines with any)
        is written at once, without the passes that settle the rest.
        """
        # Inline, not ``with_ascii_digits``: a call less on every log line.
        scanned = text if text.isascii() else text.translate(ASCII_DIGITS)
        first = self._scans_for(scanned)
        if not first:
            return Redaction(text, {})
        lone = self._lone
        if first is self._untriggered and lone is not None:
            spans = spans_of_one(lone, scanned, lone.search(scanned, 0))
        else:
            spans = find_spans(first, scanned, screened=True)
        if not spans:
            return Redaction(text, {})
        if len(spans) == 1:
            redacted = render_single(text, spans[0], self._placeholder)
            if redacted is not None:
                return Redaction(redacted, {spans[0][2]: 1})
        return Redaction(*redact_passes(self._plan.scans, text, self._placeholder, spans))

    def redact(self, text: str) -> str:
        """Redact ``text``; see ``redact_counted`` for the counts."""
        # Inline, not ``with_ascii_digits``: a call less on every log line.
        scanned = text if text.isascii() else text.translate(ASCII_DIGITS)
        first = self._scans_for(scanned)
        if not first:
            return text
        lone = self._lone
        if first is self._untriggered and lone is not None:
            # Most such lines hold no candidate at all: one search says so
            # (and, inline, that no value starts the text).
            searched = lone.search(scanned, 0)
            if searched is None and (
                lone.head is None
                or (lone.head_starts is not None and scanned[:1] not in lone.head_starts)
                or lone.head(scanned) is None
            ):
                return text
            spans = spans_of_one(lone, scanned, searched)
        else:
            spans = find_spans(first, scanned, screened=True)
        if not spans:
            return text
        if len(spans) == 1:
            redacted = render_single(text, spans[0], self._placeholder)
            if redacted is not None:
                return redacted
        return redact_passes(self._plan.scans, text, self._placeholder, spans)[0]


_DEFAULT = Redactor()

# Redacts PII from a text with every detector and the ``[REDACTED]``
# placeholder. The default redactor's own method, not a function calling it:
# a call less for every log line.
redact: Callable[[str], str] = _DEFAULT.redact
