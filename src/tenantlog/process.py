"""Process-wide tuning shared by every long-running shell."""

import gc


def freeze_startup_heap() -> None:
    """Move everything allocated at start-up out of the garbage collector's sight.

    A full (generation 2) collection walks every live object; with the
    libraries loaded that is a pause of tens of milliseconds, which showed up
    as most of the p99 latency of /ingest in bench/ingest.py. Objects made
    later are collected as usual.
    """
    gc.collect()
    gc.freeze()
