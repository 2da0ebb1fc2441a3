"""Verifying keys: credentials, the cache and its revocation bound, throttling, client addresses."""

from __future__ import annotations

import base64
import re
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenantlog.audit.memory import MemoryAuditLog
from tenantlog.core.durations import parse_duration
from tenantlog.core.identity import Principal
from tenantlog.core.key_admin import create_key, revoke_key
from tenantlog.core.keys import ApiKey, KeyStoreUnavailable, key_id_of, new_key_id, new_secret
from tenantlog.http.auth import Authenticator, FailureThrottle, presented_secret
from tenantlog.http.policy import ClientAddress, Rule, _host_name, rule_for
from tenantlog.keys.memory import MemoryKeyStore

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingKeys(MemoryKeyStore):
    def __init__(self) -> None:
        super().__init__()
        self.gets = 0
        self.down = False

    async def get(self, key_id: str) -> ApiKey | None:
        self.gets += 1
        if self.down:
            raise KeyStoreUnavailable("down")
        return await super().get(key_id)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_secrets_have_the_prefix_the_key_id_and_190_random_bits() -> None:
    key_id = new_key_id()
    secrets = {new_secret(key_id) for _ in range(1000)}
    assert len(secrets) == 1000
    for secret in secrets:
        assert secret.startswith(f"tlk_{key_id}_")
        assert len(secret) == len("tlk_") + 16 + 1 + 32  # 32 of 62 characters: 190 bits
        assert key_id_of(secret) == key_id
    assert key_id_of("tlk_short") is None
    assert key_id_of("Bearer " + secret) is None


@pytest.mark.parametrize(
    ("authorization", "api_key", "expected"),
    [
        ("Bearer tlk_abc", None, "tlk_abc"),
        ("bearer   tlk_abc  ", None, "tlk_abc"),
        (basic("acme", "tlk_abc"), None, "tlk_abc"),
        (basic("", "tlk_abc"), None, "tlk_abc"),
        (None, "tlk_abc", "tlk_abc"),
        ("Bearer tlk_header", "tlk_other", "tlk_header"),  # Authorization wins
        (None, None, "missing"),
        ("Bearer", None, "malformed"),
        ("Basic !!!not-base64", None, "malformed"),
        (basic("acme", ""), None, "malformed"),
        ("Basic " + base64.b64encode(b"no-colon").decode(), None, "malformed"),
        ("Digest abc", None, "malformed"),
        (None, "   ", "malformed"),
    ],
)
def test_presented_secret_reads_bearer_basic_and_x_api_key(
    authorization: str | None, api_key: str | None, expected: str
) -> None:
    assert presented_secret(authorization, api_key) == expected


async def test_authenticator_accepts_an_active_key_and_refuses_the_rest() -> None:
    keys, audit = MemoryKeyStore(), MemoryAuditLog()
    key, secret = await create_key(keys, audit, tenant_id="acme", scopes=["read"], actor="t")
    auth = Authenticator(keys, cache_seconds=5)

    assert await auth.verify(secret) == Principal(key.key_id, "acme", frozenset({"read"}))
    assert await auth.verify(secret[:-1] + ("a" if secret[-1] != "a" else "b")) == "unknown"
    assert await auth.verify(f"tlk_{new_key_id()}_" + "A" * 32) == "unknown"
    assert await auth.verify("not-a-key") == "malformed"


async def test_authenticator_refuses_an_expired_key_at_once_even_when_cached() -> None:
    keys, audit = MemoryKeyStore(), MemoryAuditLog()
    _, secret = await create_key(
        keys, audit, tenant_id="acme", scopes=["ingest"], actor="t", expires_in=timedelta(days=1)
    )
    moments = iter([time.time(), time.time() + 86_401])
    auth = Authenticator(keys, cache_seconds=10, wall_clock=lambda: next(moments))

    assert isinstance(await auth.verify(secret), Principal)
    assert await auth.verify(secret) == "expired"


async def test_revocation_applies_once_the_cache_time_has_passed() -> None:
    # GIVEN a verified key in the cache
    keys, audit, clock = CountingKeys(), MemoryAuditLog(), Clock()
    key, secret = await create_key(keys, audit, tenant_id="acme", scopes=["ingest"], actor="t")
    auth = Authenticator(keys, cache_seconds=5, clock=clock)
    assert isinstance(await auth.verify(secret), Principal)
    # WHEN it is revoked
    await revoke_key(keys, audit, key.key_id, actor="t")
    # THEN the cache may serve it for less than cache_seconds, and never after
    clock.now += 4.9
    assert isinstance(await auth.verify(secret), Principal)
    clock.now += 0.2
    assert await auth.verify(secret) == "revoked"
    assert keys.gets == 2


async def test_cache_serves_repeated_requests_without_the_store() -> None:
    keys, audit, clock = CountingKeys(), MemoryAuditLog(), Clock()
    _, secret = await create_key(keys, audit, tenant_id="acme", scopes=["ingest"], actor="t")
    auth = Authenticator(keys, cache_seconds=5, clock=clock)
    for _ in range(100):
        assert isinstance(await auth.verify(secret), Principal)
    assert keys.gets == 1
    # unknown ids are cached too, so a flood of guesses does not reach the store per request
    guess = f"tlk_{new_key_id()}_" + "B" * 32
    for _ in range(10):
        assert await auth.verify(guess) == "unknown"
    assert keys.gets == 2


async def test_store_outage_on_a_cache_miss_raises_and_is_not_cached() -> None:
    keys, audit, clock = CountingKeys(), MemoryAuditLog(), Clock()
    _, secret = await create_key(keys, audit, tenant_id="acme", scopes=["ingest"], actor="t")
    auth = Authenticator(keys, cache_seconds=5, clock=clock)
    keys.down = True
    with pytest.raises(KeyStoreUnavailable):
        await auth.verify(secret)
    keys.down = False
    assert isinstance(await auth.verify(secret), Principal)


async def test_last_used_time_is_written_back_at_most_once_a_minute() -> None:
    keys, audit, clock = MemoryKeyStore(), MemoryAuditLog(), Clock()
    key, secret = await create_key(keys, audit, tenant_id="acme", scopes=["ingest"], actor="t")
    auth = Authenticator(keys, cache_seconds=0, clock=clock)
    await auth.verify(secret)
    await _settle(auth)
    first = await keys.get(key.key_id)
    assert first is not None and first.last_used_at is not None
    await keys.touch(key.key_id, "marker")  # a second use within the minute writes nothing
    await auth.verify(secret)
    await _settle(auth)
    assert (await keys.get(key.key_id)) == replace(first, last_used_at="marker")
    clock.now += 61
    await auth.verify(secret)
    await _settle(auth)
    later = await keys.get(key.key_id)
    assert later is not None and later.last_used_at not in (None, "marker")


async def _settle(auth: Authenticator) -> None:
    for task in list(auth._background):
        await task


def test_failure_throttle_refuses_after_the_limit_until_the_window_ends() -> None:
    clock = Clock()
    throttle = FailureThrottle(3, clock=clock)
    for _ in range(3):
        assert throttle.retry_after("198.51.100.1") is None
        throttle.failed("198.51.100.1")
    assert throttle.retry_after("198.51.100.1") == 60
    assert throttle.retry_after("198.51.100.2") is None  # per address
    clock.now += 59.5
    assert throttle.retry_after("198.51.100.1") == 1
    clock.now += 1
    assert throttle.retry_after("198.51.100.1") is None


def test_failure_throttle_memory_is_bounded() -> None:
    throttle = FailureThrottle(3, clock=Clock())
    for n in range(25_000):
        throttle.failed(f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}")
    assert len(throttle._windows) <= 10_000


def test_forwarded_for_is_used_only_behind_a_trusted_proxy() -> None:
    addresses = ClientAddress(["10.0.0.0/8"])
    behind = {"client": ("10.1.2.3", 5000)}
    direct = {"client": ("203.0.113.9", 5000)}
    # a trusted proxy: the right-most untrusted hop is the client
    assert addresses.of(behind, "198.51.100.4, 10.9.9.9") == "198.51.100.4"
    # a client cannot choose its address by prepending hops
    assert addresses.of(behind, "1.1.1.1, 198.51.100.4") == "198.51.100.4"
    # not from a trusted proxy: the header is ignored
    assert addresses.of(direct, "198.51.100.4") == "203.0.113.9"
    assert ClientAddress([]).of(behind, "198.51.100.4") == "10.1.2.3"
    assert addresses.of(behind, None) == "10.1.2.3"


@pytest.mark.parametrize(
    ("method", "path", "rule"),
    [
        ("POST", "/ingest", Rule("ingest")),
        ("GET", "/ingest", Rule("ingest")),
        ("GET", "/tenants/acme/logs", Rule("read", "acme")),
        ("GET", "/tenants/acme/logs/a/b", Rule("read", "acme")),
        ("DELETE", "/tenants/acme/logs/1", Rule("delete", "acme")),
        ("DELETE", "/tenants/acme/logs", Rule("delete", "acme")),
        ("GET", "/tenants/acme/erasures/e1", Rule("delete", "acme")),
        ("GET", "/metrics", Rule("admin")),
        ("GET", "/audit", Rule("admin")),
        ("GET", "/healthz", None),
        ("GET", "/readyz", None),
        ("GET", "/docs", None),
        ("GET", "/openapi.json", None),
        ("GET", "/tenants/acme/other", Rule(None)),
        ("GET", "/anything", Rule(None)),
    ],
)
def test_every_route_has_one_rule(method: str, path: str, rule: Rule | None) -> None:
    assert rule_for(method, path) == rule


@given(st.one_of(st.none(), st.text(max_size=300)), st.one_of(st.none(), st.text(max_size=300)))
def test_presented_secret_never_raises_on_hostile_headers(
    authorization: str | None, api_key: str | None
) -> None:
    found = presented_secret(authorization, api_key)
    assert isinstance(found, str)


def test_presented_secret_of_a_huge_basic_header_is_quick_and_malformed() -> None:
    assert presented_secret("Basic " + "A" * 1_000_001, None) == "malformed"
    huge = base64.b64encode(b"u:" + b"p" * 100_000).decode()
    assert presented_secret("Basic " + huge, None) == "p" * 100_000


@given(st.text(max_size=200))
def test_durations_parse_or_refuse_with_the_accepted_forms(text: str) -> None:
    if re.fullmatch(r"\s*[1-9][0-9]{0,5}[smhdw]\s*", text):
        assert parse_duration(text).total_seconds() > 0
    else:
        with pytest.raises(ValueError, match=r"e\.g\. 30m, 12h, 90d, 2w"):
            parse_duration(text)


def test_duration_of_a_huge_number_is_refused_quickly() -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration("9" * 1_000_000 + "d")


@given(st.text(max_size=300))
def test_host_names_of_hostile_host_headers_never_raise(host: str) -> None:
    assert isinstance(_host_name(host), str)
