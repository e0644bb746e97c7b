"""CSV for spreadsheets: cells that cannot run as formulas, text streamed line by line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

#: Leading characters a spreadsheet would run as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """``value`` as text, with a ``'`` in front when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def csv_uncell(text: str) -> str:
    """Undo :func:`csv_cell` when reading a file this platform wrote: ``'=x`` is ``=x``."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def csv_lines(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text one line at a time (header first), every cell through
    :func:`csv_cell`: for ``StreamingHttpResponse`` or a file, never all in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(header)
    yield flush()
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        yield flush()
