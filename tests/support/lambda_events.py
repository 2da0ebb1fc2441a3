"""What Lambda hands the handlers: the recorded events and a context, for tests and bench.

The events are recorded ones (tests/aws/events); ``sqs_event`` builds what the
SQS event source mapping would send for messages received from a real queue,
with their real receipt handles, receive counts and attributes.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "aws" / "events"


def event(name: str) -> dict[str, Any]:
    """A recorded event of tests/aws/events, as Lambda passes it."""
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return loaded


@dataclass
class FakeLambdaContext:
    """What Lambda passes as ``context``; only the remaining time matters to the handlers."""

    remaining_ms: int = 60_000
    function_name: str = "tenantlog-worker"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:tenantlog-worker"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def sqs_event(messages: Sequence[Mapping[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's event source mapping would build from these received messages."""
    [template] = event("sqs_event.json")["Records"]
    records = []
    for message in messages:
        record = copy.deepcopy(template)
        record.update(
            messageId=message["MessageId"],
            receiptHandle=message["ReceiptHandle"],
            body=message["Body"],
            md5OfBody=hashlib.md5(message["Body"].encode()).hexdigest(),
            eventSourceARN=queue_arn,
            messageAttributes={
                name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
                for name, value in message.get("MessageAttributes", {}).items()
            },
        )
        record["attributes"].update(message.get("Attributes", {}))
        records.append(record)
    return {"Records": records}
