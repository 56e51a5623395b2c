"""Build small DuckDB warehouses for the dbt tests: raw rows in, dbt run, read back.

The streams themselves live in `streams.py`; this module only knows how to load
rows into `raw.*` / `ai.*` and how to call dbt (a subprocess, like Dagster does).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb

from brandpulse.config import REPO_ROOT
from brandpulse.raw_schema import ensure_ai_schema, ensure_raw_schema

DBT = REPO_ROOT / ".venv" / "bin" / "dbt"
DBT_DIR = REPO_ROOT / "dbt_project"


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[dict[str, Any]]) -> None:
    """Insert dict rows into `table` (JSON values serialised), with bound parameters."""
    for row in rows:
        values = {k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in row.items()}
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        con.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(values.values()))


def create_warehouse(path: Path, tables: dict[str, Sequence[dict[str, Any]]]) -> None:
    """Create the raw and ai schemas in `path` and load `tables` ({"raw.events": rows})."""
    con = duckdb.connect(str(path))
    try:
        ensure_raw_schema(con)
        ensure_ai_schema(con)
        for table, rows in tables.items():
            insert_rows(con, table, rows)
    finally:
        con.close()


def run_dbt(warehouse: Path, *args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run one dbt command against `warehouse`; raise with dbt's output when it fails."""
    env = {
        **os.environ,
        "BRANDPULSE_WAREHOUSE": str(warehouse),
        "BRANDPULSE_DATA_DIR": str(data_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "BRANDPULSE_DUCKDB_MEMORY_LIMIT": "1GB",
    }
    cmd = [str(DBT), *args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    # Separate target/log dirs so parallel dbt calls of other engineers never collide.
    cmd += ["--target-path", str(data_dir / f"target-{warehouse.stem}")]
    env["DBT_LOG_PATH"] = str(data_dir / f"logs-{warehouse.stem}")
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise AssertionError(
            f"dbt {' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"
        )
    return proc


def query(warehouse: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Read rows from a built warehouse (read-only)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def full_refresh_copy(warehouse: Path, selection: Sequence[str], data_dir: Path) -> Path:
    """A copy of an incrementally built `warehouse` rebuilt with `--full-refresh`: what the
    incremental runs must equal."""
    full = data_dir / "full.duckdb"
    shutil.copy(warehouse, full)
    run_dbt(full, "run", "--full-refresh", *selection, data_dir=data_dir)
    return full


def same_rows(incremental: Path, full: Path, sql: str) -> list[tuple[Any, ...]]:
    """`sql`'s rows on the incremental warehouse, asserted equal to the full rebuild's."""
    found = query(incremental, sql)
    assert found == query(full, sql)  # a full rebuild gives the same rows
    return found


def compared_rows(warehouses: dict[str, Any], sql: str) -> list[tuple[Any, ...]]:
    """same_rows on a built_changed_and_rebuilt fixture's two warehouses."""
    return same_rows(warehouses["incremental"], warehouses["full"], sql)


def built_changed_and_rebuilt(
    path: Path,
    tables: dict[str, Sequence[dict[str, Any]]],
    selection: Sequence[str],
    data_dir: Path,
    before: Sequence[str],
    change: Callable[[duckdb.DuckDBPyConnection], None],
) -> dict[str, Any]:
    """The shape of an "incremental run = full rebuild" fixture: `tables` loaded and built
    (seed, run `selection`), the rows of the `before` queries kept, `change` applied to the
    raw tables, `selection` run again incrementally, and a full-refresh copy built.
    Returns {"incremental": path, "full": copy, "before": {sql: rows}}."""
    create_warehouse(path, tables)
    run_dbt(path, "seed", data_dir=data_dir)
    run_dbt(path, "run", *selection, data_dir=data_dir)
    kept = {sql: query(path, sql) for sql in before}
    con = duckdb.connect(str(path))
    try:
        change(con)
    finally:
        con.close()
    run_dbt(path, "run", *selection, data_dir=data_dir)
    return {
        "incremental": path,
        "full": full_refresh_copy(path, selection, data_dir),
        "before": kept,
    }
