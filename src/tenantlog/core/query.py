"""Search over a tenant's logs (DESIGN §2, reads): the filters, their order, their cursor.

``LogQuery.matches`` is the reference semantics: the memory store filters
with it, and the property tests hold the SQLite store's SQL to it.

- ``since`` (inclusive) and ``until`` (exclusive) bound the event time: the
  record's ``timestamp``, or ``received_at`` for a record without one, both
  in the canonical form (RFC 3339 UTC, nine fractional digits), in which text
  order is time order. Adjacent windows thus never share a record.
- ``q`` is a case-insensitive (Unicode case folding) substring of
  ``modified_data`` only: searching the unredacted text would tell, one
  yes/no at a time, what redaction removed.
- ``severity`` matches case-insensitively (``error`` finds ``ERROR``), as
  Loki's and Datadog's users expect; several values match any of them.
- ``attr.KEY=VALUE`` is equality with the redacted attribute value, case
  sensitive like a Loki label matcher; several must all hold.
- ``source`` is equality.

Order: a query with a time bound or an explicit ``order`` is sorted by
(event time, log_id), newest first unless ``order=asc``; otherwise by
log_id, as the read API always was, so existing clients see no change. A
cursor is the sort key of the last record returned, so a page resumes
strictly after it whatever was written meanwhile: no record is skipped or
repeated (a record written behind the cursor is simply not on later pages).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, cast

from tenantlog.core.cursor import InvalidCursor, decode_cursor, encode_cursor
from tenantlog.core.durations import parse_duration
from tenantlog.core.models import SOURCES, LogRecord, ns_from_rfc3339, timestamp_from_ns

Order = Literal["asc", "desc"]
#: The longest ``q`` accepted: a search term, not a document.
MAX_TEXT_CHARS = 1024
ATTRIBUTE_PREFIX = "attr."
_CANONICAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z")
_NS_PER_SECOND = 1_000_000_000


class InvalidQuery(ValueError):
    """A filter of the query is malformed; the message names it."""


class UnsupportedQuery(Exception):
    """This backend cannot serve the filter at a bounded cost; the message names it."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is not supported on this backend")
        self.name = name


def fold(text: str) -> str:
    """The form in which case-insensitive comparisons are made (Unicode case folding)."""
    return text.casefold()


def canonical_time(text: str) -> str:
    """``text`` (RFC 3339) in the canonical event-time form; ``text`` itself if it is not
    RFC 3339, so that a record with an odd ``received_at`` still sorts somewhere."""
    if _CANONICAL.fullmatch(text):
        return text
    try:
        return timestamp_from_ns(ns_from_rfc3339(text))
    except ValueError:
        return text


def event_time(record: LogRecord) -> str:
    """When the event happened, canonical: ``timestamp`` (stored canonical already), or
    else ``received_at`` (which has milliseconds)."""
    return canonical_time(record.received_at if record.timestamp is None else record.timestamp)


@dataclass(frozen=True, slots=True)
class LogQuery:
    """Parsed filters and order of one read; every field optional, all combined with AND.

    ``severities`` are folded (``fold``); ``attributes`` are (name, value)
    pairs; ``order`` None means log_id order.
    """

    since: str | None = None
    until: str | None = None
    text: str | None = None
    severities: frozenset[str] = field(default_factory=frozenset)
    attributes: tuple[tuple[str, str], ...] = ()
    source: str | None = None
    order: Order | None = None

    @property
    def by_time(self) -> bool:
        """Whether pages follow (event time, log_id) rather than log_id."""
        return self.order is not None

    def filters(self) -> list[str]:
        """The names of the query parameters this query uses, in a fixed order."""
        names = [
            name
            for name, used in (
                ("since", self.since is not None),
                ("until", self.until is not None),
                ("q", self.text is not None),
                ("severity", bool(self.severities)),
                ("source", self.source is not None),
            )
            if used
        ]
        names += [ATTRIBUTE_PREFIX + name for name, _ in self.attributes]
        if self.order is not None and not names:
            names.append("order")
        return names

    def matches(self, record: LogRecord) -> bool:
        if self.since is not None or self.until is not None:
            moment = event_time(record)
            if self.since is not None and moment < self.since:
                return False
            if self.until is not None and moment >= self.until:
                return False
        if self.text is not None and fold(self.text) not in fold(record.modified_data):
            return False
        if self.severities and (
            record.severity is None or fold(record.severity) not in self.severities
        ):
            return False
        if self.source is not None and record.source != self.source:
            return False
        return all(record.attributes.get(name) == value for name, value in self.attributes)

    def sort_key(self, record: LogRecord) -> tuple[str, str]:
        """The record's place in this query's order (ascending; ``desc`` reverses it)."""
        return (event_time(record) if self.by_time else "", record.log_id)

    def cursor_after(self, record: LogRecord) -> str:
        """The cursor of a page whose last record is ``record``."""
        if not self.by_time:
            return encode_cursor(record.log_id)
        return encode_cursor(f"{self.order} {event_time(record)} {record.log_id}")

    def position(self, cursor: str) -> tuple[str, str]:
        """The sort key a cursor of this query resumes after; InvalidCursor for one it did
        not issue (a log_id cursor, or one of the other direction, included)."""
        value = decode_cursor(cursor)
        if not self.by_time:
            return ("", value)
        parts = value.split(" ")
        if len(parts) != 3 or parts[0] != self.order or not _CANONICAL.fullmatch(parts[1]):
            raise InvalidCursor("invalid cursor")
        if not parts[2]:
            raise InvalidCursor("invalid cursor")
        return (parts[1], parts[2])


#: A plain listing: no filter, log_id order.
EVERYTHING = LogQuery()


def parse_query(params: Iterable[tuple[str, str]], now: float) -> LogQuery:
    """The query that request parameters ask for; InvalidQuery naming a malformed one.

    ``params`` are (name, value) pairs, repeated names kept; names that are
    not filters (``limit``, ``cursor``, ``fields``, unknown ones) are
    ignored. ``now`` (Unix seconds) anchors relative times: ``since=15m``
    is fifteen minutes before it.
    """
    values: dict[str, list[str]] = {}
    attributes: list[tuple[str, str]] = []
    for name, value in params:
        if name.startswith(ATTRIBUTE_PREFIX):
            key = name[len(ATTRIBUTE_PREFIX) :]
            if not key:
                raise InvalidQuery("invalid attr.: name the attribute, e.g. attr.service=pay")
            attributes.append((key, value))
        else:
            values.setdefault(name, []).append(value)
    since = _time(values, "since", now)
    until = _time(values, "until", now)
    if since is not None and until is not None and until <= since:
        raise InvalidQuery("invalid until: must be later than since")
    text = _single(values, "q")
    if text is not None and len(text) > MAX_TEXT_CHARS:
        raise InvalidQuery(f"invalid q: longer than {MAX_TEXT_CHARS} characters")
    if text is not None and "\x00" in text:
        # SQLite's full-text query parser reads a C string: a NUL ends the quoted phrase
        # early, and the search failed as "unterminated string" (a 503, not a 400).
        raise InvalidQuery("invalid q: holds a NUL character (U+0000)")
    severities = frozenset(_severities(values.get("severity", [])))
    source = _single(values, "source")
    if source is not None and source not in SOURCES:
        raise InvalidQuery(f"invalid source: use one of {', '.join(sorted(SOURCES))}")
    order = _single(values, "order")
    if order is not None and order not in ("asc", "desc"):
        raise InvalidQuery("invalid order: use asc or desc")
    if order is None and (since is not None or until is not None):
        order = "desc"  # a time window is read newest first, as in Loki and Datadog
    return LogQuery(
        since=since,
        until=until,
        text=text,
        severities=severities,
        attributes=tuple(attributes),
        source=source,
        order=cast("Order | None", order),
    )


def _single(values: Mapping[str, list[str]], name: str) -> str | None:
    given = values.get(name, [])
    if len(given) > 1:
        raise InvalidQuery(f"invalid {name}: given more than once")
    if given and not given[0]:
        raise InvalidQuery(f"invalid {name}: empty")
    return given[0] if given else None


def _time(values: Mapping[str, list[str]], name: str, now: float) -> str | None:
    text = _single(values, name)
    if text is None:
        return None
    try:
        ago = parse_duration(text)
    except ValueError:
        pass
    else:
        ns = round(now * _NS_PER_SECOND) - round(ago.total_seconds() * _NS_PER_SECOND)
        return timestamp_from_ns(max(ns, 0))
    try:
        return timestamp_from_ns(ns_from_rfc3339(text))
    except ValueError as exc:
        raise InvalidQuery(
            f"invalid {name}: {exc}; or give a duration before now, such as 15m, 2h, 7d"
        ) from None


def _severities(given: list[str]) -> list[str]:
    """``severity`` values, repeated or comma-separated (``severity=error,warn``), folded."""
    names = [part.strip() for value in given for part in value.split(",")]
    if any(not name for name in names):
        raise InvalidQuery("invalid severity: empty")
    return [fold(name) for name in names]
