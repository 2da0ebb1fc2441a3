# tenantlog on AWS (DESIGN §9):
#   API Gateway HTTP API -> ingest Lambda -> SQS (+ DLQ) -> event source mapping
#   -> worker Lambda -> DynamoDB; the ingest function checks tenant API keys (keys table)
#   and records the audit trail (audit table); both read per-tenant settings (tenants table).
# One file per concern: sqs.tf, dynamodb.tf, lambda.tf, api.tf, iam.tf, monitoring.tf.

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge({ Project = "tenantlog", ManagedBy = "terraform" }, var.tags)
  }
}

locals {
  ingest_function_name = "${var.name_prefix}-ingest"
  worker_function_name = "${var.name_prefix}-worker"

  # Both functions run the same package (one core, several shells); only the handler differs.
  ingest_handler = "tenantlog.lambdas.ingest.handler"
  worker_handler = "tenantlog.lambdas.worker.handler"

  # Environment variable names are the ones tenantlog.settings and Powertools read
  # (tests/infra/test_terraform.py holds every name here to that list).
  # AWS_REGION is set by Lambda itself.
  shared_environment = {
    TENANTLOG_BACKEND        = "aws"
    SQS_QUEUE_URL            = aws_sqs_queue.main.url
    TENANTLOG_SQS_DLQ_URL    = aws_sqs_queue.dlq.url
    DYNAMODB_TABLE_NAME      = aws_dynamodb_table.logs.name
    TENANTLOG_MAX_TEXT_BYTES = var.max_text_bytes
    TENANTLOG_MAX_BODY_BYTES = var.max_body_bytes
    # Both sides need the simulated work and the worker's budget: ingest refuses (413) a text
    # no worker invocation could finish, the worker dead-letters one at once.
    TENANTLOG_PROCESSING_DELAY_PER_CHAR = var.processing_delay_per_char
    TENANTLOG_WORKER_TIME_BUDGET        = var.worker_timeout_seconds - 3 # the handler's SAFETY_MARGIN
    # Per-tenant settings: ingest applies the rate limits, the worker the redaction and
    # original-text choices.
    TENANTLOG_DYNAMODB_TENANTS_TABLE = aws_dynamodb_table.tenants.name
    # Usage per tenant and day: ingest counts accepted and rate-limited logs (and serves the
    # usage routes), the worker stored and dead-lettered ones.
    TENANTLOG_DYNAMODB_USAGE_TABLE = aws_dynamodb_table.usage.name
    # Erasures: ingest saves them (DELETE /tenants/{tenant_id}/logs) and both check every
    # read and write against them; the worker carries them out.
    TENANTLOG_DYNAMODB_ERASURES_TABLE = aws_dynamodb_table.erasures.name
    POWERTOOLS_SERVICE_NAME           = "tenantlog"
    POWERTOOLS_METRICS_NAMESPACE      = "tenantlog"
    LOG_LEVEL                         = var.log_level
  }

  worker_only_environment = {
    TENANTLOG_CRASH_PROBABILITY = var.crash_probability
    # The worker computes backoff and visibility extensions against the queue's real settings.
    TENANTLOG_VISIBILITY_TIMEOUT = aws_sqs_queue.main.visibility_timeout_seconds
    TENANTLOG_MAX_RECEIVE_COUNT  = var.max_receive_count
    TENANTLOG_BACKOFF_BASE       = var.backoff_base_seconds
    TENANTLOG_BACKOFF_MAX        = var.backoff_max_seconds
    TENANTLOG_REDACTION_STYLE    = var.redaction_style
    # Records of one invocation processed at once (a batch may be up to 10,000).
    TENANTLOG_WORKER_RECORD_CONCURRENCY = var.worker_record_concurrency
  }

  ingest_only_environment = {
    # Every tenant route needs the tenant's API key (DESIGN §2a); the keys and the audit
    # trail have tables of their own. The worker needs none of them.
    TENANTLOG_AUTH                 = var.auth_mode
    TENANTLOG_DYNAMODB_KEYS_TABLE  = aws_dynamodb_table.keys.name
    TENANTLOG_DYNAMODB_AUDIT_TABLE = aws_dynamodb_table.audit.name
    # Requests with an Idempotency-Key are remembered here for the idempotency window.
    TENANTLOG_DYNAMODB_IDEMPOTENCY_TABLE = aws_dynamodb_table.idempotency.name
    # Every ingest instance takes a rate-limited tenant's tokens from one shared bucket.
    TENANTLOG_DYNAMODB_RATE_LIMITS_TABLE = aws_dynamodb_table.rate_limits.name
  }

  ingest_environment = merge(local.shared_environment, local.ingest_only_environment)
  worker_environment = merge(local.shared_environment, local.worker_only_environment)

  api_route_keys = [
    "POST /ingest",
    "POST /v1/logs",          # OTLP/HTTP logs (docs/agents.md)
    "POST /loki/api/v1/push", # Loki push
    "GET /tenants/{tenant_id}/logs",
    "GET /tenants/{tenant_id}/logs/{log_id+}", # greedy: a log_id may contain "/"
    "GET /audit",                              # the audit trail, for admin keys
    "GET /tenants/{tenant_id}/usage",
    "GET /tenants", # every tenant's usage totals, for admin keys
    "DELETE /tenants/{tenant_id}/logs/{log_id+}",
    "DELETE /tenants/{tenant_id}/logs", # erase the tenant's logs (202, done by the worker)
    "GET /tenants/{tenant_id}/erasures/{erasure_id}",
    "GET /healthz",
    "GET /readyz",
    "GET /openapi.json",
    # Swagger UI (/docs) and the console are served by `tenantlog serve` and `api`,
    # not here: the Lambda zip leaves their assets out (docs/aws.md).
  ]
}
