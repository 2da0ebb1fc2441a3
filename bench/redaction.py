"""Redaction: throughput against a naive redactor, growth with matches, worst-case logs.

1. Throughput: ``tenantlog.redact`` against the naive phone-only redactor
   most services ship (a seven-digit pattern plus one NANP pattern, two
   ``re.sub`` calls, nothing else detected), on the same deterministic mix
   of ~1 KB log lines (half of them carrying PII), in alternating rounds so
   that a noisy shared machine slows both alike; the median is reported.
2. Short lines: the same two redactors, one call per 50-300-byte line (app
   and access logs, payments, Kubernetes events, stack frames, JSON in
   text; one line in ten with a value), µs per line, as the worker calls it.
3. Values: the short lines with a value, by shape, timed one by one among
   the others and with their own shape's lines together.
4. Parts: on the short lines with digits or words and no value, µs per line
   of the plan that picks a line's scans and of the combined scan's search,
   and of that search with the prefixed API keys as branches (as before they
   had a scan of their own) and with no branch behind its lead, in the same run.
5. Scaling: the log of issue 8 (``555-0199 a@b.co 10.0.0.1`` repeated 650
   to 5,200 times, three matches per repeat). Overlap resolution as it was
   (every span compared with every kept one) and as it is, on the same
   candidate spans, then the whole ``redact``; each row's growth over the
   one before shows the order: x2 per doubling is linear, x4 quadratic.
6. Worst case: 64 KiB logs (the default text cap) of hostile shapes, each
   the best of a few rounds, and the slowest of them.

The first line says whether the run used the compiled redaction modules
(``tenantlog.redaction.compiled``); ``TENANTLOG_REDACTION_COMPILED=0`` runs
their sources, for the same figures side by side.

    .venv/bin/python bench/redaction.py [--section all|throughput|short|values|parts|scaling|worst]
        [--lines 2000] [--short-lines 20000] [--pii-share 0.1] [--rounds 9] [--seed 7]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import random
import re
import statistics
import time
import uuid
from collections.abc import Callable
from functools import partial

from tenantlog import redact
from tenantlog.redaction import (
    DETECTORS,
    Redactor,
    compiled,
    context,
    credentials,
    iban,
    key_prefixes,
    numeric,
    screen,
)
from tenantlog.redaction.engine import Span, compile_scan, find_spans, keep_longest
from tenantlog.redaction.scans import ALL, COMBINED
from tenantlog.redaction.screen import Plan, prepare

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


_LEVELS = ("INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR")
_PODS = ("orders-7d9f8b6c4-xk2lp", "billing-5c6d7f9b8-q8w2n", "search-6b8c9d7f5-m4r7t")
_HOSTS = ("ip-10-0-3-17.ec2.internal", "node-3.cluster.local", "worker-b")
_FRAMES = (
    ('  File "/app/orders/handler.py", line {n}, in process', True),
    ('  File "/usr/lib/python3.11/asyncio/tasks.py", line {n}, in wait_for', True),
    ("    at com.acme.orders.OrderService.capture(OrderService.java:{n})", True),
    ("    at org.springframework.web.servlet.FrameworkServlet.service(Servlet.java:{n})", True),
    ("During handling of the above exception, another exception occurred:", False),
    ('    raise ValueError(f"expected string, got {{type(value).__name__}}")', False),
    ("ValueError: expected string, got NoneType for field customer.address", False),
    ("Caused by: java.net.SocketTimeoutException: Read timed out", False),
    ("    at java.base/java.net.SocketInputStream.read(SocketInputStream.java:{n})", True),
)
_K8S = (
    "Normal Scheduled pod/{pod} Successfully assigned default/{pod} to {host}",
    'Normal Pulled pod/{pod} Container image "registry.local/orders:v{v}" already present',
    "Normal Started pod/{pod} Started container app",
    "Warning BackOff pod/{pod} Back-off restarting failed container app in pod {pod}_default",
    "Warning Unhealthy pod/{pod} Readiness probe failed: HTTP probe failed with statuscode: 503",
    "Normal Killing pod/{pod} Stopping container app",
)


def _short_clean(rng: random.Random) -> str:
    """A short line as services, proxies, schedulers and runtimes write them, without PII."""
    pick = rng.randrange(10)
    if pick == 0:  # application log with its own timestamp
        return (
            f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:"
            f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}Z "
            f"{rng.choice(_LEVELS)} {rng.choice(_SERVICES)}: {_message(rng)}"
        )
    if pick == 1:  # application log, the timestamp kept by the agent elsewhere
        return f"{rng.choice(_LEVELS)} {rng.choice(_SERVICES)}: {_message(rng)}"
    if pick == 2:  # access log of a proxy in front of the service, no client address
        return (
            f'"{rng.choice(("GET", "POST", "PUT"))} {rng.choice(_PATHS)} HTTP/1.1" '
            f"{rng.choice((200, 201, 204, 304, 404, 500))} {rng.randint(0, 10**6)} "
            f"{rng.uniform(0, 2):.3f} upstream={rng.choice(_SERVICES)}"
        )
    if pick == 3:  # payment, ids and amounts only
        return (
            f"payment captured order=ORD-2024-{rng.randint(0, 999999):06d} "
            f"amount={rng.uniform(1, 999):.2f} {rng.choice(('EUR', 'USD', 'GBP'))} "
            f"psp_ref=pi_{rng.getrandbits(64):016x} status=succeeded"
        )
    if pick == 4:  # payment retry message without numbers
        outcome = rng.choice(("declined", "authorised", "refunded"))
        return f"payment {outcome} by issuer, {_message(rng)}"
    if pick == 5:  # Kubernetes event
        return rng.choice(_K8S).format(
            pod=rng.choice(_PODS),
            host=rng.choice(_HOSTS),
            v=f"1.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
        )
    if pick == 6:  # a line of a stack trace
        frame, numbered = rng.choice(_FRAMES)
        return frame.format(n=rng.randint(10, 2000)) if numbered else frame.format()
    if pick == 7:  # JSON embedded in text
        return (
            f'{rng.choice(_SERVICES)} event {{"level":"{rng.choice(_LEVELS).lower()}",'
            f'"msg":"{_message(rng)}","attempt":{rng.randint(1, 5)}}}'
        )
    if pick == 8:
        action = rng.choice(("login", "logout", "export"))
        return f'audit {{"action":"{action}","ok":true,"msg":"{_message(rng)}"}}'
    state = rng.choice(("ready", "draining", "idle"))
    return f"{_message(rng)} ({rng.choice(_SERVICES)} worker {state})"


def _short_pii(rng: random.Random) -> str:
    """A short line holding one value to redact (for the naive redactor, only the phones)."""
    phone = f"{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
    return rng.choice(
        (
            f"User {phone} accessed system from the {rng.choice(_SERVICES)} console",
            f"{rng.choice(_LEVELS)} sms sent to ({rng.randint(200, 999)}) {phone} for order "
            f"ORD-2024-{rng.randint(0, 999999):06d}",
            f"password reset requested by user{rng.randint(1, 999)}@example.com via web",
            f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.7"
            f' - - [01/May/2024:12:{rng.randint(0, 59):02d}:07 +0000] "GET {rng.choice(_PATHS)} '
            f'HTTP/1.1" 200 {rng.randint(0, 10**5)} "-" "curl/8.4.0"',
            "payment failed card=4111 1111 1111 1111 reason=insufficient_funds",
            f'signup {{"email":"jane.doe{rng.randint(1, 99)}@example.org","plan":"team"}}',
            "GET /callback?code=ok&access_token=ya29.a0AfH6SMBx7Qk9 HTTP/1.1",
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJl",
            "refund to iban=DE89 3704 0044 0532 0130 00 queued for payout",
            f"caller +44 20 7946 {rng.randint(1000, 9999)} left a voicemail for support",
        )
    )


def make_short_lines(count: int, seed: int, pii_share: float = 0.1) -> list[str]:
    """Deterministic 50-300-byte lines, ``pii_share`` of them with a value to redact.

    One in ten by default: about the density of values in the 1 KB corpus,
    where every other line holds one to three values among some fifteen
    fragments, each about the size of a short line.
    """
    rng = random.Random(seed)
    lines: list[str] = []
    for _ in range(count):
        line = _short_pii(rng) if rng.random() < pii_share else _short_clean(rng)
        if rng.random() < 0.25:  # the context a structured logger appends
            line += (
                f" trace_id={rng.getrandbits(128):032x} span_id={rng.getrandbits(64):016x}"
                f" service={rng.choice(_SERVICES)}"
                f" version=1.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
            )
        lines.append(line)
    return [line for line in lines if 50 <= len(line.encode()) <= 300]


def make_address_lines(count: int, seed: int) -> list[str]:
    """Lines that each hold one IPv4 address and no version: the worker benchmark's
    shape, an access log's, sshd's, a JSON field's, nginx's error. Every such address
    is checked for a version's context (``context.says_version``) before it is
    redacted, so these lines measure that check."""
    rng = random.Random(seed)
    lines = []
    for n in range(count):
        octets = (
            rng.randint(1, 223),
            rng.randint(0, 255),
            rng.randint(0, 255),
            rng.randint(1, 254),
        )
        address = ".".join(map(str, octets))
        lines.append(
            rng.choice(
                (
                    f"User 555-{n % 10000:04d} accessed system from {address} request {n}",
                    f'{address} - - [01/May/2024:12:{rng.randint(0, 59):02d}:07 +0000] "GET '
                    f'{rng.choice(_PATHS)} HTTP/1.1" 200 {rng.randint(0, 10**5)}',
                    f'{{"level":"info","msg":"connected","client_ip":"{address}","port":5432}}',
                    f"sshd[{rng.randint(100, 99999)}]: Accepted publickey for deploy from"
                    f" {address} port {rng.randint(1024, 65535)} ssh2",
                    "upstream timed out while reading response header from upstream,"
                    f" client: {address}, server: api",
                )
            )
        )
    return lines


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


def throughput(lines_count: int, rounds: int, seed: int) -> None:
    """Median MB/s of both redactors over alternating rounds, and their ratio."""
    lines = make_lines(lines_count, seed)
    megabytes = sum(len(line.encode()) for line in lines) / 1e6
    prepare()  # the prefilter compiled, as a running worker has it
    for line in lines[:50]:  # warm caches (phonenumbers metadata, regex compilation)
        redact(line)
        naive_redact(line)

    ours: list[float] = []
    naive: list[float] = []
    for _ in range(rounds):
        ours.append(_throughput(redact, lines, megabytes))
        naive.append(_throughput(naive_redact, lines, megabytes))
    ours_mb, naive_mb = statistics.median(ours), statistics.median(naive)
    print(f"lines: {len(lines)} ({megabytes:.2f} MB), rounds: {rounds}, seed: {seed}")
    print(f"tenantlog.redact : {ours_mb:7.1f} MB/s (median)")
    print(f"naive phone regex: {naive_mb:7.1f} MB/s (median)")
    print(f"ratio            : {ours_mb / naive_mb:7.2f}x")


def _seconds_per_line(fn: Callable[[str], object], lines: list[str]) -> float:
    started = time.perf_counter()
    for line in lines:
        fn(line)
    return (time.perf_counter() - started) / len(lines)


def _seconds_per_line_batched(redactor: Redactor, lines: list[str], size: int = 500) -> float:
    """As the worker redacts: a batch's texts screened in one search, then each counted."""
    started = time.perf_counter()
    for first in range(0, len(lines), size):
        batch = lines[first : first + size]
        redactor.prime(batch)
        for line in batch:
            redactor.redact_counted(line)
    redactor.prime(())
    return (time.perf_counter() - started) / len(lines)


# What "nothing that could start a match" means for the corpus split below:
# no ASCII digit, no "@", no word or prefix a credential or secrets detector
# looks for.
_NO_START = re.compile(
    r"[0-9@]|AKIA|ASIA|eyJ|tlk_|bearer|basic|token|key|secret|pass|pwd|identified"
    r"|_live_|_test_|gh[pousr]_|_pat_|xox|AIza|sk-|-----BEGIN",
    re.IGNORECASE,
)


def short_lines(count: int, rounds: int, seed: int, pii_share: float) -> None:
    """µs per line of ``redact`` and of the naive redactor on short lines, one call per line.

    Short lines are what the worker mostly redacts, one call each, so what
    a call costs before any regex runs matters as much as the scan itself.
    Four corpora from the same lines: all of them; those with nothing any
    detector could start on (next to one ``re.search`` of the naive
    seven-digit pattern, the floor such a line should cost); those with
    digits or keywords but no value; those with a value to redact. Rounds
    alternate; medians, and the median of the rounds' ratios. "batched" is
    the worker's call: ``redact_counted`` after ``prime`` of 500 lines.
    """
    lines = make_short_lines(count, seed, pii_share)
    corpora = {
        "short, all": lines,
        "short, nothing to start": [line for line in lines if not _NO_START.search(line)],
        "short, to scan, no PII": [
            line for line in lines if _NO_START.search(line) and redact(line) == line
        ],
        "short, with PII": [line for line in lines if redact(line) != line],
    }
    search = _NAIVE_LOCAL.search
    worker = Redactor()
    # The prefilter as a running worker has it: compiled, in its thread, by
    # the first line it redacts.
    prepare()
    for line in lines:  # warm caches (phonenumbers metadata, regex compilation)
        redact(line)
        naive_redact(line)
    sizes = [len(line.encode()) for line in lines]
    print(
        f"short lines: {len(lines)} of {min(sizes)}-{max(sizes)} bytes "
        f"(mean {statistics.mean(sizes):.0f}), {pii_share:.0%} with PII, rounds: {rounds}, "
        f"seed: {seed}"
    )
    print("corpus                     lines | redact  counted  batched   naive  1 search | ratio")
    for name, corpus in corpora.items():
        timings: dict[str, list[float]] = {
            "ours": [],
            "counted": [],
            "batched": [],
            "naive": [],
            "search": [],
        }
        for _ in range(rounds):
            timings["ours"].append(_seconds_per_line(redact, corpus))
            timings["counted"].append(_seconds_per_line(worker.redact_counted, corpus))
            timings["batched"].append(_seconds_per_line_batched(worker, corpus))
            timings["naive"].append(_seconds_per_line(naive_redact, corpus))
            timings["search"].append(_seconds_per_line(search, corpus))
        us = {key: statistics.median(values) * 1e6 for key, values in timings.items()}
        # The ratio of each round's pair, then their median: a burst of other
        # work on a shared machine then spoils one round's ratio, not a median.
        ratio = statistics.median(
            naive / ours for naive, ours in zip(timings["naive"], timings["ours"], strict=True)
        )
        print(
            f"{name:24s} {len(corpus):7,} | {us['ours']:5.2f} {us['counted']:7.2f} "
            f"{us['batched']:8.2f} {us['naive']:7.2f} {us['search']:7.2f}   | {ratio:5.2f}x"
        )


def values_by_shape(count: int, rounds: int, seed: int, pii_share: float) -> None:
    """µs per line of the short lines with a value, by the line's shape, two ways.

    "in the mix": each shape's lines timed where they stand among the other
    lines with a value, as the worker meets them; "together": a shape's lines
    one after another. A line costs less after lines of its own shape (the
    scans and checkers it runs stay in the processor's caches); the gap is
    what the mix of shapes costs, not any one detector.
    """
    lines = [line for line in make_short_lines(count, seed, pii_share) if redact(line) != line]
    shapes: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        shapes.setdefault(re.sub(r"[0-9]+", "0", line)[:16], []).append(index)
    for line in lines:
        redact(line)
    mixed = [math.inf] * len(lines)
    together: dict[str, float] = {}
    for _ in range(rounds):
        for index, line in enumerate(lines):
            started = time.perf_counter()
            redact(line)
            elapsed = time.perf_counter() - started
            mixed[index] = min(mixed[index], elapsed)
        for shape, indexes in shapes.items():
            seconds = _seconds_per_line(redact, [lines[index] for index in indexes])
            together[shape] = min(together.get(shape, seconds), seconds)
    print(f"lines with a value: {len(lines)}, shapes with 20 lines or more, rounds: {rounds}")
    print("shape              lines | in the mix  together (µs a line)")
    for shape, indexes in sorted(shapes.items(), key=lambda item: -len(item[1])):
        if len(indexes) < 20:
            continue
        in_mix = statistics.mean(mixed[index] for index in indexes) * 1e6
        print(f"{shape!r:20s} {len(indexes):4d} | {in_mix:9.2f} {together[shape] * 1e6:9.2f}")


def parts(count: int, rounds: int, seed: int, pii_share: float) -> None:
    """µs per line of the redactor's two steps on short lines with digits or words and
    no value (most lines to scan): the plan (``screen.Plan.scans_for``, with the
    prefilter's search and, for the texts it does not read, the automaton's
    search of the marks) and the combined scan's search (which the prefilter
    spares most of these lines), next to that search with the prefixed API keys as its
    branches, as they were before they had a scan of their own, and its lead with
    no branch behind it (the floor of any pattern started that way). Then lines
    that each hold an address and no version (``make_address_lines``): ``redact``
    of the line, and the address's version check within it. Best of the rounds.
    """
    lines = make_short_lines(count, seed, pii_share)
    corpus = [line for line in lines if _NO_START.search(line) and redact(line) == line]
    enabled = frozenset(DETECTORS)
    compiled = tuple(c for c in (compile_scan(scan, enabled) for scan in ALL) if c is not None)
    plan = Plan(enabled, compiled)
    combined = compile_scan(COMBINED, enabled)
    with_keys = compile_scan(
        dataclasses.replace(
            COMBINED,
            pattern="|".join(
                (
                    *numeric.BRANCHES,
                    *key_prefixes.BRANCHES,
                    *key_prefixes.UNMARKED_BRANCHES,
                    *iban.BRANCHES,
                    *credentials.BRANCHES,
                )
            ),
            kinds={**COMBINED.kinds, **key_prefixes.KINDS},
            starts=COMBINED.starts + key_prefixes.PREFIXED_SCAN.starts,
        ),
        enabled,
    )
    # The combined scan's lead with no branch behind it: what ``re`` pays to
    # stop at every delimiter followed by a value's first character.
    # (Built as ``engine.compile_scan`` builds a led scan's search.)
    lead_alone_search = re.compile(
        f"{COMBINED.lead}(?=[{COMBINED.starts}])(?!)", COMBINED.flags
    ).search
    assert combined is not None and with_keys is not None
    _report_prefilter(corpus)
    prefilter_search = screen._PREFILTER.search
    steps: dict[str, Callable[[str], object]] = {
        "the plan (Plan.scans_for)": plan.scans_for,
        "... its prefilter's search alone": prefilter_search,
        "... the automaton's, for other texts": lambda text: screen._marks_in(
            text, text.casefold()
        ),
        "combined scan, search": lambda text: combined.search(text, 0),
        "... with the prefixed keys in it": lambda text: with_keys.search(text, 0),
        "... its lead alone, no branch": lambda text: lead_alone_search(text, 0),
    }
    print(f"short lines with digits or words and no value: {len(corpus):,}, rounds: {rounds}")
    _print_best(steps, corpus, rounds)
    addresses = make_address_lines(2000, seed)
    spans = {line: _IPV4.search(line).span() for line in addresses}  # type: ignore[union-attr]
    print(f"lines with an IPv4 address and no version: {len(addresses):,}")
    _print_best(
        {
            "redact": redact,
            "... the address's version check": lambda text: context.says_version(
                text, *spans[text]
            ),
        },
        addresses,
        rounds,
    )


_IPV4 = re.compile(r"(?<![\w.])[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?![\w.])")


def _print_best(steps: dict[str, Callable[[str], object]], corpus: list[str], rounds: int) -> None:
    """µs per line of each step on ``corpus``, the best of ``rounds``."""
    for name, step in steps.items():
        step(corpus[0])
        best = min(_seconds_per_line(step, corpus) for _ in range(rounds))
        print(f"{name:36s} {best * 1e6:5.2f} µs")


def _resident_mib() -> float:
    """This process' resident memory (Linux' /proc)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


def _report_prefilter(corpus: list[str]) -> None:
    """What compiling the prefilter costs, and how many of ``corpus`` it lets through."""
    before = _resident_mib()
    started = time.perf_counter()
    prepare()
    seconds = time.perf_counter() - started
    grown = _resident_mib() - before
    combined_id = screen._PREFILTER.scan_id
    through = sum(combined_id in (screen._PREFILTER.search(line) or ()) for line in corpus)
    print(
        f"prefilter: compiled in {seconds:.2f} s, resident memory +{grown:.0f} MiB "
        "(0 and +0 if an earlier section compiled it); "
        f"lets {through:,} of these lines through to the combined scan"
    )


def quadratic_keep_longest(spans: list[Span]) -> list[Span]:
    """Overlap resolution before issue 8, the baseline: each span against every kept one."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        if all(span[1] <= other[0] or other[1] <= span[0] for other in kept):
            kept.append(span)
    kept.sort()
    return kept


_ISSUE_LINE = "555-0199 a@b.co 10.0.0.1 "


def _best_seconds(run: Callable[[], object], rounds: int) -> float:
    """The fastest of ``rounds`` runs: other work on a shared machine only ever adds time."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


_REPEATS = (650, 1300, 2600, 5200)


def scaling(rounds: int) -> None:
    """Old and new overlap resolution on the same spans, and ``redact``, as matches double.

    The new resolution and ``redact`` take milliseconds, so their rounds go
    round the sizes in turn: a slow spell of the machine then costs one
    round of each size, not every round of one size.
    """
    scans = [s for s in (compile_scan(scan, frozenset(DETECTORS)) for scan in ALL) if s]
    texts = {repeats: _ISSUE_LINE * repeats for repeats in _REPEATS}
    # Every scan's candidates before resolution, as one pass of redact finds them.
    spans = {
        repeats: [span for scan in scans for span in find_spans([scan], text)]
        for repeats, text in texts.items()
    }
    if any(keep_longest(found) != quadratic_keep_longest(found) for found in spans.values()):
        raise SystemExit("the two resolutions disagree")
    before = {
        repeats: _best_seconds(partial(quadratic_keep_longest, found), 1 if repeats > 1300 else 3)
        for repeats, found in spans.items()
    }
    after = {repeats: float("inf") for repeats in _REPEATS}
    whole = {repeats: float("inf") for repeats in _REPEATS}
    for _ in range(rounds):
        for repeats in _REPEATS:
            after[repeats] = min(
                after[repeats], _best_seconds(partial(keep_longest, spans[repeats]), 1)
            )
            whole[repeats] = min(whole[repeats], _best_seconds(partial(redact, texts[repeats]), 1))

    print("repeats   chars   spans | resolution before        after          | redact")
    previous: tuple[float, float, float] | None = None
    for repeats in _REPEATS:
        figures = (before[repeats], after[repeats], whole[repeats])
        cells = [f"{seconds * 1000:8.1f} ms" for seconds in figures]
        if previous is not None:
            cells = [
                f"{cell} x{now / earlier:<4.1f}"
                for cell, now, earlier in zip(cells, figures, previous, strict=True)
            ]
        else:
            cells = [f"{cell}      " for cell in cells]
        print(
            f"{repeats:7,} {len(texts[repeats]):7,} {len(spans[repeats]):7,} | " + " ".join(cells)
        )
        previous = figures


_CAP = 65536  # TENANTLOG_MAX_TEXT_BYTES' default; every shape below is ASCII


def _fill(unit: str) -> str:
    return (unit * (_CAP // len(unit) + 1))[:_CAP]


def _random_text(rng: random.Random, alphabet: str) -> str:
    return "".join(rng.choice(alphabet) for _ in range(_CAP))


def _random_groups(rng: random.Random, widths: tuple[int, ...]) -> str:
    """Numbers after "+" of random digits in groups of ``widths``: no cache helps."""
    parts: list[str] = []
    size = 0
    while size < _CAP:
        part = "+" + " ".join(str(rng.randrange(10 ** (w - 1), 10**w)) for w in widths) + " "
        parts.append(part)
        size += len(part)
    return "".join(parts)[:_CAP]


def worst_case_logs(seed: int) -> dict[str, str]:
    """64 KiB texts that are dense in values, or in near misses that make a check work."""
    rng = random.Random(seed)
    loggy = _random_text(rng, "0123456789" * 3 + " .-:/+()@=_,;[]\"'%abcdefABCDEF")
    return {
        "issue 8 line": _fill(_ISSUE_LINE),
        "digit run": "1" * _CAP,
        "+ and 40 digits": _fill("+1" + "2" * 40 + " "),
        "+ numbers, random": _random_groups(rng, (3, 5, 5, 5, 5, 5)),
        "+1 numbers, trailing": _random_groups(rng, (1, 3, 3, 4, 1, 1, 1)),
        "+ numbers, seven stops": _random_groups(rng, (7, 1, 1, 1, 1, 1, 1)),
        "card groups, bad Luhn": _fill("5550 "),
        "cards": _fill("4111 1111 1111 1111 "),
        "dots": "." * _CAP,
        "dashes": "-" * _CAP,
        "1.1.1.1...": _fill("1."),
        "IPv4 glued by /": _fill("1.1.1.1/"),
        "IPv4 after a word": _fill("x 1.1.1.1 "),
        "IPv4-mapped IPv6": _fill("::ffff:1.2.3.4 "),
        "compressed IPv6": _fill("1::1 "),
        "a@ repeated": _fill("a@"),
        "emails": _fill("a@b.co "),
        "emails glued to IPv4": _fill("a@b.co/1.2.3.4 "),
        "eyJ_ run, no dots": _fill("eyJ_"),
        "JWTs": _fill(" eyJaaaa.eyJbbbb.cccc"),
        "token parameters": _fill("token=abcDEF123456 "),
        "phone word, bare digits": _fill("phone: 4155550199 "),
        "bare digits, no word": _fill("x 4155550199 "),
        "IBANs, bad checksum": _fill("DE89 3704 0044 0532 0130 01 "),
        "random log characters": loggy,
        # Issue 13: secrets, national numbers, lower-case IBANs.
        "password= run": _fill("password="),
        'password=" run': _fill('password="'),
        "passwords": _fill("password=Secr3t$! "),
        "secret: run": _fill("secret: "),
        "pass run": _fill("pass"),
        "IDENTIFIED BY run": _fill("IDENTIFIED BY "),
        "sk_live_ run": _fill("sk_live_"),
        "sk- run": _fill(" sk-"),
        "API keys": _fill("sk_live_4eC39HqLyjWDarjtT1zdp7dc "),
        "-----BEGIN run": _fill("-----BEGIN "),
        "PEM headers, no END": _fill("-----BEGIN PRIVATE KEY-----"),
        "URL user info, no @": _fill("://a:"),
        "URL passwords": _fill("redis://:pw@cache "),
        "phone word, national": "tel " + _fill("01 23 "),
        "digit groups, no IBAN": _fill("1234 abcd "),
        "lower-case IBAN groups": _fill("gb82 west 1234 "),
        "trace ids": _fill("trace_id=4111111111111111 "),
        "git remotes": _fill("git@github.com:a/b.git "),
        # Command-line passwords, logins before an "@", national numbers
        # without a trunk "0", secrets named once and repeated.
        "mysql -p run": "mysql" + _fill(" -pX"),
        "-u user:pass": _fill(" -u a:b"),
        "echo | sudo -S": _fill("echo 'abcdefgh' | sudo -S "),
        "htpasswd -b run": "htpasswd" + _fill(" -b a b c"),
        "logins before @": _fill("u:pw@h:12 "),
        "sqlplus logins": _fill("sqlplus a/b@c "),
        "passwords in prose": _fill("password Abcdefg1 "),
        "one password repeated": _fill("password=Hunter22 "),
        "phone word, 3-3-3": _fill("phone 912 345 678 "),
        "phone word, no +": _fill("msisdn=447911123456 "),
        "token flags": _fill(" --token abcDEF123456"),
        "token in prose, no flag": _fill("a token abcdefgh1 "),
        "session names, no cookie": _fill("x_session=abcdefgh1234 "),
        "environment keys": _fill("ADMIN_KEY=abcdefgh1234 "),
        "FTP PASS after USER": _fill("USER u PASS Abc123! "),
        "phone word, words between": _fill("phone a b c 0612345678 "),
        # The seventh round: words before a verb or a colon after a password's
        # name, labelled second numbers, digit groups after a phone word,
        # IBANs in any grouping, login calls, a user then "-p".
        "password, words, no verb": _fill("password for the new user "),
        "password, words and colons": _fill("password for a: b "),
        "labels after a number": "tel 0612345678" + _fill(" work: 1234"),
        "digit groups after a word": "mobile " + _fill("12 345-6 "),
        "IBAN heads, any grouping": _fill("SE45 5 0 0 0 "),
        "login calls, one string": _fill("login('a', x) "),
        "-u then -p, ports": _fill("-u a -p 80:80 "),
        # The screen's marks, each found thousands of times, none a value:
        # each mark's proof runs once, not once per place it is found.
        "screen marks, no value": _fill("AC sk auth LOGIN sess -us :AA -x 'pw "),
        # The ninth round: directives and device keys on one long line, corner
        # brackets never closed, names read back from a delimiter, code as values.
        "directives on one line": _fill("auth_pass Abc123! "),
        "device keys, no AAA line": _fill("x key Abc123! "),
        "corner brackets, open": _fill("\u30d1\u30b9\u30ef\u30fc\u30c9\u300cabc "),
        "token names, no value": _fill("api_key= "),
        "code as values": _fill("token = os.environ[x] "),
        "Discord-shaped words": _fill("MTA4NzQ5ODY1MjE0MzY0NjYzNA.GxYz "),
        "%2B runs": _fill("%2B1%2B"),
        # The tenth round: labels without their secret, a phone column's rows and
        # VALUES, names glued to particles and prefixes, words before a colon.
        "auth labels, no login": _fill('"auth":"abcd" '),
        "Wi-Fi fields, no P:": _fill("WIFI:S:a;T:b;"),
        "u= then p= pairs": "?u=a" + _fill("&p=x"),
        "enrollment heads": _fill("eyJ2ZXIiOi "),
        "CSV rows, quoted": "id,phone\n" + _fill('"a,b",0176 98765432,'),
        "VALUES and numbers": _fill("values (0176 98765432, "),
        "colon after eight words": _fill("password a b c d e f g h: "),
        "particles": _fill("\u5bc6\u7801\u662f"),
        "Hebrew names": _fill("\u05d4\u05e1\u05d9\u05e1\u05de\u05d4 "),
        "IDENTIFY runs": _fill("IDENTIFY "),
        # The eleventh round: a CSV header's password column and its rows, INI
        # lines of words, key files' lines, 00 and groups, labels without a value.
        "CSV password column": "id,password,note\n" + _fill("1,Abc!23,x\n"),
        "INI words to the line's end": _fill("passphrase = a b c d e f g h i\n"),
        "NTP key lines, words": _fill("\n3 MD5 checksums "),
        "00 and groups, no phone": _fill("0041 0 0 "),
        "define() without a key": _fill("define('A_KEY', x) "),
        "SAML names, no value": _fill('Name="password"> '),
        "echo into files": _fill("echo a > b.pass "),
        # The twelfth round: mobile numbers in groups (each a value), record numbers
        # and counters in groups, name-and-value fields, calls, LEEF pairs.
        "mobiles in groups": _fill("from 0917 123 4567 "),
        "record numbers in groups": _fill("Nr. 0170-2345-678 0 842 12 11 "),
        "name and value fields": _fill(
            '{"name": "API_KEY", "value": ParameterKey=Password,Other=1 '
        ),
        "calls as values": _fill("password = crypt($1, gen_salt($2)) "),
        "LEEF passwords": _fill("LEEF:2.0|^|password=x1^src=a\n"),
        "PIN labels, no PIN": _fill("pin=12 pin: x "),
        "X12 qualifiers, no SSN": _fill("NM1*IL*1*A*B****34*"),
        "tcpdump addresses": _fill("IP 10.0.0.1.443 > 10.0.0.2.5000: "),
        "key bytes, one short": _fill(
            "network_key: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 "
        ),
        # The thirteenth round: quoted pairs, expect's sends, gossip keys, CONNECT's
        # "using", RESP's AUTH, SIP users, recipients, four-letter groups.
        "quoted pairs, no password": _fill('"a" "b"\n'),
        "expect sends, no prompt": _fill('expect "$ "; send "ls\\r" '),
        "encrypt, no key": _fill('"encrypt":"aaaaaaaaaaaaaaaaaaaaaaaa" '),
        "user … using, no connect": _fill("user a using b "),
        "RESP AUTH, wrong lengths": _fill("*2\\r\\n$4\\r\\nAUTH\\r\\n$99\\r\\nx\\r\\n"),
        "SIP users and recipients": _fill('sip:4420794601 "to":"4477009001" sms '),
        "recipients, no channel": _fill("to=4477009001 "),
        "four-letter groups": _fill("password abcd efgh ijkl mnop qrst "),
        "OpenVPN blocks, SQLConnectInfo": _fill("<auth-user-pass>\n<\nSQLConnectInfo a b\n"),
        "cookie fields": _fill('{"name":"sess","value":"x"},'),
        "Windows switches": _fill(" /P /p /P /PasswordD"),
        "crypt prefixes": _fill("$6$aaaaaaaa$$2b$12$pbkdf2_sha256$1$a$"),
        "SIP logins, approval codes": _fill("sip:a:b@ AUTH 04821Z approved "),
        "recovery codes, far": "recovery codes " + "word " * 100 + _fill("abcd-efgh "),
        "JWK members, no kty": '"kty" ' + " " * 600 + _fill('"d":"aaaaaaaaaaaaaaaaaaaa",'),
        "session keys, hex names": _fill('"a_session":"x",0123456789abcdef0123456789abcdef=v '),
        "versions written twice": _fill("build 1.1.1.1 1.1.1.1 "),
        "full-width numbers": _fill("tel \uff10\uff19\uff10\uff0d\uff11\uff12\uff13\uff14 "),
        # The fifteenth round: values repeated, named columns (delimited and aligned),
        # dial strings and call records, ids holding an "@", positional commands.
        "one SSN repeated": "NM1*IL*1*A*B****34*671204388~" + _fill("REF*0F*671204388~"),
        "SSN column rows": "id,ssn\n" + _fill("1,x\n2,123\n"),
        "aligned table rows": "ID  SSN   X\n" + _fill("7   88812 1\n"),
        "dial strings, no number": _fill("PJSIP/a sofia/gateway/b/c/ SIP/x/"),
        "call record fields": _fill('"4477009001","ANSWERED","DOCUMENTATION",'),
        "message ids": _fill("Message-ID: <a=b@c.d> "),
        "positional commands": _fill("mc alias set a b c sapcontrol -a b -c d --creds u "),
        "validation errors' values": _fill("ssn\n x [input_value='123456789', ]\n"),
        "Twilio ids, no token": _fill('AC0123456789abcdef0123456789abcdef:"x", '),
        "pretty names, no value": _fill('"name": "API_TOKEN",\n  "name": "password",\n  '),
        "config set, keys only": "config set " + _fill("--secret x "),
        # The sixteenth round: blanks after "=", "=>", remote shells' targets,
        # Authorization's schemes, connection strings' markup, zero-padded octets.
        "password= then words": _fill("password= Abc-12 x "),
        "=> after key names": _fill("'api_key' => 'abcdefgh1234', "),
        "ssh targets": "ssh" + _fill(" -J a@b.co c@d.io"),
        "Authorization, any scheme": _fill('"Authorization": "A-B-C abcdefgh12345678", '),
        "connection pairs, markup": _fill(";Pwd=a<b|c>d"),
        "padded octets": _fill("7.00.00.173 "),
        "quoted tokens holding ':'": _fill('"token":"abcdefgh12:ab:cd:ef" '),
        "quoted words after names": _fill("SECRET 'abc' contraseña \"x\" "),
        "ZIP+4 under keys": _fill("zip: 02134-1725 cep: 04538-132 tel "),
        "CSV introduced, long rows": "Dump:\nid,password\n" + _fill("1,a,"),
        "PowerShell names and values": _fill("-Name ClientSecret -Value "),
        "curl -u keys": "curl" + _fill(" -u Hk7Qx2Lm9Vt4Rw8ZnB3c:X"),
        "getenv defaults, no secret": _fill("getenv('API_TOKEN', x) env('A_KEY', "),
        "key- in words": _fill("key-value key-0123 "),
        # The seventeenth round: devices' and programs' labels, tables' cells.
        "protocols, no SNMP": _fill("auth sha256 verified AES 256 "),
        "SNMP, keys' lengths": _fill("snmp auth sha 256 priv aes 128 "),
        "device keys in words": _fill("x-key key mismatch a: EAP method "),
        "-Auth headers, words": _fill("X-Auth: disabled auth-token expired, "),
        "table headers": _fill("| password | changed_at \u2502 token \u2502 ******** \u2502"),
        "plans' numbers": _fill('~ token_ttl = "3600" -> "7200" '),
        # The twenty-fourth pair: echoes, sentences, next lines, links, typed fields.
        "echoes, no reader": _fill("echo abcd | cat "),
        "passwords set to words": _fill("password for x to be changed "),
        "names ending lines": _fill("a_password:\n  b:\n"),
        "reset paths, no token": _fill("/reset/form/abc/verify/x "),
        "typed hints": _fill("fill('#password-hint', 'x') "),
        "settings table rows": "name,value\n" + _fill("API_TOKEN,Tk9!abcd\nLOG_LEVEL,info\n"),
        # The twenty-fifth pair: SQL's settings, ACL rules, key lines, "version of".
        "settings set, no secret": _fill("SET value = 'x' WHERE name = 'theme' "),
        "ACL rules, no password": _fill("SETUSER a on ~k:* +@all "),
        "names ending lines, short": _fill("Signature:\nshort\n"),
        "versions of schemas": _fill("version of schema x: 1.2.3.4 "),
        # The twenty-sixth pair: objects named as secrets, other languages' names.
        "secrets' objects, no value": _fill('"api_secret": {"type": "string", '),
        "other languages' names": _fill("chave de API ativa, segredo guardado "),
        # The eighteenth round: keys named in sentences and in other languages, cookies,
        # tables aligned by blanks, none with a value.
        "key names in prose, no value": _fill("API key was rotated, klucz API: brak, token "),
        "cookie pairs, words": _fill("Cookie: theme=dark; lang=en-GB; view=compact; "),
        "aligned names, words": _fill("  password     changed at noon\n  token    none\n"),
        "labels, all values": _fill(
            ': EAP "Eap-7!x" x-key ascii Dk3!mnop X-ZT1-Auth: Zt4Qx2Lm9Vt4 '
            "auth-token Ot5Qx2Lm9Vt4,\u2502 password \u2502 Tb6!qrst \u2502\n"
        ),
        # The nineteenth round: OCPP's variables, RTMP URLs, signature headers and the
        # prose verbs, none with a value where it is looked for.
        "OCPP values, no password's name": _fill('{"attributeValue":"300","component":{}},'),
        "RTMP URLs, short names": _fill("rtmp://media.example/live/cam1/x "),
        "signature headers, words": _fill("X-Hub-Signature: sha256=not-a-signature-at-all "),
        "password verbs, words": _fill("the password is now gereset naar niets para todos "),
        # The twentieth round: a changed value's old= and new=, quoted pairs with
        # blanks, logins with words before "user / x", header pairs after "=", key
        # flags with quoted words; none with a value where it is looked for.
        "old= and new=, no subject": _fill("config old=v1 new=v2 rotated "),
        "quoted pairs with blanks": _fill("+ export 'ADMIN_PASS=a b c' x=\"b=c d\" "),
        "login words, no slash": _fill("login for the reporting box is sa then "),
        "key header pairs, words": _fill("x-api-key=short x-team-token=word "),
        "key flags, quoted words": _fill('--runtime.http_key "x" --server_key "y" '),
        # The twenty-first round: keys beside a streaming server, logins with an arrow,
        # DRM names and auth tuples; none with a value where it is looked for.
        "stream key lines, no key": _fill("server: rtmp://h/live\nkey: {x}\n"),
        "login words, arrow, no slash": _fill("new login for the box in room 2 -> admin then "),
        "DRM names, short values": _fill("[fairplay] ask=12 KeySeed=x FPS_ASK=y "),
        "auth tuples, short users": _fill("auth=('abc', '') auth=(x, None) "),
        "device keywords, no key": _fill("snmp-server community RO\n key 7 days\n key-string\n"),
        "cipher markers, words": _fill("password cipher %^%# a b "),
        "product names before addresses": _fill("Nginx 10.0.0.5 upstream 1.2.3 ok "),
        # The twenty-second round: a credential given a variable, setters given their
        # object, clients given two literals, Perforce's flags; none with a value.
        "credentials as names": _fill("var cred = x; Credentials = cred, "),
        "setters given objects": _fill('setPassword(auth, "") set_password(a, b) '),
        "client calls, two words": _fill('ApiClient("user", "word") '),
        "Perforce flags, no password": _fill("p4 -p ssl:h:1666 -u svc -c ws sync "),
        "http-basic flags, no login": "poetry config " + _fill("--a "),
        "remote tables, no password": _fill("mysql('a', 'b', 'c', 'd', x) "),
        "here-strings of variables": _fill('kinit a <<< "$P" '),
        "provider references": _fill("password=${secrets:a/b:password} "),
        # The twenty-fourth round: Azure's secret mark without a secret around it.
        "Azure secret marks, too long": _fill("ab8Q~" + "a" * 36 + " "),
        "passwd lines, no password": _fill("root:x:0:0::/root:/bin/sh\n"),
        "honeypot attempts, unclosed": _fill("login attempt [b'a'/b'"),
        "logins before near-addresses": _fill("a:b@1.2.3 "),
        "cracked passwd lines": _fill("u:Pw!2025:1000:1000::/home/u:/bin/sh\n"),
        "serialized secrets": _fill('s:8:"password";s:4:"Pw!1";'),
        "CDATA never closed": _fill("<password><![CDATA["),
        "remarks in brackets, no verb": _fill("password (a: b) (c: d) "),
        "logins before host paths": _fill("a:b@c.example/ "),
        # The twenty-fifth round: password files' lines, Canvas' and Braintree's marks,
        # secret stores' commands, one-time links' names, phone words and extensions.
        "pgpass lines": _fill(".pgpass h:5432:d:u:Pw!1 "),
        "pgpass ports, no password": _fill(".pgpass :1:a:b: "),
        "Canvas marks, too short": _fill("7~abc "),
        "secret stores, no value": _fill("az keyvault secret set --name a --vault-name b "),
        "store values": _fill("az keyvault secret set --name a --value Pw!2025x "),
        "Mirth calls, too few": _fill("createDatabaseConnection('a', 'b', 'c') "),
        "one-time links": _fill("?t=Qm8vK2xR7pT4wY9zL1nB6cD3&invite=a "),
        "extension words": _fill("Tel. Durchwahl - DW 1 App. "),
        "call words, no number": _fill("h\u00edvja zentrale llam\u00f3 ringte "),
        "quoted key, never closed": 'api_key="Ab12Cd34Ef56 ' + _fill("word ")[:-24],
        "curl logins with '&'": _fill("curl -u a:b&c&d&e;f "),
        "htpasswd, no batch flag": _fill("htpasswd -c a b "),
        "stdin flags, no here-string": _fill("x --password-stdin y "),
        "quoted words after a verb": _fill('password is "Go '),
        "quoted words after a colon's gap": _fill('Kennwort laut Kundin: "Nord '),
        "subscriber keys, short": _fill("ki=12 OPc=34 ha1=56 kic=78 "),
        "argv flags, list never closed": _fill('["--password", '),
        "PIN and sign-in words": _fill("sign-in code is voicemail pin is 12 "),
        "FTP prompts, no password": _fill("ftp> user a\n"),
        "parts' versions": _fill("plugin 1.2.3.4 module 5.6.7.8 "),
        "runs and a group of three": _fill("4012888888882 123 "),
        "updates after versions": _fill("version 5.6.7.8 update to 1.2.3.4 "),
    }


def worst_case(rounds: int, seed: int) -> None:
    """Per-log time of each hostile 64 KiB shape (typed placeholders), and the slowest."""
    redactor = Redactor(style="typed")
    results: list[tuple[float, str]] = []
    print(f"64 KiB shape (best of {rounds})        time   values")
    for name, text in worst_case_logs(seed).items():
        redacted = redactor.redact_counted(text)  # also warms caches for this shape
        seconds = _best_seconds(partial(redactor.redact, text), rounds)
        results.append((seconds, name))
        values = sum(redacted.counts.values())
        print(f"{name:30s} {seconds * 1000:7.1f} ms {values:7,}")
    seconds, name = max(results)
    print(f"slowest: {name}, {seconds * 1000:.1f} ms")


def main() -> None:
    """Run the chosen sections."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--section",
        choices=("all", "throughput", "short", "values", "parts", "scaling", "worst"),
        default="all",
    )
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--short-lines", type=int, default=20000)
    parser.add_argument("--pii-share", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    sections = {
        "throughput": lambda: throughput(args.lines, args.rounds, args.seed),
        "short": lambda: short_lines(args.short_lines, args.rounds, args.seed, args.pii_share),
        "values": lambda: values_by_shape(args.short_lines, args.rounds, args.seed, args.pii_share),
        "parts": lambda: parts(args.short_lines, args.rounds, args.seed, args.pii_share),
        "scaling": lambda: scaling(args.rounds),
        "worst": lambda: worst_case(args.rounds, args.seed),
    }
    chosen = list(sections) if args.section == "all" else [args.section]
    # Compiled or not, the same results; TENANTLOG_REDACTION_COMPILED=0 times the sources.
    modules = "compiled (mypyc)" if compiled.in_use() else "interpreted"
    print(f"redaction modules: {modules}\n")
    for number, name in enumerate(chosen):
        if number:
            print()
        sections[name]()


if __name__ == "__main__":
    main()
