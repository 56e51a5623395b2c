"""The Spark marts' serving copy in DuckDB (brandpulse/spark_marts.py): no Spark needed,
the export is written here as Spark writes it (Parquet with UTC-adjusted timestamps)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from brandpulse.spark_marts import export_dir, load_marts


def _export(spark_dir: Path, mart: str, sql: str, schema: str = "marts") -> None:
    folder = export_dir(spark_dir) / schema / mart
    folder.mkdir(parents=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'America/New_York'")  # the writer's zone must not matter
    con.execute(f"COPY ({sql}) TO '{folder / 'part-00000.parquet'}' (FORMAT parquet)")
    con.close()


@pytest.fixture
def warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.rfm AS SELECT 'old' AS person_id")
    con.execute("CREATE VIEW marts.funnel_persons AS SELECT 'old' AS person_id")
    yield con
    con.close()


def test_marts_replace_tables_and_views_with_naive_utc_timestamps(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    spark = tmp_path / "spark"
    _export(spark, "rfm", "SELECT 'p1' AS person_id, 3::INTEGER AS frequency")
    _export(
        spark,
        "funnel_persons",
        "SELECT 'p2' AS person_id, TIMESTAMPTZ '2026-08-01 12:00:00+00' AS entered_at "
        "UNION ALL SELECT 'p3', TIMESTAMPTZ '2026-08-01 23:30:00-02'",
    )
    _export(spark, "int_brands", "SELECT 'b1' AS brand_id", schema="intermediate")
    loaded = load_marts(warehouse, spark)
    assert {(m.schema, m.name, m.rows) for m in loaded} == {
        ("marts", "rfm", 1),
        ("marts", "funnel_persons", 2),
        ("intermediate", "int_brands", 1),
    }
    assert warehouse.execute("SELECT * FROM intermediate.int_brands").fetchall() == [("b1",)]
    assert warehouse.execute("SELECT * FROM marts.rfm").fetchall() == [("p1", 3)]
    rows = warehouse.execute("SELECT * FROM marts.funnel_persons ORDER BY 1").fetchall()
    assert rows == [("p2", datetime(2026, 8, 1, 12)), ("p3", datetime(2026, 8, 2, 1, 30))]
    kinds = warehouse.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
    ).fetchall()
    assert kinds == [("funnel_persons",), ("rfm",)]  # the view became a table
    described = warehouse.execute("DESCRIBE marts.funnel_persons").fetchall()
    assert {name: kind for name, kind, *_ in described}["entered_at"] == "TIMESTAMP"


def test_a_broken_export_leaves_the_previous_marts(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    spark = tmp_path / "spark"
    _export(spark, "funnel_persons", "SELECT 'new' AS person_id")
    (export_dir(spark) / "marts" / "rfm").mkdir()  # a mart folder without its Parquet file
    with pytest.raises(FileNotFoundError, match="marts.rfm"):
        load_marts(warehouse, spark)
    assert warehouse.execute("SELECT * FROM marts.rfm").fetchall() == [("old",)]
    assert warehouse.execute("SELECT * FROM marts.funnel_persons").fetchall() == [("old",)]


def test_nothing_exported_changes_nothing(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    assert load_marts(warehouse, tmp_path / "spark") == []
    assert warehouse.execute("SELECT * FROM marts.rfm").fetchall() == [("old",)]
