"""One ``/metrics`` for every local tenantlog process on a data directory.

``tenantlog api --workers N`` answers each scrape from whichever API process
accepted the connection, and ``tenantlog worker`` has no HTTP port, so
in-memory counters would show one process's share at a time and never the
worker's. The local shells (``serve``, ``api``, ``worker``) therefore use
prometheus-client's multiprocess mode: every process writes its values to
memory-mapped files in ``<data dir>/metrics``, and whichever process answers
``/metrics`` adds up the files of all of them. Lambda, and any code that
imports ``tenantlog.metrics`` without the command line (the unit tests),
keep the in-memory values of a single process.

How the mode is switched on. prometheus-client picks the class that holds
metric values once, when ``prometheus_client.values`` is first imported,
from the ``PROMETHEUS_MULTIPROC_DIR`` environment variable; and a metric gets
its value objects when it is defined. So the command line calls ``share``
before anything imports ``tenantlog.metrics``: ``share`` exports the
variable, which uvicorn's worker processes (started with ``spawn``) and any
other child inherit. ``tenantlog.metrics`` then calls ``join`` before it
defines a metric, and ``join`` installs the value class itself rather than
relying on the import-time choice, because whether something imported
prometheus-client before the variable was set is not this module's to
control. ``share`` refuses to run once ``tenantlog.metrics`` has been
imported without it, so a wrong import order fails at start-up instead of
quietly serving one process's numbers.

Names and liveness. A process's files are named after ``<pid>-<random>``,
not the bare pid, so that a pid reused after a restart, or the same pid in
two containers sharing the data directory, never lands in another process's
file. Each process holds an exclusive ``flock`` on ``live-<name>.lock`` for
as long as it lives; the kernel drops it when the process ends, even by
SIGKILL, so "its lock can be taken" means "it is gone", with no pid checks
and no clean shutdown needed.

What a new process does with the directory (the retention policy).
prometheus-client's documentation wipes the directory when the whole
deployment starts; here processes start one at a time (an API, then a
worker; a worker restarted on its own), so no process can know it is the
first, and wiping would send counters backwards. Instead every process, on
joining, merges the counter, histogram and summary files of processes that
are gone into one ``<type>_merged.db`` file, and deletes their gauge files
(a dead process's gauge describes nothing). Counters and histograms stay
totals over every process that ever ran on the data directory: they never
go backwards when a process exits or restarts, and the number of files
stays that of the live processes plus one per type. Deleting the data
directory, or only its ``metrics`` folder while nothing runs, resets them
(Prometheus reads that as a counter reset, as after any restart).

Merging and reading must not overlap: a scrape that saw the merged file
already written and the dead process's file not yet deleted would count it
twice, and the next scrape would go backwards. So merging holds an exclusive
``flock`` on ``merge.lock`` and every scrape a shared one. A merge
interrupted half-way is finished by the next one: the new merged files are
written aside, then a journal names the files they replace, and only then
are files renamed and deleted; the journal makes that last step repeatable.

The queue gauges (visible, in flight, dead letters) are not process values
at all: the scraping process reads them from the queue at scrape time (see
``tenantlog.metrics.exposition``), so they are never summed over processes
and no stale gauge file outlives its process.

Windows has no ``flock``; there each process keeps its own in-memory values,
as before.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client import values
from prometheus_client.metrics_core import Metric
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector

if sys.platform != "win32":
    import fcntl

#: The variable prometheus-client (and every child process) reads the directory from.
ENVIRONMENT_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
#: The folder of the data directory that holds the files.
FOLDER = "metrics"
#: Stands for "every process that is gone" in the name of the merged files.
MERGED = "merged"
#: File types whose values are totals, kept (merged) after their process ends.
TOTAL_TYPES = ("counter", "histogram", "summary")
MERGE_LOCK = "merge.lock"
JOURNAL = "merge-journal.json"
NEW_SUFFIX = ".new"  # merged files being written; "*.db" globs do not match them


def supported() -> bool:
    """Whether this platform can share metrics between processes (it needs ``flock``)."""
    return sys.platform != "win32"


def share(directory: Path) -> None:
    """Make this process, and every process it starts, write metrics to ``directory``.

    Call it before ``tenantlog.metrics`` is imported (the ``serve``, ``api``
    and ``worker`` commands do, first thing after reading their settings).
    """
    if not supported():
        return
    directory = directory.resolve()
    already = sys.modules.get("tenantlog.metrics")
    if already is not None and getattr(already, "SHARED_DIRECTORY", None) != directory:
        raise RuntimeError(
            "tenantlog.metrics was imported before the shared metrics directory was set up;"
            " its values would stay in this process"
        )
    directory.mkdir(parents=True, exist_ok=True)
    os.environ[ENVIRONMENT_VARIABLE] = str(directory)


def join() -> Path | None:
    """Switch this process's metric values to files in the shared directory, if there is one.

    ``tenantlog.metrics`` calls it before defining any metric. Returns the
    directory, or None when metrics stay in this process (no directory was
    shared, or the platform cannot share).
    """
    # Not a tenantlog setting: prometheus-client's own variable, set by ``share``
    # in this process or inherited from the command that started it.
    name = os.environ.get(ENVIRONMENT_VARIABLE)
    if not name or not supported():
        return None
    directory = Path(name)
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory, exclusive=True):
        compact(directory)
    identity = _Identity(directory)
    values.ValueClass = values.MultiProcessValue(identity.name)  # type: ignore[no-untyped-call]
    return directory


class _Identity:
    """This process's name in the directory, and the lock that says it is alive.

    prometheus-client asks for the name on every increment and starts new files
    when it changes, which is how it notices a fork; the name is renewed in a
    forked child (``os.register_at_fork``), so asking costs no system call.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.current = ""
        self.lock_fd: int | None = None
        self.renew()
        os.register_at_fork(after_in_child=self.renew)

    def name(self) -> str:
        return self.current

    def renew(self) -> None:
        if self.lock_fd is not None:
            # A forked child's copy of its parent's lock: closing it leaves the
            # parent's lock held by the parent alone.
            os.close(self.lock_fd)
        current = f"{os.getpid()}-{secrets.token_hex(4)}"
        fd = os.open(_live_lock(self.directory, current), os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)  # before any value file of this name exists
        self.lock_fd, self.current = fd, current


def _live_lock(directory: Path, process: str) -> Path:
    return directory / f"live-{process}.lock"


#: Descriptors of the merge lock open in this process (a scrape in a thread holds one).
_merge_lock_fds: set[int] = set()


def _close_inherited_merge_locks() -> None:
    """In a forked child: an ``flock`` belongs to the open file, which the child shares, so
    a copy kept by the child would hold its parent's scrape lock, and stall every
    process that starts after, for as long as the child lives."""
    for fd in _merge_lock_fds:
        os.close(fd)
    _merge_lock_fds.clear()


if supported():
    os.register_at_fork(after_in_child=_close_inherited_merge_locks)


@contextlib.contextmanager
def _locked(directory: Path, *, exclusive: bool) -> Iterator[None]:
    """Merging (exclusive) and reading (shared) the directory's files never overlap."""
    fd = os.open(directory / MERGE_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    _merge_lock_fds.add(fd)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        _merge_lock_fds.discard(fd)
        os.close(fd)  # releases the lock


def _is_alive(directory: Path, process: str) -> bool:
    """Whether the process still holds its liveness lock (the kernel drops it at exit)."""
    try:
        fd = os.open(_live_lock(directory, process), os.O_RDWR)
    except FileNotFoundError:
        return False  # never had one (files from outside tenantlog) or already merged
    except PermissionError:
        return True  # another user's process: it cannot be told, so its files are left be
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _process_of(value_file: Path) -> str:
    """``counter_<name>.db``, ``gauge_<mode>_<name>.db``: the name is the last part."""
    return value_file.stem.rsplit("_", 1)[-1]


def compact(directory: Path) -> None:
    """Fold the files of processes that are gone into the merged files, then delete them.

    Callers hold the exclusive merge lock. Totals do not change: a scrape
    before and after gives the same sums.
    """
    _finish(directory)  # a merge that was interrupted after its journal was written
    for stray in directory.glob(f"*.db{NEW_SUFFIX}"):
        stray.unlink()  # a merge interrupted before: its inputs are all still there
    files: defaultdict[str, list[Path]] = defaultdict(list)
    for value_file in directory.glob("*.db"):
        files[_process_of(value_file)].append(value_file)
    files.pop(MERGED, None)
    for lock in directory.glob("live-*.lock"):
        files.setdefault(lock.stem.removeprefix("live-"), [])
    gone = sorted(process for process in files if not _is_alive(directory, process))
    if not gone:
        return
    for kind in TOTAL_TYPES:
        inputs = [f for process in gone for f in files[process] if f.name.startswith(kind + "_")]
        if not inputs:
            continue
        merged = directory / f"{kind}_{MERGED}.db"
        if merged.exists():
            inputs.append(merged)
        _write(_merge(inputs), merged.with_name(merged.name + NEW_SUFFIX))
    replaced = [f.name for process in gone for f in files[process]]
    replaced += [_live_lock(directory, process).name for process in gone]
    journal = directory / JOURNAL
    aside = journal.with_name(journal.name + NEW_SUFFIX)
    aside.write_text(json.dumps({"delete": replaced}))
    os.replace(aside, journal)  # from here on, the merge happens even if this process dies
    _finish(directory)


def _merge(files: Iterable[Path]) -> Iterable[Metric]:
    """The files' samples added up per series, histogram buckets left per bucket (as stored)."""
    paths = [str(f) for f in files]
    merged: Iterable[Metric] = MultiProcessCollector.merge(paths, accumulate=False)  # type: ignore[no-untyped-call]
    return merged


def _write(metrics: Iterable[Metric], path: Path) -> None:
    """Write merged samples in prometheus-client's own file format, under their own keys."""
    out = MmapedDict(str(path))  # type: ignore[no-untyped-call]
    try:
        for metric in metrics:
            for sample in metric.samples:
                key = mmap_key(
                    metric.name,
                    sample.name,
                    list(sample.labels),
                    list(sample.labels.values()),
                    metric.documentation,
                )
                out.write_value(key, sample.value, 0.0)  # type: ignore[no-untyped-call]
    finally:
        out.close()  # type: ignore[no-untyped-call]


def _finish(directory: Path) -> None:
    """Put the written merged files in place and delete what they replace (repeatable)."""
    journal = directory / JOURNAL
    try:
        plan = json.loads(journal.read_text())
    except FileNotFoundError:
        return
    for written in directory.glob(f"*.db{NEW_SUFFIX}"):
        os.replace(written, written.with_name(written.name.removesuffix(NEW_SUFFIX)))
    for name in plan["delete"]:
        (directory / name).unlink(missing_ok=True)
    journal.unlink()


class SharedCollector:
    """Every process's counters and histograms, added up from the shared directory.

    Used in place of the default registry by the process answering ``/metrics``.
    Only what the files hold: not this process's own ``process_*`` and
    ``python_*`` metrics, which would change with whichever API process
    answers.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files = MultiProcessCollector(None, str(directory))  # type: ignore[no-untyped-call]

    def collect(self) -> Iterable[Metric]:
        with _locked(self.directory, exclusive=False):
            collected: Iterable[Metric] = self.files.collect()  # type: ignore[no-untyped-call]
            return list(collected)
