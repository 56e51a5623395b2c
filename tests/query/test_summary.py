"""The run summary lists the marts that are views (funnel_persons is one) with their rows."""

from __future__ import annotations

from pathlib import Path

import duckdb

from brandpulse.summary import render


def test_summary_lists_tables_and_views_with_their_rows(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA intermediate; CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE raw.load_audit (source VARCHAR, _partition_date DATE, rows_read BIGINT, "
        "rows_loaded BIGINT, rows_duplicate BIGINT, rows_rejected BIGINT)"
    )
    con.execute("CREATE TABLE raw.rejected_rows (source VARCHAR, reason VARCHAR)")
    con.execute("CREATE TABLE intermediate.steps AS SELECT range AS step FROM range(5)")
    con.execute("CREATE TABLE marts.daily AS SELECT range AS day FROM range(3)")
    con.execute(
        'CREATE VIEW marts."first steps" AS SELECT * FROM intermediate.steps WHERE step < 2'
    )
    con.close()

    lines = render(warehouse).splitlines()

    assert any(line.split() == ["marts.daily", "3"] for line in lines)
    assert any(line.split() == ["marts.first", "steps", "2", "(view)"] for line in lines)
