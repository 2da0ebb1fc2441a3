# Least privilege per function: each role names its actions and the exact resources.
# SendMessageBatch, DeleteMessageBatch and ChangeMessageVisibilityBatch are authorised by
# their single-message actions. Neither function may Scan or touch another queue; only the
# worker deletes logs (erasure), and the ingest function deletes nothing but its own
# idempotency claims.

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

# ---- ingest: enqueue, read back a tenant's logs, verify API keys, audit, idempotency,
# ---- read tenant settings, count and read usage, erase a log, request and show erasures

resource "aws_iam_role" "ingest" {
  name               = "${var.name_prefix}-ingest"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "ingest" {
  statement {
    sid       = "EnqueueLogs"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.main.arn]
  }

  statement {
    sid = "QueueDepths"
    # Queue statistics for /readyz and the backpressure check; they count the DLQ too.
    actions   = ["sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.main.arn, aws_sqs_queue.dlq.arn]
  }

  statement {
    sid       = "ReadLogs"
    actions   = ["dynamodb:GetItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.logs.arn]
  }

  statement {
    sid = "SearchLogsByTime"
    # GET /tenants/{tenant_id}/logs with since, until or order: Queries of the tenant's
    # partition of the event-time index; this index only.
    actions   = ["dynamodb:Query"]
    resources = ["${aws_dynamodb_table.logs.arn}/index/by_event_time"]
  }

  statement {
    sid = "TableReadiness"
    # /readyz checks the store with DescribeTable (table metadata, no items).
    actions   = ["dynamodb:DescribeTable"]
    resources = [aws_dynamodb_table.logs.arn]
  }

  statement {
    sid = "VerifyApiKeys"
    # A secret names its key: one GetItem verifies it (on a miss of the in-memory cache).
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.keys.arn]
  }

  statement {
    sid = "RecordApiKeyUse"
    # UpdateItem, but only of a key's last_used_at: the request may name no attribute but
    # the key and last_used_at, and may not ask for the item back. Creating, changing or
    # revoking keys is left to operators' credentials (`tenantlog keys`).
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.keys.arn]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:Attributes"
      values   = ["key_id", "last_used_at"]
    }

    # ForAllValues holds for a request that names no attribute at all: require some.
    condition {
      test     = "Null"
      variable = "dynamodb:Attributes"
      values   = ["false"]
    }

    # tenantlog sends ReturnValues NONE explicitly, so the condition need not allow its absence.
    condition {
      test     = "StringEquals"
      variable = "dynamodb:ReturnValues"
      values   = ["NONE"]
    }
  }

  statement {
    sid = "AuditTrail"
    # Append events (reads of unredacted original_text; the CLI records key changes with
    # the operator's credentials) and list them for GET /audit. Never UpdateItem or DeleteItem.
    actions   = ["dynamodb:PutItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.audit.arn]
  }

  statement {
    sid = "ReadTenantSettings"
    # A tenant's rate limit and burst, one GetItem per tenant every few seconds (cached),
    # and its write shards for reads and deletes of its logs (another, every 10 s);
    # `tenantlog tenants set` writes them with the operator's credentials.
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.tenants.arn]
  }

  statement {
    sid = "RateLimitBuckets"
    # Lease a tenant's tokens: a conditional UpdateItem of its bucket's tat, which returns
    # the item when the condition fails. Nothing else on this table.
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.rate_limits.arn]
  }

  statement {
    sid = "IdempotencyKeys"
    # Claim a key (a conditional PutItem), take over one whose lease ran out or mark it done
    # (UpdateItem), release it after a failed enqueue (a conditional DeleteItem), and read
    # it where a failed condition does not return it (GetItem).
    actions = [
      "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:GetItem"
    ]
    resources = [aws_dynamodb_table.idempotency.arn]
  }

  statement {
    sid = "CountUsage"
    # Add this instance's usage counts: one UpdateItem ADD per tenant and day with activity,
    # at most every TENANTLOG_USAGE_FLUSH_SECONDS, never one per request.
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.usage.arn]
  }

  statement {
    sid = "ReadUsage"
    # GET /tenants/{tenant_id}/usage: one Query of the tenant's days. GET /tenants (admin
    # keys): the counts of the tenants the by_day index names, by BatchGetItem.
    actions   = ["dynamodb:Query", "dynamodb:BatchGetItem"]
    resources = [aws_dynamodb_table.usage.arn]
  }

  statement {
    sid = "ListUsageByDay"
    # GET /tenants: which tenants had activity on a day, one Query per day of the window
    # (a keys-only index), so that listing never Scans the table.
    actions   = ["dynamodb:Query"]
    resources = ["${aws_dynamodb_table.usage.arn}/index/by_day"]
  }

  statement {
    sid = "EraseLog"
    # DELETE /tenants/{tenant_id}/logs/{log_id}: a PutItem of a tombstone (the keys and
    # erased_at) over the log, so that the id is never written again.
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.logs.arn]
  }

  statement {
    sid = "Erasures"
    # Save an erasure (DELETE /tenants/{tenant_id}/logs), show it (GET .../erasures/{id}),
    # and read a tenant's latest one (Query, Limit 1) to leave out the logs it covers.
    actions   = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.erasures.arn]
  }

  statement {
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.ingest.arn}:*"]
  }
}

resource "aws_iam_role_policy" "ingest" {
  name   = "tenantlog-ingest"
  role   = aws_iam_role.ingest.id
  policy = data.aws_iam_policy_document.ingest.json
}

# ---- worker: consume the main queue, dead-letter, write each log once, read tenant settings,
# ---- count usage, carry out erasures

resource "aws_iam_role" "worker" {
  name               = "${var.name_prefix}-worker"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "worker" {
  statement {
    sid = "ConsumeQueue"
    # ReceiveMessage/DeleteMessage/GetQueueAttributes: the event source mapping polls with
    # this role. ChangeMessageVisibility: release with backoff, extend long jobs.
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]
    resources = [aws_sqs_queue.main.arn]
  }

  statement {
    sid = "DeadLetter"
    # The worker dead-letters a message itself, with the reason of its last failure.
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }

  statement {
    sid = "HandBack"
    # An erasure's message goes on a slice at a time: the worker sends an uncounted copy of
    # it back to the main queue (give_back) and deletes the one it received.
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.main.arn]
  }

  statement {
    sid = "EraseDeadLetters"
    # An erasure deletes the tenant's dead letters: receive the DLQ's messages, delete the
    # tenant's, make the others visible again at once.
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]
    resources = [aws_sqs_queue.dlq.arn]
  }

  statement {
    sid = "StoreLogs"
    # PutItem with attribute_not_exists (in a TransactWriteItems of such Puts while a
    # sharded tenant's change of layout is unfinished); GetItem to tell a duplicate from a
    # conflict.
    actions   = ["dynamodb:PutItem", "dynamodb:GetItem"]
    resources = [aws_dynamodb_table.logs.arn]
  }

  statement {
    sid = "ReadTenantSettings"
    # A tenant's redaction and original-text choices, one GetItem per tenant every few
    # seconds (cached), and its write shards (another, every 10 s: docs/write-sharding.md).
    # Nothing else on the tenants table.
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.tenants.arn]
  }

  statement {
    sid = "CountUsage"
    # Add this instance's stored and dead-lettered counts: one UpdateItem ADD per tenant and
    # day with activity, at most every TENANTLOG_USAGE_FLUSH_SECONDS. Nothing else here.
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.usage.arn]
  }

  statement {
    sid = "DeleteErasedLogs"
    # Carry out an erasure: Query the tenant's partition for the logs it covers and delete
    # them by BatchWriteItem; DeleteItem (conditioned on received_at) removes a log that an
    # erasure begun during its write covers.
    actions   = ["dynamodb:Query", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.logs.arn]
  }

  statement {
    sid = "Erasures"
    # Read a tenant's latest erasure before and after each write (Query, Limit 1), read the
    # erasure being carried out and save its progress.
    actions   = ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.erasures.arn]
  }

  statement {
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.worker.arn}:*"]
  }
}

resource "aws_iam_role_policy" "worker" {
  name   = "tenantlog-worker"
  role   = aws_iam_role.worker.id
  policy = data.aws_iam_policy_document.worker.json
}

# X-Ray's write actions support no resource-level permissions, so they come from AWS's
# managed policy rather than a "*" statement of ours.
resource "aws_iam_role_policy_attachment" "xray" {
  for_each = {
    for name, role in { ingest = aws_iam_role.ingest.name, worker = aws_iam_role.worker.name } :
    name => role if var.enable_xray_tracing
  }
  role       = each.value
  policy_arn = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
}

# ---- example: a per-tenant reader -------------------------------------------------
# Attach this policy to a role or user tagged tenant_id=<tenant>: DynamoDB then only
# serves items whose partition key is that tenant (dynamodb:LeadingKeys), and only the
# redacted attributes (original_text holds the unredacted PII). An untagged principal
# gets nothing. The policy is created unattached; see docs/aws.md.

data "aws_iam_policy_document" "tenant_reader" {
  statement {
    sid       = "ReadOwnTenantRedactedLogs"
    actions   = ["dynamodb:GetItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.logs.arn]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:LeadingKeys"
      values   = ["$${aws:PrincipalTag/tenant_id}"]
    }

    condition {
      test     = "Null"
      variable = "aws:PrincipalTag/tenant_id"
      values   = ["false"]
    }

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:Attributes"
      values   = ["tenant_id", "log_id", "source", "modified_data", "received_at", "processed_at", "attempts"]
    }

    condition {
      test     = "StringEqualsIfExists"
      variable = "dynamodb:Select"
      values   = ["SPECIFIC_ATTRIBUTES"]
    }
  }
}

resource "aws_iam_policy" "tenant_reader" {
  name        = "${var.name_prefix}-tenant-reader"
  description = "Read one tenant's redacted logs: the tenant is the principal's tenant_id tag."
  policy      = data.aws_iam_policy_document.tenant_reader.json
}
