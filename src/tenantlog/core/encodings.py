"""Content-Encoding (RFC 9110 §8.4): gzip, deflate and zstd, decoded under one size cap.

Pure: bytes in, bytes (or IngestError) out. What shapes it:

- Every gzip member and every zstd frame is decoded. A body of several
  (what ``cat a.gz b.gz`` gives) is valid, and decoding only the first would
  drop the rest after a 202.
- One cap on the decoded size of the whole body, counted while decoding: a
  bomb (1 GB of zeros in 1 MB) is refused just past the cap, never inflated.
- The input is fed a slice at a time. zlib and python-zstandard copy the input
  left over after a member or frame, so handing them the whole rest of the body
  at every member would make a body of many small members quadratic; and
  python-zstandard cannot bound the output of one call, so its slices are small
  enough that one call never yields more than a few MiB.
- At most ``MAX_PARTS`` members or frames: each costs a decoder of its own.

Stacked codings (``Content-Encoding: gzip, zstd``) are refused with 415: no
common client sends them, and each layer would multiply the work one body
can cause.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Protocol

import zstandard

from tenantlog.core.validation import IngestError, body_too_large, too_large

SUPPORTED = ("gzip", "deflate", "zstd")
#: The Accept-Encoding header a 415 carries (RFC 9110 §15.5.16).
ACCEPT_ENCODING = ", ".join(SUPPORTED)
#: Members or frames in one body; a body of 5 MiB could otherwise hold 580,000
#: empty zstd frames, a second of CPU. No sender needs more than one per log line.
MAX_PARTS = 10_000
#: RFC 9659: the zstd content coding uses windows of at most 8 MiB. Without the
#: limit a frame header alone could make the decoder allocate 128 MiB.
ZSTD_MAX_WINDOW = 8 * 1024 * 1024
#: A zstd block yields at most 128 KiB and takes at least 4 bytes, so a slice of
#: 128 bytes yields at most 4 MiB: the most ever decoded past the cap.
_ZSTD_SLICE = 128
#: zlib bounds its own output per call; its slices only bound the copy of the
#: leftover input at the end of a member. They start small for each member and
#: double, so the copies add up to about twice the input.
_ZLIB_FIRST_SLICE = 1024
_ZLIB_MAX_SLICE = 1024 * 1024


def decode(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    """The body with its Content-Encoding undone; 413 past ``max_bytes`` decoded bytes.

    Raises IngestError: 415 for a coding this service does not decode, 400 for
    data that is not valid in its coding, 413 for too much of it.
    """
    coding = _coding(content_encoding)
    if coding is None:
        if len(body) > max_bytes:
            raise body_too_large()
        return body
    if coding == "gzip":
        return _decode_parts(
            body, "gzip", lambda: zlib.decompressobj(16 + zlib.MAX_WBITS), max_bytes, several=True
        )
    if coding == "zstd":
        decompressor = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        return _decode_parts(
            body, "zstd", lambda: _ZstdFrame(decompressor), max_bytes, several=True
        )
    return _inflate(body, max_bytes)


def _inflate(body: bytes, max_bytes: int) -> bytes:
    """HTTP's deflate: the zlib format (RFC 1950), or raw deflate as many clients send it."""

    def inflate(wbits: int) -> bytes:
        return _decode_parts(body, "deflate", lambda: zlib.decompressobj(wbits), max_bytes)

    if not _looks_like_zlib(body):
        return inflate(-zlib.MAX_WBITS)
    try:
        return inflate(zlib.MAX_WBITS)
    except IngestError as as_zlib:
        if as_zlib.status != 400:
            raise
        try:  # a raw stream can start with two bytes that pass the zlib check
            return inflate(-zlib.MAX_WBITS)
        except IngestError as as_raw:
            raise (as_zlib if as_raw.status == 400 else as_raw) from None


def _coding(content_encoding: str | None) -> str | None:
    """The one coding to undo, or None when the body is as sent (absent or ``identity``)."""
    if content_encoding is None:
        return None
    codings = [c.strip().lower() for c in content_encoding.split(",")]
    codings = [c for c in codings if c not in ("", "identity")]
    if not codings:
        return None
    if len(codings) == 1:
        coding = "gzip" if codings[0] == "x-gzip" else codings[0]  # RFC 9110 §8.4.1.3
        if coding in SUPPORTED:
            return coding
    raise IngestError(
        415,
        f"unsupported Content-Encoding: {content_encoding.strip()};"
        " use gzip, deflate, zstd or identity",
        {"accept-encoding": ACCEPT_ENCODING},
    )


def _looks_like_zlib(body: bytes) -> bool:
    """An RFC 1950 header: compression method 8 and the header check bits.

    HTTP's ``deflate`` is the zlib format, but many clients send raw deflate;
    a raw stream passes this check only by chance, and is then tried as raw
    when it fails as zlib.
    """
    return len(body) >= 2 and body[0] & 0x0F == 8 and (body[0] << 8 | body[1]) % 31 == 0


class _Part(Protocol):
    """The decoder of one gzip member, deflate stream or zstd frame (zlib's interface)."""

    @property
    def eof(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...

    def decompress(self, data: memoryview, max_length: int, /) -> bytes: ...


class _ZstdFrame:
    """One zstd frame behind zlib's interface; its output is bounded by the slice size."""

    def __init__(self, decompressor: zstandard.ZstdDecompressor) -> None:
        self._frame = decompressor.decompressobj()

    @property
    def eof(self) -> bool:
        return self._frame.eof

    @property
    def unused_data(self) -> bytes:
        return self._frame.unused_data

    def decompress(self, data: memoryview, max_length: int, /) -> bytes:
        return self._frame.decompress(data)


def _decode_parts(
    body: bytes,
    coding: str,
    start: Callable[[], _Part],
    max_bytes: int,
    *,
    several: bool = False,
) -> bytes:
    """Decode one part after another until the input ends exactly where a part does.

    A body that ends inside a part is truncated. Bytes after the last part are
    an error, except zeros after gzip members, which gzip(1) also skips as padding.
    """
    unit = "frames" if coding == "zstd" else "members"
    first, most = (
        (_ZSTD_SLICE, _ZSTD_SLICE) if coding == "zstd" else (_ZLIB_FIRST_SLICE, _ZLIB_MAX_SLICE)
    )
    view = memoryview(body)
    pieces: list[bytes] = []
    size = pos = parts = 0
    while True:
        parts += 1
        if parts > MAX_PARTS:
            raise too_large(f"more than {MAX_PARTS} {coding} {unit}")
        part, step = start(), first
        while not part.eof:
            if pos == len(view):
                raise _invalid(coding, "truncated", parts)
            chunk = view[pos : pos + step]
            try:
                piece = part.decompress(chunk, max_bytes - size + 1)
            except (zlib.error, zstandard.ZstdError) as exc:
                raise _invalid(coding, str(exc).partition(": ")[2] or str(exc), parts) from None
            size += len(piece)
            if size > max_bytes:
                raise body_too_large()
            pieces.append(piece)
            pos += len(chunk) - len(part.unused_data)
            step = min(2 * step, most)
        rest = view[pos:]
        if not rest or (coding == "gzip" and rest[0] == 0 and not rest.tobytes().strip(b"\0")):
            return b"".join(pieces)
        if not several:
            raise _invalid(coding, "data after the end of the stream", parts)


def _invalid(coding: str, reason: str, part: int) -> IngestError:
    where = f" ({'frame' if coding == 'zstd' else 'member'} {part})" if part > 1 else ""
    return IngestError(400, f"body is not valid {coding} data: {reason}{where}")
