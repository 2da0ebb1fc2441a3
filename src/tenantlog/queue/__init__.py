"""The durable queue between the API and the workers: one module per backend (``memory``,
``sqlite``, ``sqs``) implementing ``tenantlog.core.queue.Queue``."""
