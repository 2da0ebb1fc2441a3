"""What a million logs cost, per component, from the model's figures and the prices file.

Per million logs rather than per month, so that the figure does not depend on
the traffic level except where batching does (the worker's batch fills only
when traffic allows it). Storage is apart: it is paid per month for as long as
the logs are kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tenantlog.capacity.inputs import Inputs
from tenantlog.capacity.model import SEND_BATCH, Capacity
from tenantlog.capacity.workload import ENVELOPE_BYTES

MILLION = 1_000_000
#: CloudWatch Logs bytes (assumed from the functions' output): Lambda's START, END and
#: REPORT lines per invocation, the worker's one JSON line per message, the HTTP API's
#: access log line per request.
PLATFORM_LOG_BYTES_PER_INVOCATION = 350
WORKER_LOG_BYTES_PER_MESSAGE = 300
ACCESS_LOG_BYTES_PER_REQUEST = 330


@dataclass(frozen=True)
class Costs:
    """US dollars per million logs."""

    api: float
    ingest_lambda: float
    sqs: float
    worker_lambda: float
    dynamodb_writes: float
    cloudwatch_logs: float
    #: Per month the million logs are kept, the table and its index together.
    storage_per_month: float

    @property
    def total(self) -> float:
        return (
            self.api
            + self.ingest_lambda
            + self.sqs
            + self.worker_lambda
            + self.dynamodb_writes
            + self.cloudwatch_logs
        )


def _lambda(inputs: Inputs, invocations: float, duration: float, memory_mb: int) -> float:
    gb_seconds = invocations * duration * memory_mb / 1024
    return invocations / MILLION * inputs.price(
        "lambda_requests_per_million"
    ) + gb_seconds * inputs.price("lambda_gb_second_arm64")


def costs(capacity: Capacity, inputs: Inputs) -> Costs:
    s = capacity.scenario
    d = s.deployment
    requests = MILLION / d.logs_per_request
    api_units = requests * math.ceil(
        capacity.request_bytes / inputs.price("api_billing_chunk_bytes")
    )
    message_bytes = s.sizes.mean_text_bytes + ENVELOPE_BYTES
    chunk = inputs.price("sqs_billing_chunk_bytes")
    per_send = min(d.logs_per_request, SEND_BATCH)
    sends = MILLION / per_send * math.ceil(per_send * message_bytes / chunk)
    batches = MILLION / capacity.batch
    receives = batches * math.ceil(capacity.batch * message_bytes / chunk)
    deletes = batches * math.ceil(capacity.batch / SEND_BATCH)
    write_units = MILLION * capacity.write_units_per_log * (1 + d.gsi_copies)
    log_bytes = (
        (requests + batches) * PLATFORM_LOG_BYTES_PER_INVOCATION
        + MILLION * WORKER_LOG_BYTES_PER_MESSAGE
        + requests * ACCESS_LOG_BYTES_PER_REQUEST
    )
    stored_gb = MILLION * s.sizes.mean_item_bytes * (1 + d.gsi_copies) / 1e9
    return Costs(
        api=api_units / MILLION * inputs.price("api_requests_per_million"),
        ingest_lambda=_lambda(inputs, requests, capacity.ingest_duration, d.ingest_memory_mb),
        sqs=(sends + receives + deletes) / MILLION * inputs.price("sqs_requests_per_million"),
        worker_lambda=_lambda(inputs, batches, capacity.worker_duration, d.worker_memory_mb),
        dynamodb_writes=write_units
        / MILLION
        * inputs.price("dynamodb_write_request_units_per_million"),
        cloudwatch_logs=log_bytes / 1e9 * inputs.price("cloudwatch_logs_ingest_per_gb"),
        storage_per_month=stored_gb * inputs.price("dynamodb_storage_gb_month"),
    )
