# ---- placement and naming ----------------------------------------------------

variable "aws_region" {
  description = "Region to deploy into."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix of every resource name (queues, table, functions, API). One deployment per prefix."
  type        = string
  default     = "tenantlog"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name_prefix))
    error_message = "name_prefix must be 2-31 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags for every resource (added to the provider's default_tags)."
  type        = map(string)
  default     = {}
}

# ---- Lambda --------------------------------------------------------------------

variable "lambda_zip_path" {
  description = "The package built by `make package` (one zip for both functions), relative to infra/."
  type        = string
  default     = "../dist/lambda.zip"
}

variable "lambda_runtime" {
  description = "Python runtime; must match the --python-version the zip was built for (packaging/build_lambda.py)."
  type        = string
  default     = "python3.12"

  validation {
    condition     = contains(["python3.11", "python3.12"], var.lambda_runtime)
    error_message = "lambda_runtime must be python3.11 or python3.12."
  }
}

variable "ingest_memory_mb" {
  description = "Memory of the ingest function (CPU scales with it)."
  type        = number
  default     = 512
}

variable "worker_memory_mb" {
  description = "Memory of the worker function."
  type        = number
  default     = 512
}

variable "ingest_timeout_seconds" {
  description = "Timeout of the ingest function; API Gateway gives up on an integration after 30 s."
  type        = number
  default     = 10

  validation {
    condition     = var.ingest_timeout_seconds >= 1 && var.ingest_timeout_seconds <= 29
    error_message = "ingest_timeout_seconds must be 1-29 (the HTTP API integration timeout is 30 s)."
  }
}

variable "worker_timeout_seconds" {
  description = "Timeout of the worker function. The queue's visibility timeout must be at least 6 times this (AWS's guidance for SQS event sources, checked by a precondition)."
  type        = number
  default     = 50

  validation {
    condition     = var.worker_timeout_seconds >= 1 && var.worker_timeout_seconds <= 900
    error_message = "worker_timeout_seconds must be 1-900."
  }
}

variable "ingest_reserved_concurrency" {
  description = "Reserved concurrency of the ingest function: caps it and guarantees it capacity. -1 reserves nothing (needed on new accounts whose concurrency quota is only 10)."
  type        = number
  default     = 50

  validation {
    condition     = var.ingest_reserved_concurrency == -1 || var.ingest_reserved_concurrency >= 1
    error_message = "ingest_reserved_concurrency must be -1 (unreserved) or at least 1 (0 would disable the function)."
  }
}

variable "worker_reserved_concurrency" {
  description = "Reserved concurrency of the worker function; keep it at least worker_max_concurrency so that the event source mapping is never throttled. -1 reserves nothing."
  type        = number
  default     = 10

  validation {
    condition     = var.worker_reserved_concurrency == -1 || var.worker_reserved_concurrency >= 2
    error_message = "worker_reserved_concurrency must be -1 (unreserved) or at least 2."
  }
}

variable "worker_max_concurrency" {
  description = "Most concurrent worker invocations the SQS event source mapping starts (its scaling_config)."
  type        = number
  default     = 10

  validation {
    condition     = var.worker_max_concurrency >= 2 && var.worker_max_concurrency <= 1000
    error_message = "worker_max_concurrency must be 2-1000 (the event source mapping's limits)."
  }
}

variable "worker_batch_size" {
  description = "Most messages per worker invocation (the seed's batch of 5). Above 10 the event source mapping needs a batching window (worker_batching_window_seconds > 0)."
  type        = number
  default     = 5

  validation {
    condition     = var.worker_batch_size >= 1 && var.worker_batch_size <= 10000 && floor(var.worker_batch_size) == var.worker_batch_size
    error_message = "worker_batch_size must be a whole number 1-10000 (SQS's most for a standard queue's event source mapping)."
  }
}

variable "worker_batching_window_seconds" {
  description = "Seconds the event source mapping may wait to fill a batch (maximum_batching_window_in_seconds). 0 invokes as soon as messages are there; required > 0 when worker_batch_size > 10."
  type        = number
  default     = 0

  validation {
    condition     = var.worker_batching_window_seconds >= 0 && var.worker_batching_window_seconds <= 300 && floor(var.worker_batching_window_seconds) == var.worker_batching_window_seconds
    error_message = "worker_batching_window_seconds must be a whole number 0-300 (the event source mapping's limits)."
  }
}

variable "worker_record_concurrency" {
  description = "Records of one worker invocation processed at once (TENANTLOG_WORKER_RECORD_CONCURRENCY). The default 10 processes any batch of up to 10 all at once, as before."
  type        = number
  default     = 10

  validation {
    condition     = var.worker_record_concurrency >= 1 && var.worker_record_concurrency <= 10000 && floor(var.worker_record_concurrency) == var.worker_record_concurrency
    error_message = "worker_record_concurrency must be a whole number 1-10000 (what tenantlog's settings accept)."
  }
}

variable "enable_xray_tracing" {
  description = "Active X-Ray tracing on both functions (sampled; adds X-Ray cost). false passes traces through only."
  type        = bool
  default     = true
}

# ---- queue -----------------------------------------------------------------------

variable "queue_visibility_timeout_seconds" {
  description = "Seconds a received message stays hidden (TENANTLOG_VISIBILITY_TIMEOUT of the worker)."
  type        = number
  default     = 300

  validation {
    condition     = var.queue_visibility_timeout_seconds >= 0 && var.queue_visibility_timeout_seconds <= 43200
    error_message = "queue_visibility_timeout_seconds must be 0-43200."
  }
}

variable "max_receive_count" {
  description = "Receives before SQS moves a message to the DLQ (the redrive policy's maxReceiveCount, TENANTLOG_MAX_RECEIVE_COUNT of the worker)."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be 1-1000."
  }
}

variable "queue_retention_seconds" {
  description = "How long the main queue keeps an unprocessed message. Kept below the DLQ's 14 days because a standard queue's message keeps its original enqueue time when it is dead-lettered."
  type        = number
  default     = 345600 # 4 days

  validation {
    condition     = var.queue_retention_seconds >= 60 && var.queue_retention_seconds < 1209600
    error_message = "queue_retention_seconds must be at least 60 and below the DLQ's 1209600 (14 days)."
  }
}

# ---- table -----------------------------------------------------------------------

variable "table_deletion_protection" {
  description = "DynamoDB deletion protection of the logs, keys and audit tables. Set false (and apply) before `terraform destroy`."
  type        = bool
  default     = true
}

# ---- application settings (TENANTLOG_*, see DESIGN §7) ----------------------------

variable "auth_mode" {
  description = "TENANTLOG_AUTH of the ingest function: keys (every tenant route needs the tenant's API key; see docs/aws.md, The first admin key) or off (no key check, so no tenant isolation: never on a stack anyone else can reach)."
  type        = string
  default     = "keys"

  validation {
    condition     = contains(["keys", "off"], var.auth_mode)
    error_message = "auth_mode must be keys or off."
  }
}

variable "max_text_bytes" {
  description = "Largest accepted text. Two copies (original and redacted) must fit one 400 KB DynamoDB item."
  type        = number
  default     = 65536

  validation {
    condition     = var.max_text_bytes >= 1 && var.max_text_bytes <= 190000
    error_message = "max_text_bytes must be 1-190000 (tenantlog.settings' bound for the DynamoDB item size)."
  }
}

variable "max_body_bytes" {
  description = "Largest request body after decompression. 4 MiB so that any body tenantlog would accept still fits Lambda's 6 MB synchronous payload once API Gateway base64-encodes it (4/3 larger) inside the event; larger ones get tenantlog's own 413 (see docs/aws.md)."
  type        = number
  default     = 4194304

  validation {
    condition     = var.max_body_bytes >= 1 && var.max_body_bytes <= 4500000
    error_message = "max_body_bytes must be 1-4500000: above it, a base64-encoded body no longer fits Lambda's 6 MB payload."
  }
}

variable "crash_probability" {
  description = "Simulated worker crash rate (the seed's demo behaviour); set 0 for a deployment that should not fail on purpose."
  type        = number
  default     = 0.05

  validation {
    condition     = var.crash_probability >= 0 && var.crash_probability <= 1
    error_message = "crash_probability must be between 0 and 1."
  }
}

variable "processing_delay_per_char" {
  description = "Simulated heavy work in seconds per character of text. A batch must finish within worker_timeout_seconds."
  type        = number
  default     = 0.05

  validation {
    condition     = var.processing_delay_per_char >= 0
    error_message = "processing_delay_per_char must not be negative."
  }
}

variable "backoff_base_seconds" {
  description = "Base of the jittered exponential backoff after a failed attempt."
  type        = number
  default     = 1
}

variable "backoff_max_seconds" {
  description = "Cap of the backoff (SQS allows a message to be hidden for at most 43200 s)."
  type        = number
  default     = 60

  validation {
    condition     = var.backoff_max_seconds >= 0 && var.backoff_max_seconds <= 43200
    error_message = "backoff_max_seconds must be 0-43200."
  }
}

variable "redaction_style" {
  description = "Placeholder style: plain ([REDACTED]) or typed ([REDACTED:PHONE])."
  type        = string
  default     = "plain"

  validation {
    condition     = contains(["plain", "typed"], var.redaction_style)
    error_message = "redaction_style must be plain or typed."
  }
}

variable "log_level" {
  description = "Log level of both functions (read by Powertools Logger)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

# ---- API ---------------------------------------------------------------------------

variable "api_throttling_burst_limit" {
  description = "Stage-wide burst limit (requests) of the HTTP API; above it clients get 429."
  type        = number
  default     = 1000
}

variable "api_throttling_rate_limit" {
  description = "Stage-wide steady-state limit (requests per second) of the HTTP API. Sized to what ingest_reserved_concurrency serves (about 50 concurrent requests of a few tens of milliseconds each)."
  type        = number
  default     = 500
}

# ---- monitoring -------------------------------------------------------------------

variable "log_retention_days" {
  description = "Retention of the functions' and the API's CloudWatch log groups."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic notified when an alarm fires or clears (for example the DLQ alarm). null: alarms only show in the console."
  type        = string
  default     = null
}

variable "backlog_age_alarm_seconds" {
  description = "Alarm when the oldest message in the main queue is older than this (the workers are not keeping up)."
  type        = number
  default     = 900
}
