"""Per-component timings of the real Lambda handlers, for the capacity simulation.

The ingest handler (API Gateway HTTP API events, single logs and NDJSON
batches of 100) and the worker handler (SQS events of 10 records, as the event
source mapping builds them) run in this process against a moto server in
another process, as tests/aws does. What is measured is the CPU time this
process spends per request and per record: the handlers' own Python work,
botocore's serialising and parsing included. The emulator's latencies are
printed too but are not AWS's (moto is far slower than SQS or DynamoDB, and
slows as a queue grows), so the capacity model keeps the published latencies
and takes only the Python work from here:

    .venv/bin/python bench/aws_timings.py [--requests 200] [--batches 10] [--records 300]
        [--output bench/results/aws_timings.json]
    .venv/bin/python -m tenantlog.capacity --timings bench/results/aws_timings.json

Sizes follow the model's realistic distribution (150 B to 64 KiB), with a
phone number, an e-mail address or an IP address in some logs so that the
worker's redaction has values to find.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import logging
import os
import platform
import random
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import botocore.endpoint
from aws_ingest import REGION, create_resources, moto_server

from tenantlog.capacity.workload import REALISTIC_SIZES
from tenantlog.lambdas import ingest as ingest_handler
from tenantlog.lambdas import worker as worker_handler

# The events and context the tests hand the handlers, from the project's root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.lambda_events import FakeLambdaContext, event, sqs_event

WORDS = ("user", "session", "request", "upstream", "timeout", "retry", "cache", "order", "paid")
VALUES = ("call 555-0199", "mail jane.doe@example.com", "from 10.0.0.7", "")
#: Requests (and batches) not counted: the first ones pay for imports and connections.
WARM_UP = 10


class CallClock:
    """Wall time of every AWS call botocore makes, to tell the emulator's share."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, float]] = []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        original = botocore.endpoint.Endpoint.make_request
        clock = self

        def timed(endpoint: Any, operation_model: Any, request_dict: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(endpoint, operation_model, request_dict)
            finally:
                with clock._lock:
                    clock.calls.append((operation_model.name, started, time.perf_counter()))

        # setattr: the wrapper takes the same arguments, but not under botocore's types.
        setattr(botocore.endpoint.Endpoint, "make_request", timed)  # noqa: B010
        try:
            yield
        finally:
            setattr(botocore.endpoint.Endpoint, "make_request", original)  # noqa: B010

    def durations(self, operation: str) -> list[float]:
        return [end - start for name, start, end in self.calls if name == operation]


def text_of(size: int, rng: random.Random) -> str:
    words = []
    length = 0
    while length < size:
        word = rng.choice(VALUES) if rng.random() < 0.1 else rng.choice(WORDS)
        words.append(word)
        length += len(word) + 1
    return " ".join(words)[:size].strip() or "x"


def sizes(count: int, rng: random.Random) -> list[int]:
    buckets = [b.text_bytes for b in REALISTIC_SIZES]
    weights = [b.share for b in REALISTIC_SIZES]
    return rng.choices(buckets, weights, k=count)


def api_event(body: str, content_type: str) -> dict[str, Any]:
    request = event("apigw_v2_ingest_json.json")
    request["body"] = body
    request["headers"]["content-type"] = content_type
    request["headers"]["content-length"] = str(len(body.encode()))
    request["requestContext"]["requestId"] = uuid.uuid4().hex
    return request


def cpu_seconds(call: Callable[[], Any]) -> float:
    """CPU time of this process (every thread) spent in ``call``."""
    with contextlib.redirect_stdout(io.StringIO()):  # the metrics' EMF lines
        started = time.process_time()
        call()
        return time.process_time() - started


def silence_handler_logs() -> None:
    """The worker's JSON log lines are formatted (work Lambda does too) and then dropped,
    as CloudWatch would take them, instead of filling the terminal."""
    sink = open(os.devnull, "w")  # noqa: SIM115 (open for the life of the process)
    for handler in logging.getLogger(worker_handler.logger.service).handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sink)


def measure_ingest(requests: int, batches: int, rng: random.Random) -> dict[str, float]:
    context = FakeLambdaContext(function_name="tenantlog-ingest")
    single: list[float] = []
    for n in range(requests + WARM_UP):
        body = json.dumps({"tenant_id": "bench", "text": text_of(sizes(1, rng)[0], rng)})
        event = api_event(body, "application/json")
        cpu = cpu_seconds(partial(ingest_handler.handler, event, context))
        if n >= WARM_UP:
            single.append(cpu)
    per_batch: list[float] = []
    for n in range(batches + 1):
        lines = [
            json.dumps({"tenant_id": "bench", "text": text_of(size, rng)})
            for size in sizes(100, rng)
        ]
        event = api_event("\n".join(lines), "application/x-ndjson")
        cpu = cpu_seconds(partial(ingest_handler.handler, event, context))
        if n >= 1:
            per_batch.append(cpu)
    one, hundred = statistics.median(single), statistics.median(per_batch)
    return {
        "ingest_python_s": one,
        "ingest_python_per_log_s": max(0.0, (hundred - one) / 99),
        "ingest_ndjson_100_s": hundred,
    }


def measure_worker(queue_url: str, records: int) -> dict[str, float]:
    sqs = boto3.session.Session().client("sqs", region_name=REGION)
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    queue_arn = arn["Attributes"]["QueueArn"]
    context = FakeLambdaContext(function_name="tenantlog-worker")
    per_record: list[float] = []
    batches = 0
    while len(per_record) < records:
        messages: list[Any] = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            break
        event = sqs_event(messages, queue_arn)
        cpu = cpu_seconds(partial(worker_handler.handler, event, context))
        for message in messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        batches += 1
        if batches > 1:
            per_record.extend([cpu / len(messages)] * len(messages))
    sqs.close()
    return {"worker_python_s": statistics.median(per_record), "worker_records": len(per_record)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="single-log requests")
    parser.add_argument("--batches", type=int, default=10, help="NDJSON requests of 100 logs")
    parser.add_argument("--records", type=int, default=300, help="records through the worker")
    parser.add_argument(
        "--output", type=Path, default=Path(__file__).parent / "results" / "aws_timings.json"
    )
    args = parser.parse_args()
    rng = random.Random(14)
    clock = CallClock()
    silence_handler_logs()
    with moto_server() as endpoint, clock.installed():
        queue_url, dlq_url, table = create_resources()
        os.environ.update(
            TENANTLOG_BACKEND="aws",
            SQS_QUEUE_URL=queue_url,
            TENANTLOG_SQS_DLQ_URL=dlq_url,
            DYNAMODB_TABLE_NAME=table,
            AWS_REGION=REGION,
            TENANTLOG_AUTH="off",
            TENANTLOG_CRASH_PROBABILITY="0",
            TENANTLOG_PROCESSING_DELAY_PER_CHAR="0",
            POWERTOOLS_METRICS_NAMESPACE="tenantlog",
        )
        ingest = measure_ingest(args.requests, args.batches, rng)
        worker = measure_worker(queue_url, args.records)
    sends = clock.durations("SendMessageBatch")
    puts = clock.durations("PutItem")
    result = {
        "measured_at": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}",
        **ingest,
        **worker,
        "emulator_not_aws": {
            "sqs_send_message_batch_s": statistics.median(sends) if sends else None,
            "dynamodb_put_item_s": statistics.median(puts) if puts else None,
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"moto server: {endpoint}; written {args.output}")
    print(f"  ingest, one log per request     {ingest['ingest_python_s'] * 1e3:8.2f} ms CPU")
    print(f"  ingest, NDJSON of 100 logs      {ingest['ingest_ndjson_100_s'] * 1e3:8.2f} ms CPU")
    print(
        f"  ingest, each further log        {ingest['ingest_python_per_log_s'] * 1e3:8.3f} ms CPU"
    )
    print(f"  worker, per record (batches 10) {worker['worker_python_s'] * 1e3:8.2f} ms CPU")
    emulator = {"SendMessageBatch": sends, "PutItem": puts}
    for name, durations in emulator.items():
        if durations:
            value = statistics.median(durations)
            print(f"  emulator {name:<22} {value * 1e3:8.2f} ms wall (moto, not AWS)")


if __name__ == "__main__":
    main()
