"""Snappy block bodies: the declared size is checked before anything is allocated."""

from __future__ import annotations

import cramjam
import pytest

from tenantlog.protocols import Caps, ProtocolError, TooLarge
from tenantlog.protocols.loki import parse_loki
from tenantlog.protocols.snappy import decompress, uncompressed_length
from tests.unit.protocols.builders import PROTOBUF, loki_body, loki_stream, varint


def test_snappy_round_trips_within_the_cap() -> None:
    data = b"log line " * 1000
    compressed = bytes(cramjam.snappy.compress_raw(data))

    assert uncompressed_length(compressed) == len(data)
    assert decompress(compressed, len(data)) == data


def test_snappy_over_the_cap_is_refused_from_its_header() -> None:
    compressed = bytes(cramjam.snappy.compress_raw(b"x" * 1001))

    with pytest.raises(TooLarge, match="decompresses to 1001 bytes, over the cap of 1000"):
        decompress(compressed, 1000)


def test_snappy_header_claiming_4_gib_is_refused_without_allocating() -> None:
    # a 10-byte body whose header says 4 GiB - 1 (the block format's largest)
    body = varint(2**32 - 1) + b"\x00" * 5

    with pytest.raises(TooLarge, match="4294967295 bytes, over the cap of 5242880"):
        parse_loki(body, PROTOBUF, Caps())


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x80",  # the varint never ends
        b"\x80\x80\x80\x80\x80\x01",  # more than 5 bytes
        varint(2**32) + b"\x00",  # over 32 bits: 4 GiB exactly
        b"\xff\xff\xff\xff\x7f",  # 5 bytes, but bits beyond the 32nd
    ],
)
def test_snappy_malformed_header_is_a_protocol_error(body: bytes) -> None:
    with pytest.raises(ProtocolError, match="malformed snappy body: bad length header"):
        decompress(body, 2**40)


@pytest.mark.parametrize(
    "body",
    [
        bytes(cramjam.snappy.compress_raw(b"abc" * 500))[:-4],  # truncated
        varint(100) + b"\x00",  # says 100 bytes, holds none
        varint(3) + b"\xff\xff\xff\xff",  # garbage after the header
        bytes(cramjam.snappy.compress(b"framed, not block")),  # the framed format
    ],
    ids=["truncated", "short", "garbage", "framed"],
)
def test_snappy_corrupt_data_is_a_protocol_error(body: bytes) -> None:
    with pytest.raises(ProtocolError, match="malformed snappy body"):
        parse_loki(body, PROTOBUF, Caps())


def test_snappy_uncompressed_protobuf_is_refused() -> None:
    # an agent that forgot the compression: the protobuf is not a snappy block
    from tenantlog.protocols.loki_push_pb2 import PushRequest

    raw = PushRequest(streams=[loki_stream('{a="1"}', (1, "x"))]).SerializeToString()

    with pytest.raises(ProtocolError, match="malformed"):
        parse_loki(raw, PROTOBUF, Caps())


def test_snappy_body_at_the_cap_is_accepted() -> None:
    body = loki_body(loki_stream('{a="1"}', (1, "x" * 100)))
    size = uncompressed_length(body)

    assert len(parse_loki(body, PROTOBUF, Caps(max_body_bytes=size))) == 1
    with pytest.raises(TooLarge):
        parse_loki(body, PROTOBUF, Caps(max_body_bytes=size - 1))
