"""Settings: defaults from the design contract, and errors that name the bad variable."""

from __future__ import annotations

import os

import pytest

from tenantlog.settings import SettingsError, is_loopback_host, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees only the variables it sets itself."""
    for name in list(os.environ):
        if name.startswith("TENANTLOG_") or name in ("SQS_QUEUE_URL", "DYNAMODB_TABLE_NAME"):
            monkeypatch.delenv(name)


def test_settings_defaults_match_the_design() -> None:
    settings = load_settings()

    assert settings.backend == "sqlite"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert (settings.crash_probability, settings.processing_delay_per_char) == (0.05, 0.05)
    assert (settings.batch_size, settings.visibility_timeout, settings.max_receive_count) == (
        5,
        300,
        5,
    )
    assert (settings.max_text_bytes, settings.max_body_bytes) == (65536, 5 * 1024 * 1024)


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENANTLOG_PORT", "9000")
    monkeypatch.setenv("SQS_QUEUE_URL", "http://queue")
    monkeypatch.setenv("TENANTLOG_REDACTION_DETECTORS", "phone, email")

    settings = load_settings()

    assert settings.port == 9000
    assert settings.sqs_queue_url == "http://queue"
    assert settings.redaction_detectors == ("phone", "email")


def test_settings_flags_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENANTLOG_PORT", "9000")

    assert load_settings(port=9100, host=None).port == 9100


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("TENANTLOG_PORT", "eighty", "TENANTLOG_PORT: Input should be a valid integer"),
        ("TENANTLOG_BACKEND", "redis", "TENANTLOG_BACKEND: Input should be 'sqlite' or 'aws'"),
        ("TENANTLOG_CRASH_PROBABILITY", "-1", "TENANTLOG_CRASH_PROBABILITY"),
        ("TENANTLOG_REDACTION_DETECTORS", "phone,dna", "TENANTLOG_REDACTION_DETECTORS"),
        ("TENANTLOG_AUTH", "maybe", "TENANTLOG_AUTH: Input should be 'keys' or 'off'"),
        ("TENANTLOG_KEY_CACHE_SECONDS", "60", "TENANTLOG_KEY_CACHE_SECONDS"),
        ("TENANTLOG_TRUSTED_PROXIES", "10.0.0.0/8,proxy", "TENANTLOG_TRUSTED_PROXIES: .*'proxy'"),
    ],
)
def test_settings_errors_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsError, match=expected):
        load_settings()


def test_settings_aws_backend_needs_its_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENANTLOG_BACKEND", "aws")

    with pytest.raises(SettingsError, match="SQS_QUEUE_URL, DYNAMODB_TABLE_NAME"):
        load_settings()


def test_settings_flag_error_names_the_flag() -> None:
    with pytest.raises(SettingsError, match="--batch-size"):
        load_settings(batch_size=0)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("api.localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


@pytest.mark.parametrize(
    ("auth", "host", "gateway", "enabled"),
    [
        (None, "127.0.0.1", False, False),
        (None, "localhost", False, False),
        (None, "0.0.0.0", False, True),
        (None, "127.0.0.1", True, True),  # Lambda: keys whatever the host says
        ("off", "0.0.0.0", True, False),
        ("keys", "127.0.0.1", False, True),
    ],
)
def test_auth_mode_defaults_to_keys_unless_only_loopback_listens(
    auth: str | None, host: str, gateway: bool, enabled: bool
) -> None:
    settings = load_settings(auth=auth, host=host)
    assert settings.auth_enabled(behind_api_gateway=gateway) is enabled


def test_settings_max_work_chars_follows_the_worker_budget() -> None:
    assert load_settings().processing_policy().max_work_chars() is None
    budget = load_settings(worker_time_budget=47, processing_delay_per_char=0.05)
    assert budget.processing_policy().max_work_chars() == 940
    no_work = load_settings(worker_time_budget=47, processing_delay_per_char=0)
    assert no_work.processing_policy().max_work_chars() is None


def test_settings_worker_record_concurrency_defaults_to_a_whole_seed_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 10 records at once: every batch of the default 5 (and of up to 10) runs as before.
    assert load_settings().worker_record_concurrency == 10
    monkeypatch.setenv("TENANTLOG_WORKER_RECORD_CONCURRENCY", "100")
    assert load_settings().worker_record_concurrency == 100


@pytest.mark.parametrize("value", ["0", "10001", "many"])
def test_settings_worker_record_concurrency_out_of_bounds_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("TENANTLOG_WORKER_RECORD_CONCURRENCY", value)

    with pytest.raises(SettingsError, match="TENANTLOG_WORKER_RECORD_CONCURRENCY"):
        load_settings()
