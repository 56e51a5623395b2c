"""Build a tiny DuckDB warehouse from oracle objects and run the funnel dbt models on it.

Raw rows go in with bound parameters; dbt runs as a subprocess (as Dagster runs it),
with its own target and log directories so parallel engineers never collide.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from brandpulse.config import REPO_ROOT
from brandpulse.ingest.definitions import where_value
from brandpulse.raw_schema import ensure_ai_schema, ensure_raw_schema
from tests.funnels.reference import Event, Funnel

DBT = REPO_ROOT / ".venv" / "bin" / "dbt"
DBT_DIR = REPO_ROOT / "dbt_project"
# marts.brands too: the snapshot's funnel_between macro takes brand-local days from it
FUNNEL_SELECTOR = "+path:models/marts/funnels +brands"


def load_raw(
    path: Path, events: Sequence[Event], funnels: Sequence[Funnel], timezones: dict[str, str]
) -> None:
    """Create raw.* in `path` and insert the events, funnel definitions and brands."""
    con = duckdb.connect(str(path))
    try:
        ensure_raw_schema(con)
        ensure_ai_schema(con)
        con.executemany(
            "INSERT INTO raw.brands (brand_id, name, timezone) VALUES (?, ?, ?)",
            [[b, b, tz] for b, tz in timezones.items()],
        )
        con.executemany(
            """INSERT INTO raw.events (brand_id, event_id, event_name, occurred_at, user_id, properties, context)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [
                [
                    e.brand_id,
                    e.event_id,
                    e.event_name,
                    e.occurred_at,
                    e.person_id,
                    json.dumps(e.properties),
                    "{}",
                ]
                for e in events
            ],
        )
        for f in funnels:
            con.execute(
                """INSERT INTO raw.funnels (funnel_id, brand_id, name, funnel_order, window_seconds,
                   step_count, definition) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                [
                    f.funnel_id,
                    f.brand_id,
                    f.funnel_id,
                    f.order,
                    f.window_seconds,
                    len(f.steps),
                    "{}",
                ],
            )
            for n, step in enumerate(f.steps, start=1):
                con.execute(
                    "INSERT INTO raw.funnel_steps VALUES (?, ?, ?, ?, ?)",
                    [f.brand_id, f.funnel_id, n, step.event_name, len(step.filters)],
                )
                for prop, value in step.filters:
                    where = where_value(value)
                    con.execute(
                        "INSERT INTO raw.funnel_step_filters VALUES (?, ?, ?, ?, ?, ?)",
                        [
                            f.brand_id,
                            f.funnel_id,
                            n,
                            prop,
                            where["value_text"],
                            where["value_type"],
                        ],
                    )
            for x in f.exclusions:
                con.execute(
                    "INSERT INTO raw.funnel_exclusions VALUES (?, ?, ?, ?, ?)",
                    [f.brand_id, f.funnel_id, x.event_name, x.from_step, x.to_step],
                )
    finally:
        con.close()


def run_dbt(warehouse: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one dbt command against `warehouse`; raise with dbt's output when it fails."""
    work = warehouse.parent
    env = {
        **os.environ,
        "BRANDPULSE_WAREHOUSE": str(warehouse),
        "BRANDPULSE_DATA_DIR": str(work),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "BRANDPULSE_DUCKDB_MEMORY_LIMIT": "1GB",
        "DBT_LOG_PATH": str(work / "dbt-logs"),
    }
    cmd = [str(DBT), *args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    cmd += ["--target-path", str(work / "dbt-target")]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise AssertionError(
            f"dbt {' '.join(args)} failed:\n{proc.stdout[-8000:]}\n{proc.stderr[-2000:]}"
        )
    return proc


def query(warehouse: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Read rows from a built warehouse (read-only)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()
