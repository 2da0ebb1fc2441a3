"""Content-Encoding: every member and frame decoded, one size cap, hostile input refused."""

from __future__ import annotations

import functools
import gzip
import itertools
import struct
import tracemalloc
import zlib
from collections.abc import Callable

import pytest
import zstandard
from hypothesis import given
from hypothesis import strategies as st

from tenantlog.core.encodings import MAX_PARTS, decode
from tenantlog.core.validation import IngestError

MiB = 1024 * 1024
CAP = 5 * MiB
GiB = 1024 * MiB
UNSUPPORTED = "use gzip, deflate, zstd or identity"


def refused(body: bytes, coding: str | None, cap: int = CAP) -> tuple[int, str]:
    with pytest.raises(IngestError) as caught:
        decode(body, coding, cap)
    return caught.value.status, caught.value.message


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


def pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(cut % (len(data) + 1) for cut in cuts), len(data)]
    return [data[start:end] for start, end in itertools.pairwise(bounds)]


@given(data=st.binary(max_size=3000), cuts=st.lists(st.integers(min_value=0), max_size=8))
def test_decode_any_split_into_gzip_members_gives_the_whole_body(
    data: bytes, cuts: list[int]
) -> None:
    body = b"".join(gzip.compress(piece) for piece in pieces(data, cuts))

    assert decode(body, "gzip", CAP) == data


@given(data=st.binary(max_size=3000), cuts=st.lists(st.integers(min_value=0), max_size=8))
def test_decode_any_split_into_zstd_frames_gives_the_whole_body(
    data: bytes, cuts: list[int]
) -> None:
    body = b"".join(zstd(piece) for piece in pieces(data, cuts))

    assert decode(body, "zstd", CAP) == data


@given(data=st.binary(max_size=3000))
def test_decode_deflate_accepts_zlib_and_raw_streams(data: bytes) -> None:
    assert decode(zlib.compress(data), "deflate", CAP) == data
    assert decode(raw_deflate(data), "deflate", CAP) == data


@given(data=st.binary(min_size=1, max_size=2000), cut=st.integers(min_value=0))
def test_decode_a_truncated_body_is_400_in_every_coding(data: bytes, cut: int) -> None:
    for coding, encoded in (
        ("gzip", gzip.compress(data)),
        ("zstd", zstd(data)),
        ("deflate", zlib.compress(data)),
        ("deflate", raw_deflate(data)),
    ):
        status, message = refused(encoded[: cut % len(encoded)], coding)
        assert status == 400
        assert message.startswith(f"body is not valid {coding} data: ")


def test_decode_a_raw_deflate_stream_that_looks_like_zlib() -> None:
    # GIVEN raw deflate whose first bytes pass the zlib header check: a stored
    # block of 29 bytes, 0x08 0x1d (2077 = 31 * 67, method 8), then a final empty one
    data = b"twenty-nine bytes, stored raw"
    body = b"\x08\x1d\x00\xe2\xff" + data + b"\x01\x00\x00\xff\xff"
    assert zlib.decompress(body, -zlib.MAX_WBITS) == data
    # THEN it is decoded as the raw stream it is
    assert decode(body, "deflate", CAP) == data


@pytest.mark.parametrize("coding", [None, "identity", "Identity", " identity , "])
def test_decode_identity_or_absent_is_the_body_as_sent(coding: str | None) -> None:
    assert decode(b"as sent", coding, CAP) == b"as sent"


@pytest.mark.parametrize("coding", ["GZIP", "x-gzip", " gzip ", "gzip, identity"])
def test_decode_gzip_spellings(coding: str) -> None:
    assert decode(gzip.compress(b"zipped"), coding, CAP) == b"zipped"


def test_decode_identity_over_the_cap_is_413() -> None:
    assert refused(b"x" * 11, None, cap=10) == (413, "payload too large")


@pytest.mark.parametrize(
    ("coding", "named"),
    [
        ("br", "br"),
        ("compress", "compress"),
        (" BR ", "BR"),
        ("gzip, br", "gzip, br"),
        ("gzip, gzip", "gzip, gzip"),
        ("zstd, deflate", "zstd, deflate"),
    ],
)
def test_decode_other_codings_are_415_naming_them_with_accept_encoding(
    coding: str, named: str
) -> None:
    with pytest.raises(IngestError) as caught:
        decode(b"x", coding, CAP)

    assert (caught.value.status, caught.value.message) == (
        415,
        f"unsupported Content-Encoding: {named}; {UNSUPPORTED}",
    )
    assert caught.value.headers == {"accept-encoding": "gzip, deflate, zstd"}


@pytest.mark.parametrize(
    ("body", "coding", "message"),
    [
        (b"not gzip", "gzip", "body is not valid gzip data: incorrect header check"),
        (
            gzip.compress(b"a", mtime=0) + b"junk after it",
            "gzip",
            "body is not valid gzip data: incorrect header check (member 2)",
        ),
        (b"not zstd", "zstd", "body is not valid zstd data: Unknown frame descriptor"),
        (
            zstd(b"a") + b"junk",
            "zstd",
            "body is not valid zstd data: Unknown frame descriptor (frame 2)",
        ),
        (
            zlib.compress(b"a") + b"x",
            "deflate",
            "body is not valid deflate data: data after the end of the stream",
        ),
        (b"\xff\xff\xff", "deflate", "body is not valid deflate data: invalid block type"),
        (b"", "gzip", "body is not valid gzip data: truncated"),
    ],
)
def test_decode_corrupt_data_is_400_naming_the_coding(
    body: bytes, coding: str, message: str
) -> None:
    assert refused(body, coding) == (400, message)


def test_decode_gzip_skips_zero_padding_after_the_last_member() -> None:
    body = gzip.compress(b"a") + gzip.compress(b"b") + bytes(512)

    assert decode(body, "gzip", CAP) == b"ab"


def test_decode_zstd_skips_skippable_frames() -> None:
    skippable = struct.pack("<II", 0x184D2A50, 4) + b"meta"

    assert decode(zstd(b"a") + skippable + zstd(b"b"), "zstd", CAP) == b"ab"


def test_decode_a_zstd_window_over_8_mib_is_refused_before_it_is_allocated() -> None:
    # GIVEN a streamed frame (no content size) declaring a 16 MiB window
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=24)
    compressor = zstandard.ZstdCompressor(compression_params=params).compressobj()
    body = compressor.compress(b"hello") + compressor.flush()
    assert zstandard.get_frame_parameters(body).window_size == 16 * MiB
    # THEN it is refused (RFC 9659 caps the zstd content coding's window at 8 MiB)
    assert refused(body, "zstd") == (
        400,
        "body is not valid zstd data: Frame requires too much memory for decoding",
    )


@pytest.mark.parametrize(
    ("coding", "encode", "unit"),
    [("gzip", gzip.compress, "members"), ("zstd", zstd, "frames")],
)
def test_decode_caps_the_number_of_members_or_frames(
    coding: str, encode: Callable[[bytes], bytes], unit: str
) -> None:
    part = encode(b"")

    assert decode(part * MAX_PARTS, coding, CAP) == b""
    assert refused(part * (MAX_PARTS + 1), coding) == (
        413,
        f"payload too large: more than {MAX_PARTS} {coding} {unit}",
    )


def test_decode_the_cap_spans_all_members() -> None:
    # GIVEN three members of 4 bytes against a cap of 10: each fits, together they do not
    body = gzip.compress(b"aaaa") * 3

    assert refused(body, "gzip", cap=10) == (
        413,
        "payload too large",
    )
    assert decode(body, "gzip", 12) == b"aaaa" * 3


@functools.cache
def deflated_zeros(size: int) -> bytes:
    """``size`` zeros (a multiple of 1 MiB) as raw deflate, in a fraction of a second.

    After a full flush the compressor starts afresh, so each further MiB of
    zeros compresses to the same bytes, which are repeated instead of computed.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first + again * (size // MiB - 1) + compressor.flush()


@functools.cache
def bomb(coding: str) -> bytes:
    """1 GiB of zeros, a valid stream in ``coding`` (gzip with its true CRC and size)."""
    if coding == "zstd":
        compressor = zstandard.ZstdCompressor(level=1).compressobj()
        chunk = bytes(16 * MiB)
        return b"".join(compressor.compress(chunk) for _ in range(64)) + compressor.flush()
    if coding == "deflate":
        return deflated_zeros(GiB)
    crc = functools.reduce(lambda crc, _: zlib.crc32(bytes(MiB), crc), range(1024), 0)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + deflated_zeros(GiB) + struct.pack("<II", crc, GiB % 2**32)


def test_deflated_zeros_are_what_they_claim() -> None:
    assert zlib.decompress(deflated_zeros(4 * MiB), -zlib.MAX_WBITS) == bytes(4 * MiB)


@pytest.mark.parametrize("coding", ["gzip", "deflate", "zstd"])
def test_decode_a_bomb_of_1_gib_is_413_without_inflating_it(coding: str) -> None:
    # GIVEN 1 GiB of zeros compressed to about a megabyte or less
    body = bomb(coding)
    assert len(body) < 2 * MiB
    # WHEN it is decoded under the 5 MiB cap
    tracemalloc.start()
    try:
        status, message = refused(body, coding)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # THEN it is refused having held a few MiB, never the gigabyte
    assert (status, message) == (413, "payload too large")
    assert peak < 32 * MiB
