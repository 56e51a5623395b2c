"""Generate a deterministic demo landing zone (events, AI requests, shares, comments,
brands and definitions), with known bad input and ground truth under _generator/."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from brandpulse.config import DEFAULT_START_DATE, get_settings
from brandpulse.generator.landing import LandingExistsError
from brandpulse.generator.pipeline import generate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same bytes)")
    parser.add_argument("--brands", type=int, default=8, help="number of brands")
    parser.add_argument("--persons", type=int, default=3000, help="persons in total across brands")
    parser.add_argument("--days", type=int, default=90, help="days of activity")
    parser.add_argument(
        "--start-date",
        type=date.fromisoformat,
        default=DEFAULT_START_DATE,
        help="first brand-local day (YYYY-MM-DD)",
    )
    parser.add_argument(
        "--landing",
        type=Path,
        default=None,
        help="landing zone to write (default: BRANDPULSE_LANDING / <data dir>/landing)",
    )
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=("jsonl", "parquet"),
        default="jsonl",
        help="file format of the partitioned sources",
    )
    parser.add_argument("--gzip", action="store_true", help="gzip the events files (.jsonl.gz)")
    parser.add_argument(
        "--no-bad-rows",
        action="store_true",
        help="no late, duplicate or malformed events and no truncated file",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing landing zone")
    parser.add_argument(
        "--app-database",
        metavar="URL",
        default=None,
        help="also fill this (empty) app PostgreSQL database with the same demo world "
        "(schema created if missing; docs/app_database.md)",
    )


def run(args: argparse.Namespace) -> int:
    landing = args.landing or get_settings().landing_dir
    if args.gzip and args.fmt != "jsonl":
        print("--gzip applies to --format jsonl only", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    print(
        f"generating into {landing} (seed {args.seed}, {args.brands} brands, {args.persons} persons, "
        f"{args.days} days from {args.start_date})"
    )
    try:
        manifest = generate(
            landing,
            seed=args.seed,
            brands=args.brands,
            persons=args.persons,
            days=args.days,
            start_date=args.start_date,
            bad_rows=not args.no_bad_rows,
            fmt=args.fmt,
            gzip_events=args.gzip,
            force=args.force,
            progress=lambda msg: print(f"  {msg}", flush=True),
        )
    except LandingExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - t0
    ev = manifest["events"]
    files = len(manifest["files"]) + (1 if manifest["truncated_file"] else 0)
    rows = sum(manifest["rows_written"].values())
    print(
        f"done: {files} files, {rows:,} rows ({ev['loadable_unique']:,} loadable events, "
        f"{ev['late_events']} late, {ev['duplicates']['total_extra_copies']} duplicate copies, "
        f"{ev['malformed_total']} malformed, {manifest['anomalies']['count']} anomalies) in {seconds:.1f}s"
    )
    print(f"manifest: {landing / '_generator' / 'manifest.json'}")
    if args.app_database:
        from brandpulse.app.connection import describe
        from brandpulse.app.demo import fill_app_database

        print(f"filling the app database {describe(args.app_database)}")
        fill_app_database(
            args.app_database, landing, progress=lambda msg: print(f"  {msg}", flush=True)
        )
    return 0
