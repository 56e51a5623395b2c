"""Reading landing files into lines of JSON text, whatever their format.

Every format becomes one Arrow table of (file, line, raw) so a single SQL validation
path serves JSON Lines, gzipped JSON Lines and Parquet. A file that cannot be read at
all becomes one `UnreadableFile` instead of stopping the load.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".ndjson", ".parquet")


@dataclass(frozen=True)
class UnreadableFile:
    file: str
    partition: date | None
    reason: str


def list_files(folder: Path) -> list[Path]:
    """Landing files of a folder in a stable order (name), ignoring temp and hidden files."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith((".", "_")) and p.name.endswith(SUFFIXES)
    )


def _split_lines(text: str) -> pa.Array:
    """The lines of `text` as an Arrow string array, split in Arrow's C++ (like str.split("\\n")).

    A million Python line strings cost more than parsing their JSON in DuckDB.
    """
    return pc.split_pattern(pa.array([text], type=pa.string()), pattern="\n").flatten()


def _text_lines(path: Path) -> pa.Array:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return _split_lines(data.decode("utf-8"))


def _parquet_lines(path: Path) -> pa.Array:
    frame = pl.read_parquet(path)
    casts = [
        pl.col(name).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.fZ")
        if isinstance(dtype, pl.Datetime) and dtype.time_zone
        else pl.col(name).dt.strftime("%Y-%m-%dT%H:%M:%S%.fZ")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    ]
    if casts:
        frame = frame.with_columns(casts)
    buffer = io.BytesIO()
    frame.write_ndjson(buffer)
    return _split_lines(buffer.getvalue().decode("utf-8"))


def read_lines(
    paths: list[tuple[Path, date | None]], root: Path
) -> tuple[pa.Table, list[UnreadableFile]]:
    """Read (file, partition day) pairs into one Arrow table (file, line, raw, _partition_date).

    Blank lines stay in the table; the validation SQL drops them (they are not rows).
    Line numbers are 1-based, as an editor shows them.
    """
    chunks: list[pa.Table] = []
    unreadable: list[UnreadableFile] = []
    for path, day in paths:
        name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        try:
            lines = _parquet_lines(path) if path.suffix == ".parquet" else _text_lines(path)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            unreadable.append(
                UnreadableFile(name, day, f"unreadable_file: truncated or corrupt gzip ({exc})")
            )
            continue
        except UnicodeDecodeError as exc:
            unreadable.append(
                UnreadableFile(
                    name, day, f"unreadable_file: not UTF-8 text ({exc.reason} at byte {exc.start})"
                )
            )
            continue
        except Exception as exc:  # any reader failure is reported, never fatal for the load
            unreadable.append(
                UnreadableFile(name, day, f"unreadable_file: {type(exc).__name__}: {exc}")
            )
            continue
        chunks.append(
            pa.table(
                {
                    "file": pa.repeat(pa.scalar(name, pa.string()), len(lines)),
                    "line": pa.array(np.arange(1, len(lines) + 1, dtype=np.int64)),
                    "raw": lines,
                    "_partition_date": pa.repeat(pa.scalar(day, pa.date32()), len(lines)),
                }
            )
        )
    if not chunks:
        schema = pa.schema(
            [
                ("file", pa.string()),
                ("line", pa.int64()),
                ("raw", pa.string()),
                ("_partition_date", pa.date32()),
            ]
        )
        return schema.empty_table(), unreadable
    return pa.concat_tables(chunks), unreadable
