"""The local worker: receives batches from the queue and applies the processor's outcomes."""

from tenantlog.worker.runner import Worker

__all__ = ["Worker"]
