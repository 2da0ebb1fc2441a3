"""The maintained OpenAPI document against the live server (schemathesis).

Every operation is called with generated requests, valid and invalid; each
answer must be documented (status, content type, body schema) and none a 500.
The "schema-valid request rejected" check is left out on purpose: opaque
cursors, log ids with Unicode control characters and a gzip header over a
plain body all fit the schema's types and are refused with a documented 400.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tenantlog.http.operations import openapi_document
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

SCHEMA = schemathesis.openapi.from_dict(openapi_document())
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}  # type: ignore[union-attr]


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_api_answers_as_documented(label: str, server: ServerProcess) -> None:
    @given(case=OPERATIONS[label].as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    def call(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(base_url=server.url, excluded_checks=[positive_data_acceptance])

    call()
