"""Shared SQLite plumbing for the embedded backends."""
