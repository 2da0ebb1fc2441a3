"""The wire formats of the agent protocols (DESIGN §2c), as pure parsers.

OTLP/HTTP logs (``otlp``) and Loki's push API (``loki``) turn request bodies into
``AgentLog`` entries; ``derive_log_id`` gives each one the id it keeps when the
agent retries. No HTTP and no queue here: the routes do that.

The parsers live in ``tenantlog.protocols.loki`` and ``tenantlog.protocols.otlp``,
not here: importing them loads protobuf, which the entries alone do not need.
"""

from tenantlog.protocols.entries import (
    AgentLog,
    Caps,
    ProtocolError,
    Rejected,
    TooLarge,
    UnsupportedMediaType,
    derive_log_id,
)

__all__ = [
    "AgentLog",
    "Caps",
    "ProtocolError",
    "Rejected",
    "TooLarge",
    "UnsupportedMediaType",
    "derive_log_id",
]
