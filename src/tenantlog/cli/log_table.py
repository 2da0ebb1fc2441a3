"""``tenantlog logs`` for people: one line a log, in columns, safe to print.

Log text, severities and attributes are whatever a client sent, so nothing of
them reaches the terminal as markup or as control characters: each is a Rich
``Text`` (never parsed for ``[bold]``-style markup), and control characters
(escape sequences, carriage returns, bidirectional overrides) are shown as
their ``\\x1b``-style escapes, so a log cannot recolour, move the cursor,
rewrite earlier lines or reorder what is shown. Redaction placeholders
(``[REDACTED]``, ``[REDACTED:PHONE]``) stand out, so a reader sees at once
what was removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from tenantlog.core.models import LogRecord
from tenantlog.core.query import event_time

#: Attributes shown per log; the rest are counted (``+3``). ``--json`` has them all.
SHOWN_ATTRIBUTES = 3
#: C0 and C1 controls, DEL, and the Unicode marks that reorder or hide text on screen.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_PLACEHOLDER = re.compile(r"\[REDACTED(?:[:_][A-Za-z0-9_]+)?\]")
PLACEHOLDER_STYLE = "bold magenta"
_SEVERITY_STYLES = {
    "fatal": "bold red",
    "critical": "bold red",
    "error": "red",
    "err": "red",
    "warn": "yellow",
    "warning": "yellow",
    "debug": "dim",
    "trace": "dim",
}
# Widths of the fixed columns: the text takes what the terminal leaves.
_TIME_WIDTH = 24  # 2024-03-01T12:00:00.500Z
_SEVERITY_WIDTH = 8
_SOURCE_WIDTH = 11  # text_upload, json_upload


def neutral(text: str) -> str:
    """``text`` with every character that would act on the terminal written as an escape."""
    return _UNSAFE.sub(lambda found: _escape(found.group()), text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def log_text(text: str) -> Text:
    """The redacted text as shown: neutralised, its placeholders highlighted."""
    shown = Text(neutral(text), no_wrap=True, overflow="ellipsis")
    shown.highlight_regex(_PLACEHOLDER, PLACEHOLDER_STYLE)
    return shown


def severity_text(severity: str | None) -> Text:
    if severity is None:
        return Text("")
    return Text(neutral(severity), style=_SEVERITY_STYLES.get(severity.casefold(), ""))


def attributes_text(attributes: Mapping[str, str]) -> Text:
    """The first few ``name=value`` pairs, placeholders highlighted, and how many more."""
    pairs = [f"{neutral(k)}={neutral(v)}" for k, v in list(attributes.items())[:SHOWN_ATTRIBUTES]]
    more = len(attributes) - SHOWN_ATTRIBUTES
    shown = Text(" ".join(pairs) + (f" +{more}" if more > 0 else ""), overflow="ellipsis")
    shown.highlight_regex(_PLACEHOLDER, PLACEHOLDER_STYLE)
    return shown


def shown_time(record: LogRecord) -> str:
    """The event time to the millisecond: enough to read, and one width for every row."""
    moment = event_time(record)
    return moment[:23] + "Z" if len(moment) == 30 else neutral(moment)


def log_table(records: Iterable[LogRecord], *, header: bool = True) -> Table:
    """The records as a table whose columns have the same widths whatever the records, so
    that the tables of a follow, printed one batch at a time, line up."""
    table = Table(
        Column("event time", width=_TIME_WIDTH, no_wrap=True),
        Column("severity", width=_SEVERITY_WIDTH, no_wrap=True, overflow="ellipsis"),
        Column("source", width=_SOURCE_WIDTH, no_wrap=True),
        Column("text", ratio=3, no_wrap=True, overflow="ellipsis"),
        Column("attributes", ratio=1, no_wrap=True, overflow="ellipsis"),
        show_header=header,
        box=None,
        pad_edge=False,
        expand=True,
    )
    for record in records:
        table.add_row(
            shown_time(record),
            severity_text(record.severity),
            Text(neutral(record.source)),
            log_text(record.modified_data),
            attributes_text(record.attributes),
        )
    return table


def print_logs(console: Console, records: Iterable[LogRecord], *, header: bool = True) -> None:
    console.print(log_table(records, header=header), soft_wrap=False)
