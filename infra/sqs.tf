# The durable buffer between POST /ingest and the worker (DESIGN §4).
# SQS-managed SSE: encrypted at rest with no key to manage and no kms:* permission for
# the functions; max_message_size is set explicitly because a text of up to
# max_text_bytes travels inside a JSON InternalMessage.

resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name_prefix}-dlq"
  message_retention_seconds = 1209600 # 14 days, the SQS maximum: time to notice, fix and redrive
  max_message_size          = 1048576
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "main" {
  name                       = "${var.name_prefix}-queue"
  visibility_timeout_seconds = var.queue_visibility_timeout_seconds
  max_message_size           = 1048576
  message_retention_seconds  = var.queue_retention_seconds
  receive_wait_time_seconds  = 20 # long polling for CLI consumers; the event source mapping long-polls anyway
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })
}

# Only the main queue may use the DLQ as its dead-letter target (`tenantlog dlq redrive`
# moves messages back to it).
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.main.arn]
  })
}
