"""Snappy block decompression with the output size capped before it is allocated.

Loki's protobuf push body is snappy's block format (not the framed one): a
varint of the uncompressed length, then the compressed data. A decompressor
allocates what that length says, so a 20-byte body can claim 4 GiB; reading the
varint here first and refusing a length over the cap keeps memory bounded by
the cap whatever the body claims.
"""

from __future__ import annotations

import cramjam

from tenantlog.protocols.entries import ProtocolError, TooLarge

#: The block format's length is an unsigned 32-bit varint: at most 5 bytes.
_MAX_VARINT_BYTES = 5


def uncompressed_length(body: bytes) -> int:
    """The length a snappy block declares, or ``ProtocolError`` if the header is malformed."""
    length = 0
    for position in range(min(_MAX_VARINT_BYTES, len(body))):
        byte = body[position]
        length |= (byte & 0x7F) << (7 * position)
        if byte < 0x80:
            if length > 0xFFFF_FFFF:
                break
            return length
    raise ProtocolError("malformed snappy body: bad length header")


def decompress(body: bytes, max_size: int) -> bytes:
    """The decompressed block; ``TooLarge`` when it would be over ``max_size`` bytes."""
    length = uncompressed_length(body)
    if length > max_size:
        raise TooLarge(f"snappy body decompresses to {length} bytes, over the cap of {max_size}")
    try:
        data = bytes(cramjam.snappy.decompress_raw(body))
    except cramjam.DecompressionError:
        raise ProtocolError("malformed snappy body: corrupt or truncated data") from None
    if len(data) != length:  # cramjam checks this; a wrong length must never pass
        raise ProtocolError("malformed snappy body: length does not match its header")
    return data
