"""The durable queue between the API and the workers: the interface in ``base``, one module per
backend (``memory``, ``sqlite``, ``sqs``)."""
