"""Extract the app database (BRANDPULSE_APP_DATABASE_URL) into raw.* without Dagster.

Incremental by default (each table from its stored cursor, minus the overlap window);
`--full` re-reads every table from the start: the full re-sync.
"""

from __future__ import annotations

import argparse
import sys

from brandpulse.app.connection import AppDatabaseUnavailable
from brandpulse.app.extract import AppSchemaError
from brandpulse.app.tables import APP_TABLES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--full", action="store_true", help="ignore the cursors: re-read every app table"
    )
    parser.add_argument(
        "--table",
        action="append",
        choices=[t.name for t in APP_TABLES],
        help="app table (repeatable); default: all",
    )


def run(args: argparse.Namespace) -> int:
    from brandpulse.app.sync import sync

    tables = [t for t in APP_TABLES if not args.table or t.name in args.table]
    try:
        runs = sync(full=args.full, tables=tables)
    except (AppDatabaseUnavailable, AppSchemaError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for r in runs:
        print(
            f"{r.table:<24} read {r.rows_read:>10,}  loaded {r.rows_loaded:>10,}  duplicates "
            f"{r.rows_duplicate:>8,}  rejected {r.rows_rejected:>7,}  "
            f"{'balanced' if r.balanced else 'UNBALANCED'}"
        )
    return 0
