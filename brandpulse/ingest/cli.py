"""Load landing partitions into raw.* without Dagster (same code the ingest assets run).

Snapshot sources (brands first) are always reloaded; partitioned sources load the given
arrival days, or every day that has files.
"""

from __future__ import annotations

import argparse
from datetime import date

from brandpulse import db
from brandpulse.config import get_settings
from brandpulse.ingest import (
    PARTITIONED_SOURCES,
    SNAPSHOT_SOURCES,
    LoadReport,
    load_partitions,
    load_snapshot,
)
from brandpulse.ingest.load import partitions_with_files


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--day",
        action="append",
        type=date.fromisoformat,
        help="arrival day (repeatable); default: all",
    )
    parser.add_argument(
        "--source",
        action="append",
        choices=[s.name for s in PARTITIONED_SOURCES],
        help="partitioned source (repeatable); default: all",
    )


def _line(report: LoadReport) -> str:
    return (
        f"{report.source:<24} read {report.total('rows_read'):>10,}  loaded {report.total('rows_loaded'):>10,}  "
        f"duplicates {report.total('rows_duplicate'):>8,}  rejected {report.total('rows_rejected'):>7,}  "
        f"{'balanced' if report.balanced else 'UNBALANCED'}  {report.seconds:.1f}s"
    )


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    with db.connect() as con:
        for source in SNAPSHOT_SOURCES:
            print(_line(load_snapshot(con, source.name, settings.landing_dir)))
        for name in args.source or [s.name for s in PARTITIONED_SOURCES]:
            days = args.day or partitions_with_files(settings.landing_dir, name)
            print(_line(load_partitions(con, name, days, settings.landing_dir)))
    print(f"warehouse: {settings.warehouse_path}")
    return 0
