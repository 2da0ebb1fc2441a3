"""Field rules for tenant ids, log ids and texts (DESIGN §2), with messages that name the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_TENANT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
MAX_LOG_ID_CHARS = 128


class IngestError(Exception):
    """A request /ingest refuses; ``status`` and ``message`` become the HTTP answer.

    ``headers`` are response headers the answer needs besides the JSON body
    (lower-case names), e.g. ``Accept-Encoding`` on a 415 (RFC 9110 §15.5.16).
    """

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers: Mapping[str, str] = headers or {}

    def on_line(self, line: int) -> IngestError:
        """The same error located on a 1-based NDJSON line."""
        return IngestError(self.status, f"line {line}: {self.message}", self.headers)


PAYLOAD_TOO_LARGE = "payload too large"


def body_too_large() -> IngestError:
    """The seed's exact 413 for a body over the limit (before or after decoding, DESIGN §2)."""
    return IngestError(413, PAYLOAD_TOO_LARGE)


def too_large(reason: str) -> IngestError:
    """Any other size refusal names its limit: ``payload too large: <reason>`` (DESIGN §2)."""
    return IngestError(413, f"{PAYLOAD_TOO_LARGE}: {reason}")


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may cost: bytes, log lines, and seconds for its body to arrive.

    The text limit keeps two copies of a log inside one DynamoDB item; the line
    limit bounds the messages (and memory) one NDJSON body can turn into.
    ``request_timeout`` is for the HTTP shell, which reads the body; the core
    never waits on anything. ``max_work_chars`` is the longest text the worker
    can finish within its time budget (None: no budget); a longer one is refused
    here rather than accepted and retried to the dead-letter queue.
    """

    max_text_bytes: int = 65536
    max_body_bytes: int = 5 * 1024 * 1024
    max_batch_lines: int = 10_000
    request_timeout: float = 30.0
    max_work_chars: int | None = None


def is_valid_tenant_id(value: str) -> bool:
    return _TENANT_ID.fullmatch(value) is not None


def check_tenant_id(value: object, *, source: str = "tenant_id") -> str:
    if value is None:
        raise IngestError(400, f"missing required field: {source}")
    if not isinstance(value, str):
        raise IngestError(400, f"{source} must be a string")
    if not value:
        raise IngestError(400, f"{source} must not be empty")
    if not is_valid_tenant_id(value):
        raise IngestError(
            400,
            f"invalid {source}: use 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'",
        )
    return value


def is_valid_log_id(value: str) -> bool:
    # isprintable() rejects control, format and separator characters except
    # the ASCII space, which is then excluded on its own.
    return 0 < len(value) <= MAX_LOG_ID_CHARS and value.isprintable() and " " not in value


def check_log_id(value: object, *, source: str = "log_id") -> str:
    if not isinstance(value, str):
        raise IngestError(400, f"{source} must be a string")
    if not is_valid_log_id(value):
        raise IngestError(
            400,
            f"invalid {source}: use 1-{MAX_LOG_ID_CHARS} printable characters without whitespace",
        )
    return value


def check_text(value: object, limits: Limits) -> str:
    if value is None:
        raise IngestError(400, "missing required field: text")
    if not isinstance(value, str):
        raise IngestError(400, "text must be a string")
    if not value:
        raise IngestError(400, "text must not be empty")
    size = len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))
    if size > limits.max_text_bytes:
        raise too_large(f"text over {limits.max_text_bytes} bytes")
    if limits.max_work_chars is not None and len(value) > limits.max_work_chars:
        raise too_large(
            f"text over {limits.max_work_chars} characters, the most the worker can process"
            " within its time budget (TENANTLOG_WORKER_TIME_BUDGET)"
        )
    if not value.isascii() and _has_lone_surrogate(value):
        raise IngestError(400, "text is not valid UTF-8 (lone surrogate)")
    return value


def _has_lone_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
