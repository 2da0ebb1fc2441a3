"""Fault injection: kills, a full disk and poison messages; nothing accepted is lost or doubled.

Each test prints its counts (run with ``-s`` to see them) and ends with 0
lost and 0 duplicated: every (tenant, log_id) answered 202 is stored exactly
once (the store's key makes a second copy impossible; the tests also check
that no record was written twice by comparing counts).
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.cli import tenantlog_json
from tests.support.faults import ContinuousLoad, outcome, queue_depth
from tests.support.server import ServerProcess, free_port, wait_until

pytestmark = pytest.mark.slow

WORKER_ENV = {
    "TENANTLOG_PROCESSING_DELAY_PER_CHAR": "0.002",
    "TENANTLOG_VISIBILITY_TIMEOUT": "2",
    "TENANTLOG_BACKOFF_BASE": "0.05",
    "TENANTLOG_BACKOFF_MAX": "0.2",
}


def report(name: str, accepted: int, stored: int, **counts: object) -> None:
    extra = ", ".join(f"{k} {v}" for k, v in counts.items())
    print(f"\n{name}: accepted {accepted}, stored {stored}, {extra}")


def test_twenty_sigkill_cycles_of_api_and_worker_lose_and_duplicate_nothing(
    tmp_path: Path,
) -> None:
    # GIVEN an API process and a worker process on one data directory, under load
    data_dir = tmp_path / "data"
    port = free_port()
    rng = random.Random(7)
    api = ServerProcess(data_dir, command="api", port=port, env=WORKER_ENV).start()
    worker = ServerProcess(data_dir, command="worker", port=port, env=WORKER_ENV).start()
    kills = {"api": 0, "worker": 0}
    try:
        with ContinuousLoad(api.url) as load:
            # WHEN either is SIGKILLed at a random moment, 20 times, and restarted at once
            for _ in range(20):
                time.sleep(rng.uniform(0.2, 1.0))
                victim = rng.choice(["api", "worker"])
                kills[victim] += 1
                if victim == "api":
                    api.stop(signal.SIGKILL)
                    api = ServerProcess(data_dir, command="api", port=port, env=WORKER_ENV).start()
                else:
                    worker.stop(signal.SIGKILL)
                    worker = ServerProcess(
                        data_dir, command="worker", port=port, env=WORKER_ENV
                    ).start()
            time.sleep(0.5)
        wait_until(lambda: queue_depth(data_dir) == 0, seconds=120)
    finally:
        for process in (api, worker):
            if process.process is not None and process.process.poll() is None:
                process.stop()
    # THEN every 202 is stored exactly once, and nothing is dead-lettered
    stored, dead, reasons = outcome(data_dir)
    report(
        "SIGKILL cycles",
        len(load.accepted),
        len(stored),
        kills=kills,
        unanswered=load.unanswered,
        refused=load.refused,
        dead=len(dead),
        lost=len(load.accepted - set(stored)),
        duplicated=len(stored) - len(set(stored)),
    )
    assert kills["api"] > 0 and kills["worker"] > 0
    assert len(load.accepted) > 100
    assert load.accepted <= set(stored)
    assert len(stored) == len(set(stored))
    assert dead == [], reasons


def test_poison_messages_are_dead_lettered_with_a_reason_and_spare_the_rest(
    tmp_path: Path,
) -> None:
    # GIVEN a queue holding good messages and poison placed there directly
    data_dir = tmp_path / "data"
    poison = [
        b"not json",
        b"[1, 2, 3]",
        b'{"tenant_id": "acme"}',
        b'{"tenant_id":"acme","log_id":"p","source":"carrier_pigeon","text":"x","received_at":"t"}',
        b"\xff\xfe binary",
    ]
    with ServerProcess(data_dir, command="api") as api:
        good = [{"tenant_id": "acme", "log_id": f"good-{n}", "text": "ok"} for n in range(50)]
        with httpx.Client(base_url=api.url) as client:
            for payload in good[:25]:
                assert client.post("/ingest", json=payload).status_code == 202
            with sqlite3.connect(data_dir / "tenantlog.db") as db:
                now = time.time()
                db.executemany(
                    "INSERT INTO queue_messages (body, sent_at, visible_at) VALUES (?, ?, ?)",
                    [(body, now, now) for body in poison],
                )
            for payload in good[25:]:
                assert client.post("/ingest", json=payload).status_code == 202
    # WHEN a worker processes them
    with ServerProcess(data_dir, command="worker"):
        wait_until(lambda: queue_depth(data_dir) == 0, seconds=30)
    # THEN each poison message is in the DLQ with a reason naming the defect, the rest stored
    stored = tenantlog_json("logs", "acme", "--all", data_dir=data_dir)["items"]
    dead = tenantlog_json("dlq", "list", data_dir=data_dir)
    report("poison", len(good), len(stored), dead=len(dead))
    assert sorted(r["log_id"] for r in stored) == sorted(p["log_id"] for p in good)
    assert len(dead) == len(poison)
    for entry in dead:
        assert entry["reason"].startswith("message ")  # e.g. "message body is not JSON: ..."
        assert entry["receive_count"] == 1  # dead-lettered at once: retrying cannot help


@contextmanager
def small_filesystem(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path``; skips the test where mounting is not allowed."""
    path.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_disk_full_never_gives_a_false_202_and_recovers_without_restart(tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "small", "24m") as small:
        data_dir = small / "data"
        env = {**WORKER_ENV, "TENANTLOG_PROCESSING_DELAY_PER_CHAR": "0"}
        with ServerProcess(data_dir, env=env) as server, ContinuousLoad(server.url) as load:
            # GIVEN a server that has accepted logs
            wait_until(lambda: len(load.accepted) > 200, seconds=30)
            # WHEN the filesystem fills up
            filler = small / "filler"
            subprocess.run(
                ["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True, check=False
            )
            refused_before = sum(load.refused.values())
            wait_until(lambda: sum(load.refused.values()) > refused_before + 50, seconds=30)
            full_refusals = dict(load.refused)
            # AND space returns
            filler.unlink()
            accepted_when_full = len(load.accepted)
            wait_until(lambda: len(load.accepted) > accepted_when_full + 200, seconds=30)
        # THEN it refused with 500/503 while full, recovered without a restart, and lost nothing
        with ServerProcess(data_dir, env=env):
            wait_until(lambda: queue_depth(data_dir) == 0, seconds=60)
        stored, dead, _ = outcome(data_dir)
        report(
            "disk full",
            len(load.accepted),
            len(stored),
            refused=full_refusals,
            dead=len(dead),
            lost=len(load.accepted - set(stored) - set(dead)),
            duplicated=len(stored) - len(set(stored)),
        )
        assert set(full_refusals) <= {500, 503}, full_refusals
        assert load.accepted <= set(stored) | set(dead)
        assert not set(stored) & set(dead)
        assert len(stored) == len(set(stored))
