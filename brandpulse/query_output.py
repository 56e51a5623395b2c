"""Render a DuckDB result as an aligned text table, CSV, JSON or Parquet.

Results are streamed in batches, so `--format csv --output big.csv` does not hold
the whole result in memory; the text table shows the first rows and counts the rest.
"""

from __future__ import annotations

import csv
import json
import math
import uuid
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import duckdb

BATCH = 10_000
FORMATS = ("table", "csv", "json", "parquet")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection):
# such text cells get a leading apostrophe unless --raw. Numbers are never touched.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _batches(result: duckdb.DuckDBPyConnection) -> Iterator[list[tuple[Any, ...]]]:
    while True:
        rows = result.fetchmany(BATCH)
        if not rows:
            return
        yield rows


def columns_of(result: duckdb.DuckDBPyConnection) -> list[str]:
    return [d[0] for d in (result.description or [])]


def write_table(
    result: duckdb.DuckDBPyConnection, out: TextIO, max_rows: int = 50, max_width: int = 40
) -> int:
    """Print the first `max_rows` rows aligned, cells cut at `max_width`; return the row count."""
    columns = columns_of(result)
    shown: list[tuple[Any, ...]] = []
    total = 0
    for batch in _batches(result):
        if len(shown) < max_rows:
            shown.extend(batch[: max_rows - len(shown)])
        total += len(batch)
    cells = [[_cell(v, max_width) for v in row] for row in shown]
    numeric = [
        all(isinstance(row[i], int | float | Decimal) or row[i] is None for row in shown)
        and bool(shown)
        for i in range(len(columns))
    ]
    widths = [
        max([len(_cut(c, max_width))] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)
    ]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if numeric[i] else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        return " | ".join(parts).rstrip()

    if columns:
        out.write(line([_cut(c, max_width) for c in columns]) + "\n")
        out.write("-+-".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write(line(row) + "\n")
    noun = "row" if total == 1 else "rows"
    if total > len(shown):
        out.write(
            f"({total} {noun}, first {len(shown)} shown; use --format csv --output FILE for all)\n"
        )
    else:
        out.write(f"({total} {noun})\n")
    return total


def write_csv(result: duckdb.DuckDBPyConnection, out: TextIO, raw: bool = False) -> int:
    """CSV with a header row; NULL is an empty field. Text cells (and column names) that a
    spreadsheet would run as a formula are prefixed with an apostrophe unless `raw`."""
    writer = csv.writer(out, lineterminator="\n")
    escape = (lambda v: v) if raw else _defuse_formula
    writer.writerow([escape(c) for c in columns_of(result)])
    total = 0
    for batch in _batches(result):
        writer.writerows([escape(_csv_value(v)) for v in row] for row in batch)
        total += len(batch)
    return total


def _defuse_formula(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_json(result: duckdb.DuckDBPyConnection, out: TextIO) -> int:
    """A JSON array of objects keyed by column name; dates and times as ISO-8601 text."""
    columns = columns_of(result)
    total = 0
    out.write("[")
    for batch in _batches(result):
        for row in batch:
            record = {c: _json_value(v) for c, v in zip(columns, row, strict=True)}
            out.write(
                ("," if total else "") + "\n  " + json.dumps(record, default=str, allow_nan=False)
            )
            total += 1
    out.write("\n]\n" if total else "]\n")
    return total


def write_parquet(result: duckdb.DuckDBPyConnection, path: Path | BinaryIO) -> int:
    """Stream the result into a Parquet file (a path or an open binary file) through Arrow
    record batches."""
    import pyarrow.parquet as pq

    reader = result.fetch_record_batch(BATCH)
    total = 0
    where = str(path) if isinstance(path, Path) else path
    with pq.ParquetWriter(where, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
            total += batch.num_rows
    return total


def _cell(value: Any, max_width: int) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        text = format(value, ".10g")
        if text.lstrip("-").isdigit():
            text += ".0"  # keep 999.0 recognisable as a float
    elif isinstance(value, datetime | date | time):
        text = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    else:
        text = str(value)
    return _cut(text.replace("\n", "\\n").replace("\t", " "), max_width)


def _cut(text: str, max_width: int) -> str:
    return text if len(text) <= max_width else text[: max(max_width - 1, 1)] + "…"


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(_json_value(value), default=str)
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value
