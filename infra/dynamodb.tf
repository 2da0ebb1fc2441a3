# Three tables: the logs, the tenants' API keys and the audit trail.

# Logs: one item per (tenant_id, log_id): a tenant's logs share a partition and sort by
# log_id (UUIDv7 ids sort by arrival). The worker writes with attribute_not_exists (first
# write wins).

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
