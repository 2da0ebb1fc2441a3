"""The meaning of an /ingest request: content types, fields, limits and error messages."""

from __future__ import annotations

import gzip
import itertools

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenantlog.core.identity import Principal
from tenantlog.core.normalise import Ingested, IngestRequest, normalise
from tenantlog.core.validation import IngestError, Limits

LIMITS = Limits(max_text_bytes=100, max_body_bytes=1000)
NOW = "2024-01-01T00:00:00.000Z"


def run(request: IngestRequest, limits: Limits = LIMITS) -> Ingested:
    ids = (f"gen-{n}" for n in itertools.count(1))
    return normalise(request, limits, now=lambda: NOW, new_log_id=lambda: next(ids))


def refused(request: IngestRequest, limits: Limits = LIMITS) -> tuple[int, str]:
    with pytest.raises(IngestError) as caught:
        run(request, limits)
    return caught.value.status, caught.value.message


def json_request(payload: object, content_type: str = "application/json") -> IngestRequest:
    return IngestRequest(content_type, orjson.dumps(payload))


def test_normalise_seed_json_example() -> None:
    ingested = run(
        json_request(
            {"tenant_id": "acme", "log_id": "123", "text": "User 555-0199 accessed system"}
        )
    )

    [message] = ingested.messages
    assert (message.tenant_id, message.log_id, message.source) == ("acme", "123", "json_upload")
    assert message.text == "User 555-0199 accessed system"
    assert message.received_at == NOW
    assert ingested.response() == {"status": "enqueued", "tenant_id": "acme", "log_id": "123"}


def test_normalise_seed_text_example_generates_log_id() -> None:
    request = IngestRequest("text/plain", b"Server restarted at 555-1234", tenant_header="acme")

    [message] = run(request).messages

    assert (message.tenant_id, message.log_id, message.source) == ("acme", "gen-1", "text_upload")
    assert message.text == "Server restarted at 555-1234"


def test_normalise_text_takes_log_id_header() -> None:
    request = IngestRequest("text/plain", b"x", tenant_header="acme", log_id_header="abc/1")

    assert run(request).messages[0].log_id == "abc/1"


def test_normalise_json_without_log_id_generates_one() -> None:
    [message] = run(json_request({"tenant_id": "acme", "text": "hi"})).messages

    assert message.log_id == "gen-1"


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "Application/JSON", 'application/json;charset="UTF-8"'],
)
def test_normalise_accepts_content_type_variants(content_type: str) -> None:
    run(json_request({"tenant_id": "acme", "text": "hi"}, content_type))


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (IngestRequest("application/json", b"nope"), (400, "invalid JSON payload")),
        (IngestRequest("application/json", b"[1, 2]"), (400, "invalid JSON payload")),
        (IngestRequest("application/json", b""), (400, "invalid JSON payload")),
        (IngestRequest("text/plain", b"hi"), (400, "missing X-Tenant-ID header")),
        (
            IngestRequest("application/xml", b"<a/>"),
            (400, "unsupported Content-Type. Use application/json or text/plain."),
        ),
        (
            IngestRequest(None, b"{}"),
            (400, "unsupported Content-Type. Use application/json or text/plain."),
        ),
        (
            IngestRequest("application/json", orjson.dumps({"text": "hi"})),
            (400, "missing required field: tenant_id"),
        ),
        (
            IngestRequest("application/json", orjson.dumps({"tenant_id": "", "text": "hi"})),
            (400, "tenant_id must not be empty"),
        ),
        (
            IngestRequest("application/json", orjson.dumps({"tenant_id": 7, "text": "hi"})),
            (400, "tenant_id must be a string"),
        ),
        (
            IngestRequest("application/json", orjson.dumps({"tenant_id": "a b", "text": "hi"})),
            (400, "invalid tenant_id: use 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'"),
        ),
        (
            IngestRequest("application/json", orjson.dumps({"tenant_id": "acme"})),
            (400, "missing required field: text"),
        ),
        (
            IngestRequest("application/json", orjson.dumps({"tenant_id": "acme", "text": ""})),
            (400, "text must not be empty"),
        ),
        (
            IngestRequest("application/json", orjson.dumps({"tenant_id": "acme", "text": 5})),
            (400, "text must be a string"),
        ),
        (
            IngestRequest(
                "application/json", orjson.dumps({"tenant_id": "acme", "text": "x", "log_id": 5})
            ),
            (400, "log_id must be a string"),
        ),
        (
            IngestRequest(
                "application/json",
                orjson.dumps({"tenant_id": "acme", "text": "x", "log_id": "has space"}),
            ),
            (400, "invalid log_id: use 1-128 printable characters without whitespace"),
        ),
        (
            IngestRequest("text/plain", b"\xff\xfe", tenant_header="acme"),
            (400, "body is not valid UTF-8 (byte 0)"),
        ),
        (
            IngestRequest("application/json", b'{"tenant_id": "acme", "text": "\xff"}'),
            (400, "body is not valid UTF-8 (byte 31)"),
        ),
        (
            IngestRequest("text/plain", b"x", tenant_header="bad tenant"),
            (
                400,
                "invalid X-Tenant-ID header: use 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'",
            ),
        ),
        (
            IngestRequest("text/plain; charset=latin-1", b"x", tenant_header="acme"),
            (400, "unsupported charset: latin-1. Use utf-8."),
        ),
    ],
)
def test_normalise_refuses_with_a_message_naming_the_problem(
    request_: IngestRequest, expected: tuple[int, str]
) -> None:
    assert refused(request_) == expected


def test_normalise_text_over_limit_is_413() -> None:
    request = IngestRequest("text/plain", b"x" * 101, tenant_header="acme")

    assert refused(request) == (413, "payload too large: text over 100 bytes")


def test_normalise_text_limit_counts_utf8_bytes() -> None:
    # 34 three-byte characters = 102 bytes > 100, though only 34 characters
    request = IngestRequest("text/plain", ("€" * 34).encode(), tenant_header="acme")

    assert refused(request)[0] == 413


def test_normalise_body_over_limit_is_413() -> None:
    request = IngestRequest("text/plain", b"x" * 1001, tenant_header="acme")

    assert refused(request) == (413, "payload too large")


def test_normalise_gzip_body_is_decoded() -> None:
    body = gzip.compress(orjson.dumps({"tenant_id": "acme", "text": "zipped"}))

    [message] = run(IngestRequest("application/json", body, content_encoding="gzip")).messages

    assert message.text == "zipped"


def test_normalise_gzip_limit_applies_to_decoded_size() -> None:
    # GIVEN a tiny gzip body that inflates past the body limit (a zip bomb in small)
    body = gzip.compress(b"x" * 5000)
    assert len(body) < 1000
    # THEN it is refused as too large
    request = IngestRequest("text/plain", body, tenant_header="acme", content_encoding="gzip")
    assert refused(request) == (413, "payload too large")


def test_normalise_every_gzip_member_of_an_ndjson_body_is_a_log() -> None:
    # GIVEN two NDJSON lines gzipped apart and concatenated, as `cat a.gz b.gz` gives
    body = gzip.compress(b'{"text":"first"}\n') + gzip.compress(b'{"text":"second"}\n')
    # WHEN the body is normalised
    request = IngestRequest(
        "application/x-ndjson", body, tenant_header="acme", content_encoding="gzip"
    )
    # THEN both lines are logs
    assert [m.text for m in run(request).messages] == ["first", "second"]


def test_normalise_unsupported_encoding_is_415_with_accept_encoding() -> None:
    request = IngestRequest("text/plain", b"x", tenant_header="acme", content_encoding="br")

    with pytest.raises(IngestError) as caught:
        run(request)

    assert (caught.value.status, caught.value.message) == (
        415,
        "unsupported Content-Encoding: br; use gzip, deflate, zstd or identity",
    )
    assert caught.value.headers == {"accept-encoding": "gzip, deflate, zstd"}


def test_normalise_bad_gzip_is_400_naming_the_coding() -> None:
    request = IngestRequest(
        "text/plain", b"not gzip", tenant_header="acme", content_encoding="gzip"
    )

    assert refused(request) == (400, "body is not valid gzip data: incorrect header check")


def ndjson(*lines: object) -> bytes:
    return b"\n".join(line if isinstance(line, bytes) else orjson.dumps(line) for line in lines)


def test_normalise_ndjson_batch() -> None:
    body = ndjson(
        {"tenant_id": "acme", "log_id": "1", "text": "a"},
        b"",
        {"text": "b"},
        {"tenant_id": "globex", "text": "c"},
    )

    ingested = run(IngestRequest("application/x-ndjson", body, tenant_header="dflt"))

    assert [(m.tenant_id, m.log_id, m.text) for m in ingested.messages] == [
        ("acme", "1", "a"),
        ("dflt", "gen-1", "b"),
        ("globex", "gen-2", "c"),
    ]
    assert {m.source for m in ingested.messages} == {"json_upload"}
    assert ingested.response() == {
        "status": "enqueued",
        "count": 3,
        "items": [
            {"tenant_id": "acme", "log_id": "1"},
            {"tenant_id": "dflt", "log_id": "gen-1"},
            {"tenant_id": "globex", "log_id": "gen-2"},
        ],
    }


def test_normalise_ndjson_error_names_the_line_and_refuses_all() -> None:
    body = ndjson({"tenant_id": "acme", "text": "ok"}, {"tenant_id": "acme", "text": "ok"}, b"{x")

    assert refused(IngestRequest("application/x-ndjson", body)) == (
        400,
        "line 3: invalid JSON payload",
    )


def test_normalise_ndjson_without_tenant_names_the_line() -> None:
    body = ndjson({"tenant_id": "acme", "text": "ok"}, {"text": "orphan"})

    assert refused(IngestRequest("application/x-ndjson", body)) == (
        400,
        "line 2: missing required field: tenant_id",
    )


def test_normalise_ndjson_empty_body_is_400() -> None:
    assert refused(IngestRequest("application/x-ndjson", b"\n\n")) == (
        400,
        "NDJSON body has no log lines",
    )


LINE_CAP = Limits(max_text_bytes=100, max_body_bytes=100_000, max_batch_lines=3)


def test_normalise_ndjson_at_the_line_cap_is_accepted_and_blank_lines_do_not_count() -> None:
    body = b'{"text":"a"}\n\n  \n{"text":"b"}\n\n{"text":"c"}\n'

    ingested = run(IngestRequest("application/x-ndjson", body, tenant_header="acme"), LINE_CAP)

    assert ingested.response()["count"] == 3


def test_normalise_ndjson_over_the_line_cap_is_413_before_any_message_is_built() -> None:
    # GIVEN four log lines against a cap of three, the last of them invalid
    body = b'{"text":"a"}\n{"text":"b"}\n{"text":"c"}\n{"text":""}'
    ids_made: list[str] = []

    def new_log_id() -> str:
        ids_made.append("id")
        return "id"

    # WHEN it is normalised
    request = IngestRequest("application/x-ndjson", body, tenant_header="acme")
    with pytest.raises(IngestError) as caught:
        normalise(request, LINE_CAP, now=lambda: NOW, new_log_id=new_log_id)
    # THEN the cap answers, not line 4, and no message was started
    assert (caught.value.status, caught.value.message) == (
        413,
        "payload too large: more than 3 lines (TENANTLOG_MAX_BATCH_LINES)",
    )
    assert ids_made == []


@given(
    lines=st.lists(
        st.sampled_from([b'{"text":"a"}', b"", b"  \t", b'\t{"text":"b"}\r']), max_size=30
    ),
    bad_at=st.integers(min_value=0),
)
def test_normalise_ndjson_names_the_line_counting_blank_ones(
    lines: list[bytes], bad_at: int
) -> None:
    # GIVEN log and blank lines (CRLF endings, indentation) with an invalid one among them
    bad = bad_at % (len(lines) + 1)
    body = b"\n".join([*lines[:bad], b'{"text":""}', *lines[bad:]])
    # THEN the error names its 1-based line, blank lines included
    assert refused(IngestRequest("application/x-ndjson", body, tenant_header="acme")) == (
        400,
        f"line {bad + 1}: text must not be empty",
    )
    # AND without it, every line with a log on it is one
    valid = b"\n".join(lines)
    logs = sum(1 for line in lines if line.strip())
    if logs:
        request = IngestRequest("application/x-ndjson", valid, tenant_header="acme")
        assert len(run(request).messages) == logs


def test_normalise_ndjson_text_over_its_limit_names_the_line() -> None:
    body = ndjson({"text": "ok"}, {"text": "x" * 101})

    assert refused(IngestRequest("application/x-ndjson", body, tenant_header="acme")) == (
        413,
        "line 2: payload too large: text over 100 bytes",
    )


@given(
    tenant=st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True),
    text=st.text(min_size=1, max_size=30).filter(lambda t: "\x00" not in t),
)
def test_normalise_any_valid_json_log_round_trips(tenant: str, text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates cannot be sent as UTF-8 JSON at all
    [message] = run(json_request({"tenant_id": tenant, "text": text})).messages

    assert (message.tenant_id, message.text) == (tenant, text)


KEY_OF_ACME = Principal(actor="k1", tenant_id="acme", scopes=frozenset({"ingest"}))
ADMIN_OF_OPS = Principal(actor="k2", tenant_id="ops", scopes=frozenset({"admin"}))


def keyed(content_type: str, body: bytes, principal: Principal, **headers: str) -> IngestRequest:
    return IngestRequest(content_type, body, principal=principal, **headers)


def test_normalise_logs_without_a_tenant_take_the_keys() -> None:
    json_log = run(keyed("application/json", b'{"text":"a"}', KEY_OF_ACME))
    text_log = run(keyed("text/plain", b"b", KEY_OF_ACME))
    lines = run(keyed("application/x-ndjson", b'{"text":"c"}\n{"text":"d"}', KEY_OF_ACME))
    tenants = {m.tenant_id for m in json_log.messages + text_log.messages + lines.messages}
    assert tenants == {"acme"}


@pytest.mark.parametrize(
    ("content_type", "body", "headers", "message"),
    [
        ("application/json", b'{"tenant_id":"evil","text":"a"}', {}, ""),
        ("text/plain", b"a", {"tenant_header": "evil"}, ""),
        ("application/x-ndjson", b'{"text":"a"}\n{"tenant_id":"evil","text":"b"}', {}, "line 2: "),
        ("application/x-ndjson", b'{"text":"a"}', {"tenant_header": "evil"}, ""),
    ],
)
def test_normalise_a_key_naming_another_tenant_is_refused_whole(
    content_type: str, body: bytes, headers: dict[str, str], message: str
) -> None:
    status, text = refused(keyed(content_type, body, KEY_OF_ACME, **headers))
    assert (status, text) == (403, f"{message}this API key may not write to tenant 'evil'")


def test_normalise_an_admin_key_may_name_any_tenant_and_defaults_to_its_own() -> None:
    named = run(keyed("application/json", b'{"tenant_id":"acme","text":"a"}', ADMIN_OF_OPS))
    unnamed = run(keyed("text/plain", b"b", ADMIN_OF_OPS))
    assert [named.messages[0].tenant_id, unnamed.messages[0].tenant_id] == ["acme", "ops"]


def test_normalise_without_a_key_still_needs_a_tenant() -> None:
    assert refused(json_request({"text": "a"})) == (400, "missing required field: tenant_id")
    assert refused(IngestRequest("text/plain", b"a")) == (400, "missing X-Tenant-ID header")


def test_normalise_text_the_worker_cannot_finish_in_its_budget_is_413() -> None:
    # GIVEN a worker budget of 47 s at 0.05 s a character: at most 940 characters
    limits = Limits(max_text_bytes=65536, max_body_bytes=100_000, max_work_chars=940)
    fits = json_request({"tenant_id": "acme", "text": "x" * 940})
    over = json_request({"tenant_id": "acme", "text": "x" * 941})

    assert run(fits, limits).messages[0].text == "x" * 940
    assert refused(over, limits) == (
        413,
        "payload too large: text over 940 characters, the most the worker can process"
        " within its time budget (TENANTLOG_WORKER_TIME_BUDGET)",
    )
