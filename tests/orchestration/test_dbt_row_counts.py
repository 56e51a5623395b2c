"""dbt table models get their row counts once dbt has exited; views and other events
pass through; a dbt failure still yields the models built before it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dagster import AssetCheckResult, Output

from assets.dbt.row_counts import ROW_COUNT, with_row_counts

MANIFEST = {
    "nodes": {
        "model.p.t": {"schema": "marts", "alias": "daily", "config": {"materialized": "table"}},
        "model.p.v": {"schema": "marts", "alias": "recent", "config": {"materialized": "view"}},
    }
}


@pytest.fixture
def warehouse(tmp_path: Path) -> str:
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.daily AS SELECT range AS day FROM range(7)")
    con.execute("CREATE VIEW marts.recent AS SELECT * FROM marts.daily WHERE day > 4")
    con.close()
    return str(path)


def _events():
    yield Output(None, output_name="daily", metadata={"unique_id": "model.p.t"})
    yield Output(None, output_name="recent", metadata={"unique_id": "model.p.v"})
    yield AssetCheckResult(passed=True, check_name="not_null", asset_key="daily")


def test_tables_get_row_counts_views_do_not(warehouse: str) -> None:
    out = list(with_row_counts(_events(), MANIFEST, warehouse))
    assert out[0].metadata[ROW_COUNT].value == 7
    assert ROW_COUNT not in out[1].metadata
    assert isinstance(out[2], AssetCheckResult)


def test_a_failure_still_yields_what_was_built(warehouse: str) -> None:
    def failing():
        yield Output(None, output_name="daily", metadata={"unique_id": "model.p.t"})
        raise RuntimeError("dbt failed on the next model")

    got = []
    with pytest.raises(RuntimeError, match="next model"):
        for event in with_row_counts(failing(), MANIFEST, warehouse):
            got.append(event)
    assert [e.metadata[ROW_COUNT].value for e in got] == [7]
