"""Generated log ids: UUIDv7, so a tenant's generated ids sort by arrival time."""

import uuid_utils


def new_log_id() -> str:
    return str(uuid_utils.uuid7())
