"""The shared metrics directory: what processes leave in it, and how it is merged.

The files are written by real child processes through ``tenantlog.metrics``
(the pytest process itself keeps in-memory metrics); merging and reading run
here, on those files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tenantlog import metrics, metrics_processes
from tenantlog.core.queue import QueueStats
from tenantlog.metrics_processes import SharedCollector, compact
from tests.support.cli import tenantlog

pytestmark = pytest.mark.skipif(not metrics_processes.supported(), reason="needs flock")

# A process that counts `stored` messages and one enqueue time, then waits for stdin to close.
COUNTING = """
import sys
from tenantlog import metrics
assert metrics.SHARED_DIRECTORY is not None
metrics.MESSAGES_PROCESSED.labels("stored").inc(int(sys.argv[1]))
metrics.ENQUEUE_SECONDS.observe(0.003)
print("counted", flush=True)
sys.stdin.read()
"""


class Counting:
    """A child process that has counted ``stored`` messages into the shared directory."""

    def __init__(self, directory: Path, stored: int) -> None:
        env = {**os.environ, metrics_processes.ENVIRONMENT_VARIABLE: str(directory)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", COUNTING, str(stored)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == "counted\n"

    def exit(self) -> None:
        """Let it end normally."""
        _, _ = self.process.communicate(timeout=30)
        assert self.process.returncode == 0

    def kill(self) -> None:
        """End it with SIGKILL: nothing of its own runs any more."""
        self.process.kill()
        self.process.communicate(timeout=30)


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "metrics"


def totals(directory: Path) -> dict[str, float]:
    """Every sample of a scrape of the directory, keyed by name and labels."""
    return {
        f"{sample.name}{sorted(sample.labels.items())}": sample.value
        for metric in SharedCollector(directory).collect()
        for sample in metric.samples
    }


def stored(directory: Path) -> float:
    return totals(directory)["tenantlog_messages_processed_total[('result', 'stored')]"]


def value_files(directory: Path) -> set[str]:
    return {path.name for path in directory.glob("*.db")}


@pytest.fixture
def gone_and_live(directory: Path) -> Iterator[Counting]:
    """Two processes that have exited (3 and 4 stored) and one still running (5 stored).

    All three run at once before two exit: a process merges the files of those that
    are gone when it starts, and these are to be left for the test to merge.
    """
    live, *gone = (Counting(directory, count) for count in (5, 3, 4))
    for process in gone:
        process.exit()
    assert "counter_merged.db" not in value_files(directory)
    yield live
    live.exit()


def test_merging_keeps_every_total_and_only_live_files(
    directory: Path, gone_and_live: Counting
) -> None:
    # GIVEN the files of two processes that are gone and of one that runs
    before = totals(directory)
    assert stored(directory) == 12
    assert before["tenantlog_enqueue_seconds_count[]"] == 3
    # WHEN the directory is merged
    compact(directory)
    # THEN a scrape adds up to the same totals, histogram buckets included
    assert totals(directory) == before
    # AND the processes that are gone left one merged file per type behind
    live = f"{gone_and_live.process.pid}-"
    assert {name for name in value_files(directory) if live not in name} == {
        "counter_merged.db",
        "histogram_merged.db",
    }
    assert len(list(directory.glob("live-*.lock"))) == 1


def test_totals_survive_processes_that_come_and_go(directory: Path) -> None:
    # GIVEN a merged directory
    Counting(directory, 2).exit()
    compact(directory)
    # WHEN more processes count, exit, and are merged in turn
    for count in (1, 10):
        Counting(directory, count).exit()
        compact(directory)
        compact(directory)  # nothing left to merge: changes nothing
    # THEN every count is there once
    assert stored(directory) == 13
    assert value_files(directory) == {"counter_merged.db", "histogram_merged.db"}


def test_a_process_joining_merges_the_ones_that_are_gone(directory: Path) -> None:
    # GIVEN a process that exited
    Counting(directory, 7).exit()
    # WHEN another one starts on the directory (and is killed without any clean-up)
    Counting(directory, 1).kill()
    # THEN it merged the first one's files when it joined, and its own count stays
    assert "counter_merged.db" in value_files(directory)
    assert stored(directory) == 8


def test_a_merge_interrupted_after_its_journal_is_finished_by_the_next(
    directory: Path, gone_and_live: Counting, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = totals(directory)
    # GIVEN a merge that stopped once its merged files and journal were written
    finish = metrics_processes._finish
    monkeypatch.setattr(metrics_processes, "_finish", lambda directory: None)
    compact(directory)
    assert (directory / metrics_processes.JOURNAL).exists()
    # THEN scrapes meanwhile still count everything once
    assert totals(directory) == before
    # WHEN the next merge runs
    monkeypatch.setattr(metrics_processes, "_finish", finish)
    compact(directory)
    # THEN it completes the interrupted one, counting nothing twice
    assert totals(directory) == before
    assert not (directory / metrics_processes.JOURNAL).exists()
    assert "counter_merged.db" in value_files(directory)


def test_a_merge_interrupted_before_its_journal_is_redone(
    directory: Path, gone_and_live: Counting, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = totals(directory)
    # GIVEN a merge that died while writing its merged files (before the journal)
    real_replace = os.replace

    def die_at_journal(source: str | Path, target: str | Path) -> None:
        if Path(target).name == metrics_processes.JOURNAL:
            raise KeyboardInterrupt("killed")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", die_at_journal)
    with pytest.raises(KeyboardInterrupt):
        compact(directory)
    monkeypatch.setattr(os, "replace", real_replace)
    assert list(directory.glob("*.new"))
    assert totals(directory) == before
    # WHEN the next merge runs
    compact(directory)
    # THEN the half-written files are dropped and the merge redone from its inputs
    assert totals(directory) == before
    assert not list(directory.glob("*.new"))


FORKING = """
import os
from tenantlog import metrics
metrics.MESSAGES_PROCESSED.labels("stored").inc(2)
child = os.fork()
if child == 0:
    metrics.MESSAGES_PROCESSED.labels("stored").inc(3)
    os._exit(0)
os.waitpid(child, 0)
metrics.MESSAGES_PROCESSED.labels("stored").inc(1)
"""


def test_a_forked_child_counts_in_its_own_files(directory: Path) -> None:
    # GIVEN a process that counts before and after forking a child that counts too
    env = {**os.environ, metrics_processes.ENVIRONMENT_VARIABLE: str(directory)}
    subprocess.run([sys.executable, "-c", FORKING], env=env, timeout=60, check=True)
    # THEN neither overwrote the other's counts, and each had its own liveness lock
    assert stored(directory) == 6
    assert len(list(directory.glob("counter_*.db"))) == 2
    assert len(list(directory.glob("live-*.lock"))) == 2
    # AND both are merged once gone
    compact(directory)
    assert stored(directory) == 6
    assert value_files(directory) == {"counter_merged.db", "histogram_merged.db"}


def test_share_refuses_once_metrics_live_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pytest process imported tenantlog.metrics without a shared directory.
    monkeypatch.delenv(metrics_processes.ENVIRONMENT_VARIABLE, raising=False)
    assert metrics.SHARED_DIRECTORY is None

    with pytest.raises(RuntimeError, match="imported before"):
        metrics_processes.share(tmp_path / "metrics")
    assert metrics_processes.ENVIRONMENT_VARIABLE not in os.environ


def test_the_command_line_does_not_import_the_metrics_before_sharing_them() -> None:
    # `serve`, `api` and `worker` share the directory after reading their settings,
    # which needs tenantlog.cli.main imported: it must not have defined the metrics yet.
    check = "import sys, tenantlog.cli.main; print('tenantlog.metrics' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, timeout=60, check=True
    )

    assert result.stdout.strip() == "False"


def test_queue_gauges_are_read_at_scrape_time_and_left_out_when_unknown() -> None:
    with_queue = metrics.exposition(QueueStats(visible=3, in_flight=2, dead_letters=1)).decode()
    without = metrics.exposition(None).decode()

    assert "tenantlog_queue_visible 3.0" in with_queue
    assert "tenantlog_queue_in_flight 2.0" in with_queue
    assert "tenantlog_queue_dead_letters 1.0" in with_queue
    assert "tenantlog_queue_" not in without
    assert "tenantlog_messages_failed_total" in without


def test_a_data_dir_that_cannot_hold_the_metrics_stops_the_start(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "data"
    not_a_directory.write_text("")

    result = tenantlog("worker", data_dir=not_a_directory, check=False)

    assert result.returncode == 2
    assert "invalid setting TENANTLOG_DATA_DIR: cannot create" in result.stderr
