"""An import's report as CSV: one line per product (and per failed image)."""

from __future__ import annotations

from collections.abc import Iterator

from core.csvfiles import csv_lines

from .models import Import

REPORT_COLUMNS = ("row", "last_row", "handle", "action", "product_id", "message")


def report_csv_lines(run: Import) -> Iterator[str]:
    lines = (
        run.lines.order_by("row", "id")
        .values_list(*REPORT_COLUMNS)
        .iterator(chunk_size=2000)
    )
    return csv_lines(REPORT_COLUMNS, lines)
