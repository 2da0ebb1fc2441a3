"""What the ingest side must not import: each is start-up time a Lambda cold start pays."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Modules that only the worker, a tenant's own rules or the agents' routes need.
NOT_AT_START = ("tenantlog.redaction.redactor", "re2", "google.protobuf", "opentelemetry")


@pytest.mark.parametrize("module", ["tenantlog.lambdas.ingest", "tenantlog.http.app"])
def test_importing_the_ingest_side_loads_no_redactor_rules_engine_or_protobuf(
    module: str,
) -> None:
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(completed.stdout)
    early = [name for name in loaded if name.split(".")[0] in {"re2", "google", "opentelemetry"}]
    early += [name for name in loaded if name in NOT_AT_START]
    assert not early, early


def test_the_redactor_is_there_on_first_use() -> None:
    code = "import tenantlog; print(tenantlog.redact('call 555-0199 now'))"
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert completed.stdout.strip() == "call [REDACTED] now"


def test_behind_api_gateway_the_app_serves_no_pages_and_imports_no_console() -> None:
    # The Lambda zip leaves the console and Swagger UI's assets out: the app there must
    # neither route them nor import them.
    code = """
import asyncio, json, sys
import httpx
from tenantlog.http.app import create_app
from tenantlog.settings import load_settings
from tests.support.inprocess import memory_backends

async def main():
    app = create_app(load_settings(auth="off"), memory_backends(), behind_api_gateway=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        codes = [(await client.get(path)).status_code for path in ("/docs", "/console/")]
        codes.append((await client.get("/openapi.json")).status_code)
    loaded = [m for m in sys.modules if m.startswith(("tenantlog.console", "jinja2"))]
    print(json.dumps({"codes": codes, "loaded": loaded}))

asyncio.run(main())
"""
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(completed.stdout) == {"codes": [404, 404, 200], "loaded": []}
