"""Usage per tenant and UTC day (DESIGN §2b): logs and bytes accepted, logs refused by the
rate limit, logs stored and logs dead-lettered.

Counting must not cost a write per request, so every process counts in memory
(``UsageRecorder``) and adds its counts to the backend (``UsageStore``) in one
flush every ``flush_seconds``: one write per (tenant, day) that had activity,
however many requests it was. The API's admission step counts accepted and
rate-limited logs; the worker, once a message's outcome is applied, counts
stored and dead-lettered ones (``tenantlog.core.usage_recorder``).

What the counts mean:

- accepted: logs answered with a 202 and enqueued; their bytes are the size of
  the messages as queued (each log's JSON message: its text, attributes and
  ids), the same measure for every route whatever the request's encoding or
  compression. A replayed Idempotency-Key request enqueues nothing and is not
  counted again.
- rate-limited: logs refused with a 429, counted for the tenant whose limit
  refused them. A batch over the burst (413) is not a rate-limit refusal.
- stored: logs written to the store; a redelivered copy of a stored log is not
  counted again, since the store keeps the first.
- dead-lettered: messages the worker moved to the dead-letter queue, counted
  for the tenant their message names. A message that cannot be decoded names
  no tenant it could be charged to and is counted by the dead-letter metrics
  only, as are messages the queue itself moves after receives without a
  result (a worker that died).

Each count goes to the UTC day on which it happened: a log accepted just
before midnight may be stored the next day.

The same flush adds the service's totals per UTC minute (``add_minute``), every
tenant's counts together, which the console charts as the rates of the last
hour. Prometheus' ``/metrics`` cannot: it is per process, and absent on Lambda,
where the store is the one place every process's counts meet. A minute's bucket
is kept for ``MINUTES_KEPT`` seconds (the backends delete or expire older ones)
and counts dead letters of messages that name no tenant too. The backends keep
the buckets under ``SERVICE``, a key no valid tenant id can be (tenant ids are
``[A-Za-z0-9._-]``), so a tenant's days and the listings never meet them.

What a count may lose: a process that crashes loses what it counted since its
last flush, at most ``flush_seconds`` of counts. A flush that fails keeps its
counts for the next one. A flush whose write succeeded but whose answer was
lost (a timeout, a retried request) may count them twice; usage is a meter,
not a ledger.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

#: ``?days=`` and ``--days``: today and the days before it, up to a year (a leap one).
DEFAULT_DAYS = 7
MAX_DAYS = 366
#: The tenant key of the service-wide minute buckets: no valid tenant id has a ``*``.
SERVICE = "*"
#: Seconds a minute's bucket is kept, counted from the start of its minute: the hour the
#: console shows, and as long again for counts that arrive late (a flush retried after
#: an outage).
MINUTES_KEPT = 2 * 3600
#: Minutes the console charts: the last hour.
RATE_MINUTES = 60


class UsageUnavailable(Exception):
    """Usage counts cannot be read or written."""


@dataclass(frozen=True, slots=True)
class Counts:
    """One tenant's counts for one day (or a sum of days)."""

    accepted_logs: int = 0
    accepted_bytes: int = 0
    rate_limited_logs: int = 0
    stored_logs: int = 0
    dead_lettered_logs: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    @property
    def empty(self) -> bool:
        return not any(astuple(self))

    def to_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIELDS}


#: The counted fields, in order: the JSON keys, the SQLite columns and the DynamoDB attributes.
FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Counts))


@dataclass(frozen=True, slots=True)
class DayUsage:
    tenant_id: str
    day: str  # YYYY-MM-DD, UTC
    counts: Counts


@dataclass(frozen=True, slots=True)
class MinuteUsage:
    minute: str  # YYYY-MM-DDTHH:MM, UTC
    counts: Counts


class UsageStore(Protocol):
    """Where the counts are kept; every call may raise UsageUnavailable."""

    async def add(self, tenant_id: str, day: str, counts: Counts) -> None:
        """Add ``counts`` to the tenant's day, every field or none (an increment: concurrent
        adds from several processes all count)."""

    async def tenant_days(self, tenant_id: str, first_day: str, last_day: str) -> list[DayUsage]:
        """The tenant's days from ``first_day`` to ``last_day`` (inclusive) that have counts,
        by day."""

    async def all_days(self, first_day: str, last_day: str) -> list[DayUsage]:
        """Every tenant's days in the range that have counts, by tenant, then day. The
        range is at most ``MAX_DAYS`` days (DynamoDB asks its index once per day)."""

    async def add_minute(self, minute: str, counts: Counts) -> None:
        """Add ``counts`` to the service's bucket of one UTC minute (an increment, as
        ``add``). Buckets older than ``MINUTES_KEPT`` seconds before ``minute`` are
        deleted, or expire."""

    async def minutes(self, first_minute: str, last_minute: str) -> list[MinuteUsage]:
        """The service's buckets from ``first_minute`` to ``last_minute`` (inclusive)
        that have counts, oldest first; never a tenant's days."""

    async def close(self) -> None: ...


# ---- days ----------------------------------------------------------------------------


def utc_day(at: float) -> str:
    """The UTC day of a Unix time, ``YYYY-MM-DD`` (which sorts as the days do)."""
    return datetime.fromtimestamp(at, UTC).date().isoformat()


def utc_minute(at: float) -> str:
    """The UTC minute of a Unix time, ``YYYY-MM-DDTHH:MM`` (which sorts as the minutes do)."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M")


def minute_start(minute: str) -> float:
    """The Unix time at which a ``YYYY-MM-DDTHH:MM`` minute begins."""
    return datetime.fromisoformat(minute).replace(tzinfo=UTC).timestamp()


def first_kept(minute: str) -> str:
    """The oldest minute whose bucket is still kept at ``minute``: older ones are deleted,
    or expire (``MINUTES_KEPT``)."""
    return utc_minute(minute_start(minute) - MINUTES_KEPT)


def day_range(first_day: str, last_day: str) -> list[str]:
    """Every day from ``first_day`` to ``last_day``, inclusive, oldest first."""
    first, last = date.fromisoformat(first_day), date.fromisoformat(last_day)
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def window(now: float, days: int) -> tuple[str, str]:
    """The first and last day of the ``days`` days up to and including today."""
    today = datetime.fromtimestamp(now, UTC).date()
    return (today - timedelta(days=days - 1)).isoformat(), today.isoformat()


# ---- reading, for the API and the CLI (one shape each) -------------------------------


async def tenant_usage(store: UsageStore, tenant_id: str, days: int, now: float) -> dict[str, Any]:
    """``GET /tenants/{t}/usage`` and ``tenants usage TENANT --json``: every day of the
    window, oldest first, a day without activity as zeros (so a chart needs no gaps
    filled, and "nothing happened" reads the same as on a busy day)."""
    first, last = window(now, days)
    found = {u.day: u.counts for u in await store.tenant_days(tenant_id, first, last)}
    return {
        "tenant_id": tenant_id,
        "days": [
            {"day": day, **found.get(day, Counts()).to_dict()} for day in day_range(first, last)
        ],
    }


async def tenants_usage(store: UsageStore, days: int, now: float) -> dict[str, Any]:
    """``GET /tenants`` and ``tenants usage --json``: every tenant with counts in the window,
    by tenant id, with its totals over the window."""
    first, last = window(now, days)
    totals: dict[str, Counts] = {}
    for usage in await store.all_days(first, last):
        totals[usage.tenant_id] = totals.get(usage.tenant_id, Counts()) + usage.counts
    return {
        "first_day": first,
        "last_day": last,
        "tenants": [
            {"tenant_id": tenant, **counts.to_dict()} for tenant, counts in sorted(totals.items())
        ],
    }


async def recent_minutes(
    store: UsageStore, now: float, minutes: int = RATE_MINUTES
) -> list[MinuteUsage]:
    """The service's counts in each of the last ``minutes`` UTC minutes up to and including
    the current one, oldest first, a minute without activity as zeros (so a chart needs no
    gaps filled)."""
    current = now - now % 60
    every = [utc_minute(current - 60 * n) for n in range(minutes - 1, -1, -1)]
    found = {u.minute: u.counts for u in await store.minutes(every[0], every[-1])}
    return [MinuteUsage(minute, found.get(minute, Counts())) for minute in every]


# ---- counting ------------------------------------------------------------------------
