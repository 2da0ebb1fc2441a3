"""Where usage counts are kept: one module per backend (``memory``, ``sqlite``, ``dynamodb``)
implementing ``tenantlog.core.usage.UsageStore``.

Every process adds its in-memory counts to the store in periodic flushes
(``tenantlog.core.usage_recorder.UsageRecorder``), so the store sees one increment per
(tenant, day) per flush and process, never one per request.
"""
