"""Loki's push API (``POST /loki/api/v1/push``): request bodies into ``AgentLog`` entries.

Two encodings, as Loki reads them:

- ``application/json``: ``{"streams": [{"stream": {"app": "web"}, "values":
  [["<Unix ns as a decimal string>", "<line>"], ["<ns>", "<line>", {"k": "v"}]]}]}``,
  the optional third element being the line's structured metadata.
- ``application/x-protobuf``, or no Content-Type (Loki's default): a
  snappy-compressed ``PushRequest`` (``loki_push.proto``), stream labels in
  Prometheus text form (``labels``), times as protobuf Timestamps.

Each line becomes one ``AgentLog``: the line as text, the stream's labels and
the line's structured metadata as attributes (metadata wins on a repeated name:
it is the more specific of the two), severity from the ``detected_level`` or
else the ``level`` attribute when one is a short printable string (Loki's own
level labels; Loki has no severity field), no severity number, and as stream the
canonical label set (sorted, ``labels.render_labels``), the same for both
encodings.

Loki answers a whole push with 204 or an error, so anything wrong fails the
whole request: a ``ProtocolError`` naming the stream and entry, for a malformed
body or a record over a per-record cap alike (``TooLarge`` for more lines than
``Caps.max_records`` or a snappy body that decompresses over
``Caps.max_body_bytes``). One exception: an empty line is skipped, not refused.
Loki stores empty lines, agents send them (a blank line in a tailed file), and
refusing the push would make the agent drop every other line of the batch for
one that carries no text; tenantlog stores no empty texts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from google.protobuf.message import DecodeError

from tenantlog.protocols import snappy
from tenantlog.protocols.entries import (
    MAX_TIMESTAMP_NS,
    AgentLog,
    Caps,
    ProtocolError,
    TooLarge,
    UnsupportedMediaType,
    media_type,
)
from tenantlog.protocols.labels import LABEL_NAME, parse_labels, render_labels
from tenantlog.protocols.loki_push_pb2 import PushRequest

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_SEVERITY_ATTRIBUTES = ("detected_level", "level")
_NS_PER_SECOND = 1_000_000_000
#: Digits in the largest accepted time, 2^63-1 ns.
_MAX_TIMESTAMP_DIGITS = len(str(MAX_TIMESTAMP_NS))


def parse_loki(body: bytes, content_type: str, caps: Caps) -> list[AgentLog]:
    """Parse a Loki push body (see the module docstring for the mapping and refusals)."""
    kind = media_type(content_type)
    if kind == JSON:
        return _from_json(body, caps)
    if kind in (PROTOBUF, ""):
        return _from_protobuf(body, caps)
    raise UnsupportedMediaType(f"unsupported Content-Type: use {PROTOBUF} or {JSON}")


def _from_protobuf(body: bytes, caps: Caps) -> list[AgentLog]:
    try:
        request = PushRequest.FromString(snappy.decompress(body, caps.max_body_bytes))
    except DecodeError:
        raise ProtocolError("malformed protobuf: not a Loki PushRequest") from None
    _check_count(sum(len(stream.entries) for stream in request.streams), caps)
    entries: list[AgentLog] = []
    for s, stream in enumerate(request.streams):
        where = f"streams[{s}]"
        labels = _stream_labels(parse_labels, stream.labels, where, caps)
        identity, label_chars = render_labels(labels), _chars(labels)
        for e, entry in enumerate(stream.entries):
            seconds, nanos = entry.timestamp.seconds, entry.timestamp.nanos
            timestamp = seconds * _NS_PER_SECOND + nanos
            if seconds < 0 or not 0 <= nanos < _NS_PER_SECOND or timestamp > MAX_TIMESTAMP_NS:
                raise ProtocolError(f"{where}.entries[{e}].timestamp: out of range 1970-2262")
            metadata = {pair.name: pair.value for pair in entry.structured_metadata}
            log = _entry(entry.line, timestamp, labels, label_chars, metadata, identity, caps)
            if isinstance(log, str):
                raise ProtocolError(f"{where}.entries[{e}]: {log}")
            if log is not None:
                entries.append(log)
    return entries


def _from_json(body: bytes, caps: Caps) -> list[AgentLog]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ProtocolError("malformed JSON") from None
    streams = data.get("streams") if isinstance(data, dict) else None
    if not isinstance(streams, list):
        raise ProtocolError("the JSON body needs a list under 'streams'")
    for s, stream in enumerate(streams):
        if not isinstance(stream, dict) or not isinstance(stream.get("values"), list):
            raise ProtocolError(f"streams[{s}] needs a list under 'values'")
    _check_count(sum(len(stream["values"]) for stream in streams), caps)
    entries: list[AgentLog] = []
    for s, stream in enumerate(streams):
        where = f"streams[{s}]"
        labels = _stream_labels(_labels_from_json, stream.get("stream"), where, caps)
        identity, label_chars = render_labels(labels), _chars(labels)
        for e, value in enumerate(stream["values"]):
            log = _json_entry(value, labels, label_chars, identity, caps)
            if isinstance(log, str):
                raise ProtocolError(f"{where}.values[{e}]: {log}")
            if log is not None:
                entries.append(log)
    return entries


def _json_entry(
    value: Any, labels: dict[str, str], label_chars: int, identity: str, caps: Caps
) -> AgentLog | str | None:
    """One ``[ts, line, metadata?]`` value as an AgentLog, None if skipped, or what is wrong."""
    if not isinstance(value, list) or not 2 <= len(value) <= 3:
        return "an entry is a list of 2 or 3 elements: [time, line, metadata]"
    stamp, line = value[0], value[1]
    if (
        not isinstance(stamp, str)
        or not (stamp.isascii() and stamp.isdigit())
        or len(stamp) > _MAX_TIMESTAMP_DIGITS
        or int(stamp) > MAX_TIMESTAMP_NS
    ):
        return "the time is not a string of Unix nanoseconds from 1970 to 2262"
    if not isinstance(line, str):
        return "the line is not a string"
    metadata: dict[str, str] = {}
    if len(value) == 3:
        raw = value[2]
        if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
            return "structured metadata is not an object of strings"
        metadata = raw
    return _entry(line, int(stamp), labels, label_chars, metadata, identity, caps)


def _entry(
    line: str,
    timestamp: int,
    labels: dict[str, str],
    label_chars: int,
    metadata: dict[str, str],
    identity: str,
    caps: Caps,
) -> AgentLog | str | None:
    """The line as an AgentLog, None for an empty line, or what is wrong with it.

    ``label_chars`` is the labels' size in characters, counted once per stream.
    """
    if not line:
        return None
    if (problem := caps.text_problem(line)) is not None:
        return problem
    chars = label_chars + len(line)
    if metadata:
        if (problem := caps.attribute_problem(metadata)) is not None:
            return problem
        attributes = labels | metadata
        if len(attributes) > caps.max_attributes:
            return f"more than {caps.max_attributes} attributes"
        chars += _chars(metadata)
    else:
        attributes = dict(labels)
    # Four bytes a character bound the UTF-8 size: most records need no encoding.
    if chars * 4 > caps.max_record_bytes and (problem := caps.record_problem(line, attributes)):
        return problem
    return AgentLog(
        line, timestamp or None, _severity(attributes, caps), None, attributes, identity
    )


def _severity(attributes: dict[str, str], caps: Caps) -> str | None:
    for name in _SEVERITY_ATTRIBUTES:
        value = attributes.get(name)
        if value and len(value) <= caps.max_severity_chars and value.isprintable():
            return value
    return None


def _stream_labels(
    parse: Callable[[Any], dict[str, str]], raw: Any, where: str, caps: Caps
) -> dict[str, str]:
    try:
        labels = parse(raw)
    except ProtocolError as exc:
        raise ProtocolError(f"{where}: {exc}") from None
    if (problem := caps.attribute_problem(labels)) is not None:
        raise ProtocolError(f"{where}: labels: {problem}")
    return labels


def _labels_from_json(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw:
        raise ProtocolError("'stream' needs an object of at least one label")
    for name, value in raw.items():
        if LABEL_NAME.fullmatch(name) is None:
            raise ProtocolError("a label name is not [a-zA-Z_][a-zA-Z0-9_]*")
        if not isinstance(value, str):
            raise ProtocolError("a label value is not a string")
    return raw


def _chars(pairs: dict[str, str]) -> int:
    return sum(len(k) + len(v) for k, v in pairs.items())


def _check_count(total: int, caps: Caps) -> None:
    if total > caps.max_records:
        raise TooLarge(f"{total} log lines in one request, over the cap of {caps.max_records}")
