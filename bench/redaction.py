"""Throughput of ``tenantlog.redact`` against the naive phone-only redactor.

The naive baseline is what most services ship: a seven-digit pattern plus one
NANP pattern, two ``re.sub`` calls, nothing else detected. Both run on the same
deterministic mix of ~1 KB log lines (half of them carrying PII), in
alternating rounds so that a noisy shared machine slows both alike; the
median of the rounds is reported.

    .venv/bin/python bench/redaction.py [--lines 2000] [--rounds 9] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
import uuid
from collections.abc import Callable

from tenantlog import redact

_NAIVE_LOCAL = re.compile(r"\b\d{3}-\d{4}\b")
_NAIVE_NANP = re.compile(r"\(?\b\d{3}\)?[-. ]?\d{3}[-. ]\d{4}\b")


def naive_redact(text: str) -> str:
    """The baseline: US phone numbers only, in two regex passes."""
    return _NAIVE_LOCAL.sub("[REDACTED]", _NAIVE_NANP.sub("[REDACTED]", text))


_WORD_TEXT = (
    "request handled upstream cache miss retry queued worker session refreshed "
    "payload accepted connection closed by peer slow query detected flush batch "
    "shard rebalanced lease renewed heartbeat timeout scheduling tenant quota the "
    "a for with from after while user order invoice created updated failed ok "
    "validation error missing field expected string got null skipping record"
)
_WORDS = _WORD_TEXT.split()
_PATHS = ("/api/v1/orders", "/healthz", "/api/v2/users/me", "/static/app.js", "/ingest")
_SERVICES = ("orders", "billing", "auth", "ingest", "search")


def _message(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 12)))


def _clean_fragment(rng: random.Random) -> str:
    """A field or phrase that logs are full of and that must survive redaction."""
    pick = rng.randrange(16)
    if pick == 0:
        return (
            f'"ts":"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T'
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}."
            f'{rng.randint(0, 999):03d}Z"'
        )
    if pick == 1:
        return f'"trace_id":"{rng.getrandbits(128):032x}"'
    if pick == 2:
        return (
            f'"{rng.choice(("GET", "POST"))} {rng.choice(_PATHS)} HTTP/1.1" '
            f"{rng.choice((200, 201, 204, 404, 500))} {rng.randint(0, 10**6)}"
        )
    if pick == 3:
        return f"duration_ms={rng.uniform(0, 5000):.2f} bytes={rng.randint(0, 10**7)}"
    if pick == 4:
        return (
            '"ua":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/'
            f'{rng.randint(90, 125)}.0.{rng.randint(1000, 6999)}.{rng.randint(10, 199)}"'
        )
    if pick == 5:
        return f"order=ORD-2024-{rng.randint(0, 999999):06d} amount=${rng.uniform(1, 999):.2f}"
    if pick == 6:
        return f"request_id={uuid.UUID(int=rng.getrandbits(128), version=4)}"
    if pick == 7:
        return (
            f"at handler.py:{rng.randint(1, 900)} in process (tenantlog {rng.randint(1, 3)}.14.1)"
        )
    if pick == 8:
        return f"epoch={rng.randint(1_600_000_000, 1_800_000_000)} port={rng.randint(1024, 65535)}"
    if pick == 9:
        return f'"service":"{rng.choice(_SERVICES)}","level":"info","attempt":{rng.randint(1, 5)}'
    return _message(rng)


def _pii_fragment(rng: random.Random) -> str:
    """A value every redactor under test should remove (the naive one only phones)."""
    return rng.choice(
        (
            f"user {rng.randint(200, 999)}-{rng.randint(0, 9999):04d} called",
            f"phone=({rng.randint(200, 999)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}",
            f"email=user{rng.randint(1, 999)}@example.com",
            f"client={rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.7",
            "card=4111 1111 1111 1111",
            "ssn=123-45-6789",
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlX2hlcmU",
            "iban=DE89 3704 0044 0532 0130 00",
            "key=AKIAIOSFODNN7EXAMPLE",
            "peer=2001:db8::8a2e:370:7334",
            "caller +44 20 7946 0958",
            f"user {rng.randint(200, 999)}.{rng.randint(200, 999)}.{rng.randint(0, 9999):04d}",
        )
    )


def make_lines(count: int, seed: int) -> list[str]:
    """Deterministic ~1 KB log lines; every other one carries one to three PII values."""
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        parts: list[str] = []
        size = 0
        pii_slots = {rng.randrange(12) for _ in range(rng.randint(1, 3))} if i % 2 else set()
        while size < 1000:
            slot = len(parts)
            part = _pii_fragment(rng) if slot in pii_slots else _clean_fragment(rng)
            parts.append(part)
            size += len(part) + 1
        lines.append(" ".join(parts))
    return lines


def _throughput(fn: Callable[[str], str], lines: list[str], megabytes: float) -> float:
    started = time.perf_counter()
    for line in lines:
        fn(line)
    return megabytes / (time.perf_counter() - started)


def main() -> None:
    """Run alternating rounds and print median MB/s for both redactors and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    lines = make_lines(args.lines, args.seed)
    megabytes = sum(len(line.encode()) for line in lines) / 1e6
    for line in lines[:50]:  # warm caches (phonenumbers metadata, regex compilation)
        redact(line)
        naive_redact(line)

    ours: list[float] = []
    naive: list[float] = []
    for _ in range(args.rounds):
        ours.append(_throughput(redact, lines, megabytes))
        naive.append(_throughput(naive_redact, lines, megabytes))
    ours_mb, naive_mb = statistics.median(ours), statistics.median(naive)
    print(f"lines: {len(lines)} ({megabytes:.2f} MB), rounds: {args.rounds}, seed: {args.seed}")
    print(f"tenantlog.redact : {ours_mb:7.1f} MB/s (median)")
    print(f"naive phone regex: {naive_mb:7.1f} MB/s (median)")
    print(f"ratio            : {ours_mb / naive_mb:7.2f}x")


if __name__ == "__main__":
    main()
