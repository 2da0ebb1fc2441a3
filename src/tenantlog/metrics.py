"""Prometheus metrics of the API and the worker, defined once for every shell."""

from __future__ import annotations

import functools

from prometheus_client import Counter, Gauge, Histogram

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
MESSAGES_PROCESSED = Counter(
    "tenantlog_messages_processed",
    "Messages processed and acked; result=stored, or duplicate when a copy was already stored",
    ["result"],
)
MESSAGES_FAILED = Counter(
    "tenantlog_messages_failed", "Processing attempts that failed and were released for a retry"
)
MESSAGES_DEAD_LETTERED = Counter(
    "tenantlog_messages_dead_lettered", "Messages the worker moved to the dead-letter queue"
)
REDACTIONS = Counter("tenantlog_redactions", "PII values redacted, by type", ["type"])
QUEUE_VISIBLE = Gauge("tenantlog_queue_visible", "Messages waiting to be received")
QUEUE_IN_FLIGHT = Gauge("tenantlog_queue_in_flight", "Messages received and not yet acked")
QUEUE_DEAD_LETTERS = Gauge("tenantlog_queue_dead_letters", "Messages in the dead-letter queue")
SQLITE_COMMIT_OPERATIONS = Histogram(
    "tenantlog_sqlite_commit_operations",
    "Operations (sends, receives, writes, acks) sharing one SQLite transaction (group commit)",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
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
