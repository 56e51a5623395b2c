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

CORE_SELECTION = [
    "--select",
    "segment_features path:models/staging/core path:models/intermediate/core +path:models/marts/core path:tests/core",
    "--indirect-selection",
    "cautious",  # tests of the AI models pulled in as ancestors need models not selected here
]
INCREMENTAL_SELECTION = ["--select", "+int_persons +int_sessions"]
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


@pytest.fixture(scope="session")
def incremental_warehouse(data_dir: Path) -> Iterator[Warehouse]:
    path = data_dir / "incremental.duckdb"
    tables = streams.all_tables()
    events = tables.pop("raw.events")
    create_warehouse(path, tables)
    wh = Warehouse(path)
    previous = "0000-01-01"
    run_vars = [
        None,
        # a Dagster partition run: window 08-09..08-12, but e2 (08-03) is new and still lands
        '{"min_date": "2026-08-09", "max_date": "2026-08-12", "lookback_days": 1}',
        '{"lookback_days": 0}',
    ]
    import duckdb

    for batch, (cutoff, dbt_vars) in enumerate(zip(BATCH_CUTOFFS, run_vars, strict=True), start=1):
        rows = [e for e in events if previous < e["_partition_date"].isoformat() <= cutoff]
        previous = cutoff
        con = duckdb.connect(str(path))
        try:
            insert_rows(con, "raw.events", rows)
        finally:
            con.close()
        args = ["run", *INCREMENTAL_SELECTION]
        if dbt_vars:
            args += ["--vars", dbt_vars]
        run_dbt(path, *args, data_dir=data_dir)
        wh.snapshots[f"batch{batch}"] = wh.rows(
            "select event_id, person_id, session_id from intermediate.int_events_resolved "
            "where brand_id = 'acme' order by event_id"
        )
    yield wh
