"""Queue messages and stored records survive their encodings unchanged."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenantlog.core.cursor import InvalidCursor, decode_cursor, encode_cursor
from tenantlog.core.ids import new_log_id
from tenantlog.core.models import InternalMessage, LogRecord, MessageDecodeError
from tenantlog.core.validation import is_valid_log_id
from tests.support.factories import make_record


@given(text=st.text(min_size=1).filter(lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t)))
def test_message_encode_decode_round_trips(text: str) -> None:
    message = InternalMessage("acme", "id-1", "text_upload", text, "2024-01-01T00:00:00.000Z")

    assert InternalMessage.decode(message.encode()) == message


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{", "message body is not JSON"),
        (b"[]", "message body is not a JSON object"),
        (b'{"tenant_id": "a"}', "message field 'log_id' is missing or not a string"),
        (
            b'{"tenant_id":"a","log_id":"1","source":"fax","text":"t","received_at":"x"}',
            "message source 'fax' is unknown",
        ),
    ],
)
def test_message_decode_names_the_defect(body: bytes, reason: str) -> None:
    with pytest.raises(MessageDecodeError, match=reason):
        InternalMessage.decode(body)


def test_record_dict_round_trips() -> None:
    record = make_record()

    assert LogRecord.from_dict(record.to_dict()) == record


@given(st.text(min_size=1))
def test_cursor_round_trips(log_id: str) -> None:
    try:
        log_id.encode()
    except UnicodeEncodeError:
        return
    assert decode_cursor(encode_cursor(log_id)) == log_id


@pytest.mark.parametrize("cursor", ["", "***", "a", "_w"])
def test_cursor_garbage_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor)


def test_generated_log_ids_are_valid_and_sort_by_time() -> None:
    ids = [new_log_id() for _ in range(200)]

    assert all(is_valid_log_id(i) for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == 200
