"""One ``/metrics`` for every local process: ``api --workers 2`` beside a separate ``worker``.

Whichever API process answers a scrape, it shows the sums over every process
on the data directory: logs accepted by both API processes, messages stored
by the worker (which has no port), and totals that never go backwards when a
worker is killed and another one started.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from tests.support.server import ServerProcess, wait_until

pytestmark = pytest.mark.slow

ACCEPTED = "tenantlog_logs_accepted_total"
PROCESSED = "tenantlog_messages_processed_total"


def total(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` that carry ``labels``."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def scrape(url: str) -> str:
    # A new connection each time, so that successive scrapes reach both API processes.
    response = httpx.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200
    return response.text


def post_logs(url: str, tenant: str, log_ids: list[str]) -> None:
    """One log a request, each on its own connection, eight at a time."""

    def post(log_id: str) -> None:
        body = {"tenant_id": tenant, "log_id": log_id, "text": f"call 555-0100 ({log_id})"}
        response = httpx.post(f"{url}/ingest", json=body, timeout=10)
        assert response.status_code == 202, response.text

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(post, log_ids))


def stored_count(url: str, tenant: str) -> int:
    response = httpx.get(f"{url}/tenants/{tenant}/logs", params={"limit": 1000}, timeout=10)
    return len(response.json()["items"])


def processes_that_accepted(data_dir: Path) -> int:
    """How many processes' own files count accepted logs (to know both API processes did)."""
    counting = 0
    for path in (data_dir / "metrics").glob("counter_*.db"):
        if path.name == "counter_merged.db":
            continue
        samples = MmapedDict.read_all_values_from_file(str(path))  # type: ignore[no-untyped-call]
        if any(ACCEPTED in key and value > 0 for key, value, _, _ in samples):
            counting += 1
    return counting


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def api(data_dir: Path) -> Iterator[ServerProcess]:
    with ServerProcess(data_dir, command="api", env={"TENANTLOG_API_WORKERS": "2"}) as running:
        yield running


def test_every_scrape_shows_the_totals_of_every_process(api: ServerProcess, data_dir: Path) -> None:
    # GIVEN two API processes on one port and a worker process beside them
    with ServerProcess(data_dir, command="worker"):
        # WHEN logs arrive over many connections and are all stored
        sent = [f"log-{i}" for i in range(120)]
        post_logs(api.url, "acme", sent)
        wait_until(lambda: stored_count(api.url, "acme") == len(sent))
        assert processes_that_accepted(data_dir) == 2  # both API processes took some
        # THEN every scrape, whichever API process answers it, counts each log once
        for scraped in range(20):
            text = scrape(api.url)
            assert total(text, ACCEPTED) == len(sent)
            assert total(text, PROCESSED, result="stored") == len(sent)
            assert total(text, "tenantlog_redactions_total", type="PHONE") == len(sent)
            ingested = total(text, "tenantlog_http_requests_total", route="/ingest", status="202")
            assert ingested == len(sent)
            assert total(text, "tenantlog_enqueue_seconds_count") == len(sent)
            # the scrapes before this one, answered by either process, counted once each
            scrapes = total(text, "tenantlog_http_requests_total", route="/metrics")
            assert scrapes == scraped
            # the queue's gauges are its current counts, not a sum over processes
            assert total(text, "tenantlog_queue_visible") == 0
            assert total(text, "tenantlog_queue_in_flight") == 0
            assert total(text, "tenantlog_queue_dead_letters") == 0


def test_counters_survive_a_worker_killed_and_replaced(api: ServerProcess, data_dir: Path) -> None:
    # GIVEN a worker that stored some logs, and was then killed outright
    first = [f"first-{i}" for i in range(30)]
    with ServerProcess(data_dir, command="worker") as worker:
        post_logs(api.url, "acme", first)
        wait_until(lambda: stored_count(api.url, "acme") == len(first))
        assert total(scrape(api.url), PROCESSED, result="stored") == len(first)
        worker.stop(signal.SIGKILL)
    # THEN its count stays
    seen = [total(scrape(api.url), PROCESSED, result="stored") for _ in range(5)]
    assert seen == [len(first)] * 5
    # WHEN another worker starts and stores more
    later = [f"later-{i}" for i in range(30)]
    with ServerProcess(data_dir, command="worker"):
        seen.append(total(scrape(api.url), PROCESSED, result="stored"))
        post_logs(api.url, "acme", later)
        wait_until(lambda: stored_count(api.url, "acme") == len(first) + len(later))
        seen += [total(scrape(api.url), PROCESSED, result="stored") for _ in range(5)]
        # THEN the new worker folded the old one's files into the merged ones
        assert (data_dir / "metrics" / "counter_merged.db").exists()
    # AND the total never went backwards, and ends at every log stored once
    assert seen == sorted(seen)
    assert seen[-1] == len(first) + len(later)
