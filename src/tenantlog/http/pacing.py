"""How often a follower of the store (the live tail, ``tenantlog logs --follow``) reads it.

A follower polls: the worker that stores a log may be another process, and
a read of a quiet tenant is one short range of the store. It pauses between
reads while it is caught up, and reads on at once while it is not, so that
a resumed tail, or one whose filter matches little among many logs, does
not fall behind a busy store one bounded range per pause.

Apart from the HTTP app (no metrics, no Starlette), so that the command line
can use it before it sets up its metrics.
"""

from __future__ import annotations

from tenantlog.core.query import EVERYTHING
from tenantlog.core.store import Followed, Store, StoreUnavailable

#: Seconds between two reads while nothing arrives: a stored log shows within it.
POLL_SECONDS = 0.5
#: Records read at a time; a full batch is followed by the next read at once.
BATCH = 100
#: Store positions a follower may lag behind the end and still pause between reads.
CATCH_UP = 1000


async def may_pause(store: Store, tenant_id: str, followed: Followed) -> bool:
    """Whether a follower that just read ``followed`` may wait before its next read: not
    after a full batch, nor while it is ``CATCH_UP`` positions or more behind the store's
    end (a backend looks through a bounded range of positions per read). A lag below that
    is read after the pause, so a busy store is not read back to back for a few logs."""
    if len(followed.records) >= BATCH:
        return False
    try:
        end = (await store.follow(tenant_id, None, EVERYTHING, 1)).position
    except StoreUnavailable:
        return True
    return end - followed.position < CATCH_UP
