# Two functions from one zip (dist/lambda.zip, built by `make package` for arm64):
# the ingest function runs the ASGI app under Mangum behind the HTTP API; the worker
# is fed by the SQS event source mapping and reports partial batch failures.

resource "aws_lambda_function" "ingest" {
  #checkov:skip=CKV_AWS_117:No VPC: the function only calls AWS APIs (SQS, DynamoDB, CloudWatch) over TLS with IAM auth and reaches nothing private; a VPC would add NAT or endpoint cost and cold-start latency
  #checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway, so a function DLQ (async invocations only) would never receive anything; failed requests get a 5xx
  #checkov:skip=CKV_AWS_173:The environment holds no secrets (queue URLs, table names, limits, the auth mode; API keys are stored hashed in DynamoDB); Lambda encrypts it at rest with its AWS-managed key
  #checkov:skip=CKV_AWS_272:The zip is built and uploaded from the deployer's machine by Terraform; code signing needs an AWS Signer pipeline this project does not have
  function_name                  = local.ingest_function_name
  description                    = "tenantlog HTTP API (POST /ingest, reads, audit, health, docs)"
  role                           = aws_iam_role.ingest.arn
  runtime                        = var.lambda_runtime
  architectures                  = ["arm64"]
  handler                        = local.ingest_handler
  filename                       = var.lambda_zip_path
  source_code_hash               = filebase64sha256(var.lambda_zip_path)
  memory_size                    = var.ingest_memory_mb
  timeout                        = var.ingest_timeout_seconds
  reserved_concurrent_executions = var.ingest_reserved_concurrency

  environment {
    variables = local.ingest_environment
  }

  tracing_config {
    mode = var.enable_xray_tracing ? "Active" : "PassThrough"
  }

  # The log group exists (with its retention) before the function can create it itself.
  depends_on = [aws_cloudwatch_log_group.ingest, aws_iam_role_policy.ingest]
}

resource "aws_lambda_function" "worker" {
  #checkov:skip=CKV_AWS_117:No VPC: the function only calls AWS APIs (SQS, DynamoDB, CloudWatch) over TLS with IAM auth and reaches nothing private; a VPC would add NAT or endpoint cost and cold-start latency
  #checkov:skip=CKV_AWS_116:Invoked by the SQS event source mapping, not asynchronously; failed messages go to the queue's own DLQ through its redrive policy (and the worker dead-letters undecodable ones itself)
  #checkov:skip=CKV_AWS_173:The environment holds no secrets (queue URLs, table name, limits); Lambda encrypts it at rest with its AWS-managed key
  #checkov:skip=CKV_AWS_272:The zip is built and uploaded from the deployer's machine by Terraform; code signing needs an AWS Signer pipeline this project does not have
  function_name                  = local.worker_function_name
  description                    = "tenantlog worker: redact and store logs from the SQS queue"
  role                           = aws_iam_role.worker.arn
  runtime                        = var.lambda_runtime
  architectures                  = ["arm64"]
  handler                        = local.worker_handler
  filename                       = var.lambda_zip_path
  source_code_hash               = filebase64sha256(var.lambda_zip_path)
  memory_size                    = var.worker_memory_mb
  timeout                        = var.worker_timeout_seconds
  reserved_concurrent_executions = var.worker_reserved_concurrency

  environment {
    variables = local.worker_environment
  }

  tracing_config {
    mode = var.enable_xray_tracing ? "Active" : "PassThrough"
  }

  lifecycle {
    # AWS's guidance for SQS event sources: a visibility timeout of at least six times the
    # function timeout, so that retries of throttled invocations do not make a message
    # visible again while a batch is still running.
    precondition {
      condition     = var.queue_visibility_timeout_seconds >= 6 * var.worker_timeout_seconds
      error_message = "queue_visibility_timeout_seconds must be at least 6 x worker_timeout_seconds."
    }
    precondition {
      condition     = var.worker_reserved_concurrency == -1 || var.worker_reserved_concurrency >= var.worker_max_concurrency
      error_message = "worker_reserved_concurrency must be -1 or at least worker_max_concurrency, or the event source mapping is throttled."
    }
  }

  depends_on = [aws_cloudwatch_log_group.worker, aws_iam_role_policy.worker]
}

resource "aws_lambda_event_source_mapping" "worker" {
  event_source_arn                   = aws_sqs_queue.main.arn
  function_name                      = aws_lambda_function.worker.arn
  batch_size                         = var.worker_batch_size
  maximum_batching_window_in_seconds = var.worker_batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.worker_max_concurrency
  }

  lifecycle {
    # SQS refuses a batch size above 10 without a batching window.
    precondition {
      condition     = var.worker_batch_size <= 10 || var.worker_batching_window_seconds > 0
      error_message = "worker_batch_size above 10 needs worker_batching_window_seconds > 0."
    }
  }
}

# API Gateway may invoke the ingest function, from this API only.
resource "aws_lambda_permission" "api" {
  statement_id  = "AllowHttpApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.ingest.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}
