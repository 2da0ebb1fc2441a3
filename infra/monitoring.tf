# Log groups are created here (not by Lambda on first write) so that they have a retention
# and are destroyed with the stack.

resource "aws_cloudwatch_log_group" "ingest" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs already encrypts every log group at rest with a service key; a customer-managed CMK would add key cost and a key policy for the logs service, and the log texts themselves are stored in DynamoDB, not here
  #checkov:skip=CKV_AWS_338:Operational logs kept for log_retention_days (30 by default, a variable); the durable record is the DynamoDB table, so a year of function logs would be cost without use
  name              = "/aws/lambda/${local.ingest_function_name}"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "worker" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs already encrypts every log group at rest with a service key; a customer-managed CMK would add key cost and a key policy for the logs service, and the log texts themselves are stored in DynamoDB, not here
  #checkov:skip=CKV_AWS_338:Operational logs kept for log_retention_days (30 by default, a variable); the durable record is the DynamoDB table, so a year of function logs would be cost without use
  name              = "/aws/lambda/${local.worker_function_name}"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "api" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs already encrypts every log group at rest with a service key; access logs hold request metadata only (no bodies), so a customer-managed CMK would add cost without protecting more
  #checkov:skip=CKV_AWS_338:Access logs kept for log_retention_days (30 by default, a variable); a year of them would be cost without use
  name              = "/aws/apigateway/${var.name_prefix}-api"
  retention_in_days = var.log_retention_days
}

locals {
  alarm_actions = var.alarm_sns_topic_arn == null ? [] : [var.alarm_sns_topic_arn]
}

# Anything in the DLQ needs a person: inspect with `tenantlog dlq list --backend aws`,
# fix, then `tenantlog dlq redrive`.
resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  alarm_name          = "${var.name_prefix}-dlq-not-empty"
  alarm_description   = "tenantlog messages were dead-lettered: run `tenantlog dlq list --backend aws` (docs/aws.md, Troubleshooting)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# The workers are not keeping up (or not running: check the event source mapping).
resource "aws_cloudwatch_metric_alarm" "backlog_age" {
  alarm_name          = "${var.name_prefix}-backlog-age"
  alarm_description   = "The oldest tenantlog message has waited more than ${var.backlog_age_alarm_seconds} s: check the worker's errors, throttles and the event source mapping."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.main.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.backlog_age_alarm_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
