"""Shared rate-limit buckets (tenantlog.core.ratelimit.SharedBuckets): memory.py (one
process, for tests), sqlite.py (every local process), dynamodb.py (every Lambda instance)."""
