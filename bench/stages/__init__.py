"""Benchmark stages: each measures one part of the pipeline next to its own baseline.

Every stage module has `run(ctx) -> dict` returning `{"metrics": {...}, "notes": [...]}`;
bench.run wraps it with timing, peak memory and error capture. Stages hand results to
later stages through `ctx.state` (e.g. the built warehouse, the full build's seconds).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bench.sizes import BenchSize


class StageSkipped(RuntimeError):
    """A stage cannot run because an earlier stage it needs did not produce its input."""


@dataclass
class BenchContext:
    size: BenchSize
    landing: Path
    manifest: dict
    work: Path
    """Scratch folder of this size: warehouses, dbt target and logs. Kept between runs, so
    dbt's partial-parse state carries over (as on a production box); every stage replaces
    the warehouses and step folders it writes."""
    quick: bool = False
    workers: int = 2
    dbt_timeout: float | None = None
    """Seconds after which an incremental dbt build is stopped and reported as a lower bound."""
    state: dict = field(default_factory=dict)

    def days(self, source: str = "events") -> list[date]:
        from brandpulse.ingest.load import partitions_with_files

        return partitions_with_files(self.landing, source)

    def all_days(self) -> list[date]:
        """Arrival days with files in any partitioned source."""
        from brandpulse.ingest import PARTITIONED_SOURCES

        return sorted({d for s in PARTITIONED_SOURCES for d in self.days(s.name)})

    def warehouse(self, name: str) -> Path:
        return self.work / f"{name}.duckdb"

    def fresh_warehouse(self, name: str) -> Path:
        path = self.warehouse(name)
        remove_database(path)
        return path

    def env(self, warehouse: Path) -> dict[str, str]:
        """Environment for subprocesses (dbt, Dagster) pointed at `warehouse` and this landing zone."""
        days = self.all_days()
        env = {
            **os.environ,
            "BRANDPULSE_WAREHOUSE": str(warehouse),
            "BRANDPULSE_LANDING": str(self.landing),
            "BRANDPULSE_PUBLISHED_DIR": str(self.work / "published"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "PYTHONWARNINGS": "ignore",
        }
        if days:
            env["BRANDPULSE_START_DATE"] = days[0].isoformat()
        return env


def remove_database(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def copy_database(source: Path, target: Path) -> None:
    """Copy a closed DuckDB file (and its WAL, if any) to `target`."""
    remove_database(target)
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
