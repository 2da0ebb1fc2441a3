"""The I/O-free core: models, validation, normalisation and the processing decision.

Nothing in this package imports sqlite3, boto3, Starlette or Lambda types; the
backends and shells import the core, never the reverse.
"""
