"""Fixtures of the aws tests: the moto server, raw clients, and a recorder of API calls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tenantlog.store.dynamodb import create_erasures_table
from tests.support import aws_emulator
from tests.support.aws_fixtures import moto_server

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

__all__ = ["moto_server"]


@pytest.fixture
def sqs(moto_server: str) -> Iterator[SQSClient]:
    """A plain SQS client, to arrange and inspect queues behind the backend's back."""
    client = aws_emulator.sqs_client()
    yield client
    client.close()


@pytest.fixture
def dynamodb(moto_server: str) -> Iterator[DynamoDBClient]:
    client = aws_emulator.dynamodb_client()
    yield client
    client.close()


@pytest.fixture
def erasures_table(moto_server: str) -> str:
    """A fresh erasures table, for a DynamoDbStore's ``erasures_table``."""
    return aws_emulator.create_table(create_erasures_table)


class CallLog:
    """The API calls a client made, with their parameters (botocore's own event hooks)."""

    def __init__(self, client: BaseClient) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        client.meta.events.register("before-parameter-build", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, dict(params)))

    def named(self, operation: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == operation]

    @property
    def operations(self) -> set[str]:
        return {name for name, _ in self.calls}
