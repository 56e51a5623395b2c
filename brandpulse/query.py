"""Run one read-only SQL query on the published snapshot, optionally scoped to one brand.

    brandpulse query "SELECT * FROM marts.daily_brand_metrics LIMIT 5"
    brandpulse query --brand acme --format csv --output acme.csv "FROM marts.rfm"
    echo "SELECT count(*) FROM ml.metric_anomalies" | brandpulse query --brand acme

Only a single SELECT is accepted (checked by DuckDB's parser), and it runs in a
locked-down session (brandpulse.scoped_session): the snapshot is read-only, files,
ATTACH, COPY, extensions and settings are off, and with --brand the session holds
nothing but that brand's rows. Notebooks use `query_df` for the same guarantees.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from brandpulse.config import get_settings
from brandpulse.publish import current_snapshot
from brandpulse.query_output import FORMATS, write_csv, write_json, write_parquet, write_table
from brandpulse.scoped_session import UnknownBrand, open_session
from brandpulse.sql_guard import QueryRejected, validate_query

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NoSnapshot", "QueryRejected", "UnknownBrand", "execute", "query_df"]


class NoSnapshot(FileNotFoundError):
    """Nothing has been published yet."""


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
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Validate and run `sql`; yield the connection holding the result to fetch from.

    `params` are bound to `?` / `$name` placeholders, never pasted into the SQL.
    """
    with session(brand, published_dir) as s:
        yield s.run(sql, params)


class QuerySession:
    """One (optionally brand-scoped) session on one snapshot, for many queries.

    Opening a brand-scoped session copies that brand's rows once; a report page or a
    notebook that runs dozens of queries reuses it, and all of them see one snapshot.
    Every query is validated exactly as `query_df` validates it.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

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
    brand: str | None = None, published_dir: Path | str | None = None
) -> Iterator[QuerySession]:
    """A QuerySession on the current snapshot (resolved once, when it opens)."""
    with open_session(resolve_snapshot(published_dir), brand) as con:
        yield QuerySession(con)


def query_df(
    sql: str,
    brand: str | None = None,
    params: Sequence[Any] | dict[str, Any] | None = None,
    published_dir: Path | str | None = None,
) -> pd.DataFrame:
    """Run one read-only query on the published snapshot and return a DataFrame.

    With `brand`, the query sees that brand's rows only, in every table.
    """
    with session(brand, published_dir) as s:
        return s.df(sql, params)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sql", nargs="?", help="one SELECT; read from stdin when absent")
    parser.add_argument("--brand", help="see only this brand's rows")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format")
    parser.add_argument("--output", type=Path, help="write to this file (required for parquet)")
    parser.add_argument("--published-dir", type=Path, help="published dir (default: configured)")
    parser.add_argument("--max-rows", type=int, default=50, help="rows shown by --format table")
    parser.add_argument("--max-width", type=int, default=40, help="cell width of --format table")


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
    target = None
    if args.output is not None:  # written beside the destination, renamed when complete
        target = args.output.with_name(f".{args.output.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with execute(sql, args.brand, None, args.published_dir) as result:
            rows = _write(result, args.format, target, args)
        if target is not None:
            os.replace(target, args.output)
    except QueryRejected as exc:
        print(f"query rejected: {exc}", file=sys.stderr)
        return 2
    except (UnknownBrand, NoSnapshot) as exc:
        print(f"query: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
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
        return write_parquet(result, target)
    if target is None:
        return _write_text(result, args, sys.stdout)
    with open(target, "w", encoding="utf-8", newline="") as out:
        return _write_text(result, args, out)


def _write_text(result: duckdb.DuckDBPyConnection, args: argparse.Namespace, out: Any) -> int:
    if args.format == "csv":
        return write_csv(result, out)
    if args.format == "json":
        return write_json(result, out)
    return write_table(result, out, max_rows=args.max_rows, max_width=args.max_width)
