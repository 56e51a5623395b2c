"""Run one read-only SQL query on the published snapshot, optionally scoped to one brand.

    brandpulse query "SELECT * FROM marts.daily_brand_metrics LIMIT 5"
    brandpulse query --brand acme --format csv --output acme.csv "FROM marts.rfm"
    echo "SELECT count(*) FROM ml.metric_anomalies" | brandpulse query --brand acme

    brandpulse query --brand acme -- "-- a comment first
    SELECT 1"

Only a single SELECT is accepted (checked by DuckDB's parser), and it runs in a
locked-down session (brandpulse.scoped_session): the snapshot is read-only, files,
ATTACH, COPY, extensions and settings are off, and with --brand the session holds
nothing but that brand's rows. Limits: --timeout (default 60 s), --memory-limit and
--max-temp-size (spill files live in a private directory removed afterwards). `--` ends
the options; an argument that starts with '-' and holds whitespace is SQL, never an
option. --output writes a regular file atomically (temp file + rename) and refuses
symbolic links, devices and the published directory. CSV text cells that start with
= + - @ are prefixed with an apostrophe (a spreadsheet would run them) unless --raw.
Notebooks use `query_df` for the same guarantees.
"""

from __future__ import annotations

import argparse
import os
import re
import stat
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from brandpulse.config import get_settings
from brandpulse.publish import current_snapshot
from brandpulse.query_output import FORMATS, write_csv, write_json, write_parquet, write_table
from brandpulse.scoped_session import DEFAULT_MAX_TEMP_SIZE, UnknownBrand, open_session
from brandpulse.sql_guard import QueryRejected, referenced_tables, validate_query

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NoSnapshot", "QueryRejected", "QueryTimeout", "UnknownBrand", "execute", "query_df"]

DEFAULT_TIMEOUT_SECONDS = 60.0
WATCH_INTERVAL_SECONDS = 0.1


class NoSnapshot(FileNotFoundError):
    """Nothing has been published yet."""


class QueryTimeout(TimeoutError):
    """The query ran longer than its timeout and was interrupted."""


class QueryLimitExceeded(RuntimeError):
    """The query's spill files passed their cap on disk and it was interrupted."""


class UnsafeOutput(ValueError):
    """--output names something that must not be written (a link, a device, the snapshot)."""


def resolve_snapshot(published_dir: Path | str | None = None) -> Path:
    """The current snapshot, resolved once for the whole query."""
    snapshot = current_snapshot(published_dir)
    if snapshot is None:
        where = Path(published_dir or get_settings().published_dir)
        raise NoSnapshot(f"no published snapshot under {where}: run `brandpulse publish` first")
    return snapshot


@contextmanager
def execute(
    sql: str,
    brand: str | None = None,
    params: Sequence[Any] | dict[str, Any] | None = None,
    published_dir: Path | str | None = None,
    timeout: float | None = None,
    memory_limit: str | None = None,
    max_temp_size: str | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Validate and run `sql`; yield the connection holding the result to fetch from.

    `params` are bound to `?` / `$name` placeholders, never pasted into the SQL. The
    timeout covers running the query and fetching its result inside the block.
    """
    cap = parse_size(max_temp_size or DEFAULT_MAX_TEMP_SIZE)
    # one query on a snapshot without brand files: copy only the tables it names
    tables = referenced_tables(sql) if brand is not None else None
    with (
        session(brand, published_dir, memory_limit, max_temp_size, tables) as s,
        deadline(s.connection, timeout, s.spill_dir, cap),
    ):
        yield s.run(sql, params)


@contextmanager
def deadline(
    con: duckdb.DuckDBPyConnection,
    seconds: float | None,
    spill_dir: Path | None = None,
    max_spill_bytes: int | None = None,
) -> Iterator[None]:
    """Interrupt whatever `con` runs once `seconds` have passed (QueryTimeout), or once
    its spill files take more than `max_spill_bytes` on disk (QueryLimitExceeded).

    DuckDB's own max_temp_directory_size is set too, but a sort spilling 240 MB past a
    4 MB cap was measured here (duckdb 1.5): the disk is watched, not trusted to it.
    """
    timed = bool(seconds and seconds > 0)
    watched = spill_dir is not None and max_spill_bytes is not None
    if not timed and not watched:
        yield
        return
    reason: list[str] = []
    done = threading.Event()
    ends_at = time.monotonic() + seconds if timed and seconds else None

    def watch() -> None:
        while not done.wait(WATCH_INTERVAL_SECONDS):
            if ends_at is not None and time.monotonic() >= ends_at:
                reason.append(f"the query ran longer than {seconds:g} s and was stopped")
            elif watched and _disk_usage(spill_dir) > max_spill_bytes:
                reason.append(
                    f"its spill files passed the {max_spill_bytes:,} byte cap and it was stopped"
                )
            else:
                continue
            con.interrupt()
            return

    watcher = threading.Thread(target=watch, name="query-watchdog", daemon=True)
    watcher.start()
    try:
        yield
    except duckdb.Error as exc:
        if reason and "longer than" in reason[0]:
            raise QueryTimeout(reason[0]) from exc
        if reason:
            raise QueryLimitExceeded(reason[0]) from exc
        raise
    finally:
        done.set()
        watcher.join(timeout=5)


def _disk_usage(directory: Path) -> int:
    """Bytes the files under `directory` take on disk (sparse files count what they use)."""
    total = 0
    for root, _dirs, files in os.walk(directory):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_blocks * 512
            except FileNotFoundError:
                continue
    return total


def parse_size(text: str) -> int:
    """'4GB', '512MiB', '100kb' -> bytes (DuckDB's units: KB = 1000, KiB = 1024)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)\s*", text.lower())
    if not match:
        raise ValueError(f"not a size: {text!r} (e.g. 4GB, 512MiB)")
    number, unit = float(match.group(1)), match.group(2).rstrip("b")
    powers = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}
    base = 1024 if unit.endswith("i") else 1000
    return int(number * base ** powers[unit.rstrip("i")])


class QuerySession:
    """One (optionally brand-scoped) session on one snapshot, for many queries.

    Opening a brand-scoped session attaches that brand's file of the snapshot once; a
    report page or a notebook that runs dozens of queries reuses it, and all of them see
    one snapshot.
    Every query is validated exactly as `query_df` validates it.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        return self._con

    @property
    def spill_dir(self) -> Path:
        """The session's private spill directory (removed when the session closes)."""
        (path,) = self._con.execute("SELECT current_setting('temp_directory')").fetchone()
        return Path(path)

    def run(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> duckdb.DuckDBPyConnection:
        """Validate and run one query; the connection holds its result to fetch from."""
        statement = validate_query(self._con, sql)
        if params is None:
            return self._con.execute(statement)
        return self._con.execute(statement, params)

    def df(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        return self.run(sql, params).df()


@contextmanager
def session(
    brand: str | None = None,
    published_dir: Path | str | None = None,
    memory_limit: str | None = None,
    max_temp_size: str | None = None,
    tables: set[tuple[str, str]] | None = None,
) -> Iterator[QuerySession]:
    """A QuerySession on the current snapshot (resolved once, when it opens)."""
    snapshot = resolve_snapshot(published_dir)
    with open_session(snapshot, brand, memory_limit, max_temp_size, tables) as con:
        yield QuerySession(con)


def query_df(
    sql: str,
    brand: str | None = None,
    params: Sequence[Any] | dict[str, Any] | None = None,
    published_dir: Path | str | None = None,
) -> pd.DataFrame:
    """Run one read-only query on the published snapshot and return a DataFrame.

    With `brand`, the query sees that brand's rows only, in every table (the brand's file
    of the snapshot; on an older snapshot, copies of the tables it names).
    """
    tables = referenced_tables(sql) if brand is not None else None
    with session(brand, published_dir, tables=tables) as s:
        return s.df(sql, params)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.allow_abbrev = False  # --out is not --output: a typo must not become an option
    parser.add_argument("sql", nargs="?", help="one SELECT; read from stdin when absent")
    parser.add_argument("--brand", help="see only this brand's rows")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format")
    parser.add_argument("--output", type=Path, help="write to this file (required for parquet)")
    parser.add_argument("--published-dir", type=Path, help="published dir (default: configured)")
    parser.add_argument("--max-rows", type=int, default=50, help="rows shown by --format table")
    parser.add_argument("--max-width", type=int, default=40, help="cell width of --format table")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        help=f"stop the query after this many seconds (default {DEFAULT_TIMEOUT_SECONDS:g}; 0 = none)",
    )
    parser.add_argument("--memory-limit", help="DuckDB memory cap (default: the configured one)")
    parser.add_argument(
        "--max-temp-size",
        default=DEFAULT_MAX_TEMP_SIZE,
        help=f"cap on spill files on disk (default {DEFAULT_MAX_TEMP_SIZE})",
    )
    parser.add_argument(
        "--raw", action="store_true", help="CSV: no apostrophe before formula-like text cells"
    )


def prepare_argv(argv: list[str]) -> list[str]:
    """SQL is never read as an option: an argument starting with '-' that spans lines, or
    holds whitespace without being `--option=value` (`-- comment\nSELECT 1`,
    `-1 AS x`), is the SQL, so it goes after a `--`."""
    if "--" in argv:
        return argv
    for i, arg in enumerate(argv):
        if arg.startswith("-") and _looks_like_sql(arg):
            return [*argv[:i], *argv[i + 1 :], "--", arg]
    return argv


def _looks_like_sql(arg: str) -> bool:
    if "\n" in arg or "\r" in arg:
        return True
    return any(c.isspace() for c in arg) and "=" not in arg.split()[0]


def check_output(path: Path, published_dir: Path | str | None) -> None:
    """Refuse an --output that is a symbolic link, not a regular file, or in the
    published directory (a query must never overwrite a snapshot)."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        info = None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise UnsafeOutput(f"{path} is a symbolic link: refusing to write through it")
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeOutput(f"{path} is not a regular file (a device, a directory, a pipe)")
    published = Path(published_dir or get_settings().published_dir).resolve()
    target = path.parent.resolve() / path.name
    if target == published or target.is_relative_to(published):
        raise UnsafeOutput(f"{path} is inside the published directory {published}")


def run(args: argparse.Namespace) -> int:
    sql = args.sql
    if sql is None:
        if sys.stdin.isatty():
            print("query: give the SQL as an argument or on stdin", file=sys.stderr)
            return 2
        sql = sys.stdin.read()
    if args.format == "parquet" and args.output is None:
        print("query: --format parquet needs --output FILE", file=sys.stderr)
        return 2
    try:
        parse_size(getattr(args, "max_temp_size", None) or DEFAULT_MAX_TEMP_SIZE)
    except ValueError as exc:
        print(f"query: --max-temp-size: {exc}", file=sys.stderr)
        return 2
    target = None
    if args.output is not None:
        try:
            check_output(args.output, args.published_dir)
        except UnsafeOutput as exc:
            print(f"query: {exc}", file=sys.stderr)
            return 2
        # written beside the destination (created exclusively: never through a link
        # planted at its name), renamed over it when complete
        target = args.output.with_name(f".{args.output.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with execute(
            sql,
            args.brand,
            None,
            args.published_dir,
            timeout=getattr(args, "timeout", DEFAULT_TIMEOUT_SECONDS),
            memory_limit=getattr(args, "memory_limit", None),
            max_temp_size=getattr(args, "max_temp_size", None),
        ) as result:
            rows = _write(result, args.format, target, args)
        if target is not None:
            os.replace(target, args.output)
    except QueryRejected as exc:
        print(f"query rejected: {exc}", file=sys.stderr)
        return 2
    except (UnknownBrand, NoSnapshot) as exc:
        print(f"query: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    except QueryTimeout as exc:
        print(f"query timed out: {exc}", file=sys.stderr)
        return 1
    except QueryLimitExceeded as exc:
        print(f"query failed: {exc}", file=sys.stderr)
        return 1
    except duckdb.Error as exc:
        print(f"query failed: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"query: cannot write the result: {exc}", file=sys.stderr)
        return 1
    finally:
        if target is not None:
            target.unlink(missing_ok=True)
    if args.output is not None:
        print(f"wrote {rows} rows to {args.output}", file=sys.stderr)
    return 0


def _write(
    result: duckdb.DuckDBPyConnection, fmt: str, target: Path | None, args: argparse.Namespace
) -> int:
    if fmt == "parquet":
        assert target is not None
        with open(target, "xb") as out:
            return write_parquet(result, out)
    if target is None:
        return _write_text(result, args, sys.stdout)
    with open(target, "x", encoding="utf-8", newline="") as out:
        return _write_text(result, args, out)


def _write_text(result: duckdb.DuckDBPyConnection, args: argparse.Namespace, out: Any) -> int:
    if args.format == "csv":
        return write_csv(result, out, raw=getattr(args, "raw", False))
    if args.format == "json":
        return write_json(result, out)
    return write_table(result, out, max_rows=args.max_rows, max_width=args.max_width)
