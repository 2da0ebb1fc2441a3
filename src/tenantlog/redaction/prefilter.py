"""One native pass: the marks a short line holds, and whether the combined scan can match.

Most log lines hold no value. Before this pass, telling so cost a short
line two steps in Python: the plan's search for the detectors' marks
(``screen``) and, for the six lines in ten with a digit, the combined scan's
``re`` search, which stops at every delimiter before a digit or a capital.
Together about 3 µs, more than the naive phone redactor spends on the whole
line. Hyperscan (Intel's multi-pattern engine, in C) reads the line once for
both: each mark as a case-insensitive literal, and the combined scan as the
expressions ``superset`` builds from it, which match wherever it could. A
line where nothing is found costs one call, and a line with marks but no
candidate skips the combined scan.

Only ASCII texts of up to ``MAX_BYTES`` are searched (``search`` returns
None for the others, which the plan reads as before): the expressions are
built for ASCII, and a long text gains little from skipping a call.

The database takes about half a second of CPU to compile and some 15 MB
of the process' memory. It pays for itself in a process that redacts line
after line, after some 250,000 lines, not in one that redacts a few (the
API showing a dead letter). So it is compiled, in a thread (Hyperscan lets
other threads run meanwhile), only once ``WARM_UP`` searches have been
answered None; ``prepare`` compiles it at once, for a caller that knows.

A batch (the worker's, ``screen.prime``) is not searched here: its texts
are screened together by the plan's automaton. Searched together by
Hyperscan too, with every match reported and told to its text, a batch of
short lines with one in ten holding a value was redacted a fifth faster,
which moved the worker's logs a second by less than the benchmark's noise,
while the compiled database added 15-28 MB to the worker and its compiling
slowed the first seconds of an end-to-end run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from tenantlog.redaction import superset
from tenantlog.redaction.kinds import Scan

#: Searches answered None before the database is compiled: a process that
#: redacts a few lines (the API showing a dead letter) never pays for it, one
#: that redacts line after line pays once it has saved about as much.
WARM_UP = 100_000

#: Longer texts are not searched: the call it may save is worth less the
#: longer the text, and most texts that long hold a candidate anyway (on the
#: 1 KB lines of ``bench/redaction.py --section throughput``, searching cost
#: 5% of the time).
MAX_BYTES = 512

#: An expression longer than this is split at an alternation (``superset``):
#: many small expressions compile more than twice as fast as a few large
#: ones, and match as fast.
_EXPRESSION_LIMIT = 1000
#: About how many expressions may come of splitting for look-arounds' sake:
#: with 100, the combined scan's expressions let through a few lines in a
#: thousand of those it finds nothing in, against one in eight with none.
_SPLITS = 100


def _found(id: int, start: int, end: int, flags: int, hits: set[int]) -> None:
    hits.add(id)


def _hyperscan() -> Any:
    # Imported on first compile: the Lambda zip leaves Hyperscan out (its
    # worker redacts primed batches, which the prefilter does not serve), and
    # a process without it redacts as before the prefilter.
    import hyperscan

    return hyperscan


class _Lazy:
    """A database compiled in a thread once asked for often enough; None until it is ready."""

    def __init__(self, compile: Callable[[], Any]) -> None:
        self.database: Any = None
        self._compile = compile
        self._asked = 0
        self._started = False
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._error: BaseException | None = None

    def get(self) -> Any:
        """The database, or None (and, at the ``WARM_UP``-th time, its compiling starts)."""
        database = self.database
        if database is None:
            self._asked += 1  # (racy between threads: the count need not be exact)
            if self._asked == WARM_UP:
                self._start()
        return database

    def new_scratch(self, database: Any) -> Any:
        return _hyperscan().Scratch(database)

    def prepare(self) -> None:
        """Compile it now (or wait for the thread compiling it); raise if it fails."""
        self._start()
        self._done.wait()
        if self._error is not None:
            raise self._error

    def _start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._run, name="redaction-prefilter", daemon=True).start()

    def _run(self) -> None:
        try:
            self.database = self._compile()
        except BaseException as error:  # kept for ``prepare``; the searches stay unanswered
            self._error = error
        finally:
            self._done.set()


class Prefilter:
    """The marks of the plan and the combined scan, found together in one Hyperscan search."""

    def __init__(self, marks: Sequence[str], scan: Scan) -> None:
        """``marks``: case-folded words, found in any case; their ids are their indexes.

        ``scan``: a scan whose candidates are reported as id ``len(marks)``.
        """
        self.scan_id = len(marks)
        self._database = _Lazy(lambda: _compiled(marks, scan, self.scan_id))
        # Per thread: a scratch serves one search at a time.
        self._local = threading.local()

    def search(self, text: str) -> set[int] | None:
        """The ids found in ``text``: its marks' indexes, and ``scan_id`` if the scan may match.

        None: the text was not searched (not ASCII, holding a NUL, longer than
        ``MAX_BYTES``, or the database not compiled yet).
        """
        # (The attribute first: once compiled, a call less on every line.)
        database = self._database.database or self._database.get()
        # Short, ASCII, without a NUL: the texts the expressions are built for.
        if database is None or len(text) > MAX_BYTES or not text.isascii() or "\x00" in text:
            return None
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._database.new_scratch(database)
        hits: set[int] = set()
        # Positional: the binding parses keywords at a cost of half the search.
        database.scan(text.encode(), _found, 0, hits, scratch)
        return hits

    def prepare(self) -> None:
        """Compile the database now (or wait for it); raise if that fails."""
        self._database.prepare()


def _compiled(marks: Sequence[str], scan: Scan, scan_id: int) -> Any:
    """The database, each id reported at most once a search."""
    hyperscan = _hyperscan()
    # Prefilter mode: should an expression hold a construct Hyperscan lacks,
    # it is widened rather than refused (``superset`` writes none, so far).
    flags_all = (
        hyperscan.HS_FLAG_ALLOWEMPTY | hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_PREFILTER
    )
    expressions: list[bytes] = []
    ids: list[int] = []
    flags: list[int] = []
    for index, mark in enumerate(marks):
        if mark.isascii():  # a folded ASCII text holds no other
            expressions.append("".join(f"\\x{ord(c):02x}" for c in mark).encode())
            ids.append(index)
            flags.append(flags_all | hyperscan.HS_FLAG_CASELESS)
    # What the scan's search and its match at the text's start find, at once.
    source = scan.pattern
    if scan.lead:
        starts = f"(?=[{scan.starts}])" if scan.starts else ""
        source = f"(?:{scan.lead}|^){starts}(?:{scan.pattern})"
    pieces = superset.expressions(source, scan.flags, _EXPRESSION_LIMIT, _SPLITS)
    for expression in dict.fromkeys(pieces):
        expressions.append(expression.encode())
        ids.append(scan_id)
        flags.append(flags_all)
    database = hyperscan.Database()
    database.compile(expressions=expressions, ids=ids, elements=len(expressions), flags=flags)
    return database
