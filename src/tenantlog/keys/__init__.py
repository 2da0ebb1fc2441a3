"""Where API keys are kept: one module per backend (``memory``, ``sqlite``, ``dynamodb``)
implementing ``tenantlog.core.keys.KeyStore``."""
