"""The data dictionary of the tables Python assets write (ml.*, ai.*): every column is
described once, beside its declared type, and the description reaches the snapshot
(and each brand's file) as a DuckDB column comment, as dbt does for the models."""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.analytics.io import ML_COLUMN_DOCS, ML_TABLES, _ensure_columns
from assets.publish.assets import published_column_descriptions
from brandpulse.brand_files import brand_file
from brandpulse.publish import publish_snapshot, read_manifest
from brandpulse.raw_schema import AI_COLUMN_DOCS, AI_TABLES, ensure_ai_schema


def test_every_declared_column_has_a_description_and_no_other() -> None:
    assert {t: list(d) for t, d in ML_COLUMN_DOCS.items()} == {
        t: [name for name, _ in cols] for t, cols in ML_TABLES.items()
    }
    assert {t: list(d) for t, d in AI_COLUMN_DOCS.items()} == {
        t: list(declared.column_names) for t, declared in AI_TABLES.items()
    }
    for docs in (*ML_COLUMN_DOCS.values(), *AI_COLUMN_DOCS.values()):
        assert all(text.strip() for text in docs.values())


def _comments(path: Path) -> dict[tuple[str, str, str], str | None]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
            "WHERE schema_name IN ('ml', 'ai')"
        ).fetchall()
    finally:
        con.close()
    return {(s, t, c): comment for s, t, c, comment in rows}


def test_published_ml_and_ai_columns_carry_their_descriptions(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    ensure_ai_schema(con)
    for table in ML_TABLES:
        _ensure_columns(con, table)
    con.execute(
        "INSERT INTO ml.revenue_forecast (brand_id, day, model, trained_through) "
        "VALUES ('acme', DATE '2026-08-02', 'prophet', DATE '2026-08-01')"
    )
    # a comment of the table's own wins over the declared one
    con.execute("COMMENT ON COLUMN ml.revenue_forecast.model IS 'Set in the warehouse.'")
    con.close()
    snapshot = publish_snapshot(
        warehouse, tmp_path / "published", column_descriptions=published_column_descriptions()
    )
    comments = _comments(snapshot)
    declared = len(published_column_descriptions()["ml.revenue_forecast"])
    assert len([k for k in comments if k[1] == "revenue_forecast"]) == declared
    assert comments[("ml", "revenue_forecast", "model")] == "Set in the warehouse."
    assert (
        comments[("ml", "revenue_forecast", "yhat")] == ML_COLUMN_DOCS["revenue_forecast"]["yhat"]
    )
    assert comments[("ai", "generations", "cost_usd")] == AI_COLUMN_DOCS["generations"]["cost_usd"]
    assert [k for k, text in comments.items() if not text] == []
    own = brand_file(snapshot, read_manifest(snapshot), "acme")
    assert own is not None
    in_brand_file = _comments(own)
    assert in_brand_file and all(in_brand_file.values())  # the brand's file keeps them
    assert (
        in_brand_file[("ml", "revenue_forecast", "yhat")]
        == comments[("ml", "revenue_forecast", "yhat")]
    )
