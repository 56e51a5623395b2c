"""Reading landing files into lines of JSON text, whatever their format.

Every format becomes one Arrow table of (file, line, raw, reader_reason) so a single SQL
validation path serves JSON Lines, gzipped JSON Lines and Parquet. Damage is kept to the
line it is in: a line that is not UTF-8 or is longer than the limit gets a
`reader_reason` and a bounded excerpt of its bytes as `raw` (the validation rejects it
with that reason), and the file's other lines load. A leading UTF-8 byte-order mark is
dropped (the first line is then read as written). A file that cannot be read at all (a
truncated gzip, a broken Parquet file) becomes one `UnreadableFile`.
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
BOM = b"\xef\xbb\xbf"
EXCERPT_BYTES = 256
"""How much of a rejected line's bytes is kept in raw.rejected_rows (invalid bytes as \\xNN)."""


@dataclass(frozen=True)
class UnreadableFile:
    file: str
    partition: date | None
    reason: str


def landing_name(path: Path, root: Path) -> str:
    """How a file is named in raw tables and the audit: relative to the landing root."""
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


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


def _split_utf8_lines(data: pa.Buffer) -> pa.Array | None:
    """The lines of UTF-8 bytes as an Arrow string array, split on b"\\n" (like
    `data.decode().split("\\n")`), or None when a byte is not UTF-8.

    The bytes are split as one binary value and the lines checked as UTF-8 in Arrow's C++,
    with no Python `str` of the file: decoding, copying the text into Arrow and splitting
    it cost ~3x the CPU (0.5 s against 0.15 s per 290 MB), on the core DuckDB's second
    thread needs.
    """
    whole = pa.Array.from_buffers(
        pa.large_binary(), 1, [None, pa.py_buffer(np.array([0, data.size], np.int64)), data]
    )
    lines = pc.split_pattern(whole, pattern=b"\n").flatten()
    try:
        return lines.cast(pa.string())
    except pa.ArrowInvalid:
        return None


def _excerpt(line: bytes) -> str:
    """The first EXCERPT_BYTES of a line as text, invalid UTF-8 shown as \\xNN escapes."""
    cut = line[:EXCERPT_BYTES].decode("utf-8", errors="backslashreplace")
    return cut + (f"... ({len(line)} bytes)" if len(line) > EXCERPT_BYTES else "")


def _checked_lines(data: bytes, max_line_bytes: int) -> tuple[pa.Array, pa.Array]:
    """The lines of `data` and, per line, why the reader rejects it (null for a good line).

    The fast path checks and splits the whole file at once; only a file with an invalid
    byte is split and decoded line by line, so one bad byte costs its line, not the file.
    """
    start = len(BOM) if data.startswith(BOM) else 0
    lines = _split_utf8_lines(pa.py_buffer(data).slice(start))  # a view: no copy
    if lines is not None:
        reasons = pa.nulls(len(lines), pa.string())
    else:
        texts, why = [], []
        for raw in data[start:].split(b"\n"):
            try:
                texts.append(raw.decode("utf-8"))
                why.append(None)
            except UnicodeDecodeError as exc:
                texts.append(_excerpt(raw))
                why.append(
                    f"invalid_utf8: line is not UTF-8 text ({exc.reason} at byte {exc.start})"
                )
        lines, reasons = pa.array(texts, pa.string()), pa.array(why, pa.string())
    too_long = pc.greater(pc.binary_length(lines), max_line_bytes)
    if pc.any(too_long).as_py():
        mask = too_long.to_pylist()
        texts, why = lines.to_pylist(), reasons.to_pylist()
        for i in (i for i, long in enumerate(mask) if long):
            size = len(texts[i].encode("utf-8"))
            texts[i] = _excerpt(texts[i].encode("utf-8"))
            why[i] = (
                f"line_too_long: line is {size} bytes, over the {max_line_bytes}-byte limit "
                "(BRANDPULSE_MAX_LINE_BYTES)"
            )
        lines, reasons = pa.array(texts, pa.string()), pa.array(why, pa.string())
    return lines, reasons


def _text_lines(path: Path, max_line_bytes: int) -> tuple[pa.Array, pa.Array]:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return _checked_lines(data, max_line_bytes)


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


LINES_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("line", pa.int64()),
        ("raw", pa.string()),
        ("reader_reason", pa.string()),
        ("_partition_date", pa.date32()),
    ]
)


def read_lines(
    paths: list[tuple[Path, date | None]], root: Path, max_line_bytes: int
) -> tuple[pa.Table, list[UnreadableFile]]:
    """Read (file, partition day) pairs into one Arrow table of LINES_SCHEMA.

    Blank lines stay in the table; the validation SQL drops them (they are not rows).
    Line numbers are 1-based, as an editor shows them.
    """
    chunks: list[pa.Table] = []
    unreadable: list[UnreadableFile] = []
    for path, day in paths:
        name = landing_name(path, root)
        try:
            if path.suffix == ".parquet":
                lines = _parquet_lines(path)
                reasons = pa.nulls(len(lines), pa.string())
            else:
                lines, reasons = _text_lines(path, max_line_bytes)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            unreadable.append(
                UnreadableFile(name, day, f"unreadable_file: truncated or corrupt gzip ({exc})")
            )
            continue
        except Exception as exc:  # any reader failure is reported, never fatal for the load
            unreadable.append(
                UnreadableFile(name, day, f"unreadable_file: {type(exc).__name__}: {exc}")
            )
            continue
        chunks.append(
            pa.table(
                [
                    pa.repeat(pa.scalar(name, pa.string()), len(lines)),
                    pa.array(np.arange(1, len(lines) + 1, dtype=np.int64)),
                    lines,
                    reasons,
                    pa.repeat(pa.scalar(day, pa.date32()), len(lines)),
                ],
                schema=LINES_SCHEMA,
            )
        )
    if not chunks:
        return LINES_SCHEMA.empty_table(), unreadable
    return pa.concat_tables(chunks), unreadable
