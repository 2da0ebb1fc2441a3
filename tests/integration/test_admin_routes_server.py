"""The admin routes (keys, the queue, dead letters) against a real ``tenantlog serve`` with
keys on: the same scopes, checks and audit trail as the CLI's commands."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.cli import tenantlog_json
from tests.support.server import ServerProcess, wait_until

pytestmark = pytest.mark.slow

KEYS_ON = {"TENANTLOG_AUTH": "keys"}
#: A worker that fails every message on its only receive: each log is dead-lettered.
DOOMED = {**KEYS_ON, "TENANTLOG_CRASH_PROBABILITY": "1", "TENANTLOG_MAX_RECEIVE_COUNT": "1"}
CRASH_REASON = "SimulatedCrash: simulated worker crash"
#: Bodies no ingest route would send: one not JSON, one naming a hostile tenant and log id.
POISON = [
    b"not json, but 555-0142",
    b'{"tenant_id": "<script>", "log_id": "a\\u0000b", "text": "555-0143", "source": "x"}',
]
#: Every admin route, with a body where it takes one.
ADMIN_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/keys", None),
    ("POST", "/keys", {"tenant_id": "acme", "scopes": ["ingest"]}),
    ("DELETE", "/keys/aaaaaaaaaaaaaaaa", None),
    ("GET", "/queue", None),
    ("GET", "/dead-letters", None),
    ("POST", "/dead-letters/redrive", None),
    ("DELETE", "/dead-letters", None),
]


def new_key(data_dir: Path, tenant: str, *scopes: str) -> str:
    created = tenantlog_json(
        "keys", "create", tenant, *(f"--scope={s}" for s in scopes), data_dir=data_dir
    )
    secret: str = created["secret"]
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def key_id_of(secret: str) -> str:
    return secret.split("_")[1]


@pytest.fixture(scope="module")
def admin(keyed: ServerProcess) -> str:
    return new_key(keyed.data_dir, "ops", "admin")


def test_admin_routes_need_a_key_with_the_admin_scope(
    keyed: ServerProcess, http: httpx.Client, admin: str
) -> None:
    reader = new_key(keyed.data_dir, "acme", "read")
    writer = new_key(keyed.data_dir, "acme", "ingest")
    everything_but_admin = new_key(keyed.data_dir, "acme", "ingest", "read", "audit", "delete")
    for method, path, body in ADMIN_ROUTES:
        # no key, or a wrong one: 401
        for headers in ({}, bearer(admin[:-1] + ("x" if admin[-1] != "x" else "y"))):
            answer = http.request(method, path, json=body, headers=headers)
            assert answer.status_code == 401, (method, path)
            assert answer.headers["www-authenticate"].startswith("Bearer")
        # keys of other scopes: 403 naming the scope, and nothing done
        for secret in (reader, writer, everything_but_admin):
            answer = http.request(method, path, json=body, headers=bearer(secret))
            assert answer.status_code == 403, (method, path)
            assert answer.json() == {"error": "this API key lacks the 'admin' scope"}
    # AND an admin key lists the same keys as the CLI
    listed = http.get("/keys", headers=bearer(admin)).json()["items"]
    cli_listed = tenantlog_json("keys", "list", data_dir=keyed.data_dir)
    assert [k["key_id"] for k in listed] == [k["key_id"] for k in cli_listed]
    assert {key_id_of(s) for s in (reader, writer, admin)} <= {k["key_id"] for k in listed}


def test_a_key_created_over_http_works_at_once_and_its_secret_is_shown_only_then(
    keyed: ServerProcess, http: httpx.Client, admin: str
) -> None:
    # WHEN an admin creates a key over HTTP
    body = {"tenant_id": "shop", "scopes": ["ingest", "read"], "name": "<b>shop</b> agent"}
    created = http.post("/keys", json=body, headers=bearer(admin))
    # THEN the answer holds the secret, once, and is not to be cached
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    key = created.json()
    secret = key.pop("secret")
    assert secret.startswith(f"tlk_{key['key_id']}_")
    assert key["tenant_id"] == "shop" and key["scopes"] == ["ingest", "read"]
    assert key["name"] == "<b>shop</b> agent" and key["expires_at"] is None
    # AND the key works at once, for its own tenant
    log = {"log_id": "h1", "text": "hello"}
    accepted = http.post("/ingest", json=log, headers=bearer(secret))
    assert (accepted.status_code, accepted.json()["tenant_id"]) == (202, "shop")
    # AND the secret is nowhere else: not in the list, nor the CLI's, nor the audit trail
    listed = http.get("/keys", params={"tenant_id": "shop"}, headers=bearer(admin))
    [shown] = [k for k in listed.json()["items"] if k["key_id"] == key["key_id"]]
    assert {**shown, "last_used_at": None} == {**key, "last_used_at": None}
    cli_listed = tenantlog_json("keys", "list", "shop", data_dir=keyed.data_dir)
    trail = http.get("/audit", headers=bearer(admin))
    for text in (listed.text, str(cli_listed), trail.text, keyed.output()):
        assert secret not in text and secret.split("_")[2] not in text
    assert "secret" not in listed.text and "secret_hash" not in listed.text
    # AND the creation is in the audit trail, by the admin key, as the CLI records it
    [event] = [
        e
        for e in trail.json()["items"]
        if e["action"] == "key.create" and e["detail"]["key_id"] == key["key_id"]
    ]
    assert event["actor"] == key_id_of(admin)
    assert (event["tenant_id"], event["detail"]["scopes"]) == ("shop", "ingest read")


def test_a_key_with_a_lifetime_and_the_default_scope(http: httpx.Client, admin: str) -> None:
    created = http.post(
        "/keys", json={"tenant_id": "shop", "expires_in": "2h"}, headers=bearer(admin)
    ).json()

    assert created["scopes"] == ["ingest"]
    assert created["expires_at"] > created["created_at"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"scopes": ["read"]}, 400, "missing required field: tenant_id"),
        ({"tenant_id": "../etc"}, 400, "invalid tenant_id: use 1-64 characters"),
        ({"tenant_id": ""}, 400, "tenant_id must not be empty"),
        ({"tenant_id": 7}, 400, "tenant_id must be a string"),
        (
            {"tenant_id": "acme", "scopes": ["root"]},
            400,
            "invalid scopes: unknown scope(s) ['root']",
        ),
        (
            {"tenant_id": "acme", "scopes": []},
            400,
            "invalid scopes: a key needs at least one scope",
        ),
        ({"tenant_id": "acme", "scopes": "admin"}, 400, "scopes must be an array of strings"),
        ({"tenant_id": "acme", "scopes": [None]}, 400, "scopes must be an array of strings"),
        ({"tenant_id": "acme", "name": "a\x00b"}, 400, "invalid name"),
        ({"tenant_id": "acme", "name": "n" * 201}, 400, "invalid name"),
        ({"tenant_id": "acme", "name": ["x"]}, 400, "name must be a string"),
        ({"tenant_id": "acme", "expires_in": "soon"}, 400, "invalid expires_in: invalid duration"),
        ({"tenant_id": "acme", "expires_in": "999999w"}, 400, "invalid expires_in: past the year"),
        ({"tenant_id": "acme", "expires_in": 90}, 400, "expires_in must be a string"),
        ({"tenant_id": "acme", "secret": "tlk_mine"}, 400, "unknown field 'secret'"),
        (["acme"], 400, "the body must be a JSON object"),
    ],
)
def test_a_refused_key_request_names_the_field_and_creates_nothing(
    keyed: ServerProcess,
    http: httpx.Client,
    admin: str,
    body: Any,
    status: int,
    message: str,
) -> None:
    def keys() -> list[dict[str, Any]]:
        # Without the admin key's last use, which is written back in the background.
        items = http.get("/keys", headers=bearer(admin)).json()["items"]
        return [{k: v for k, v in item.items() if k != "last_used_at"} for item in items]

    before = keys()

    answer = http.post("/keys", json=body, headers=bearer(admin))

    assert answer.status_code == status
    assert answer.json()["error"].startswith(message), answer.json()
    assert keys() == before


def test_a_key_request_that_is_not_json_is_refused(http: httpx.Client, admin: str) -> None:
    headers = bearer(admin)
    not_json = http.post(
        "/keys", content=b"{", headers={**headers, "Content-Type": "application/json"}
    )
    as_form = http.post("/keys", data={"tenant_id": "acme"}, headers=headers)
    too_large = http.post(
        "/keys", json={"tenant_id": "acme", "name": "n" * 20_000}, headers=headers
    )
    bad_filter = http.get("/keys", params={"tenant_id": "a b"}, headers=headers)

    assert (not_json.status_code, not_json.json()) == (400, {"error": "invalid JSON payload"})
    assert as_form.status_code == 415
    assert as_form.json() == {"error": "unsupported Content-Type. Use application/json."}
    assert too_large.status_code == 413
    assert bad_filter.status_code == 400 and "tenant_id" in bad_filter.json()["error"]


def test_a_key_revoked_over_http_is_refused_within_the_cache_bound(
    keyed: ServerProcess, http: httpx.Client, admin: str
) -> None:
    # GIVEN a key in use (so the server has it cached)
    created = http.post("/keys", json={"tenant_id": "acme"}, headers=bearer(admin)).json()
    secret, key_id = created["secret"], created["key_id"]
    assert http.post("/ingest", json={"text": "x"}, headers=bearer(secret)).status_code == 202
    # WHEN it is revoked over HTTP
    revoked = http.delete(f"/keys/{key_id}", headers=bearer(admin))
    assert revoked.status_code == 200
    assert revoked.json()["key_id"] == key_id and revoked.json()["revoked_at"] is not None
    # THEN the server refuses it within 10 s (TENANTLOG_KEY_CACHE_SECONDS is 5 s by default)
    wait_until(
        lambda: http.post("/ingest", json={"text": "x"}, headers=bearer(secret)).status_code == 401,
        seconds=10,
        every=0.2,
    )
    # AND a second revoke keeps the first time; an unknown or malformed id is a 404
    again = http.delete(f"/keys/{key_id}", headers=bearer(admin))
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    for unknown in ("zzzzzzzzzzzzzzzz", "short", "%3Cscript%3E", "a" * 300):
        missing = http.delete(f"/keys/{unknown}", headers=bearer(admin))
        assert (missing.status_code, missing.json()) == (404, {"error": "no such key"}), unknown
    # AND the revocation is in the audit trail, by the admin key
    events = http.get("/audit", headers=bearer(admin)).json()["items"]
    revokes = [e for e in events if e["action"] == "key.revoke" and e["detail"]["key_id"] == key_id]
    assert [e["actor"] for e in revokes] == [key_id_of(admin)] * 2
    assert revokes[0]["tenant_id"] == "acme"
    # AND the metrics name the route, never a key id
    metrics = http.get("/metrics", headers=bearer(admin)).text
    assert 'route="/keys/{key_id}"' in metrics
    assert key_id not in metrics and "zzzzzzzzzzzzzzzz" not in metrics


def test_admin_list_routes_refuse_a_bad_limit(http: httpx.Client, admin: str) -> None:
    for limit in ("0", "1001", "-1", "½", "1e3", ""):
        answer = http.get("/dead-letters", params={"limit": limit}, headers=bearer(admin))
        assert answer.status_code == 400, limit
        assert answer.json() == {"error": "limit must be an integer from 1 to 1000"}


def dead_letter_count(url: str, admin: str) -> int:
    count: int = httpx.get(f"{url}/queue", headers=bearer(admin)).json()["dead_letters"]
    return count


def test_dead_letters_are_listed_redacted_purged_and_redriven(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    admin = new_key(data_dir, "ops", "admin")
    writer = new_key(data_dir, "acme", "ingest")
    texts = {"d1": "call 555-0199 now", "d2": "mail jane.doe@example.com please"}
    with (
        ServerProcess(data_dir, env=DOOMED) as doomed,
        httpx.Client(base_url=doomed.url, headers=bearer(admin), timeout=10) as http,
    ):
        # GIVEN logs a crashing worker dead-letters, and poison bodies placed in the queue
        for log_id, text in texts.items():
            log = {"log_id": log_id, "text": text}
            assert http.post("/ingest", json=log, headers=bearer(writer)).status_code == 202
        with sqlite3.connect(data_dir / "tenantlog.db") as db:
            now = time.time()
            db.executemany(
                "INSERT INTO queue_messages (body, sent_at, visible_at) VALUES (?, ?, ?)",
                [(body, now, now) for body in POISON],
            )
        wait_until(lambda: dead_letter_count(doomed.url, admin) == 4)
        # WHEN an admin looks at the queue and the dead letters
        counts = http.get("/queue").json()
        listed = http.get("/dead-letters")
        # THEN the counts are the CLI's, and each dead letter says whose, why and when
        assert counts == tenantlog_json("stats", data_dir=data_dir)
        assert counts["dead_letters"] == 4 and counts["depth"] == 0
        items = listed.json()["items"]
        by_log = {item["log_id"]: item for item in items if item["log_id"] is not None}
        assert set(by_log) == {"d1", "d2"}
        for log_id in texts:
            item = by_log[log_id]
            assert (item["tenant_id"], item["reason"], item["receive_count"]) == (
                "acme",
                CRASH_REASON,
                1,
            )
            assert item["dead_at"] >= item["received_at"]
        # AND their text only redacted; of the poison bodies, no text and no made-up ids
        assert by_log["d1"]["text"] == "call [REDACTED] now"
        assert by_log["d2"]["text"] == "mail [REDACTED] please"
        poison = [item for item in items if item["log_id"] is None]
        assert [(p["tenant_id"], p["text"]) for p in poison] == [(None, None)] * 2
        assert all(p["reason"].startswith("message ") for p in poison)
        for original in ("555-0199", "jane.doe@example.com", "555-0142", "555-0143", "<script>"):
            assert original not in listed.text
        # AND the CLI lists the same messages with the same fields
        cli_rows = tenantlog_json("dlq", "list", data_dir=data_dir)
        assert [{k: v for k, v in row.items() if k != "body"} for row in cli_rows] == [
            {k: v for k, v in item.items() if k != "text"} for item in items
        ]
        assert http.get("/dead-letters", params={"limit": 2}).json()["items"] == items[:2]
    with (
        ServerProcess(data_dir, env=KEYS_ON) as healthy,
        httpx.Client(base_url=healthy.url, headers=bearer(admin), timeout=10) as http,
    ):
        # WHEN they are redriven to a healthy worker
        assert http.post("/dead-letters/redrive").json() == {"redriven": 4}
        # THEN the logs are stored, and only the poison bodies are dead again
        wait_until(lambda: len(http.get("/tenants/acme/logs").json()["items"]) == 2)
        wait_until(lambda: dead_letter_count(healthy.url, admin) == 2)
        stored = http.get("/tenants/acme/logs").json()["items"]
        assert sorted(r["modified_data"] for r in stored) == sorted(
            ["call [REDACTED] now", "mail [REDACTED] please"]
        )
        assert [p["log_id"] for p in http.get("/dead-letters").json()["items"]] == [None] * 2
        # WHEN the dead letters are purged
        assert http.delete("/dead-letters").json() == {"purged": 2}
        # THEN none are left, and both changes are in the audit trail, by the admin key
        assert http.get("/queue").json()["dead_letters"] == 0
        assert http.get("/dead-letters").json() == {"items": []}
        events = http.get("/audit").json()["items"]
    changes = [
        (e["action"], e["actor"], e["tenant_id"], e["detail"])
        for e in events
        if e["action"].startswith("dlq.")
    ]
    assert changes == [
        ("dlq.purge", key_id_of(admin), "*", {"count": "2"}),
        ("dlq.redrive", key_id_of(admin), "*", {"count": "4"}),
    ]
