"""The whole graph through Dagster on generated data: landing files in, marts out.

One run of `warehouse_job` over every landing day (as `make run` does), on a small
generated landing zone; then the contract's tables, the semantics' invariants, the
published snapshot and brand scoping are checked on what it built.
"""

from __future__ import annotations

import os

import duckdb
import pytest
from dagster import DagsterInstance

from brandpulse.generator import generate
from brandpulse.query import query_df

pytestmark = pytest.mark.e2e

REQUIRED_COLUMNS = {
    "marts.funnel_persons": [
        "brand_id",
        "funnel_id",
        "person_id",
        "steps_completed",
        "entered_at",
        "completed_at",
        "seconds_to_convert",
    ],
    "marts.funnel_conversion": [
        "brand_id",
        "funnel_id",
        "step_number",
        "event_name",
        "persons",
        "conversion_from_previous",
        "conversion_from_start",
        "avg_seconds_from_previous",
        "median_seconds_from_previous",
    ],
    "marts.cohort_retention": [
        "brand_id",
        "cohort_id",
        "cohort_start",
        "period_number",
        "cohort_size",
        "retained_persons",
        "retention_rate",
    ],
    "marts.lifecycle": [
        "brand_id",
        "day",
        "new_persons",
        "returning_persons",
        "resurrecting_persons",
        "dormant_persons",
    ],
    "marts.person_segments": ["brand_id", "segment_id", "person_id"],
    "marts.rfm": [
        "brand_id",
        "person_id",
        "recency_days",
        "frequency",
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        "rfm_segment",
    ],
    "marts.daily_brand_metrics": [
        "brand_id",
        "day",
        "active_persons",
        "new_persons",
        "sessions",
        "events",
        "orders",
        "revenue",
        "ai_generations",
        "ai_cost_usd",
        "shares",
        "comments",
    ],
    "marts.ai_generation_daily": [
        "brand_id",
        "day",
        "model",
        "requests",
        "succeeded",
        "failed",
        "rejected",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "latency_p50_ms",
        "latency_p95_ms",
    ],
    "ml.revenue_forecast": [
        "brand_id",
        "day",
        "yhat",
        "yhat_lower",
        "yhat_upper",
        "model",
        "trained_through",
    ],
    "ml.metric_correlations": [
        "brand_id",
        "metric_a",
        "metric_b",
        "lag_days",
        "n",
        "pearson_r",
        "spearman_rho",
        "p_value",
        "q_value",
    ],
    "ml.funnel_correlations": [
        "brand_id",
        "funnel_id",
        "event_name",
        "success_count",
        "failure_count",
        "odds_ratio",
        "p_value",
        "correlation_type",
    ],
    "ml.metric_anomalies": [
        "brand_id",
        "day",
        "metric",
        "value",
        "expected",
        "score",
        "is_anomaly",
        "direction",
    ],
    "ai.generations": [
        "generation_id",
        "request_id",
        "brand_id",
        "model",
        "status",
        "status_reason",
        "version",
        "parent_generation_id",
        "collection_id",
        "prompt",
        "optimized_prompt",
        "output",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "latency_ms",
        "attempts",
        "created_at",
        "completed_at",
    ],
    "ai.generation_attempts": [
        "generation_id",
        "attempt_number",
        "started_at",
        "http_status",
        "error_type",
        "latency_ms",
    ],
}


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("pipeline")
    env = {"BRANDPULSE_DATA_DIR": str(root), "BRANDPULSE_LANDING": str(root / "landing")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        manifest = generate(root / "landing", seed=5, brands=3, persons=900, days=35)
        from pipelines.definitions import defs
        from pipelines.run import landing_days

        days = landing_days()
        with DagsterInstance.ephemeral() as instance:
            result = defs.resolve_job_def("warehouse_job").execute_in_process(
                instance=instance,
                tags={
                    "dagster/asset_partition_range_start": days[0],
                    "dagster/asset_partition_range_end": days[-1],
                },
                raise_on_error=False,
            )
        con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
        yield result, con, manifest, root
        con.close()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_run_succeeds_with_every_dbt_test_and_check_passing(pipeline) -> None:
    result, *_ = pipeline
    assert result.success
    failed = [
        e.check_name
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.severity.value == "ERROR"
    ]
    assert failed == []


@pytest.mark.parametrize("table", sorted(REQUIRED_COLUMNS))
def test_contract_tables_exist_with_required_columns_and_rows(pipeline, table: str) -> None:
    _, con, *_ = pipeline
    schema, name = table.split(".")
    columns = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        ).fetchall()
    }
    assert set(REQUIRED_COLUMNS[table]) <= columns, set(REQUIRED_COLUMNS[table]) - columns
    assert (
        con.execute(f"SELECT count(*) FROM {schema}.{name}").fetchone()[0] > 0
    )  # names from the list above


def test_every_brand_is_in_every_brand_level_mart(pipeline) -> None:
    _, con, manifest, _ = pipeline
    brands = set(manifest["brands"])
    for table in (
        "marts.daily_brand_metrics",
        "marts.funnel_conversion",
        "ml.revenue_forecast",
        "ml.metric_anomalies",
    ):
        assert {
            r[0] for r in con.execute(f"SELECT DISTINCT brand_id FROM {table}").fetchall()
        } == brands, table


def test_funnel_persons_never_increase_and_rates_are_consistent(pipeline) -> None:
    _, con, *_ = pipeline
    rows = con.execute("""
        SELECT count(*) FROM marts.funnel_conversion c JOIN marts.funnel_conversion p
          ON p.brand_id = c.brand_id AND p.funnel_id = c.funnel_id AND p.step_number = c.step_number - 1
        WHERE c.persons > p.persons
           OR abs(c.conversion_from_previous - c.persons / nullif(p.persons, 0)) > 1e-9""").fetchone()[
        0
    ]
    assert rows == 0
    # persons per step equal the funnel_persons who reached at least that step
    mismatch = con.execute("""
        SELECT count(*) FROM marts.funnel_conversion c
        WHERE c.persons <> (SELECT count(*) FROM marts.funnel_persons f WHERE f.brand_id = c.brand_id
                            AND f.funnel_id = c.funnel_id AND f.steps_completed >= c.step_number)""").fetchone()[
        0
    ]
    assert mismatch == 0


def test_retention_period_zero_is_cohort_size(pipeline) -> None:
    _, con, *_ = pipeline
    assert (
        con.execute(
            "SELECT count(*) FROM marts.cohort_retention WHERE period_number = 0 "
            "AND retained_persons <> cohort_size"
        ).fetchone()[0]
        == 0
    )


def test_daily_events_equal_loaded_events(pipeline) -> None:
    _, con, *_ = pipeline
    loaded, daily = con.execute(
        "SELECT (SELECT count(*) FROM raw.events), (SELECT sum(events) FROM marts.daily_brand_metrics)"
    ).fetchone()
    assert loaded == daily


def test_invalid_definitions_are_listed_and_others_built(pipeline) -> None:
    _, con, manifest, _ = pipeline
    listed = {
        r[0] for r in con.execute("SELECT definition_id FROM marts.definition_errors").fetchall()
    }
    assert {d["id"] for d in manifest["invalid_definitions"]} <= listed


def test_snapshot_published_and_brand_scoping_holds(pipeline) -> None:
    _, con, _, root = pipeline
    brands = [r[0] for r in con.execute("SELECT brand_id FROM raw.brands ORDER BY 1").fetchall()]
    published = root / "published"
    everything = query_df(
        "SELECT DISTINCT brand_id FROM marts.daily_brand_metrics", published_dir=published
    )
    assert sorted(everything["brand_id"]) == brands
    one = query_df(
        "SELECT DISTINCT brand_id FROM marts.funnel_persons",
        brand=brands[0],
        published_dir=published,
    )
    assert list(one["brand_id"]) == [brands[0]]


def test_reports_written_for_every_brand(pipeline) -> None:
    _, con, _, root = pipeline
    pages = sorted(p.stem for p in (root / "reports").glob("*.html") if p.stem != "index")
    assert pages == sorted(r[0] for r in con.execute("SELECT brand_id FROM raw.brands").fetchall())


def test_a_day_run_skips_only_the_tests_left_to_the_weekly_pass(
    pipeline, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run tagged as a day run (the landing sensor's, the schedule's on weekdays) builds
    the warehouse dbt step for one partition and runs the key and singular tests only."""
    import shutil

    from assets.dbt.assets import warehouse_dbt_assets
    from brandpulse.config import DBT_FULL_TEST_PASS_ONLY, TEST_PASS_TAG
    from pipelines.definitions import defs
    from pipelines.run import landing_days

    *_, root = pipeline
    copy = tmp_path / "day.duckdb"
    shutil.copy(root / "warehouse.duckdb", copy)
    monkeypatch.setenv("BRANDPULSE_WAREHOUSE", str(copy))
    keys = list(warehouse_dbt_assets.keys)
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("warehouse_job").execute_in_process(
            instance=instance,
            asset_selection=keys,
            partition_key=landing_days()[-1],
            tags={TEST_PASS_TAG: "day"},
            raise_on_error=False,
        )
    assert result.success
    ran = {e.check_name for e in result.get_asset_check_evaluations()}
    left = tuple(s.removeprefix("test_name:") + "_" for s in DBT_FULL_TEST_PASS_ONLY)
    assert not [name for name in ran if name.startswith(left)]
    assert any(name.startswith("core_unique_combination_") for name in ran)
    all_checks = {c.name for c in warehouse_dbt_assets.check_specs}
    assert any(name.startswith(left) for name in all_checks - ran)
