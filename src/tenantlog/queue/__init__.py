"""The durable queue between the API and the workers: one interface, one module per backend."""

from tenantlog.queue.base import (
    DeadLetterEntry,
    Delivery,
    Queue,
    QueueStats,
    QueueUnavailable,
)

__all__ = ["DeadLetterEntry", "Delivery", "Queue", "QueueStats", "QueueUnavailable"]
