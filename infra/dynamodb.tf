# One item per (tenant_id, log_id): a tenant's logs share a partition and sort by log_id
# (UUIDv7 ids sort by arrival). The worker writes with attribute_not_exists (first write wins).

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
