# Copy to infra/terraform.tfvars (git-ignored) or pass with -var-file=examples/example.tfvars.
# Every variable has a default (variables.tf); these are the ones a deployment usually sets.

aws_region  = "eu-west-1"
name_prefix = "tenantlog"
tags = {
  Environment = "staging"
  Owner       = "platform-team"
}

# The seed's simulated failure and heavy work. With 0.05 s per character a text of about
# 1,000 characters cannot finish within the worker's 50 s timeout (docs/aws.md,
# Troubleshooting); a real deployment sets both to 0.
crash_probability         = 0
processing_delay_per_char = 0

# New accounts can have a Lambda concurrency quota of 10: reserve nothing there (-1).
ingest_reserved_concurrency = 50
worker_reserved_concurrency = 10
worker_max_concurrency      = 10

api_throttling_rate_limit  = 500
api_throttling_burst_limit = 1000

log_retention_days = 30
# alarm_sns_topic_arn = "arn:aws:sns:eu-west-1:123456789012:ops-alerts"

# Every tenant route needs the tenant's API key (docs/aws.md, The first admin key).
# "off" removes the key check and with it all tenant isolation.
auth_mode = "keys"

# Keep true in production; set false and apply before `terraform destroy`.
table_deletion_protection = true
