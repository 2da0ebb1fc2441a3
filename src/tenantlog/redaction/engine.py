"""Runs the scans over a text, settles overlaps and writes the placeholders.

The text is walked with ``search`` (not ``finditer``) so that a candidate
rejected by its checker does not hide a value starting inside it (unless its
scan says none can: ``Scan.skip_rejected``); see ``kinds`` for the shape the
scan patterns keep to stay fast.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import itemgetter

from tenantlog.redaction.kinds import Kind, Scan

Span = tuple[int, int, str]  # start, end, label

# A bound on re-scans; two always suffice in practice (see ``redact_passes``).
_MAX_PASSES = 4

# A redacted value next to one of these may have been what kept a neighbour
# from matching (``a@b.com555-0199``, ``a@b.com/1.2.3.4`` read as a version):
# such texts get one more pass.
_GLUE_AFTER = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+(:@%/")
_GLUE_BEFORE = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz@%.-:")


# Digits of other scripts (full-width, Arabic-Indic, Persian, Devanagari) and the
# full-width signs written inside numbers, as ASCII: a Japanese form's phone in
# full-width digits is a phone as "090-1234-5678" is. One character for
# one, so a span found in the translation is the same span in the text, which
# keeps its own characters wherever nothing is replaced.
ASCII_DIGITS = str.maketrans(
    {
        **{chr(first + n): str(n) for first in (0xFF10, 0x0660, 0x06F0, 0x0966) for n in range(10)},
        "\uff0b": "+",
        "\uff0d": "-",
        "\u2212": "-",
        "\uff08": "(",
        "\uff09": ")",
        "\uff0e": ".",
        "\u3000": " ",
    }
)


def with_ascii_digits(text: str) -> str:
    """``text`` as the scans read it: other scripts' digits as ASCII digits.

    An ASCII text (most logs) is returned as it is, after one flag test.
    """
    return text if text.isascii() else text.translate(ASCII_DIGITS)


@dataclass(frozen=True, slots=True)
class CompiledScan:
    """One scan restricted to the enabled kinds, ready to run."""

    search: Callable[[str, int], re.Match[str] | None]
    head: Callable[[str], re.Match[str] | None] | None
    kinds: dict[str, Kind]
    trigger: Callable[[str], bool] | None
    skip_rejected: bool
    # The characters a text must start with for ``head`` to be worth a call.
    head_starts: frozenset[str] | None = None
    # Whether a kind of the scan names a value of REPEATED_LABELS: its values
    # are looked for again elsewhere in the text (``_repeated_values``).
    finds_repeated: bool = False


def compile_scan(scan: Scan, enabled: frozenset[str]) -> CompiledScan | None:
    """Compile ``scan`` with the groups of disabled detectors made unmatchable.

    Returns None when none of its kinds is enabled, so the scan is skipped.
    """
    kinds = {
        group: chosen
        for group, kind in scan.kinds.items()
        if (chosen := _enabled_kind(kind, enabled)) is not None
    }
    if not kinds:
        return None
    # A kind that names a value looked for again, or falls back to one.
    repeated = any(
        k.label in REPEATED_LABELS or (k.also is not None and k.also.label in REPEATED_LABELS)
        for k in kinds.values()
    )
    pattern = scan.pattern
    for group in scan.kinds.keys() - kinds.keys():
        pattern = pattern.replace(f"(?P<{group}>", f"(?P<{group}>(?!)")
    if not scan.lead:
        compiled = re.compile(pattern, scan.flags)
        search = compiled.search if scan.searcher is None else scan.searcher(compiled)
        return CompiledScan(
            search, None, kinds, scan.trigger, scan.skip_rejected, finds_repeated=repeated
        )
    if not scan.starts:
        search = re.compile(f"{scan.lead}(?:{pattern})", scan.flags).search
        head = re.compile(pattern, scan.flags).match
        return CompiledScan(
            search, head, kinds, scan.trigger, scan.skip_rejected, finds_repeated=repeated
        )
    # About 10% of a short line's scan: ``re`` pays for entering the
    # alternation at each delimiter, and the look-ahead turns most away.
    search = re.compile(f"{scan.lead}(?=[{scan.starts}])(?:{pattern})", scan.flags).search
    head = re.compile(pattern, scan.flags).match
    first = re.compile(f"[{scan.starts}]", scan.flags)
    # Values start with ASCII characters (the classes of a led scan are ASCII).
    starts = frozenset(c for c in map(chr, range(128)) if first.fullmatch(c))
    return CompiledScan(search, head, kinds, scan.trigger, scan.skip_rejected, starts, repeated)


def _enabled_kind(kind: Kind | None, enabled: frozenset[str]) -> Kind | None:
    """``kind`` with its fallbacks limited to the enabled detectors (None: none is)."""
    if kind is None:
        return None
    also = _enabled_kind(kind.also, enabled)
    if kind.detector not in enabled:
        return also
    return kind if also is kind.also else dataclasses.replace(kind, also=also)


def find_spans(scans: Iterable[CompiledScan], text: str, screened: bool = False) -> list[Span]:
    """Confirmed PII spans, non-overlapping and sorted.

    ``screened``: the scans are those whose triggers hold for ``text``
    (``screen.Plan.scans_for``), which are then not run again.
    """
    spans: list[Span] = []
    scans_with_hits = 0
    repeatable_found = False
    # Neighbouring scans may share a trigger (the parameter scans' name test
    # case-folds the text): it is run once for them.
    last_trigger: Callable[[str], bool] | None = None
    triggered = True
    for scan in scans:
        trigger = scan.trigger
        if trigger is not None and not screened:
            if trigger is not last_trigger:
                last_trigger, triggered = trigger, trigger(text)
            if not triggered:
                continue
        # Inline, the test most scans of most lines end with: no candidate.
        head, starts = scan.head, scan.head_starts
        if head is None or (starts and text[:1] not in starts) or head(text) is None:
            searched = scan.search(text, 0)
            if searched is None:
                continue
            found = _add_spans(scan, text, spans, searched, True, head_tried=True)
        else:
            found = _add_spans(scan, text, spans)
        if found:
            # A value that grows back before its match (an email's local
            # part, a lower-case IBAN's country) may overlap one found before.
            scans_with_hits += found
            repeatable_found = repeatable_found or scan.finds_repeated
    if repeatable_found:
        # Only a value that won its place is looked for again: a token's id part
        # ("token=2101964835:AA…", the whole key found by its prefix) is no value.
        if scans_with_hits > 1:
            spans = keep_longest(spans)
            scans_with_hits = 1
        repeats = _repeated_values(text, spans)
        if repeats:
            spans.extend(repeats)
            scans_with_hits = 2
    if scans_with_hits > 1:
        spans = keep_longest(spans)
    return spans


#: Values shorter than this are not looked for again: a short value may be a word.
_MIN_REPEATED = 6
#: How many distinct values of one text are looked for again.
_MAX_REPEATED = 16
#: The labels whose values are looked for again: those known by their name or
#: their place (a password, a token, an SSN after its field's code) rather than
#: by their shape alone, which the scans find wherever it stands.
REPEATED_LABELS = frozenset(("SECRET", "TOKEN", "SSN", "CARD", "PHONE"))


def _repeated_values(text: str, spans: list[Span]) -> list[Span]:
    """Other occurrences of a value found by its name or place, as whole words.

    A sign-up form logs the password twice ('"password": "x", "confirm": "x"'),
    a failed login echoes it back, an X12 enrolment carries the member's SSN in
    its name segment and again in a reference: only the first is named, and
    leaving the second would leak what the first hid.
    """
    if len(spans) == 1:  # most texts: one value, written once, said in one test
        start, end, _ = spans[0]
        if end - start < _MIN_REPEATED or text.count(text[start:end]) == 1:
            return []
    values = {
        text[start:end]: label
        for start, end, label in spans
        if label in REPEATED_LABELS and end - start >= _MIN_REPEATED
    }
    if not values:
        return []
    found_at = {start for start, _, _ in spans}
    repeats: list[Span] = []
    # Each value is looked for once, and only the first few: a text made of
    # thousands of named values must not be searched once for each.
    for value in sorted(values)[:_MAX_REPEATED]:
        found = text.find(value)
        while found != -1:
            after = found + len(value)
            if found not in found_at and not (
                (found and text[found - 1].isalnum())
                or (after < len(text) and text[after].isalnum())
            ):
                repeats.append((found, after, values[value]))
            found = text.find(value, found + 1)
    return repeats


def spans_of_one(scan: CompiledScan, text: str, searched: re.Match[str] | None) -> list[Span]:
    """``find_spans`` for a single scan without a trigger: most lines to scan need no more.

    ``searched``: what the scan's search from the start of the text found,
    which the caller has already asked for.
    """
    spans: list[Span] = []
    found = _add_spans(scan, text, spans, searched, True)
    if found and scan.finds_repeated:
        if found > 1:
            spans = keep_longest(spans)
            found = 1
        repeats = _repeated_values(text, spans)
        if repeats:
            spans.extend(repeats)
            found = 2
    if found > 1:
        spans = keep_longest(spans)
    return spans


def _add_spans(
    scan: CompiledScan,
    text: str,
    spans: list[Span],
    searched: re.Match[str] | None = None,
    has_searched: bool = False,
    head_tried: bool = False,
) -> int:
    """Append the confirmed spans of ``scan``: 0 for none, 1 if in order, 2 if any overlap.

    ``head_tried``: the caller found no value at the text's start (``find_spans``
    asks first, and a second match there cost each scan of each line a regex call).
    """
    search, head = scan.search, scan.head
    # A led scan's matches start on the delimiter before the value; only
    # a value at the very start of the text has none.
    led = 0 if head is None else 1
    skip = 0
    starts = scan.head_starts
    match = (
        None if head_tried or head is None or (starts and text[:1] not in starts) else head(text)
    )
    if match is None:
        match = searched if has_searched else search(text, 0)
        if match is None:
            return 0  # most scans of most lines
        skip = led
        has_searched = False
    found_before = len(spans)
    kinds, skip_rejected = scan.kinds, scan.skip_rejected
    last_end = 0
    overlap = False
    while match is not None:
        kind = kinds[match.lastgroup or ""]
        start = match.start() + skip
        end = match.end()
        confirmed = kind.check(text, start, end)
        if confirmed is None and kind.also is not None:
            kind = kind.also
            confirmed = kind.check(text, start, end)
        if confirmed is None:
            pos = end if skip_rejected else start + 1
        else:
            pos = confirmed[1]
            if confirmed[0] < last_end:
                overlap = True
            last_end = pos
            spans.append((confirmed[0], pos, kind.label))
            if pos <= start:
                pos = start + 1
        if has_searched and searched is not None and searched.start() >= pos:
            # After a value at the start: the caller's search found the next.
            match, has_searched = searched, False
        elif has_searched and searched is None:
            match = None  # a value at the start, and none after it
        else:
            match = search(text, pos)
            has_searched = False
        skip = led
    if len(spans) == found_before:
        return 0
    return 2 if overlap else 1


def _longest_first(span: Span) -> tuple[int, int]:
    """Sort key of overlap resolution: the longer span, then the earlier."""
    return span[0] - span[1], span[0]


def keep_longest(spans: list[Span]) -> list[Span]:
    """Resolve overlaps between scans: the longer value wins, then the earlier one.

    Spans that chain together by overlapping form a cluster; a span can only
    lose to one of its own cluster, so clusters are settled one by one and a
    span overlapping nothing (most of them) is kept at once. O(n log n).
    Spans must not be empty, which no checker confirms.
    """
    kept: list[Span] = []
    cluster: list[Span] = []
    cluster_end = -1
    # A stable sort on the start alone keeps equal spans in the order found,
    # which decides between them (see _settle).
    for span in sorted(spans, key=itemgetter(0)):
        if span[0] >= cluster_end:
            kept.extend(_settle(cluster))
            cluster = []
        cluster.append(span)
        cluster_end = max(cluster_end, span[1])
    kept.extend(_settle(cluster))
    return kept


def _settle(cluster: list[Span]) -> list[Span]:
    """Greedy over overlapping spans, longest first: keep those that overlap no kept one.

    Every span kept before is at least as long, so one that overlaps covers
    the span's first or last character: checking those two positions is
    enough, where comparing with every kept span made overlap resolution
    O(n²) (seconds on a 64 KiB log dense with values). Positions are
    numbered by the spans' own edges, so the cost does not grow with the text.
    """
    if len(cluster) < 3:
        # A lone span overlaps nothing; of two, which overlap, one wins.
        return cluster if len(cluster) < 2 else [min(cluster, key=_longest_first)]
    edges = sorted({edge for start, end, _ in cluster for edge in (start, end)})
    index = {edge: i for i, edge in enumerate(edges)}
    # taken[i]: the stretch from edges[i] to edges[i + 1] lies in a kept span.
    taken = bytearray(len(edges))
    kept: list[Span] = []
    for span in sorted(cluster, key=_longest_first):
        first, stop = index[span[0]], index[span[1]]
        if taken[first] or taken[stop - 1]:
            continue
        taken[first:stop] = b"\x01" * (stop - first)
        kept.append(span)
    kept.sort()
    return kept


def redact_passes(
    scans: Iterable[CompiledScan],
    text: str,
    placeholder: Callable[[str], str],
    spans: list[Span] | None = None,
) -> tuple[str, dict[str, int]]:
    """The redacted text and the count of values replaced per type label.

    The scans read the text with its digits as ASCII (``with_ascii_digits``);
    the placeholders replace the text's own characters.

    ``spans``: those of the first pass, when the caller has found them with
    only the scans the text needs (``screen.Plan``); later passes run every
    scan.

    Replacing a value changes its neighbourhood: a number glued to an
    email (``a@b.com555-0199``) can only be judged once the email is gone.
    Texts where a replaced value touched a word or number are scanned
    again, which makes redaction idempotent; others take a single pass.
    """
    counts: dict[str, int] = {}
    if spans is None:
        spans = find_spans(scans, with_ascii_digits(text))
    for number in range(1, _MAX_PASSES + 1):
        if not spans:
            break
        text, glued = render(text, spans, placeholder, counts)
        if not glued or number == _MAX_PASSES:
            break
        spans = find_spans(scans, with_ascii_digits(text))
    return text, counts


def render_single(text: str, span: Span, placeholder: Callable[[str], str]) -> str | None:
    """The text with its one span replaced, or None if it needs ``redact_passes``.

    Most lines that hold a value hold one, away from any word or number:
    one pass settles them, and building it inline spares the lists, counts
    and calls of the general path (a third of such a line's time). A value
    glued to a neighbour returns None, for the re-scan only the full path runs.
    """
    start, end, label = span
    if (end < len(text) and text[end] in _GLUE_AFTER) or (
        start and text[start - 1] in _GLUE_BEFORE
    ):
        return None
    return text[:start] + placeholder(label) + text[end:]


def render(
    text: str, spans: list[Span], placeholder: Callable[[str], str], counts: dict[str, int]
) -> tuple[str, bool]:
    """The text with each span replaced, and whether to re-scan; adds to ``counts``."""
    parts: list[str] = []
    glued = False
    prev = 0
    for start, end, label in spans:
        parts.append(text[prev:start])
        parts.append(placeholder(label))
        counts[label] = counts.get(label, 0) + 1
        glued = glued or (end < len(text) and text[end] in _GLUE_AFTER)
        glued = glued or (start > 0 and text[start - 1] in _GLUE_BEFORE)
        prev = end
    parts.append(text[prev:])
    return "".join(parts), glued
