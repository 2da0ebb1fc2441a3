"""Agent protocol parsing: OTLP and Loki request bodies against the same logs as NDJSON.

One deterministic batch of logs (default 1,000: 5 resource attributes, 3 record
attributes, 150-byte bodies, a severity and an event time each) is encoded
several ways and parsed in alternating rounds, so a noisy shared machine slows
every contender alike; each figure is the median round, as records/s and as a
ratio to the baseline measured in the same run: the same logs as NDJSON parsed
with orjson (one ``orjson.loads`` a line). A second NDJSON row is ``/ingest``'s
whole NDJSON normalisation (parse, validate, build queue messages with new
ids), the work the agent routes will add to parsing.

- OTLP protobuf: an ExportLogsServiceRequest (one resource, one scope); parsed by
  ``parse_otlp``, alone and then with ``derive_log_id`` for each entry.
- OTLP JSON: the same request in OTLP/JSON (protobuf's pure-Python JSON parser).
- Loki protobuf: a snappy-compressed PushRequest of one stream (the resource
  attributes as labels, the record attributes as structured metadata), parsed by
  ``parse_loki``, alone and with ``derive_log_id``.

Then the Loki label parser's growth on hostile label strings (escapes, many
labels, one long value, an unterminated run of backslashes) from 64 KiB to
1 MiB: each row's time over the one before shows the order, x2 per doubling
being linear. This, not a timed test, is what checks that it stays linear.

    .venv/bin/python bench/protocols.py [--records 1000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

import cramjam
import orjson
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from tenantlog.core.normalise import IngestRequest, normalise
from tenantlog.core.validation import Limits
from tenantlog.protocols import Caps, ProtocolError, derive_log_id
from tenantlog.protocols.labels import parse_labels
from tenantlog.protocols.loki import parse_loki
from tenantlog.protocols.loki_push_pb2 import Entry, LabelPair, PushRequest, Stream
from tenantlog.protocols.otlp import parse_otlp

RESOURCE = {
    "service.name": "checkout",
    "service.version": "1.14.2",
    "deployment.environment": "production",
    "host.name": "ip-10-0-3-17.eu-west-1.compute.internal",
    "k8s.pod.name": "checkout-7d9c5b8f4-x2x7q",
}
_WORD_TEXT = (
    "request handled upstream cache miss retry queued worker session refreshed payload "
    "accepted connection closed by peer slow query detected flush batch shard lease "
    "renewed heartbeat timeout tenant quota order invoice created updated failed"
)
_WORDS = _WORD_TEXT.split()
_SEVERITIES = ((9, "INFO"), (9, "INFO"), (9, "INFO"), (13, "WARN"), (17, "ERROR"), (5, "DEBUG"))
_BASE_NS = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z


class Log:
    """One log of the batch, before any encoding."""

    def __init__(self, rng: random.Random, index: int) -> None:
        words = " ".join(rng.choice(_WORDS) for _ in range(40))
        self.text = f"order={100_000 + index} {words}"[:150]
        self.timestamp_ns = _BASE_NS + index * 1_000_317
        self.severity_number, self.severity = rng.choice(_SEVERITIES)
        self.attributes = {
            "http.method": rng.choice(("GET", "POST", "PUT")),
            "http.status_code": rng.choice((200, 200, 201, 404, 500)),
            "user.id": f"u-{rng.randint(1, 99_999):05d}",
        }


def _string(value: object) -> AnyValue:
    if isinstance(value, int):
        return AnyValue(int_value=value)
    return AnyValue(string_value=str(value))


def otlp_request(logs: list[Log]) -> ExportLogsServiceRequest:
    resource = Resource(attributes=[KeyValue(key=k, value=_string(v)) for k, v in RESOURCE.items()])
    records = [
        LogRecord(
            time_unix_nano=log.timestamp_ns,
            observed_time_unix_nano=log.timestamp_ns + 5_000,
            severity_number=log.severity_number,  # type: ignore[arg-type]
            severity_text=log.severity,
            body=AnyValue(string_value=log.text),
            attributes=[KeyValue(key=k, value=_string(v)) for k, v in log.attributes.items()],
        )
        for log in logs
    ]
    scope = InstrumentationScope(name="checkout.orders", version="1.14.2")
    scope_logs = ScopeLogs(scope=scope, log_records=records)
    return ExportLogsServiceRequest(
        resource_logs=[ResourceLogs(resource=resource, scope_logs=[scope_logs])]
    )


def loki_body(logs: list[Log]) -> bytes:
    labels = ", ".join(f'{k.replace(".", "_")}="{v}"' for k, v in sorted(RESOURCE.items()))
    entries = [
        Entry(
            timestamp=Timestamp(
                seconds=log.timestamp_ns // 1_000_000_000, nanos=log.timestamp_ns % 1_000_000_000
            ),
            line=log.text,
            structured_metadata=[
                LabelPair(name=k.replace(".", "_"), value=str(v)) for k, v in log.attributes.items()
            ],
        )
        for log in logs
    ]
    request = PushRequest(streams=[Stream(labels="{" + labels + "}", entries=entries)])
    return bytes(cramjam.snappy.compress_raw(request.SerializeToString()))


def ndjson_body(logs: list[Log]) -> bytes:
    lines = (
        orjson.dumps(
            {
                "text": log.text,
                "timestamp": log.timestamp_ns,
                "severity": log.severity,
                "attributes": {**RESOURCE, **{k: str(v) for k, v in log.attributes.items()}},
            }
        )
        for log in logs
    )
    return b"\n".join(lines) + b"\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    rng = random.Random(7)
    logs = [Log(rng, i) for i in range(args.records)]
    caps = Caps(max_records=max(args.records, 10_000))
    otlp_pb = otlp_request(logs).SerializeToString()
    otlp_json = orjson.dumps(json_format.MessageToDict(otlp_request(logs)))
    loki_pb = loki_body(logs)
    ndjson = ndjson_body(logs)
    ndjson_request = IngestRequest("application/x-ndjson", ndjson, tenant_header="acme")
    limits = Limits(max_batch_lines=max(args.records, 10_000))

    def otlp_with_ids() -> None:
        for i, entry in enumerate(parse_otlp(otlp_pb, "application/x-protobuf", caps).entries):
            derive_log_id("acme", entry, i)

    def loki_with_ids() -> None:
        for i, entry in enumerate(parse_loki(loki_pb, "application/x-protobuf", caps)):
            derive_log_id("acme", entry, i)

    contenders: dict[str, Callable[[], object]] = {
        "NDJSON, orjson.loads a line (baseline)": lambda: [
            orjson.loads(line) for line in ndjson.splitlines()
        ],
        "NDJSON, /ingest normalise (+ validation, ids)": lambda: normalise(
            ndjson_request,
            limits,
            now=lambda: "2026-01-01T00:00:00Z",
            new_log_id=lambda: "id",
        ),
        "OTLP protobuf, parse_otlp": lambda: parse_otlp(otlp_pb, "application/x-protobuf", caps),
        "OTLP protobuf, parse_otlp + derive_log_id": otlp_with_ids,
        "OTLP JSON, parse_otlp": lambda: parse_otlp(otlp_json, "application/json", caps),
        "Loki snappy protobuf, parse_loki": lambda: parse_loki(
            loki_pb, "application/x-protobuf", caps
        ),
        "Loki snappy protobuf, parse_loki + derive_log_id": loki_with_ids,
    }
    rounds: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, run in contenders.items():
            started = time.perf_counter()
            run()
            rounds[name].append(time.perf_counter() - started)

    sizes = {
        "OTLP protobuf": len(otlp_pb),
        "OTLP JSON": len(otlp_json),
        "Loki snappy": len(loki_pb),
        "NDJSON": len(ndjson),
    }
    print(f"{args.records} records a request, median of {args.rounds} rounds")
    print("body bytes: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    baseline = args.records / statistics.median(rounds[next(iter(rounds))])
    print(f"{'':50} {'records/s':>12} {'vs baseline':>12}")
    for name, times in rounds.items():
        rate = args.records / statistics.median(times)
        print(f"{name:50} {rate:12,.0f} {rate / baseline:11.0%}")

    print()
    label_scaling()


_LABEL_SHAPES: dict[str, Callable[[int], str]] = {
    "escapes": lambda n: '{a="' + "\\n" * (n // 2) + '"}',
    "many labels": lambda n: "{" + ", ".join(f'l{i}="v"' for i in range(n // 10)) + "}",
    "long value": lambda n: '{a="' + "x" * n + '"}',
    "backslashes, unterminated": lambda n: '{a="' + "\\" * n,
}


def label_scaling() -> None:
    """Time ``parse_labels`` on hostile shapes of doubling size (best of 3 each)."""
    sizes = [2**k * 1024 for k in range(6, 11)]
    print(f"{'label parser':28}" + "".join(f"{size // 1024:>10} KiB" for size in sizes))
    for shape, make in _LABEL_SHAPES.items():
        cells, previous = [], None
        for size in sizes:
            text = make(size)
            best = min(_time_labels(text) for _ in range(3))
            growth = "" if previous is None else f" x{best / previous:.1f}"
            cells.append(f"{best * 1000:7.1f} ms{growth}")
            previous = best
        print(f"{shape:28}" + " ".join(f"{cell:>13}" for cell in cells))


def _time_labels(text: str) -> float:
    started = time.perf_counter()
    try:
        parse_labels(text)
    except ProtocolError:
        pass
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
