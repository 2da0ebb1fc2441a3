"""What arrives: traffic levels, log sizes and how the traffic splits between tenants.

Sizes and skew are distributions rather than means because DynamoDB charges
per started KiB of each item and throttles per partition key: a mean size or
a uniform split would hide both the rounding and the hot tenant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The traffic levels of the model's table, in logs per minute.
LEVELS_PER_MINUTE = (10_000, 100_000, 1_000_000, 10_000_000)

#: Bytes an item holds besides the two copies of the text: keys, timestamps, source,
#: attempts, redaction counts, the search key, and the attribute names.
ITEM_OVERHEAD_BYTES = 320
#: Bytes of the JSON around one log's text in a request and in a queue message.
ENVELOPE_BYTES = 180


@dataclass(frozen=True)
class SizeBucket:
    text_bytes: int
    share: float


#: Application logs as shippers send them: mostly one-liners, some stack traces and
#: request dumps, a few at the 64 KiB the service accepts by default.
REALISTIC_SIZES = (
    SizeBucket(150, 0.50),
    SizeBucket(500, 0.45),
    SizeBucket(4_096, 0.049),
    SizeBucket(65_536, 0.001),
)

#: The issue's case for the seed's simulated work: 100-character logs.
SHORT_LOGS = (SizeBucket(100, 1.0),)


def item_bytes(text_bytes: int) -> int:
    """An item's size: the store writes the text twice (``original_text`` and the
    redacted ``modified_data``, about as long)."""
    return 2 * text_bytes + ITEM_OVERHEAD_BYTES


def write_units(text_bytes: int) -> int:
    """Write units of one PutItem: one per started KiB of the item."""
    return math.ceil(item_bytes(text_bytes) / 1024)


@dataclass(frozen=True)
class Sizes:
    buckets: tuple[SizeBucket, ...]

    @property
    def mean_text_bytes(self) -> float:
        return sum(b.text_bytes * b.share for b in self.buckets)

    @property
    def mean_item_bytes(self) -> float:
        return sum(item_bytes(b.text_bytes) * b.share for b in self.buckets)

    @property
    def mean_write_units(self) -> float:
        """Mean WCU per log: the mean of the rounded-up units, not the units of the mean."""
        return sum(write_units(b.text_bytes) * b.share for b in self.buckets)

    @property
    def largest_text_bytes(self) -> int:
        return max(b.text_bytes for b in self.buckets)


@dataclass(frozen=True)
class TenantMix:
    """One tenant with ``hot_share`` of the traffic, the rest Zipf-distributed.

    Zipf with exponent ``zipf_s`` over the other tenants is what multi-tenant
    SaaS traffic usually looks like: a few large customers, a long tail.
    """

    hot_share: float = 0.5
    tenants: int = 1_000
    zipf_s: float = 1.1

    def shares(self) -> list[float]:
        """Every tenant's share of the traffic, largest first; they sum to 1."""
        weights = [k ** (-self.zipf_s) for k in range(1, self.tenants)]
        total = sum(weights)
        rest = 1.0 - self.hot_share
        return [self.hot_share, *(rest * w / total for w in weights)]

    def top(self, count: int) -> tuple[list[float], float]:
        """The ``count`` largest shares and the sum of all the others (the tail)."""
        shares = self.shares()
        return shares[:count], sum(shares[count:])
