# Eight tables: the logs, the tenants' API keys, the audit trail, the Idempotency-Keys, the
# tenants' settings, their rate-limit buckets, their usage counts and the erasures of their
# logs.

# Logs: one item per (tenant_id, log_id): a tenant's logs share a partition and sort by
# log_id (UUIDv7 ids sort by arrival). The worker writes with attribute_not_exists (first
# write wins).
#
# Search in time order (since/until/order) reads the by_event_time index: the tenant's
# logs sorted by event_key, "<event time, RFC 3339 UTC with nine digits> <log_id>",
# which every write carries. A global index, not a local one: a local secondary index can
# only be created with the table (so adding it would replace the table and every log in
# it) and would cap each tenant's partition at 10 GB. Projection ALL: a search is served
# by the index alone, where KEYS_ONLY or INCLUDE would need one more read of the table per
# result; the price is that each log is written and stored twice. Logs written before
# the index existed have no event_key and are not in it until
# tenantlog.store.dynamodb_backfill adds it (docs/aws.md, "Searching on AWS").

resource "aws_dynamodb_table" "logs" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS-managed key aws/dynamodb (server_side_encryption enabled); a customer-managed CMK would add key cost and kms:* grants without a requirement for it
  name                        = "${var.name_prefix}-logs"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "tenant_id"
  range_key                   = "log_id"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "tenant_id"
    type = "S"
  }

  attribute {
    name = "log_id"
    type = "S"
  }

  attribute {
    name = "event_key"
    type = "S"
  }

  global_secondary_index {
    name            = "by_event_time"
    hash_key        = "tenant_id"
    range_key       = "event_key"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  # Items carrying an expires_at (epoch seconds) are deleted by DynamoDB after that time;
  # items without it are kept.
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }
}

# Tenant API keys (DESIGN §2a), one item per key_id. A secret carries its key id, so the
# ingest function verifies a key with one GetItem; only a SHA-256 digest of the secret is
# stored. Keys are created, listed (a Scan: they are few) and revoked by operators with the
# CLI and their own credentials; the ingest function may only read a key and update its
# last_used_at (iam.tf).
resource "aws_dynamodb_table" "keys" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS-managed key aws/dynamodb (server_side_encryption enabled); items hold only SHA-256 digests of the secrets, and a customer-managed CMK would add key cost and kms:* grants without a requirement for it
  name                        = "${var.name_prefix}-keys"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "key_id"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "key_id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

# The audit trail: key creation and revocation, reads of unredacted text. Every event is in
# one partition (trail = "audit"), sorted by its UUIDv7 event_id, i.e. by time: audit
# writes are rare, so one partition's 1,000 writes/s suffice, and listing newest first is
# one Query. The ingest function appends (PutItem) and lists (Query) for admin keys.
resource "aws_dynamodb_table" "audit" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS-managed key aws/dynamodb (server_side_encryption enabled); events hold ids and actions, never secrets or log text, and a customer-managed CMK would add key cost and kms:* grants without a requirement for it
  name                        = "${var.name_prefix}-audit"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "trail"
  range_key                   = "event_id"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "trail"
    type = "S"
  }

  attribute {
    name = "event_id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

# Idempotency-Keys of ingest requests (DESIGN §2): one item per (tenant_id, key), written by
# the ingest function with conditional requests only. Items expire after the idempotency
# window through the TTL attribute expires_at; the code treats an expired item as absent, so
# DynamoDB's lag in deleting them changes nothing.
resource "aws_dynamodb_table" "idempotency" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS-managed key aws/dynamodb (server_side_encryption enabled); items hold a request's SHA-256 fingerprint and times, never log text, and a customer-managed CMK would add key cost and kms:* grants without a requirement for it
  name                        = "${var.name_prefix}-idempotency"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "tenant_id"
  range_key                   = "key"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "tenant_id"
    type = "S"
  }

  attribute {
    name = "key"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

# Per-tenant settings (DESIGN §2b): one item per tenant that an operator gave settings of its
# own (`tenantlog tenants set`, with the operator's credentials); every other tenant has the
# defaults. Both functions read a tenant's item with GetItem, at most every few seconds per
# tenant (each process caches it), and may do nothing else here (iam.tf). Listing is the
# CLI's Scan: one small item per tenant, so no index.
resource "aws_dynamodb_table" "tenants" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS-managed key aws/dynamodb (server_side_encryption enabled); items hold limits and redaction choices, never secrets or log text, and a customer-managed CMK would add key cost and kms:* grants without a requirement for it
  name                        = "${var.name_prefix}-tenants"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "tenant_id"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "tenant_id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

# Rate-limit buckets (DESIGN §2b): one item per rate-limited tenant holding one number, tat
# (GCRA's theoretical arrival time), shared by every ingest instance. An instance leases a
# tenth of a second's tokens with one conditional UpdateItem, so a busy tenant costs about
# ten writes a second per instance serving it.
resource "aws_dynamodb_table" "rate_limits" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS-managed key aws/dynamodb (server_side_encryption enabled); items hold a tenant id and one timestamp, never secrets or log text, and a customer-managed CMK would add key cost and kms:* grants without a requirement for it
  name                        = "${var.name_prefix}-rate-limits"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "tenant_id"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "tenant_id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

# Usage per tenant and UTC day (DESIGN §2b): one item per (tenant_id, day), one Number per
# count. Each function instance adds its in-memory counts with one UpdateItem ADD per tenant
# and day at most every TENANTLOG_USAGE_FLUSH_SECONDS, never one per request. A tenant's days
# are one Query; every tenant's days come from by_day (keys only, written once per tenant and
# day, when the item is created) and BatchGetItem, so no Scan. The service's totals per UTC
# minute (the console's rates of the last hour) are items of tenant "*", which no tenant id
# can be, with the minute as their day; they carry expires_at, two hours after their minute,
# and the TTL deletes them. A tenant's days have no expires_at and are kept.
resource "aws_dynamodb_table" "usage" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS-managed key aws/dynamodb (server_side_encryption enabled); items hold tenant ids and counts, never secrets or log text, and a customer-managed CMK would add key cost and kms:* grants without a requirement for it
  name                        = "${var.name_prefix}-usage"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "tenant_id"
  range_key                   = "day"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "tenant_id"
    type = "S"
  }

  attribute {
    name = "day"
    type = "S"
  }

  global_secondary_index {
    name            = "by_day"
    hash_key        = "day"
    range_key       = "tenant_id"
    projection_type = "KEYS_ONLY"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

# Erasures of a tenant's logs (DESIGN §2b): one item per (tenant_id, erasure_id), the id a
# UUIDv7, so a tenant's latest erasure is one Query (newest first, Limit 1). The functions
# read it strongly consistently around every conditional write and in every read: a log
# received before an erasure is never written or read after it (tenantlog.store.dynamodb).
# Items are kept: the latest erasure's time is what refuses a late redelivery.
resource "aws_dynamodb_table" "erasures" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS-managed key aws/dynamodb (server_side_encryption enabled); items hold tenant ids, times and counts, never secrets or log text, and a customer-managed CMK would add key cost and kms:* grants without a requirement for it
  name                        = "${var.name_prefix}-erasures"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "tenant_id"
  range_key                   = "erasure_id"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "tenant_id"
    type = "S"
  }

  attribute {
    name = "erasure_id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}
