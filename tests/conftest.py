"""Fixtures and settings shared by every test tier."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# Speed is measured by bench/, never by a test: no example fails for its time (on a
# loaded machine a 200 ms deadline failed examples that take 1 ms alone). With CI
# set, each property test draws the same examples every run (derived from the test
# itself), so a landing is judged on the code and not on one run's luck; elsewhere
# every run draws anew and keeps looking for the next fault.
settings.register_profile("explore", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "explore")


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio, the loop tenantlog itself runs on."""
    return "asyncio"
