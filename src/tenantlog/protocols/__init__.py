"""The wire formats of the agent protocols (DESIGN §2c), as pure parsers.

OTLP/HTTP logs (``otlp``) and Loki's push API (``loki``) turn request bodies into
``AgentLog`` entries; ``derive_log_id`` gives each one the id it keeps when the
agent retries. No HTTP and no queue here: the routes do that.
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
from tenantlog.protocols.loki import parse_loki
from tenantlog.protocols.otlp import (
    OtlpBatch,
    encode_response,
    encode_status,
    parse_otlp,
    response_content_type,
)

__all__ = [
    "AgentLog",
    "Caps",
    "OtlpBatch",
    "ProtocolError",
    "Rejected",
    "TooLarge",
    "UnsupportedMediaType",
    "derive_log_id",
    "encode_response",
    "encode_status",
    "parse_loki",
    "parse_otlp",
    "response_content_type",
]
