"""The store sequence of the SQLite store's logs (schema.sql: ``seq``, ``log_sequence``).

Each write takes the next number inside its transaction, and SQLite has one
writer, so numbers grow in commit order: a live tail's positions and the text
indexer's progress. The next number is one more than the greatest given so far,
found without a counter written on every insert: the greatest in use (a descent
of the index logs_by_seq) or the greatest a delete or a replacement retired
(kept by triggers on those rarer writes), so no number is ever given twice.
"""

from __future__ import annotations

#: The greatest number given so far, as an SQL expression.
SEQUENCE_END = "max(coalesce((SELECT max(seq) FROM logs), 0), (SELECT retired FROM log_sequence))"
