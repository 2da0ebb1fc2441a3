"""Search on the DynamoDB logs table: which Query serves a ``LogQuery``, and its cursors.

Two orders, two key schemas:

- log_id order (no time bound, no ``order``): the table itself, partition
  ``tenant_id`` (or one of a sharded tenant's keys: tenantlog.store.dynamodb_shards),
  sort key ``log_id``; the cursor's log_id is the
  ExclusiveStartKey.
- event-time order: the global secondary index ``by_event_time``, partition
  ``tenant_id``, sort key ``event_key`` = canonical event time, a space, the
  log_id. Canonical event times have one length and sort as time, and log ids
  hold no whitespace, so ``event_key`` sorts exactly as (event time, log_id),
  the order ``LogQuery`` pages by. ``since``/``until`` become one key
  condition, ``order`` the direction of the Query.

Why a GSI and not a local secondary index: an LSI can only be created with the
table (adding one means replacing the table and copying every log), and it
caps each tenant's partition (items and index together) at 10 GB. A GSI is
added to the live table and has no such cap; its price is that every log is
written twice (table and index: projection ALL, so a match is served by the
index alone rather than by one more GetItem per item, as KEYS_ONLY or INCLUDE
would need) and that it is eventually consistent (a log shows up in a time
window a moment after it does in log_id order).

The other filters are a FilterExpression, on either key schema: the folded
``severity`` copy (``severity_folded``), equality on the ``attributes`` map,
``source``. Attribute names come from clients: they only ever go into
ExpressionAttributeNames, never into an expression's text.

``q`` is refused (UnsupportedQuery): DynamoDB's ``contains`` is case
sensitive, and finding a rare word would read the tenant's whole partition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tenantlog.core.cursor import InvalidCursor, decode_cursor, encode_cursor
from tenantlog.core.query import LogQuery, UnsupportedQuery, event_time, fold

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

    from tenantlog.core.models import LogRecord

#: The index that serves event-time order (infra/dynamodb.tf, ``create_table``).
EVENT_INDEX = "by_event_time"
#: Its sort key, written on every log: ``<canonical event time> <log_id>``.
EVENT_KEY = "event_key"
#: ``fold(severity)``, written on every log that has a severity.
FOLDED_SEVERITY = "severity_folded"
#: DynamoDB's limit on a sort key value; a longer cursor cannot be one we issued.
MAX_SORT_KEY_BYTES = 1024
#: Operands of one ``IN`` (DynamoDB's limit): distinct severities one search names.
MAX_SEVERITIES = 100
#: ``attr.`` filters of one search: more than a log can carry attributes (64 by default)
#: could never all hold, and each one lengthens the 4 KB expression.
MAX_ATTRIBUTE_FILTERS = 64


def event_key(record: LogRecord) -> str:
    return f"{event_time(record)} {record.log_id}"


def search_attributes(record: LogRecord) -> dict[str, AttributeValueTypeDef]:
    """The attributes an item carries only so that it can be searched."""
    item: dict[str, AttributeValueTypeDef] = {EVENT_KEY: {"S": event_key(record)}}
    if record.severity is not None:
        item[FOLDED_SEVERITY] = {"S": fold(record.severity)}
    return item


@dataclass
class SearchInput:
    """The parts of the Query that the search decides; the store adds the table, its
    own filter (live items only) and the Limit."""

    key_condition: str
    filters: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, AttributeValueTypeDef] = field(default_factory=dict)
    index: str | None = None
    forward: bool = True
    start_key: dict[str, AttributeValueTypeDef] | None = None


def search_input(tenant_id: str, query: LogQuery, cursor: str | None) -> SearchInput | None:
    """What to ask DynamoDB for ``query``'s page after ``cursor`` in the partition
    ``tenant_id`` (a tenant's, or a shard's key); None when nothing is left to read there
    (the window is empty, or the cursor is past its end).

    UnsupportedQuery for ``q`` and for more filters than one request can express;
    InvalidCursor for a cursor this query did not issue.
    """
    if query.text is not None:
        raise UnsupportedQuery("q")
    found = SearchInput(key_condition="tenant_id = :t", values={":t": {"S": tenant_id}})
    _add_filters(found, query)
    if query.since is not None:
        found.values[":since"] = {"S": query.since}
    if query.until is not None:
        found.values[":until"] = {"S": query.until}
    if query.by_time:
        return _in_time_order(found, tenant_id, query, cursor)
    # A window in log_id order (a LogQuery may ask for one, though the read API gives
    # every window a time order) is a filter on the same attribute.
    if query.since is not None:
        found.filters.append(f"{EVENT_KEY} >= :since")
    if query.until is not None:
        found.filters.append(f"{EVENT_KEY} < :until")
    if cursor is not None:
        after = decode_cursor(cursor)
        if len(after.encode()) > MAX_SORT_KEY_BYTES:
            raise InvalidCursor("invalid cursor")
        found.start_key = {"tenant_id": {"S": tenant_id}, "log_id": {"S": after}}
    return found


def _in_time_order(
    found: SearchInput, tenant_id: str, query: LogQuery, cursor: str | None
) -> SearchInput | None:
    after = None
    if cursor is not None:
        after = " ".join(query.position(cursor))
        if len(after.encode()) > MAX_SORT_KEY_BYTES:
            raise InvalidCursor("invalid cursor")
    since, until = query.since, query.until
    if since is not None and until is not None and until <= since:
        return None  # an empty window, which DynamoDB's BETWEEN would refuse
    found.index = EVENT_INDEX
    found.forward = query.order == "asc"
    # No event_key equals a bare time (it goes on with " <log_id>"), so since/until
    # bound it exactly: since inclusive, until exclusive, BETWEEN for both.
    if since is not None and until is not None:
        found.key_condition += f" AND {EVENT_KEY} BETWEEN :since AND :until"
    elif since is not None:
        found.key_condition += f" AND {EVENT_KEY} >= :since"
    elif until is not None:
        found.key_condition += f" AND {EVENT_KEY} < :until"
    if after is None:
        return found
    # DynamoDB refuses an ExclusiveStartKey outside the key condition, which a relative
    # window (since=15m) moves between two pages: a cursor behind the window's start
    # (in the direction read) resumes at its start, one beyond its end finds nothing.
    if found.forward:
        if until is not None and after >= until:
            return None
        if since is not None and after < since:
            return found
    else:
        if since is not None and after < since:
            return None
        if until is not None and after >= until:
            return found
    found.start_key = {
        "tenant_id": {"S": tenant_id},
        "log_id": {"S": after.rsplit(" ", 1)[1]},
        EVENT_KEY: {"S": after},
    }
    return found


def key_position(query: LogQuery, last_key: Mapping[str, Any]) -> tuple[str, str]:
    """The place in ``query``'s order (``LogQuery.sort_key``) of the item a Query stopped
    at (its LastEvaluatedKey), read but perhaps filtered out."""
    if not query.by_time:
        return ("", str(last_key["log_id"]["S"]))
    moment, log_id = str(last_key[EVENT_KEY]["S"]).rsplit(" ", 1)
    return (moment, log_id)


def cursor_at(query: LogQuery, position: tuple[str, str]) -> str:
    """The cursor that resumes after ``position``: the same cursor ``query.cursor_after``
    gives for a record at that place, which ``query.position`` reads back
    (tests/aws/test_dynamodb_search.py holds the two to each other)."""
    moment, log_id = position
    if not query.by_time:
        return encode_cursor(log_id)
    return encode_cursor(f"{query.order} {moment} {log_id}")


def _add_filters(found: SearchInput, query: LogQuery) -> None:
    if query.severities:
        severities = sorted(query.severities)
        if len(severities) > MAX_SEVERITIES:
            raise UnsupportedQuery(f"severity with more than {MAX_SEVERITIES} values")
        found.names["#severity"] = FOLDED_SEVERITY
        placeholders = [f":severity{n}" for n in range(len(severities))]
        found.values.update({p: {"S": s} for p, s in zip(placeholders, severities, strict=True)})
        found.filters.append(f"#severity IN ({', '.join(placeholders)})")
    if query.source is not None:
        found.names["#source"] = "source"
        found.values[":source"] = {"S": query.source}
        found.filters.append("#source = :source")
    if len(query.attributes) > MAX_ATTRIBUTE_FILTERS:
        raise UnsupportedQuery(f"more than {MAX_ATTRIBUTE_FILTERS} attr. filters")
    if query.attributes:
        found.names["#attributes"] = "attributes"
    for n, (name, value) in enumerate(query.attributes):
        found.names[f"#attr{n}"] = name
        found.values[f":attr{n}"] = {"S": value}
        found.filters.append(f"#attributes.#attr{n} = :attr{n}")
