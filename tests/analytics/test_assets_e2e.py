"""The analytics assets end to end through Dagster on a tiny temp warehouse."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest
from dagster import materialize

from assets.analytics import analytics_assets, analytics_checks
from brandpulse.resources import SparkResource, WarehouseResource


@pytest.mark.prophet
@pytest.mark.e2e
def test_assets_materialize_and_checks_pass(small_warehouse, tmp_path) -> None:
    truth = tmp_path / "anomalies.json"
    truth.write_text(
        json.dumps(
            [
                {
                    "brand_id": "b000",
                    "day": "2025-02-10",
                    "direction": "spike",
                    "metrics": ["events"],
                    "magnitude": 3.0,
                }
            ]
        )
    )
    con = duckdb.connect(str(small_warehouse))
    con.execute(
        "update marts.daily_brand_metrics set events = events * 3, sessions = sessions * 3, "
        "active_persons = active_persons * 3 where brand_id = 'b000' and day = date '2025-02-10'"
    )
    con.close()
    result = materialize(
        [*analytics_assets, *analytics_checks],
        resources={
            "warehouse": WarehouseResource(path=str(small_warehouse)),
            "spark": SparkResource(),
        },
        run_config={
            "ops": {
                "ml__revenue_forecast": {
                    "config": {"horizon_days": 14, "uncertainty_samples": 50, "workers": 1}
                },
                "ml__revenue_forecast_backtest": {
                    "config": {
                        "origins": 2,
                        "horizons": [7],
                        "uncertainty_samples": 50,
                        "workers": 1,
                    }
                },
                "ml__metric_anomalies": {"config": {"truth_path": str(truth)}},
                "ml__funnel_correlations": {"config": {"min_persons": 1}},
            }
        },
    )
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert len(checks) == len(analytics_checks)
    assert all(c.passed for c in checks), [
        (c.check_name, c.metadata) for c in checks if not c.passed
    ]

    con = duckdb.connect(str(small_warehouse), read_only=True)
    try:
        models = dict(
            con.execute(
                "select brand_id, any_value(model) from ml.revenue_forecast group by 1"
            ).fetchall()
        )
        assert models == {
            "b000": "prophet",
            "b001": "prophet",
            "b002": "seasonal_naive (short history)",
        }
        # the current vintage of 3 brands, plus b000's vintage as of 28 days earlier (b001's
        # would have 12 days of history: under the 28 a forecast needs)
        vintages = con.execute(
            "select brand_id, trained_through::varchar, count(*) from ml.revenue_forecast "
            "group by all order by all"
        ).fetchall()
        assert vintages == [
            ("b000", "2025-02-11", 14),
            ("b000", "2025-03-11", 14),
            ("b001", "2025-03-12", 14),
            ("b002", "2025-03-11", 14),
        ]
        # the older vintage is scored on its 14 days (all closed), beside the naive baseline
        accuracy = con.execute(
            "select model, sum(n) from ml.forecast_accuracy where brand_id = 'b000' "
            "group by all order by all"
        ).fetchall()
        assert accuracy == [("prophet", 14), ("seasonal_naive", 14)]
        assert (
            con.execute(
                "select count(distinct brand_id) from ml.revenue_forecast_backtest"
            ).fetchone()[0]
            == 2
        )
        assert con.execute("select count(*) from ml.metric_correlations").fetchone()[0] > 0
        assert (
            con.execute(
                "select count(*) from ml.funnel_correlations where brand_id = 'b000'"
            ).fetchone()[0]
            == 4  # view_pricing and error, in f1 and in f2 (tests/analytics/conftest.py)
        )
        flagged = con.execute(
            "select day from ml.metric_anomalies where is_anomaly and brand_id = 'b000'"
        ).fetchall()
        assert ("2025-02-10",) in [(str(d[0]),) for d in flagged]
    finally:
        con.close()

    mats = {
        m.asset_key.path[-1]: m.metadata
        for m in result.get_asset_materialization_events()
        for m in [m.event_specific_data.materialization]
    }
    assert mats["metric_anomalies"]["recall"].value == 1.0
    assert "forecast_plot" in mats["revenue_forecast"]
    assert mats["revenue_forecast"]["dagster/row_count"].value == 56
    assert mats["revenue_forecast"]["vintages_written"].value == 4


@pytest.mark.e2e
def test_anomalies_on_too_little_history_write_an_empty_table(tmp_path) -> None:
    """A warehouse whose brands all have under two weeks of days: nothing to score, the
    asset still materializes an empty, typed table and its coverage check passes."""
    from assets.analytics.checks import anomalies_cover_every_brand_with_history
    from assets.analytics.ml_assets import metric_anomalies_asset
    from tests.analytics.conftest import build_warehouse
    from tests.analytics.synthetic import daily_metrics

    daily, _ = daily_metrics(n_brands=1, days=5, seed=2)
    path = tmp_path / "warehouse.duckdb"
    build_warehouse(path, daily, pd.DataFrame({"brand_id": ["b000"], "timezone": ["UTC"]}))
    result = materialize(
        [metric_anomalies_asset, anomalies_cover_every_brand_with_history],
        resources={"warehouse": WarehouseResource(path=str(path))},
    )
    assert result.success
    assert [c.passed for c in result.get_asset_check_evaluations()] == [True]
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("select count(*) from ml.metric_anomalies").fetchone()[0] == 0
    finally:
        con.close()
