# A "high throughput" worker profile (infra/README.md, Worker scaling): big batches
# gathered by a batching window, records of a batch processed in parallel, many
# concurrent invocations. Use it with your own settings on top:
#   terraform apply -var-file=examples/example.tfvars -var-file=examples/high-throughput.tfvars
# Real work only: the seed's simulated crash and heavy work are off.

crash_probability         = 0
processing_delay_per_char = 0

# Up to 1,000 messages per invocation; the mapping waits at most 1 s to fill a batch
# (SQS requires a window for batches above 10). The mapping also stops at 6 MB of payload.
worker_batch_size              = 1000
worker_batching_window_seconds = 1

# 32 records at once: the worker's DynamoDB client has 32 connections, so more would wait.
worker_record_concurrency = 32

# Up to 200 invocations at once, each with reserved room (the account's concurrency quota
# must allow it: 1,000 by default, 10 on some new accounts).
worker_max_concurrency      = 200
worker_reserved_concurrency = 200

# More memory is more CPU for redaction; a batch of 1,000 at 32 at a time has a minute.
# The queue hides a message six timeouts long (AWS's guidance, checked by a precondition).
worker_memory_mb                 = 1024
worker_timeout_seconds           = 60
queue_visibility_timeout_seconds = 360
