"""A tenant's own redaction rules: what they cost per log, and the worst a log can cost.

1. Short lines (bench/redaction.py's 50-300-byte corpus, one line in ten
   with a built-in value, one in twenty with a rule's value spliced in): µs
   per line through ``redact_counted``, as the worker calls it, for
   - the built-in ``Redactor`` (what a tenant without rules gets),
   - a typical tenant: 3 rules and a deny list of 20 names,
   - a tenant at the caps: 32 rules of 40-60 characters, 1,000 deny-list
     entries of 200 characters,
   in alternating rounds (the median of each).
2. The worker's choice of redactor for a tenant without rules, per log:
   ``Processor._redactor_for`` as it is, next to the method it replaced (a
   dictionary keyed by detectors and style), in ns per call; then the same
   short lines as logs of 10 tenants through ``Processor.process`` (memory
   store, no simulated work): tenants without rules with the method as it
   is and as it was, and with one tenant in ten having the typical rules.
3. Worst case: 64 KiB logs (the default text cap) through patterns that
   backtrack catastrophically in Python's ``re``, a rule or deny entry
   matching every other character, and a deny list at the caps over a text
   full of its entries; the best of ``--worst-rounds``.

    .venv/bin/python bench/custom_rules.py [--short-lines 20000] [--rounds 9]
        [--worst-rounds 5] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import string
import time
from collections.abc import Awaitable, Callable
from functools import partial

from redaction import make_short_lines

from tenantlog.core.models import InternalMessage
from tenantlog.core.processing import ProcessingPolicy, Processor
from tenantlog.core.queue import Delivery
from tenantlog.core.tenants import Rules, TenantPolicy
from tenantlog.redaction import DETECTORS, PlaceholderStyle, Redactor
from tenantlog.redaction.custom_rules import TenantRedactor
from tenantlog.store.memory import MemoryStore

KIB_64 = 64 * 1024
TYPICAL_RULES = (
    ("employee_id", r"\bE\d{6}\b"),
    ("ticket", r"\b(?:INC|REQ)-\d{5,8}\b"),
    ("internal_host", r"\b[a-z0-9-]+\.corp\.example\.net\b"),
)
TYPICAL_DENY = tuple(
    f"{first} {last}"
    for first, last in zip(
        ["Alice", "Bruno", "Chen", "Dana", "Emeka", "Fatima", "Goran", "Hana", "Ivan", "Júlia"],
        ["Okafor", "Schmidt", "Nakamura", "Silva", "Novak", "Haddad", "Lindqvist", "Rossi"] * 2,
        strict=False,
    )
) + tuple(f"Project {name}" for name in ("Falcon", "Osprey", "Kestrel", "Merlin", "Harrier"))


def caps_rules(rng: random.Random) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    rules = tuple(
        (
            f"rule_{i}",
            rf"\b{rng.choice(string.ascii_uppercase)}{i:02d}-[0-9A-F]{{8}}-[a-z]{{4,12}}\b",
        )
        for i in range(32)
    )
    deny = tuple(
        "".join(rng.choices(string.ascii_letters + string.digits + " -_", k=200))
        for _ in range(1000)
    )
    return rules, deny


def corpus(count: int, seed: int) -> list[str]:
    """The short lines, one in twenty with an employee id or a deny-listed name."""
    rng = random.Random(seed + 1)
    lines = make_short_lines(count, seed)
    for index in range(0, len(lines), 20):
        value = rng.choice([f"E{rng.randint(0, 999_999):06d}", rng.choice(TYPICAL_DENY)])
        words = lines[index].split(" ")
        words.insert(rng.randint(0, len(words)), value)
        lines[index] = " ".join(words)
    return lines


def _per_line(redactor: Redactor, lines: list[str]) -> float:
    redact = redactor.redact_counted
    started = time.perf_counter()
    for line in lines:
        redact(line)
    return (time.perf_counter() - started) / len(lines) * 1e6


def short_lines(count: int, rounds: int, seed: int) -> None:
    lines = corpus(count, seed)
    rules, deny = caps_rules(random.Random(seed))
    redactors = {
        "built-in Redactor (a tenant without rules)": Redactor(DETECTORS, "typed"),
        "3 rules + 20 deny entries": TenantRedactor(
            DETECTORS, "typed", TYPICAL_RULES, TYPICAL_DENY
        ),
        "32 rules + 1,000 deny entries of 200 chars": TenantRedactor(
            DETECTORS, "typed", rules, deny
        ),
    }
    for redactor in redactors.values():  # warm: RE2's automata are built as text needs
        _per_line(redactor, lines[:2000])
    timings: dict[str, list[float]] = {name: [] for name in redactors}
    for _ in range(rounds):
        for name, redactor in redactors.items():
            timings[name].append(_per_line(redactor, lines))
    base = statistics.median(timings[next(iter(redactors))])
    print(f"short lines: {len(lines):,} lines, median of {rounds} alternating rounds")
    print(f"{'redactor':<46} {'µs/line':>8} {'extra':>8}")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"{name:<46} {median:8.2f} {median - base:+8.2f}")


class Before:
    """``Processor._redactor_for`` as it was before tenants had rules of their own."""

    def __init__(self) -> None:
        self._redactors: dict[tuple[tuple[str, ...], str], Redactor] = {}

    def _redactor_for(self, detectors: tuple[str, ...], style: PlaceholderStyle) -> Redactor:
        redactor = self._redactors.get((detectors, style))
        if redactor is None:
            redactor = self._redactors[detectors, style] = Redactor(detectors, style)
        return redactor


def choice_per_log(calls: int, rounds: int) -> None:
    now = Processor(MemoryStore(), Redactor(), ProcessingPolicy(0, 0))
    before = Before()
    detectors = DETECTORS
    style: PlaceholderStyle = "typed"

    def run(worker: Before | Processor) -> None:
        choose = worker._redactor_for
        for _ in range(calls):
            choose(detectors, style)

    timings: dict[str, list[float]] = {"before": [], "now": []}
    for _ in range(rounds):
        timings["before"].append(_timed(partial(run, before)))
        timings["now"].append(_timed(partial(run, now)))
    print(f"\nchoice of redactor, tenant without rules ({calls:,} calls, median of {rounds})")
    for name, values in timings.items():
        print(f"{name:<8} {statistics.median(values) / calls * 1e9:6.0f} ns per log")


class ProcessorBefore(Processor):
    """The worker's processing with the choice of redactor as it was before."""

    def _redactor_for(
        self,
        detectors: tuple[str, ...],
        style: PlaceholderStyle,
        rules: Rules = (),
        deny: tuple[str, ...] = (),
    ) -> Redactor:
        return self._before._redactor_for(detectors, style)

    _before = Before()


def worker_logs(count: int, rounds: int, seed: int) -> None:
    """Processor.process over logs of 10 tenants without rules (memory store, no simulated
    work or crash), now and before, then with one tenant in ten having 3 rules."""
    lines = corpus(count, seed)
    deliveries = [
        Delivery(
            f"m{n}",
            InternalMessage(
                f"tenant-{n % 10}", f"log-{n}", "json_upload", line, "2024-01-01T00:00:00.000Z"
            ).encode(),
            "r",
            1,
        )
        for n, line in enumerate(lines)
    ]
    plain = TenantPolicy(0, 1, 0, True, DETECTORS, "typed")
    ruled = TenantPolicy(
        0,
        1,
        0,
        True,
        DETECTORS,
        "typed",
        redaction_rules=TYPICAL_RULES,
        redaction_deny=TYPICAL_DENY,
    )

    def policies(with_rules: bool) -> Callable[[str], Awaitable[TenantPolicy]]:
        async def policy(tenant_id: str) -> TenantPolicy:
            return ruled if with_rules and tenant_id == "tenant-0" else plain

        return policy

    async def drain(kind: type[Processor], with_rules: bool) -> float:
        worker = kind(
            MemoryStore(), Redactor(), ProcessingPolicy(0, 0), tenant_policy=policies(with_rules)
        )
        started = time.perf_counter()
        for delivery in deliveries:
            await worker.process(delivery)
        return len(deliveries) / (time.perf_counter() - started)

    runs = {
        "no rules, before": (ProcessorBefore, False),
        "no rules, now": (Processor, False),
        "1 tenant in 10 with 3 rules + 20 deny": (Processor, True),
    }
    timings: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for round_ in range(rounds):  # each round in another order: none always goes first
        for name in names[round_ % 3 :] + names[: round_ % 3]:
            gc.collect()  # the last drain's records are not this one's to free
            timings[name].append(asyncio.run(drain(*runs[name])))
    print(f"\nworker: {len(deliveries):,} logs of 10 tenants, median of {rounds} rounds")
    for name, values in timings.items():
        print(f"{name:<40} {statistics.median(values):8,.0f} logs/s")


def _timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def worst_case(rounds: int, seed: int) -> None:
    rules, deny = caps_rules(random.Random(seed))
    shapes: list[tuple[str, TenantRedactor, str]] = [
        ("(a+)+$ on a...a!", _only(("evil", r"(a+)+$")), "a" * (KIB_64 - 1) + "!"),
        ("(x+x+)+y on x...x", _only(("evil", r"(x+x+)+y")), "x" * KIB_64),
        (
            "(\\w+\\s?)+$ on words...!",
            _only(("evil", r"(\w+\s?)+$")),
            ("word " * KIB_64)[: KIB_64 - 1] + "!",
        ),
        ("[a-z] on 'a '...", _only(("letter", r"[a-z]")), "a " * (KIB_64 // 2)),
        (
            "32 rules, the last [a-z], on 'a '...",
            TenantRedactor([], "typed", (*rules[:31], ("letter", "[a-z]")), ()),
            "a " * (KIB_64 // 2),
        ),
        (
            "32 rules, the last two a and b, on 'a b '...",
            TenantRedactor([], "typed", (*rules[:30], ("a", "a"), ("b", "b")), ()),
            "a b " * (KIB_64 // 4),
        ),
        ("deny 'a' on 'a '...", TenantRedactor([], "typed", (), ("a",)), "a " * (KIB_64 // 2)),
        (
            "deny list at the caps, its entries back to back",
            TenantRedactor([], "typed", (), deny),
            " ".join(deny)[:KIB_64],
        ),
        (
            "caps, random letters",
            TenantRedactor([], "typed", rules, deny),
            "".join(random.Random(seed).choices(string.ascii_letters + " ", k=KIB_64)),
        ),
    ]
    print(f"\nworst case: 64 KiB logs, custom rules only, best of {rounds}")
    print(f"{'shape':<50} {'ms':>8} {'matches':>8}")
    for name, redactor, text in shapes:
        redaction = redactor.redact_counted(text)
        best = min(_timed(partial(redactor.redact_counted, text)) for _ in range(rounds))
        print(f"{name:<50} {best * 1000:8.1f} {sum(redaction.counts.values()):8,}")


def _only(rule: tuple[str, str]) -> TenantRedactor:
    return TenantRedactor([], "typed", (rule,), ())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short-lines", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--worst-rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    short_lines(args.short_lines, args.rounds, args.seed)
    choice_per_log(200_000, args.rounds)
    worker_logs(args.short_lines, args.rounds, args.seed)
    worst_case(args.worst_rounds, args.seed)


if __name__ == "__main__":
    main()
