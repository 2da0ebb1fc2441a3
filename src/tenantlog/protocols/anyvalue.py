"""OTLP's AnyValue as the plain strings tenantlog stores.

A stored attribute is a string and a stored text is a string, so every AnyValue
becomes one: a string as itself, an integer in decimal, a boolean as
``true``/``false``, a double as Python's ``repr`` (the shortest text that reads
back as the same double: ``0.1``, ``1e+100``, ``nan``, ``inf``), bytes as
standard base64, and an array or key/value list as compact JSON (array → list,
kvlist → object, bytes inside → base64 strings, NaN and infinities inside →
``null``, an empty value → ``null``, a repeated key → its last value). An empty
AnyValue on its own is the empty string.

Nesting is capped: an array or kvlist more than ``max_depth`` levels deep raises
``TooDeep``, so a hostile record costs bounded recursion and output.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

import orjson
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue


class TooDeep(Exception):
    """An array or key/value list nested deeper than the cap."""


def flatten(value: AnyValue, max_depth: int) -> str:
    """The stored text of one AnyValue (see the module docstring)."""
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return value.string_value
    if kind == "int_value":
        return str(value.int_value)
    if kind == "bool_value":
        return "true" if value.bool_value else "false"
    if kind == "double_value":
        return repr(value.double_value)
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    if kind is None:
        return ""
    return orjson.dumps(_plain(value, max_depth)).decode()


def flatten_into(into: dict[str, str], attributes: Iterable[KeyValue], max_depth: int) -> None:
    """Add OTLP attributes to ``into`` as strings; a repeated key keeps its last value."""
    for pair in attributes:
        value = pair.value
        # Most attribute values are strings: skip the call for them.
        if value.WhichOneof("value") == "string_value":
            into[pair.key] = value.string_value
        else:
            into[pair.key] = flatten(value, max_depth)


def _plain(value: AnyValue, depth_left: int) -> object:
    """The AnyValue as a plain Python value for orjson."""
    kind = value.WhichOneof("value")
    if kind == "array_value":
        if depth_left <= 0:
            raise TooDeep
        return [_plain(item, depth_left - 1) for item in value.array_value.values]
    if kind == "kvlist_value":
        if depth_left <= 0:
            raise TooDeep
        return {pair.key: _plain(pair.value, depth_left - 1) for pair in value.kvlist_value.values}
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    if kind is None:
        return None
    return getattr(value, kind)
