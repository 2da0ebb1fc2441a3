"""The maintained OpenAPI document against the live server (schemathesis).

Every operation is called with generated requests; each answer must be
documented (status, content type, body schema) and none a 500. Requests that
fit the schema number at least ``POSITIVE_REQUESTS`` in all, spread evenly
over the operations that take input: an operation without parameters, body
or credentials has one possible request, which Hypothesis sends once. Then
``NEGATIVE_EXAMPLES`` requests an operation that break the schema (hostile
and broken input) get the same checks.

Two checks do not fit and are left out:

- "schema-valid request rejected": opaque cursors, log ids with Unicode
  control characters and a gzip header over a plain body all fit the
  schema's types and are refused with a documented 400;
- "invalid credentials accepted": the server runs with authentication off on
  loopback (the case that needs no key), where no credential is checked. The
  request policy's answers to missing and bad keys are tested with keys on
  (tests/unit/test_request_policy.py, tests/integration/test_auth_server.py).

``NOT_REFUSED`` says why /ingest lets through some requests that break its schema.
"""

from __future__ import annotations

from math import ceil
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
)

from tenantlog.http.operations import openapi_document
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

SCHEMA = schemathesis.openapi.from_dict(openapi_document())
#: The live tail's 200 is a stream that does not end, so its answers cannot be read whole;
#: tests/unit/test_tail.py and tests/integration/test_tail_server.py cover its answers.
ENDLESS = frozenset(("GET /tenants/{tenant_id}/logs/tail",))
OPERATIONS = {
    op.label: op
    for op in (result.ok() for result in SCHEMA.get_all_operations())  # type: ignore[union-attr]
    if op.label not in ENDLESS
}
#: Operations whose requests can vary (parameters, a body, or credentials, which are headers).
TAKES_INPUT = sorted(
    label
    for label, op in OPERATIONS.items()
    if op.path_parameters or op.query or op.headers or op.cookies or op.body
)
#: The floor of one run, from issue 8: 5,000 generated requests over every operation.
POSITIVE_REQUESTS = 5000
POSITIVE_EXAMPLES = ceil(POSITIVE_REQUESTS / len(TAKES_INPUT))
NEGATIVE_EXAMPLES = 200
EXCLUDED_CHECKS = [positive_data_acceptance, ignored_auth]
#: X-Tenant-ID and X-Log-ID name a text/plain log (and NDJSON's default tenant); a JSON
#: body names its own, so /ingest does not read them, and a malformed one is not refused.
NOT_REFUSED = {"POST /ingest": [negative_data_rejection]}
#: Headers of HTTP's framing, not of the API: a generated one (a Content-Length that is
#: no number) is refused by the HTTP server's parser, in its own plain-text words, before
#: the app sees the request. They are left out of the generated requests.
FRAMING_HEADERS = frozenset(("content-length", "transfer-encoding", "host", "connection"))


def expected_calls(label: str, mode: GenerationMode) -> int:
    """At least this many requests: the examples asked for, or the one possible request."""
    if label not in TAKES_INPUT:
        return 1
    return POSITIVE_EXAMPLES if mode is GenerationMode.POSITIVE else NEGATIVE_EXAMPLES


def run(label: str, mode: GenerationMode, server: ServerProcess) -> int:
    """Send the operation's generated requests and check each answer; the number sent."""
    calls = 0
    excluded = EXCLUDED_CHECKS
    if mode is GenerationMode.NEGATIVE:
        excluded = [*excluded, *NOT_REFUSED.get(label, [])]

    @given(case=OPERATIONS[label].as_strategy(mode))
    @settings(
        max_examples=expected_calls(label, mode),
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: schemathesis.Case[Any]) -> None:
        nonlocal calls
        calls += 1
        for name in [name for name in case.headers or () if name.lower() in FRAMING_HEADERS]:
            del case.headers[name]
        case.call_and_validate(base_url=server.url, excluded_checks=excluded)

    call()
    print(f"{label}, {mode.value}: {calls} requests sent")
    return calls


def test_the_budget_covers_the_issues_floor_of_positive_requests() -> None:
    total = sum(expected_calls(label, GenerationMode.POSITIVE) for label in OPERATIONS)
    assert total >= POSITIVE_REQUESTS


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_api_answers_valid_requests_as_documented(label: str, server: ServerProcess) -> None:
    assert run(label, GenerationMode.POSITIVE, server) >= expected_calls(
        label, GenerationMode.POSITIVE
    )


@pytest.mark.parametrize("label", TAKES_INPUT)
def test_api_answers_invalid_requests_as_documented(label: str, server: ServerProcess) -> None:
    assert run(label, GenerationMode.NEGATIVE, server) >= expected_calls(
        label, GenerationMode.NEGATIVE
    )
