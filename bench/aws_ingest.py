"""Ingest rate through the aws backend (SQS on a local moto server) next to the sqlite backend.

Single-log JSON POSTs go through the real HTTP app (``create_app``) over
httpx's in-process ASGI transport, ``--concurrency`` at a time; each 202 means
the log is on the queue. moto runs as its own process on the loopback, as an
emulator would. For scale, the same number of messages is also sent straight
to the emulator with boto3, in full SendMessageBatch calls from as many
threads as the backend uses: that is the most the emulator takes, so the
aws/raw ratio shows what tenantlog's side adds. The number of SendMessageBatch
calls against messages shows how concurrent requests are coalesced.

moto (5.2) evaluates every queue attribute, counting the queue's messages,
for each message it is sent, so its cost per message grows with the queue's
depth (about 0.4 s per batch of 10 at 2,000 messages). Both the app run and
the raw run start on an empty queue and fill it with the same number of
messages, so they pay the same. Real SQS has no such growth: these figures
say where the time goes, not what SQS sustains.

    .venv/bin/python bench/aws_ingest.py [--requests 2000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import httpx
from servers import free_port

from tenantlog.backends import open_backends
from tenantlog.http.app import create_app
from tenantlog.queue.sqs import SqsQueue
from tenantlog.settings import Settings, load_settings
from tenantlog.store.dynamodb import create_table

REGION = "us-east-1"
BODY = {"tenant_id": "bench", "text": "User 555-0199 accessed system"}
#: Concurrent SendMessageBatch calls the backend makes (SqsQueue's default).
SEND_CONCURRENCY = 8


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server process on the loopback; boto3 is pointed at it through the environment."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        os.environ.update(
            AWS_ENDPOINT_URL=endpoint,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION=REGION,
        )
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def create_resources() -> tuple[str, str, str]:
    """A main queue with a DLQ, and a table: the queue URLs and the table name."""
    name = f"bench-{uuid.uuid4().hex[:8]}"
    sqs = boto3.session.Session().client("sqs", region_name=REGION)
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
    policy = {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 5}
    url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": json.dumps(policy)})
    dynamodb = boto3.session.Session().client("dynamodb", region_name=REGION)
    create_table(dynamodb, name)
    sqs.close()
    dynamodb.close()
    return url["QueueUrl"], dlq_url, name


async def ingest_rate(settings: Settings, requests: int, concurrency: int) -> dict[str, Any]:
    """POST ``requests`` single logs through the app; requests/s and the batch calls made."""
    backends = await open_backends(settings)
    batch_sizes: list[int] = []
    if isinstance(backends.queue, SqsQueue):
        backends.queue._client.meta.events.register(
            "before-parameter-build.sqs.SendMessageBatch",
            lambda params, **_: batch_sizes.append(len(params["Entries"])),
        )
    app = create_app(settings, backends)
    statuses: dict[int, int] = {}
    remaining = iter(range(requests))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:

        async def post_until_done() -> None:
            for _ in remaining:
                response = await client.post("/ingest", json=BODY)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(post_until_done() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    await backends.close()
    return {
        "rate": requests / elapsed,
        "seconds": elapsed,
        "statuses": statuses,
        "batch_calls": len(batch_sizes),
        "batched": sum(batch_sizes),
    }


def raw_emulator_rate(queue_url: str, messages: int) -> float:
    """Messages/s the emulator takes from boto3 alone: full batches, SEND_CONCURRENCY threads."""
    sqs = boto3.session.Session().client("sqs", region_name=REGION)
    body = json.dumps({**BODY, "log_id": "x", "source": "json_upload", "received_at": "-"})
    batch = [{"Id": str(n), "MessageBody": body} for n in range(10)]

    def send(_: int) -> None:
        sqs.send_message_batch(QueueUrl=queue_url, Entries=batch)  # type: ignore[arg-type]

    started = time.perf_counter()
    with ThreadPoolExecutor(SEND_CONCURRENCY) as pool:
        list(pool.map(send, range(messages // 10)))
    elapsed = time.perf_counter() - started
    sqs.close()
    return messages / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with moto_server() as endpoint, tempfile.TemporaryDirectory() as data_dir:
        queue_url, dlq_url, table = create_resources()
        aws = load_settings(
            backend="aws",
            sqs_queue_url=queue_url,
            sqs_dlq_url=dlq_url,
            dynamodb_table_name=table,
            aws_region=REGION,
        )
        sqlite = load_settings(backend="sqlite", data_dir=Path(data_dir))
        on_aws = asyncio.run(ingest_rate(aws, args.requests, args.concurrency))
        on_sqlite = asyncio.run(ingest_rate(sqlite, args.requests, args.concurrency))
        fresh_queue_url, _, _ = create_resources()
        raw = raw_emulator_rate(fresh_queue_url, args.requests)
    print(f"moto server: {endpoint}; {args.requests} requests, {args.concurrency} concurrent")
    for name, result in (("aws (SQS on moto)", on_aws), ("sqlite", on_sqlite)):
        print(
            f"  {name:<18} {result['rate']:8.0f} requests/s"
            f"  ({result['seconds']:.2f} s, statuses {result['statuses']})"
        )
    print(f"  aws / sqlite       {on_aws['rate'] / on_sqlite['rate']:8.2f}")
    print(f"  emulator alone     {raw:8.0f} messages/s (boto3, full batches, no app)")
    print(f"  aws / emulator     {on_aws['rate'] / raw:8.2f}")
    calls, sent = on_aws["batch_calls"], on_aws["batched"]
    print(
        f"  SendMessageBatch: {calls} calls for {sent} messages"
        f" ({sent / max(calls, 1):.1f} per call)"
    )


if __name__ == "__main__":
    main()
