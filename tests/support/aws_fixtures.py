"""pytest fixtures over the moto emulator; load with ``pytest_plugins``."""

from __future__ import annotations

import pytest

from tests.support.aws_emulator import emulator_endpoint


@pytest.fixture(scope="session")
def moto_server() -> str:
    """The endpoint URL of the session's moto server (``AWS_ENDPOINT_URL`` points at it)."""
    return emulator_endpoint()
