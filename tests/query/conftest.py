"""A tiny warehouse with two brands, and its published snapshot.

Brand A is "brand_a"; every value of brand B carries the marker "SECRET_B", so a test
can check that nothing of brand B reaches a session scoped to brand A.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from brandpulse.publish import publish_snapshot

BRAND_A = "brand_a"
BRAND_B = "brand_b"
SECRET = "SECRET_B"

# schema.table -> (rows of brand A, rows of brand B)
BRAND_TABLE_ROWS = {
    "marts.daily_brand_metrics": (2, 1),
    "marts.funnel_conversion": (1, 2),
    "marts.v_daily_totals": (1, 1),  # a view in the warehouse
    "ml.revenue_forecast": (1, 1),
    "ai.generations": (1, 1),
}


def build_warehouse(path: Path, extra_revenue: float = 0.0) -> Path:
    """Create marts/ml/ai tables for two brands directly (no dbt), plus raw and staging."""
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA ml; CREATE SCHEMA ai; CREATE SCHEMA raw")
    con.execute("CREATE SCHEMA staging")
    con.execute("CREATE TABLE raw.brands (brand_id VARCHAR, name VARCHAR)")
    con.execute(
        "INSERT INTO raw.brands VALUES (?, 'Brand A'), (?, ?), ('brand_c', 'no data yet')",
        [BRAND_A, BRAND_B, SECRET],
    )
    con.execute("CREATE TABLE staging.stg_secret (brand_id VARCHAR, note VARCHAR)")
    con.execute("INSERT INTO staging.stg_secret VALUES (?, ?)", [BRAND_B, SECRET])
    con.execute(
        "CREATE TABLE marts.daily_brand_metrics (brand_id VARCHAR, day DATE, events BIGINT, revenue DOUBLE, note VARCHAR)"
    )
    con.execute(
        "INSERT INTO marts.daily_brand_metrics VALUES "
        "(?, DATE '2026-08-01', 10, 12.5 + ?, 'a1'), (?, DATE '2026-08-02', 5, 0.0, 'a2'), "
        "(?, DATE '2026-08-01', 99, 999.0, ?)",
        [BRAND_A, extra_revenue, BRAND_A, BRAND_B, SECRET],
    )
    con.execute("COMMENT ON TABLE marts.daily_brand_metrics IS 'One row per brand and day.'")
    con.execute(
        "COMMENT ON COLUMN marts.daily_brand_metrics.revenue IS 'Revenue, in the brand''s currency.'"
    )
    con.execute(
        "CREATE TABLE marts.funnel_conversion (brand_id VARCHAR, funnel_id VARCHAR, step_number INTEGER, persons BIGINT)"
    )
    con.execute(
        "INSERT INTO marts.funnel_conversion VALUES (?, 'f1', 1, 4), (?, ?, 1, 7), (?, ?, 2, 3)",
        [BRAND_A, BRAND_B, SECRET, BRAND_B, SECRET],
    )
    # dbt-duckdb writes views that name their catalog: the snapshot must still build them
    catalog = path.stem
    con.execute(
        f'CREATE VIEW "{catalog}"."marts"."v_daily_totals" AS '
        f'(SELECT brand_id, sum(events) AS events FROM "{catalog}"."marts"."daily_brand_metrics" GROUP BY brand_id)'
    )
    # a table without brand_id: published, but never copied into a brand-scoped session
    con.execute("CREATE TABLE marts.metric_catalog (metric VARCHAR, owner VARCHAR)")
    con.execute("INSERT INTO marts.metric_catalog VALUES ('events', ?)", [SECRET])
    # a catalog every brand shares (no brand_id): copied whole into scoped sessions
    con.execute("CREATE TABLE marts.ai_models (model VARCHAR, usd_per_image DOUBLE)")
    con.execute("INSERT INTO marts.ai_models VALUES ('local-image', 0.01), ('gpt-image-1', 0.04)")
    # an ENUM brand column: its type alone would list every brand
    con.execute(f"CREATE TYPE brand_enum AS ENUM ('{BRAND_A}', '{BRAND_B}', '{SECRET}')")
    con.execute(
        "CREATE TABLE ml.revenue_forecast (brand_id brand_enum, day DATE, yhat DOUBLE, model brand_enum)"
    )
    con.execute(
        "INSERT INTO ml.revenue_forecast VALUES (?, DATE '2026-08-03', 11.0, ?), (?, DATE '2026-08-03', 22.0, ?)",
        [BRAND_A, BRAND_A, BRAND_B, SECRET],
    )
    con.execute(
        "CREATE TABLE ai.generations (generation_id VARCHAR, brand_id VARCHAR, prompt VARCHAR, cost_usd DOUBLE)"
    )
    con.execute(
        "INSERT INTO ai.generations VALUES ('g1', ?, 'hello', 0.01), ('g2', ?, ?, 0.02)",
        [BRAND_A, BRAND_B, SECRET],
    )
    con.close()
    return path


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every path under tmp_path; small DuckDB settings for a shared 2-core box."""
    monkeypatch.setenv("BRANDPULSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("BRANDPULSE_WAREHOUSE", raising=False)
    monkeypatch.delenv("BRANDPULSE_PUBLISHED_DIR", raising=False)
    monkeypatch.setenv("BRANDPULSE_DUCKDB_THREADS", "1")
    monkeypatch.setenv("BRANDPULSE_DUCKDB_MEMORY_LIMIT", "256MB")


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    return build_warehouse(tmp_path / "data" / "warehouse.duckdb")


@pytest.fixture
def published(tmp_path: Path, warehouse: Path) -> Path:
    """The published dir, holding one snapshot of `warehouse`."""
    out = tmp_path / "data" / "published"
    publish_snapshot(warehouse, out)
    return out


@pytest.fixture
def snapshot(published: Path) -> Path:
    from brandpulse.publish import current_snapshot

    path = current_snapshot(published)
    assert path is not None
    return path
