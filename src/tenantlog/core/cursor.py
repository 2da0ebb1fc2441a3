"""Opaque pagination cursors shared by every store: the last log_id of a page.

Opaque (base64url) so that clients do not build cursors by hand and a backend
may change what it puts inside without breaking them.
"""

import base64
import binascii


class InvalidCursor(ValueError):
    """The cursor is not one this service issued."""


def encode_cursor(last_log_id: str) -> str:
    return base64.urlsafe_b64encode(last_log_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidCursor("invalid cursor") from None
    if not value:
        raise InvalidCursor("invalid cursor")
    return value
