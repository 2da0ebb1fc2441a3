"""Idempotency-Key on ingest: a retried request gets the same log ids and enqueues nothing new.

Two mechanisms, because neither is enough alone:

- The ids of a keyed request's logs are derived from the key, the time of
  the request's first attempt and each log's position, not drawn at random.
  However often the same request is sent again (a client retry, a request
  that died between enqueueing and recording that it had), its logs land on
  the same (tenant, log_id), and the store's first write wins: stored once.
- A record per (tenant, key), kept for the idempotency window, lets a retry
  after success be answered from it without enqueueing again (and with the
  first attempt's ids), refuses a key reused for a different request (422),
  and tells a concurrent duplicate that the first is still in flight (409).

A request holds its key for ``LEASE_SECONDS`` while it enqueues. If it dies
holding it, the next retry after the lease takes the key over and enqueues
again, under the same ids: the store drops what the first attempt managed
to send.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Protocol

from tenantlog.core.validation import IngestError

HEADER = "Idempotency-Key"
#: Seconds a request may hold its key while enqueueing before a retry may take it over.
LEASE_SECONDS = 60.0
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = (b"idempotent-replayed", b"true")


class IdempotencyUnavailable(Exception):
    """The record of keys cannot be read or written: the request is refused (503), never
    accepted unguarded, since the client asked for at-most-once enqueueing."""


def parse_key(header: str) -> str:
    """The key of an ``Idempotency-Key`` header; IngestError 400 naming what is wrong.

    The IETF draft (draft-ietf-httpapi-idempotency-key-header) makes the value
    a quoted Structured Field string; most clients (Stripe's, for one) send it
    bare. Both are accepted, as the same key: 1 to 255 visible ASCII characters.
    """
    value = header.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not value:
        raise IngestError(400, f"{HEADER} header is empty")
    if len(value) > MAX_KEY_LENGTH:
        raise IngestError(400, f"{HEADER} header is longer than {MAX_KEY_LENGTH} characters")
    if not (value.isascii() and value.isprintable()) or " " in value or '"' in value:
        raise IngestError(
            400, f"{HEADER} header must be visible ASCII characters without spaces or quotes"
        )
    return value


def fingerprint(*parts: bytes | str | None) -> str:
    """What makes two requests the same request: the headers that shape it, and its body."""
    digest = hashlib.sha256()
    for part in parts:
        data = b"\x00" if part is None else part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


class DerivedLogIds:
    """Log ids for a keyed request: UUIDv7 in layout (its 48-bit time is the first attempt's,
    so the logs sort by arrival like generated ones), its other bits a hash of the key and
    the log's position in the request."""

    def __init__(self, key: str, first_attempt_ms: int) -> None:
        self._seed = hashlib.blake2b(key.encode(), digest_size=16)
        self._time = (first_attempt_ms & ((1 << 48) - 1)) << 80
        self._position = 0

    def __call__(self) -> str:
        digest = self._seed.copy()
        digest.update(self._position.to_bytes(4, "big"))
        self._position += 1
        bits = int.from_bytes(digest.digest()[:10], "big")  # 80 bits, 74 of them kept
        rand_a = (bits >> 68) & 0xFFF
        rand_b = bits & ((1 << 62) - 1)
        value = self._time | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
        return str(uuid.UUID(int=value))


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What the service remembers of one (tenant, key).

    ``first_attempt_ms`` seeds the derived log ids; ``done`` is set once the
    request's logs are enqueued; ``lease_until`` and ``expires_at`` are Unix
    seconds.
    """

    fingerprint: str
    first_attempt_ms: int
    done: bool
    lease_until: float
    expires_at: float


@dataclass(frozen=True, slots=True)
class Claim:
    """The answer to a claim: ``owned`` when this request may enqueue (a new key, or one
    whose holder's lease ran out), with the record as it now stands."""

    owned: bool
    record: KeyRecord


class IdempotencyKeys(Protocol):
    """The record of keys. Each call is atomic; every call raises IdempotencyUnavailable."""

    async def claim(self, tenant_id: str, key: str, proposed: KeyRecord, now: float) -> Claim:
        """Store ``proposed`` when the key is unknown or expired (owned); take over a
        pending record with the same fingerprint whose lease has run out (owned, its
        ``first_attempt_ms`` kept, the lease renewed from ``proposed``); otherwise return
        the record as it is (not owned)."""

    async def complete(self, tenant_id: str, key: str) -> None:
        """Mark the key's request as enqueued: retries are answered from the record."""

    async def release(self, tenant_id: str, key: str, fingerprint: str) -> None:
        """Forget a pending key whose request failed to enqueue, so a retry need not wait
        for the lease (its ids are derived, so what was partly sent is not stored twice)."""

    async def close(self) -> None: ...


def decide_claim(
    existing: KeyRecord | None, proposed: KeyRecord, now: float
) -> tuple[bool, KeyRecord]:
    """The claim rule every backend applies inside its own atomic step: (owned, record)."""
    if existing is None or existing.expires_at <= now:
        return True, proposed
    if (
        not existing.done
        and existing.fingerprint == proposed.fingerprint
        and existing.lease_until <= now
    ):
        taken = KeyRecord(
            existing.fingerprint,
            existing.first_attempt_ms,
            False,
            proposed.lease_until,
            existing.expires_at,
        )
        return True, taken
    return False, existing


def refusal(claim: Claim, fingerprint: str) -> IngestError | None:
    """Why a request that did not get its key is not simply replayed, if it is not."""
    if claim.owned:
        return None
    if claim.record.fingerprint != fingerprint:
        return IngestError(
            422, f"this {HEADER} was already used for a different request; use a new key"
        )
    if not claim.record.done:
        return IngestError(
            409,
            f"a request with this {HEADER} is still being processed; retry later",
            {"retry-after": "1"},
        )
    return None
