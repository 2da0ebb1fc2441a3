"""``tenantlog logs``' table: what a log can and cannot do to the terminal it is printed on."""

from __future__ import annotations

import dataclasses
import io
import re
from typing import Any

from rich.console import Console

from tenantlog.cli.log_table import neutral, print_logs
from tenantlog.core.models import LogRecord
from tests.support.factories import make_record

WIDTH = 100


def record(text: str, **fields: Any) -> LogRecord:
    return dataclasses.replace(make_record(text="unredacted"), modified_data=text, **fields)


def printed(records: list[LogRecord], *, terminal: bool) -> str:
    out = io.StringIO()
    console = Console(
        file=out,
        width=WIDTH,
        force_terminal=terminal,
        color_system="standard" if terminal else None,
    )
    print_logs(console, records)
    return out.getvalue()


def test_log_table_prints_markup_in_a_log_literally() -> None:
    shown = printed([record("[bold red]alert[/] [link=x]y")], terminal=False)

    assert "[bold red]alert[/] [link=x]y" in shown


def test_log_table_neutralises_escape_sequences_and_line_tricks() -> None:
    hostile = "ok\x1b[2J\x1b]8;;http://evil\x07click\x1b]8;;\x07\rforged\nline\u202ecba"
    severity = "\x1b[32mINFO"
    attributes = {"k\x1b[1m": "v\r\n"}

    for terminal in (False, True):
        shown = printed(
            [record(hostile, severity=severity, attributes=attributes)], terminal=terminal
        )
        # no control character of the log reaches the terminal; only Rich's own styles
        without_styles = re.sub(r"\x1b\[[0-9;]*m", "", shown)
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f\u202e]", without_styles), shown
        assert "ok\\x1b[2J\\x1b]8;;http://evil" in without_styles
        assert "\x1b[32m" not in shown  # the severity did not turn the line green
    assert neutral(hostile) == (
        "ok\\x1b[2J\\x1b]8;;http://evil\\x07click\\x1b]8;;\\x07\\x0dforged\\x0aline\\u202ecba"
    )


def test_log_table_highlights_redaction_placeholders() -> None:
    shown = printed(
        [record("call [REDACTED:PHONE] or [REDACTED]", attributes={"phone": "[REDACTED]"})],
        terminal=True,
    )

    assert "\x1b[1;35m[REDACTED:PHONE]\x1b[0m" in shown
    assert "\x1b[1;35m[REDACTED]\x1b[0m" in shown
    assert shown.count("\x1b[1;35m") == 3


def test_log_table_keeps_each_log_on_one_line_within_the_width() -> None:
    records = [
        record("x" * 500, severity="ERROR", attributes={f"a{n}": "v" * 20 for n in range(6)}),
        record("short", timestamp="2024-03-01T12:00:00.500000000Z"),
    ]

    lines = printed(records, terminal=False).splitlines()

    assert len(lines) == 3  # the header and one line a log
    assert all(len(line) <= WIDTH for line in lines)
    assert lines[1].startswith("2024-01-01T00:00:00.000Z")  # no timestamp: received_at
    assert "…" in lines[1]  # the long text is cut, not wrapped
    assert lines[2].startswith("2024-03-01T12:00:00.500Z")
