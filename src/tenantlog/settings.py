"""Every setting, read from the environment (and CLI overrides) in this one module.

Names are fixed by the design contract: the seed's AWS_REGION, SQS_QUEUE_URL
and DYNAMODB_TABLE_NAME, and TENANTLOG_* for the rest. Settings are validated
at start-up; ``load_settings`` turns a bad value into SettingsError naming the
environment variable.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tenantlog.core.processing import ProcessingPolicy
from tenantlog.core.tenants import (
    TenantPolicy,
    check_burst,
    check_detectors,
    check_rate_limit,
    check_retention_days,
)
from tenantlog.core.validation import Limits
from tenantlog.redaction import DETECTORS

if TYPE_CHECKING:
    from tenantlog.redaction.redactor import Redactor

ENV_PREFIX = "TENANTLOG_"
#: Settings whose environment variable is not TENANTLOG_<NAME> (the seed's names).
UNPREFIXED = {
    "aws_region": "AWS_REGION",
    "sqs_queue_url": "SQS_QUEUE_URL",
    "dynamodb_table_name": "DYNAMODB_TABLE_NAME",
}
#: The setting that is the default of each per-tenant setting (``TenantPolicy`` field).
TENANT_DEFAULTS = {
    "rate_limit": "tenant_rate_limit",
    "burst": "tenant_burst",
    "retention_days": "retention_days",
    "store_original": "store_original_text",
    "redaction_detectors": "redaction_detectors",
    "redaction_style": "redaction_style",
}


class SettingsError(ValueError):
    """A setting has a value tenantlog cannot run with."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    backend: Literal["sqlite", "aws"] = "sqlite"
    data_dir: Path = Path("./data")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)

    crash_probability: float = Field(0.05, ge=0, le=1)
    processing_delay_per_char: float = Field(0.05, ge=0)
    batch_size: int = Field(5, ge=1, le=10)
    worker_concurrency: int = Field(256, ge=1, description="batches in flight per worker process")
    visibility_timeout: float = Field(300, gt=0, le=43200)
    max_receive_count: int = Field(5, ge=1, le=1000)
    backoff_base: float = Field(1.0, ge=0)
    backoff_max: float = Field(60.0, ge=0, le=43200)
    shutdown_grace: float = Field(10.0, ge=0)
    store_original_text: bool = True
    worker_time_budget: float | None = Field(
        None,
        gt=0,
        description="seconds a worker may spend on one message (Lambda: timeout less margin)",
    )
    # The worker Lambda's batch can be up to 10,000 records (SQS's maximum with a batching
    # window): processing them all at once would open as many DynamoDB writes and hold as
    # many texts in memory. 10 keeps today's behaviour for batches of up to 10.
    worker_record_concurrency: int = Field(
        10,
        ge=1,
        le=10_000,
        description="records of one worker Lambda invocation processed at once",
    )

    max_text_bytes: int = Field(65536, ge=1, le=190_000)
    # One log's text, attribute names and values together: a record holds them twice
    # (redacted and audit copy), and two copies of 190,000 bytes fit a DynamoDB item.
    max_record_bytes: int = Field(131072, ge=1, le=190_000)
    max_attributes: int = Field(64, ge=0, le=1000, description="attributes one log may carry")
    max_attribute_key_bytes: int = Field(128, ge=1, le=1024)
    max_attribute_value_bytes: int = Field(4096, ge=1, le=190_000)
    max_body_bytes: int = Field(5 * 1024 * 1024, ge=1, le=10 * 1024 * 1024)
    max_queue_depth: int = Field(1_000_000, ge=1)
    max_batch_lines: int = Field(10_000, ge=1, description="NDJSON lines per /ingest request")
    request_timeout: float = Field(30.0, gt=0, description="seconds a request body may take")
    header_timeout: float = Field(
        10.0, gt=0, description="seconds a request line and headers may take; closed after"
    )
    max_connections: int = Field(4096, ge=1, description="connections held at once; 503 beyond")
    idempotency_window: float = Field(
        86400, ge=60, le=7 * 86400, description="seconds an Idempotency-Key is remembered"
    )
    max_page_bytes: int = Field(
        4 * 1024 * 1024, ge=65536, description="bytes of records in one read page"
    )

    redaction_detectors: Annotated[tuple[str, ...], NoDecode] = DETECTORS
    redaction_style: Literal["plain", "typed"] = "plain"

    # Defaults of the per-tenant settings (DESIGN §2b); `tenantlog tenants set` overrides them
    # per tenant, within the same bounds (tenantlog.core.tenants checks both).
    tenant_rate_limit: float = Field(
        0.0, ge=0, allow_inf_nan=False, description="logs per second; 0 = unlimited"
    )
    # The default line cap (max_batch_lines), so that agents' largest batches pass.
    tenant_burst: int = Field(10_000, ge=1, description="logs a tenant may send at once")
    retention_days: int = Field(0, ge=0, description="days a stored log is kept; 0 = forever")
    # Usage counts wait in memory this long before they are written (DESIGN §2b): a crash
    # loses at most this much counting; 0 writes them as soon as possible.
    usage_flush_seconds: float = Field(
        10.0, ge=0, le=3600, allow_inf_nan=False, description="seconds between usage flushes"
    )

    auth: Literal["keys", "off"] | None = None
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()
    allowed_hosts: Annotated[tuple[str, ...], NoDecode] = ()
    key_cache_seconds: float = Field(5.0, ge=0, le=10)
    auth_failure_limit: int = Field(30, ge=0, description="failed attempts per address a minute")

    sqlite_busy_timeout: float = Field(5.0, gt=0)
    api_workers: int = Field(1, ge=1, le=64)
    # ``tenantlog serve`` runs the API (api_workers processes) and this many worker processes.
    serve_worker_processes: int = Field(1, ge=1, le=64)
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    aws_region: str | None = Field(None, validation_alias=AliasChoices("AWS_REGION", "aws_region"))
    sqs_queue_url: str | None = Field(
        None, validation_alias=AliasChoices("SQS_QUEUE_URL", "sqs_queue_url")
    )
    sqs_dlq_url: str | None = None
    dynamodb_table_name: str | None = Field(
        None, validation_alias=AliasChoices("DYNAMODB_TABLE_NAME", "dynamodb_table_name")
    )
    dynamodb_keys_table: str | None = None
    dynamodb_audit_table: str | None = None
    dynamodb_idempotency_table: str | None = None
    dynamodb_rate_limits_table: str | None = None
    dynamodb_tenants_table: str | None = None
    dynamodb_usage_table: str | None = None
    # Erasures of tenants' logs (DESIGN §2b); without it the store checks none and saves none.
    dynamodb_erasures_table: str | None = None

    @field_validator("redaction_detectors", "trusted_proxies", "allowed_hosts", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network!r} is not an IP address or CIDR network") from None
        return value

    @field_validator("redaction_detectors")
    @classmethod
    def _known_detectors(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        check_detectors(value)  # the order given is kept: only the tenant policy sorts
        return value

    @field_validator("tenant_rate_limit")
    @classmethod
    def _rate_limit(cls, value: float) -> float:
        return check_rate_limit(value)

    @field_validator("tenant_burst")
    @classmethod
    def _burst(cls, value: int) -> int:
        return check_burst(value)

    @field_validator("retention_days")
    @classmethod
    def _retention_days(cls, value: int) -> int:
        return check_retention_days(value)

    def auth_enabled(self, *, behind_api_gateway: bool = False) -> bool:
        """Keys unless switched off; unset means off only on a loopback-only listen address.

        The Lambda handlers are reachable from the internet whatever ``host``
        says, so for them unset always means keys.
        """
        if self.auth is not None:
            return self.auth == "keys"
        return behind_api_gateway or not is_loopback_host(self.host)

    def redactor(self) -> Redactor:
        from tenantlog.redaction.redactor import Redactor  # see tenantlog.redaction

        return Redactor(self.redaction_detectors, self.redaction_style)

    def tenant_defaults(self) -> TenantPolicy:
        """The policy of every tenant that set nothing of its own."""
        return TenantPolicy(
            rate_limit=self.tenant_rate_limit,
            burst=self.tenant_burst,
            retention_days=self.retention_days,
            store_original=self.store_original_text,
            redaction_detectors=check_detectors(self.redaction_detectors),
            redaction_style=self.redaction_style,
        )

    def limits(self) -> Limits:
        """What one request may cost (the ingest routes' refusals name these settings)."""
        return Limits(
            max_text_bytes=self.max_text_bytes,
            max_body_bytes=self.max_body_bytes,
            max_batch_lines=self.max_batch_lines,
            request_timeout=self.request_timeout,
            max_work_chars=self.processing_policy().max_work_chars(),
            max_attributes=self.max_attributes,
            max_attribute_key_bytes=self.max_attribute_key_bytes,
            max_attribute_value_bytes=self.max_attribute_value_bytes,
            max_record_bytes=self.max_record_bytes,
        )

    def processing_policy(self) -> ProcessingPolicy:
        return ProcessingPolicy(
            crash_probability=self.crash_probability,
            processing_delay_per_char=self.processing_delay_per_char,
            max_receive_count=self.max_receive_count,
            backoff_base=self.backoff_base,
            backoff_max=self.backoff_max,
            store_original_text=self.store_original_text,
            time_budget=self.worker_time_budget,
        )


def is_loopback_host(host: str) -> bool:
    """True for a name or address only this machine can reach (``localhost``, 127/8, ::1)."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def env_name(field: str) -> str:
    return UNPREFIXED.get(field, ENV_PREFIX + field.upper())


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with non-None ``overrides`` (CLI flags) taking priority."""
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        settings = Settings(**given)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            source = f"--{field.replace('_', '-')}" if field in given else env_name(field)
            problems.append(f"{source}: {error['msg']}")
        raise SettingsError("invalid setting " + "; ".join(problems)) from None
    if settings.backend == "aws":
        missing = [
            env_name(name)
            for name in ("sqs_queue_url", "dynamodb_table_name")
            if not getattr(settings, name)
        ]
        if missing:
            raise SettingsError(f"invalid setting: the aws backend needs {', '.join(missing)}")
    return settings
