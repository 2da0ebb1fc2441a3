"""The live tail on the aws backend: the read API over DynamoDB answers 501, naming why."""

from __future__ import annotations

import httpx
import pytest

from tenantlog.aws.clients import make_client
from tenantlog.http.app import create_app
from tenantlog.settings import load_settings
from tenantlog.store.dynamodb import DynamoDbStore
from tests.support.aws_emulator import REGION, create_table
from tests.support.inprocess import memory_backends

pytestmark = pytest.mark.anyio


async def test_tail_over_dynamodb_is_501_naming_the_embedded_deployment(
    moto_server: str,
) -> None:
    store = DynamoDbStore(make_client("dynamodb", REGION, 4), create_table())
    backends = memory_backends(store)
    # As the Lambda runs it: behind API Gateway, which authenticates before the app.
    app = create_app(load_settings(auth="off"), backends, behind_api_gateway=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.example") as client:
        answer = await client.get("/tenants/acme/logs/tail?severity=error")
        listed = await client.get("/tenants/acme/logs")
    await backends.close()

    assert answer.status_code == 501
    assert answer.json()["error"].startswith("the live tail needs the embedded deployment")
    assert "API Gateway" in answer.json()["error"]
    assert listed.status_code == 200  # the read API itself works there
