"""The run summary lists the marts that are views (funnel_persons is one) with their rows."""

from __future__ import annotations

import shlex
from pathlib import Path

import duckdb

from brandpulse.cli import main
from brandpulse.publish import publish_snapshot
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


def test_example_query_runs_when_pasted(tmp_path: Path, capsys) -> None:
    """The printed command names a real brand (no `<brand_id>`, a shell redirection) and
    runs as it is on the published snapshot."""
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE raw.load_audit (source VARCHAR, _partition_date DATE, rows_read BIGINT, "
        "rows_loaded BIGINT, rows_duplicate BIGINT, rows_rejected BIGINT)"
    )
    con.execute("CREATE TABLE raw.rejected_rows (source VARCHAR, reason VARCHAR)")
    con.execute("CREATE TABLE marts.brands AS SELECT 'b&x' AS brand_id UNION ALL SELECT 'zz'")
    con.execute(
        "CREATE TABLE marts.funnels AS SELECT 'b&x' AS brand_id, 'f1' AS funnel_id, 'Signup' AS funnel_name"
    )
    con.execute(
        "CREATE TABLE marts.funnel_conversion AS SELECT 'b&x' AS brand_id, 'f1' AS funnel_id, "
        "1 AS step_number, 'view' AS event_name, 4 AS persons, 1.0 AS conversion_from_start"
    )
    con.close()
    published = tmp_path / "published"
    publish_snapshot(warehouse, published)

    command = render(warehouse).splitlines()[-1].strip()
    assert "<" not in command and ">" not in command
    argv = shlex.split(command)  # what a shell does with it
    assert argv[:4] == [".venv/bin/brandpulse", "query", "--brand", "b&x"]
    assert main([*argv[1:], "--published-dir", str(published), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1:] == ["Signup,1,view,4,1.0"]
