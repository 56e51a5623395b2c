"""Write landing files: partitioned sources, snapshots, the truncated gzip.

Byte-stable output: fixed row order, gzip with mtime 0 and no file name, no
wall-clock anywhere. Every written file is returned as a record for the manifest
(lines, good rows, duplicate copies, malformed rows by reason).
"""

from __future__ import annotations

import gzip
import io
import json
from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl

from brandpulse.generator.bad_rows import Bad
from brandpulse.generator.encode import json_lines, public_columns

GZIP_LEVEL = 6


def partition_dir(landing: Path, source: str, day: date) -> Path:
    return landing / source / f"date={day.isoformat()}"


def gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(
        filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=GZIP_LEVEL
    ) as gz:
        gz.write(data)
    return buf.getvalue()


def write_lines(path: Path, lines: list[str], gz: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = ("\n".join(lines) + "\n").encode() if lines else b""
    path.write_bytes(gzip_bytes(data) if gz else data)


def _record(landing: Path, path: Path, lines: int, good: int, dups: int, bad: Counter) -> dict:
    return {
        "path": path.relative_to(landing).as_posix(),
        "lines": lines,
        "rows_good": good,
        "duplicates": dups,
        "rejected": dict(sorted(bad.items())),
    }


def _json_text_columns(df: pl.DataFrame) -> pl.DataFrame:
    """Struct columns as JSON text (nulls omitted), for Parquet files."""
    cols = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.Struct):
            cols.append(json_lines(df.select(pl.col(name).struct.unnest())).alias(name))
        else:
            cols.append(df[name])
    return pl.DataFrame(cols)


def write_event_partitions(
    landing: Path,
    parts: dict[date, list],
    lines: pl.Series,
    frame: pl.DataFrame,
    fmt: str,
    gz: bool,
) -> list[dict]:
    """events/date=D/part-0000.<ext> per partition, with duplicates and malformed rows."""
    seen: set[int] = set()
    records = []
    parquet_frame = _json_text_columns(public_columns(frame)) if fmt == "parquet" else None
    for day in sorted(parts):
        items = parts[day]
        dups = good = 0
        bad: Counter = Counter()
        for x in items:
            if isinstance(x, Bad):
                bad[x.reason] += 1
            elif x in seen:
                dups += 1
            else:
                seen.add(x)
                good += 1
        folder = partition_dir(landing, "events", day)
        idx = [x for x in items if not isinstance(x, Bad)]
        if fmt == "parquet":
            path = folder / "part-0000.parquet"
            folder.mkdir(parents=True, exist_ok=True)
            parquet_frame[idx].write_parquet(path, compression="zstd")
            records.append(_record(landing, path, len(idx), good, dups, Counter()))
            if bad:
                side = folder / "part-0000-rejects.jsonl"
                write_lines(side, [x.text for x in items if isinstance(x, Bad)])
                records.append(_record(landing, side, sum(bad.values()), 0, 0, bad))
        else:
            path = folder / ("part-0000.jsonl.gz" if gz else "part-0000.jsonl")
            # this partition's lines only: Python strings of every event at once cost
            # ~0.4 GiB per million events
            text = iter(lines.gather(idx).to_list())
            write_lines(path, [x.text if isinstance(x, Bad) else next(text) for x in items], gz)
            records.append(_record(landing, path, len(items), good, dups, bad))
    return records


def write_truncated_gzip(landing: Path, day: date, lines: list[str], part: int = 1) -> dict:
    """A valid gzip stream of `lines`, cut short: unreadable as a whole."""
    path = partition_dir(landing, "events", day) / f"part-{part:04d}.jsonl.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    full = gzip_bytes(("\n".join(lines) + "\n").encode())
    cut = max(20, int(len(full) * 0.6))
    path.write_bytes(full[:cut])
    return {
        "path": path.relative_to(landing).as_posix(),
        "lines_if_complete": len(lines),
        "bytes_complete": len(full),
        "bytes_written": cut,
    }


def write_partitioned(
    landing: Path, source: str, df: pl.DataFrame, fmt: str, id_col: str
) -> list[dict]:
    """<source>/date=D/part-0000.<ext>, D = the `_arrival` column, rows in time order."""
    records = []
    df = df.sort("_arrival", "_ms", id_col)
    for (day,), chunk in df.group_by(["_arrival"], maintain_order=True):
        folder = partition_dir(landing, source, day)
        pub = public_columns(chunk)
        if fmt == "parquet":
            path = folder / "part-0000.parquet"
            folder.mkdir(parents=True, exist_ok=True)
            _json_text_columns(pub).write_parquet(path, compression="zstd")
        else:
            path = folder / "part-0000.jsonl"
            write_lines(path, json_lines(pub).to_list())
        records.append(_record(landing, path, chunk.height, chunk.height, 0, Counter()))
    return records


def write_snapshot(landing: Path, source: str, rows: list[dict], day: date) -> dict:
    """<source>/<source>-YYYY-MM-DD.jsonl: a full snapshot."""
    path = landing / source / f"{source}-{day.isoformat()}.jsonl"
    write_lines(path, [json.dumps(r, separators=(",", ":"), ensure_ascii=False) for r in rows])
    return _record(landing, path, len(rows), len(rows), 0, Counter())
