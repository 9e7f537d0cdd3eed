"""The search log of a period as CSV for the editors (`GET /quality/searches.csv`): one row per
search with its clicks and feedback, personal data masked, no search id.

The header row is in Dutch, for the editors; the values are as stored (outcome `routed`,
`ambiguous`, `off_topic`, `no_results`; channel `page`, `widget`, `console`, `api`; times in UTC).
A cell that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`) gets a `'`
in front: what citizens type is never run."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

COLUMNS = {  # header -> field of `SearchLog.searches`
    "tijd_utc": "time",
    "vraag": "query",
    "genormaliseerd": "normalized",
    "taal": "language",
    "kanaal": "channel",
    "uitkomst": "outcome",
    "afdeling": "department_id",
    "zekerheid_afdeling": "confidence",
    "kans_binnen_aanbod": "in_scope",
    "eerste_artikel": "top_article",
    "duur_ms": "latency_ms",
    "klikken": "clicks",
    "posities_geklikt": "positions",
    "nuttig": "helpful",
    "niet_nuttig": "not_helpful",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 500


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_chunks(rows: Iterable[dict]) -> Iterator[str]:
    """The header, then the rows, a few hundred per piece of text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for number, row in enumerate(rows, start=1):
        writer.writerow([_cell(row[field]) for field in COLUMNS.values()])
        if number % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
