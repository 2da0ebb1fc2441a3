"""The local worker over the SQS queue: what only its SQS side can get wrong.

The same shutdown tests over the embedded queues are in tests/unit/test_worker.py.
"""

from __future__ import annotations

import pytest

from tenantlog.store.memory import MemoryStore
from tests.support.aws_emulator import make_sqs_queue
from tests.support.factories import message
from tests.unit.test_worker import make_worker, run_to_empty, stop_mid_job

pytestmark = pytest.mark.anyio


async def test_worker_on_sqs_shutdown_on_the_last_receive_never_dead_letters(
    moto_server: str,
) -> None:
    # GIVEN an SQS queue whose redrive policy allows one receive, and a worker stopped mid-job
    queue = await make_sqs_queue(visibility_timeout=300, max_receive_count=1)
    try:
        await queue.send([message(text="x" * 100)])
        await stop_mid_job(make_worker(queue, MemoryStore(), delay_per_char=1.0, shutdown_grace=0))
        # WHEN another worker runs it to the end
        store = MemoryStore()
        await run_to_empty(make_worker(queue, store), queue)
        # THEN neither the worker nor SQS's redrive dead-lettered it: stored as a first attempt
        assert (await queue.stats()).dead_letters == 0
        record = await store.get("acme", "123")
        assert record is not None
        assert record.attempts == 1
    finally:
        await queue.close()
