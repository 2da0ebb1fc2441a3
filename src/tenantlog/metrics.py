"""Prometheus metrics of the API and the worker, defined once for every shell.

Under the local command line (``serve``, ``api``, ``worker``) the values live
in files shared by every process on the data directory, so that one scrape
of any API process shows them all (``tenantlog.metrics_processes`` says how
and why). Elsewhere (Lambda, tests) they live in this process's memory.
Either way ``exposition`` renders the ``/metrics`` body.

A gauge defined here would be written per process in the shared mode; give
it a ``multiprocess_mode`` (a ``live*`` one, so that a process's value leaves
with it), or, like the queue gauges, compute it at scrape time instead.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from prometheus_client import REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from tenantlog import metrics_processes
from tenantlog.core.queue import QueueStats

#: The directory whose files hold every local process's values; None: this process's memory.
#: Set before any metric below is defined: a metric's values are made when it is.
SHARED_DIRECTORY = metrics_processes.join()

HTTP_REQUESTS = Counter(
    "tenantlog_http_requests", "HTTP requests answered, by route and status", ["route", "status"]
)
AUTH_FAILURES = Counter(
    "tenantlog_auth_failures",
    "Requests refused before authentication succeeded, by reason"
    " (missing, malformed, unknown, revoked, expired, throttled)",
    ["reason"],
)
ENQUEUE_SECONDS = Histogram(
    "tenantlog_enqueue_seconds",
    "Time to durably enqueue one request's logs (includes waiting for the group commit)",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
LOGS_ACCEPTED = Counter("tenantlog_logs_accepted", "Logs accepted with 202, by source", ["source"])
RATE_LIMITED = Counter(
    "tenantlog_logs_rate_limited", "Logs refused with 429 by their tenant's rate limit"
)
MESSAGES_PROCESSED = Counter(
    "tenantlog_messages_processed",
    "Messages processed and acked; result=stored, duplicate when a copy was already stored,"
    " or erasure for an erasure carried out",
    ["result"],
)
CONFLICTS = Counter(
    "tenantlog_conflicts",
    "Messages whose (tenant, log_id) was already stored with another text; the first write stands",
)
MESSAGES_FAILED = Counter(
    "tenantlog_messages_failed", "Processing attempts that failed and were released for a retry"
)
MESSAGES_DEAD_LETTERED = Counter(
    "tenantlog_messages_dead_lettered", "Messages the worker moved to the dead-letter queue"
)
REDACTIONS = Counter("tenantlog_redactions", "PII values redacted, by type", ["type"])
SQLITE_COMMIT_OPERATIONS = Histogram(
    "tenantlog_sqlite_commit_operations",
    "Operations (sends, receives, writes, acks) sharing one SQLite transaction (group commit)",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
RECORDS_EXPIRED = Counter(
    "tenantlog_records_expired",
    "Stored logs past their tenant's retention deleted by the embedded store's purge"
    " (DynamoDB's TTL deletes on the aws backend are not counted here)",
)


# prometheus_client's labels() lookup costs as much as the increment, so the hot
# path keeps the children; routes, statuses and sources are few, so the caches stay small.
@functools.cache
def answered(route: str, status: int) -> Counter:
    """The child of HTTP_REQUESTS for one route label and status."""
    return HTTP_REQUESTS.labels(route, str(status))


@functools.cache
def accepted(source: str) -> Counter:
    """The child of LOGS_ACCEPTED for one source."""
    return LOGS_ACCEPTED.labels(source)


#: Where the counters and histograms are read from at scrape time.
_SOURCE: Collector = (
    REGISTRY if SHARED_DIRECTORY is None else metrics_processes.SharedCollector(SHARED_DIRECTORY)
)


class _Scrape:
    """The metric families of one scrape: the process values, then the queue gauges."""

    def __init__(self, *parts: Iterable[Metric]) -> None:
        self.parts = parts

    def collect(self) -> Iterable[Metric]:
        for part in self.parts:
            yield from part


def queue_gauges(stats: QueueStats) -> list[Metric]:
    """The queue's counts as gauges, read by the scraping process at scrape time.

    Not Gauge objects: set in several processes they would be added up (or one
    process's stale value shown) across the shared files; read from the queue
    at each scrape they are the current counts whichever process answers.
    """
    return [
        GaugeMetricFamily(
            "tenantlog_queue_visible", "Messages waiting to be received", value=stats.visible
        ),
        GaugeMetricFamily(
            "tenantlog_queue_in_flight",
            "Messages received and not yet acked",
            value=stats.in_flight,
        ),
        GaugeMetricFamily(
            "tenantlog_queue_dead_letters",
            "Messages in the dead-letter queue",
            value=stats.dead_letters,
        ),
    ]


def exposition(queue: QueueStats | None) -> bytes:
    """The ``/metrics`` body (Prometheus text format).

    ``queue`` is None when the queue could not be read: the gauges are then
    left out rather than shown stale, and the counters are still served.
    Reads files in the shared mode, so callers on an event loop run it in a
    thread.
    """
    gauges = [] if queue is None else queue_gauges(queue)
    return generate_latest(_Scrape(_SOURCE.collect(), gauges))
