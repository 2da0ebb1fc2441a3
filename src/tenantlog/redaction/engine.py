"""Runs the scans over a text, settles overlaps and writes the placeholders.

The text is walked with ``search`` (not ``finditer``) so that a candidate
rejected by its checker does not hide a value starting inside it; see
``kinds`` for the shape the scan patterns keep to stay fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tenantlog.redaction.kinds import Kind, Scan

Span = tuple[int, int, str]  # start, end, label

# A redacted value next to one of these may have been what kept a neighbour
# from matching (``a@b.com555-0199``, ``a@b.com/1.2.3.4`` read as a version):
# such texts get one more pass.
_GLUE_AFTER = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+(:@%/")
_GLUE_BEFORE = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz@%.-:")


@dataclass(frozen=True, slots=True)
class CompiledScan:
    """One scan restricted to the enabled kinds, ready to run."""

    search: Callable[[str, int], re.Match[str] | None]
    head: Callable[[str], re.Match[str] | None] | None
    kinds: dict[str, Kind]
    trigger: Callable[[str], bool] | None


def compile_scan(scan: Scan, enabled: frozenset[str]) -> CompiledScan | None:
    """Compile ``scan`` with the groups of disabled detectors made unmatchable.

    Returns None when none of its kinds is enabled, so the scan is skipped.
    """
    kinds = {group: kind for group, kind in scan.kinds.items() if kind.detector in enabled}
    if not kinds:
        return None
    pattern = scan.pattern
    for group in scan.kinds.keys() - kinds.keys():
        pattern = pattern.replace(f"(?P<{group}>", f"(?P<{group}>(?!)")
    if not scan.lead:
        return CompiledScan(re.compile(pattern, scan.flags).search, None, kinds, scan.trigger)
    search = re.compile(f"{scan.lead}(?:{pattern})", scan.flags).search
    head = re.compile(pattern, scan.flags).match
    return CompiledScan(search, head, kinds, scan.trigger)


def find_spans(scans: Iterable[CompiledScan], text: str) -> list[Span]:
    """Confirmed PII spans, non-overlapping and sorted."""
    spans: list[Span] = []
    scans_with_hits = 0
    for scan in scans:
        if scan.trigger is not None and not scan.trigger(text):
            continue
        found_before = len(spans)
        # A led scan's matches start on the delimiter before the value; only
        # a value at the very start of the text has none.
        match = scan.head(text) if scan.head is not None else None
        skip = 0 if match is not None or scan.head is None else 1
        if match is None:
            match = scan.search(text, 0)
        while match is not None:
            kind = scan.kinds[match.lastgroup or ""]
            start = match.start() + skip
            confirmed = kind.check(text, start, match.end())
            if confirmed is None:
                pos = start + 1
            else:
                spans.append((confirmed[0], confirmed[1], kind.label))
                pos = max(confirmed[1], start + 1)
            match = scan.search(text, pos)
            skip = 0 if scan.head is None else 1
        scans_with_hits += len(spans) > found_before
    if scans_with_hits > 1:
        spans = _keep_longest(spans)
    return spans


def _keep_longest(spans: list[Span]) -> list[Span]:
    """Resolve overlaps between scans: the longer value wins, then the earlier one."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        if all(span[1] <= other[0] or other[1] <= span[0] for other in kept):
            kept.append(span)
    kept.sort()
    return kept


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
