"""`brandpulse report`: write a static HTML report per brand from the published snapshot.

    brandpulse report                      every brand, into $BRANDPULSE_DATA_DIR/reports
    brandpulse report --brand acme --output /tmp/reports

Exit status 1 when a required contract table is missing (the page is still written,
with a warning), 2 when there is nothing to report from.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--brand",
        action="append",
        dest="brands",
        help="brand to report on, repeatable (default: all)",
    )
    parser.add_argument("--output", type=Path, help="output folder (default: data/reports)")
    parser.add_argument("--published-dir", type=Path, help="published dir (default: configured)")


def run(args: argparse.Namespace) -> int:
    # imported here: `brandpulse <any command>` loads every sub-command's module, and
    # the report pulls in pandas and matplotlib
    from brandpulse.query import NoSnapshot, UnknownBrand
    from brandpulse.report.build import write_reports

    try:
        reports = write_reports(args.brands, args.output, args.published_dir)
    except (NoSnapshot, UnknownBrand) as exc:
        print(f"report: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    status = 0
    for report in reports:
        print(f"{report.brand}: {report.path} ({sum(report.charts.values())} charts)")
        if report.missing_optional:
            print(f"  not available: {', '.join(report.missing_optional)}")
        if report.missing_required:
            print(
                f"  MISSING required tables: {', '.join(report.missing_required)}", file=sys.stderr
            )
            status = 1
    if not reports:
        print("report: the snapshot holds no brand with daily metrics", file=sys.stderr)
        return 2
    return status
