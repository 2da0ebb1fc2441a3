output "api_invoke_url" {
  description = "Base URL of the HTTP API (no trailing slash): POST $API/ingest."
  value       = aws_apigatewayv2_api.http.api_endpoint
}

output "queue_url" {
  description = "Main queue (SQS_QUEUE_URL for the CLI's aws backend)."
  value       = aws_sqs_queue.main.url
}

output "dlq_url" {
  description = "Dead-letter queue (TENANTLOG_SQS_DLQ_URL)."
  value       = aws_sqs_queue.dlq.url
}

output "table_name" {
  description = "DynamoDB table (DYNAMODB_TABLE_NAME)."
  value       = aws_dynamodb_table.logs.name
}

output "keys_table_name" {
  description = "DynamoDB table of the tenants' API keys (TENANTLOG_DYNAMODB_KEYS_TABLE for `tenantlog keys`)."
  value       = aws_dynamodb_table.keys.name
}

output "audit_table_name" {
  description = "DynamoDB table of the audit trail (TENANTLOG_DYNAMODB_AUDIT_TABLE for `tenantlog keys` and `tenantlog audit`)."
  value       = aws_dynamodb_table.audit.name
}

output "idempotency_table_name" {
  description = "DynamoDB table of the ingest requests' Idempotency-Keys (TENANTLOG_DYNAMODB_IDEMPOTENCY_TABLE)."
  value       = aws_dynamodb_table.idempotency.name
}

output "tenants_table_name" {
  description = "DynamoDB table of the per-tenant settings (TENANTLOG_DYNAMODB_TENANTS_TABLE for `tenantlog tenants`)."
  value       = aws_dynamodb_table.tenants.name
}

output "rate_limits_table_name" {
  description = "DynamoDB table of the tenants' shared rate-limit buckets (TENANTLOG_DYNAMODB_RATE_LIMITS_TABLE)."
  value       = aws_dynamodb_table.rate_limits.name
}

output "usage_table_name" {
  description = "DynamoDB table of the usage counts per tenant and day (TENANTLOG_DYNAMODB_USAGE_TABLE for `tenantlog tenants usage`)."
  value       = aws_dynamodb_table.usage.name
}

output "erasures_table_name" {
  description = "DynamoDB table of the erasures of tenants' logs (TENANTLOG_DYNAMODB_ERASURES_TABLE for `tenantlog tenants erase`)."
  value       = aws_dynamodb_table.erasures.name
}

output "aws_region" {
  description = "Region of the deployment (AWS_REGION for the CLI)."
  value       = var.aws_region
}

output "ingest_function_name" {
  value = aws_lambda_function.ingest.function_name
}

output "worker_function_name" {
  value = aws_lambda_function.worker.function_name
}

output "tenant_reader_policy_arn" {
  description = "Example per-tenant read policy; attach it to a principal tagged tenant_id=<tenant>."
  value       = aws_iam_policy.tenant_reader.arn
}
