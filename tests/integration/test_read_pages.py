"""Pages bounded in bytes over a real server: a tenant whose records overflow the page
budget is paged to the end, and every record comes back exactly once."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from tests.support.server import ServerProcess, wait_until

#: The smallest budget the settings allow; the texts below are up to 60,000 characters,
#: two copies of which (original and redacted) make a record of about 120 KB.
PAGE_BYTES = 65536
#: The envelope around the records: ``{"items":[`` … ``],"next_cursor":"…"}`` and commas.
ENVELOPE_BYTES = 1024


@pytest.fixture(scope="module")
def small_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    env = {"TENANTLOG_MAX_PAGE_BYTES": str(PAGE_BYTES)}
    with ServerProcess(tmp_path_factory.mktemp("pages") / "data", env=env) as running:
        yield running


def read_every_page(http: httpx.Client, tenant: str, **params: str) -> list[httpx.Response]:
    pages = [http.get(f"/tenants/{tenant}/logs", params=params)]
    while (cursor := pages[-1].json()["next_cursor"]) is not None:
        pages.append(http.get(f"/tenants/{tenant}/logs", params={**params, "cursor": cursor}))
    return pages


def test_paging_past_the_byte_budget_returns_every_record_once(small_pages: ServerProcess) -> None:
    # GIVEN a tenant with 40 records of random sizes, many alone over the budget
    rng = random.Random(8)
    texts = {f"r{n:02}": "x" * rng.randint(1, 60_000) for n in range(40)}
    lines = [orjson.dumps({"tenant_id": "big", "log_id": k, "text": v}) for k, v in texts.items()]
    with httpx.Client(base_url=small_pages.url, timeout=30) as http:
        accepted = http.post(
            "/ingest", content=b"\n".join(lines), headers={"Content-Type": "application/x-ndjson"}
        )
        assert accepted.status_code == 202
        listed = {"limit": "1000", "fields": "log_id"}
        wait_until(lambda: len(http.get("/tenants/big/logs", params=listed).json()["items"]) == 40)

        # WHEN the tenant is paged to the end, 1,000 records a page at most
        pages = read_every_page(http, "big", limit="1000")

    # THEN every record comes back once, in order, with its text
    items: list[dict[str, Any]] = [item for page in pages for item in page.json()["items"]]
    assert [item["log_id"] for item in items] == sorted(texts)
    assert all(item["original_text"] == texts[item["log_id"]] for item in items)
    # and every page holds one record, or fits the budget
    assert len(pages) > 1
    for page in pages:
        assert len(page.json()["items"]) == 1 or len(page.content) <= PAGE_BYTES + ENVELOPE_BYTES
