"""One small warehouse per test session, built once from the hand-worked streams.

`core_warehouse`: all raw rows loaded, then one `dbt build` of the core models
(seeds, models, generic/singular/unit tests). `incremental_warehouse`: the same
events landed in three arrival batches with an incremental dbt run after each, to be
compared with the full build.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import streams  # noqa: E402
from warehouse import create_warehouse, insert_rows, query, run_dbt  # noqa: E402

CORE_MODEL_PATHS = (
    "path:models/staging/core path:models/intermediate/core +path:models/marts/core "
    "path:models/staging/funnels path:models/intermediate/funnels +path:models/marts/funnels "
    "+path:models/marts/explore +path:models/marts/catalog +path:models/marts/trends"
)
CORE_SELECTION = [
    "--select",
    f"segment_features {CORE_MODEL_PATHS} path:tests/core path:tests/funnels",
    "--indirect-selection",
    "cautious",  # tests of the AI models pulled in as ancestors need models not selected here
]
CORE_MODELS = ["--select", CORE_MODEL_PATHS]
PARTITIONED = "+tag:partitioned"
BATCH_CUTOFFS = ["2026-08-03", "2026-08-11", "9999-12-31"]


@dataclass
class Warehouse:
    path: Path
    snapshots: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return query(self.path, sql, params)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dbtcore")


@pytest.fixture(scope="session")
def core_warehouse(data_dir: Path) -> Iterator[Warehouse]:
    path = data_dir / "core.duckdb"
    create_warehouse(path, streams.all_tables())
    run_dbt(path, "build", *CORE_SELECTION, data_dir=data_dir)
    yield Warehouse(path)


def reingest_partitions(con: Any, removed_rows: list[dict[str, Any]]) -> None:
    """Remove `removed_rows` from raw.events the way brandpulse.ingest does: their
    partitions are re-ingested, so every other row of those partitions is loaded again
    (a new _loaded_at, later than every load before)."""
    if not removed_rows:
        return
    (loaded_at,) = con.execute(
        "SELECT max(_loaded_at) + INTERVAL 1 MINUTE FROM raw.events"
    ).fetchone()
    for e in removed_rows:
        con.execute(
            "DELETE FROM raw.events WHERE brand_id = ? AND event_id = ? AND user_id = ?",
            [e["brand_id"], e["event_id"], e["user_id"]],
        )
    partitions = sorted({e["_partition_date"] for e in removed_rows})
    con.execute(
        "UPDATE raw.events SET _loaded_at = ? WHERE list_contains(?, _partition_date)",
        [loaded_at, partitions],
    )


@pytest.fixture(scope="session")
def incremental_warehouse(data_dir: Path) -> Iterator[Warehouse]:
    """The events landed in three batches, every core model run incrementally after each.

    Batch 2 runs like Dagster does: the partitioned group with the partition window as
    vars, then the rest in a second dbt invocation. Between batches raw rows of brand
    `inc` are re-ingested and removed, its timezone (twice) and a cohort definition change, and
    funnel definitions change, appear and disappear (streams.INC_EARLIER_FUNNELS).
    """
    path = data_dir / "incremental.duckdb"
    tables = streams.all_tables()
    events = tables.pop("raw.events")
    tables["raw.brands"] = [
        streams.INC_EARLIER_BRAND if b["brand_id"] == "inc" else b for b in tables["raw.brands"]
    ]
    tables["raw.cohorts"] = [
        c for c in tables["raw.cohorts"] if c["brand_id"] != "inc"
    ] + streams.INC_EARLIER_COHORTS
    for table in streams.FUNNEL_TABLES:
        tables.pop(table)
    create_warehouse(path, tables)
    wh = Warehouse(path)
    run_dbt(path, "seed", data_dir=data_dir)
    previous = "0000-01-01"
    run_vars = [
        None,
        # a Dagster partition run: window 08-09..08-12, but e2 (08-03) is new and still lands
        '{"min_date": "2026-08-09", "max_date": "2026-08-12", "lookback_days": 1}',
        None,
    ]
    import duckdb

    for batch, (cutoff, dbt_vars) in enumerate(zip(BATCH_CUTOFFS, run_vars, strict=True), start=1):
        rows = [e for e in events if previous < e["_partition_date"].isoformat() <= cutoff]
        rows += [e for e, landed, _ in streams.INC_EARLIER_EVENTS if landed == batch]
        previous = cutoff
        con = duckdb.connect(str(path))
        try:
            removed_rows = [e for e, _, removed in streams.INC_EARLIER_EVENTS if removed == batch]
            reingest_partitions(con, removed_rows)
            if batch in (2, 3):
                con.execute("DELETE FROM raw.brands WHERE brand_id = 'inc'")
                insert_rows(
                    con,
                    "raw.brands",
                    [streams.INC_MIDDLE_BRAND]
                    if batch == 2
                    else [b for b in streams.BRANDS if b["brand_id"] == "inc"],
                )
            if batch == 3:
                con.execute("DELETE FROM raw.cohorts WHERE brand_id = 'inc'")
                insert_rows(
                    con, "raw.cohorts", [c for c in streams.COHORTS if c["brand_id"] == "inc"]
                )
            for table, definition_rows in streams.funnels_in_batch(batch).items():
                con.execute(f"DELETE FROM {table}")
                insert_rows(con, table, definition_rows)
            if batch == 3:
                # the partitioned models alone see the removals first (a Dagster run whose
                # second step failed): the others then catch up on two runs at once
                con.close()
                run_dbt(path, "run", "--select", PARTITIONED, data_dir=data_dir)
                con = duckdb.connect(str(path))
            insert_rows(con, "raw.events", rows)
        finally:
            con.close()
        if dbt_vars:
            run_dbt(path, "run", "--select", PARTITIONED, "--vars", dbt_vars, data_dir=data_dir)
            run_dbt(path, "run", *CORE_MODELS, "--exclude", PARTITIONED, data_dir=data_dir)
        else:
            run_dbt(path, "run", *CORE_MODELS, data_dir=data_dir)
        wh.snapshots[f"batch{batch}"] = wh.rows(
            "select event_id, person_id, session_id from intermediate.int_events_resolved "
            "where brand_id = 'acme' order by event_id"
        )
        wh.snapshots[f"inc_batch{batch}"] = wh.rows(
            "select event_id, person_id, session_id, event_day from intermediate.int_events_resolved "
            "where brand_id = 'inc' order by event_id"
        )
        wh.snapshots[f"loaded_watermark_batch{batch}"] = wh.rows(
            "select max(_loaded_at) from intermediate.int_events_resolved"
        )
        wh.snapshots[f"inc_persons_batch{batch}"] = wh.rows(
            "select person_id, sessions from intermediate.int_persons where brand_id = 'inc' order by 1"
        )
        wh.snapshots[f"funnels_batch{batch}"] = wh.rows(
            "select funnel_id, step_number, persons from marts.funnel_conversion order by 1, 2"
        )
        wh.snapshots[f"funnel_watermarks_batch{batch}"] = wh.rows(
            "select funnel_id, count(distinct _events_watermark) "
            "from intermediate.int_funnel_counted_steps group by 1 order by 1"
        )
    yield wh
