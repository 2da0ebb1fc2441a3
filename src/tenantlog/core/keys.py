"""Tenant API keys (DESIGN §2a): what a key is, how its secret looks, and where keys are kept.

A secret reads ``tlk_<key_id>_<random>``: the fixed ``tlk_`` prefix lets
secret scanners recognise a leaked one, the key id lets the service find the
key with one lookup, and the random part carries 190 bits. Only a SHA-256
digest of the whole secret is stored. A fast hash is the standard choice for
a high-entropy secret: nobody can guess 2^190 values whatever the hash
costs, while a slow password hash (bcrypt, argon2) would add milliseconds to
every request and buy nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

SECRET_PREFIX = "tlk_"
KEY_ID_CHARS = 16
_ALPHABET = string.ascii_letters + string.digits
_RANDOM_CHARS = 32  # 32 characters of 62: 190 bits
_KEY_ID_ALPHABET = string.ascii_lowercase + string.digits
_SECRET_LENGTH = len(SECRET_PREFIX) + KEY_ID_CHARS + 1 + _RANDOM_CHARS

Scope = Literal["ingest", "read", "audit", "delete", "admin"]
SCOPES: tuple[Scope, ...] = ("ingest", "read", "audit", "delete", "admin")
DEFAULT_SCOPES: frozenset[str] = frozenset({"ingest"})


class KeyStoreUnavailable(Exception):
    """The key store cannot be reached or written."""


class DuplicateKey(Exception):
    """A key with this id exists already (ids are random: a second add of the same key)."""


def new_key_id() -> str:
    return "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(KEY_ID_CHARS))


def new_secret(key_id: str) -> str:
    return f"{SECRET_PREFIX}{key_id}_" + "".join(
        secrets.choice(_ALPHABET) for _ in range(_RANDOM_CHARS)
    )


def secret_digest(secret: str) -> str:
    """What is stored and compared instead of the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def key_id_of(secret: str) -> str | None:
    """The key id inside a well-formed secret; None for anything else.

    String tests rather than a regex: this runs on every authenticated request.
    """
    if len(secret) != _SECRET_LENGTH or not secret.startswith(SECRET_PREFIX):
        return None
    key_id, separator = secret[4:20], secret[20]
    if separator != "_" or not (key_id.isascii() and key_id.isalnum() and key_id.lower() == key_id):
        return None
    return key_id


def check_scopes(scopes: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(scopes)
    unknown = sorted(chosen - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scope(s) {unknown}; choose from {list(SCOPES)}")
    if not chosen:
        raise ValueError("a key needs at least one scope")
    return chosen


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One key of one tenant. Times are RFC 3339 UTC strings; None means never."""

    key_id: str
    tenant_id: str
    scopes: frozenset[str]
    secret_hash: str
    created_at: str
    name: str | None = None
    expires_at: str | None = None
    revoked_at: str | None = None
    last_used_at: str | None = None

    def matches(self, secret: str) -> bool:
        """Constant-time: the comparison takes as long whichever character differs."""
        return hmac.compare_digest(self.secret_hash, secret_digest(secret))

    def state(self, now: str) -> Literal["active", "revoked", "expired"]:
        if self.revoked_at is not None:
            return "revoked"
        # RFC 3339 UTC strings of one format compare in time order.
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def revoked(self, at: str) -> ApiKey:
        return self if self.revoked_at is not None else replace(self, revoked_at=at)

    def public_dict(self) -> dict[str, Any]:
        """Everything an operator may see: never the secret, nor its hash."""
        return {
            "key_id": self.key_id,
            "tenant_id": self.tenant_id,
            "scopes": sorted(self.scopes),
            "name": self.name,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
            "last_used_at": self.last_used_at,
        }


class KeyStore(Protocol):
    """Where keys live: the embedded database or their own DynamoDB table."""

    async def add(self, key: ApiKey) -> None:
        """Store a new key; raises DuplicateKey if its id exists."""

    async def get(self, key_id: str) -> ApiKey | None: ...

    async def list(self, tenant_id: str | None = None) -> list[ApiKey]:
        """Every key, or one tenant's, ordered by (tenant_id, created_at, key_id)."""

    async def revoke(self, key_id: str, at: str) -> ApiKey | None:
        """Mark a key revoked (a second revoke keeps the first time); None if unknown."""

    async def touch(self, key_id: str, at: str) -> None:
        """Record that the key was used at ``at`` (approximate: callers throttle it)."""

    async def close(self) -> None: ...


def sort_keys(keys: Iterable[ApiKey]) -> list[ApiKey]:
    return sorted(keys, key=lambda k: (k.tenant_id, k.created_at, k.key_id))
