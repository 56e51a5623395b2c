"""Harness logic only (no timing): ratios, targets, regression flags, sizes, model lineage."""

from __future__ import annotations

from datetime import date

import pytest

from bench.regression import (
    GIB,
    TargetCheck,
    check_targets,
    compare_to_baseline,
    compute_ratios,
    safe_ratio,
)
from bench.sizes import parse_size
from bench.stages.funnel_reference import funnel_models
from bench.stages.incremental import data_work_by_node, layer_seconds, split_days


def _stages(**metrics_by_stage: dict) -> dict:
    return {name: {"metrics": m} for name, m in metrics_by_stage.items()}


def test_ratios_from_stage_metrics():
    stages = _stages(
        ingest={"ours_events_per_second": 30_000.0, "plain_events_per_second": 120_000.0},
        funnel_reference={"models_seconds": 6.0, "reference_seconds": 2.0},
        incremental={
            "incremental_build_seconds": 9.0,
            "full_build_seconds": 90.0,
            "incremental_model_seconds": 1.0,
            "full_build_model_seconds": 40.0,
            "dbt_fixed_seconds": 6.0,
            "empty_day_build_seconds": 7.2,
            "incremental_layer_day_seconds": 0.5,
            "incremental_layer_full_seconds": 20.0,
        },
        orchestration={"dagster_seconds": 130.0, "direct_seconds": 100.0},
    )
    r = compute_ratios(stages)
    assert r["ingest_vs_plain"] == pytest.approx(0.25)
    assert r["funnel_vs_reference"] == pytest.approx(3.0)
    assert r["incremental_vs_full"] == pytest.approx(0.1)
    assert r["incremental_vs_full_models"] == pytest.approx(0.025)
    assert r["incremental_vs_full_beyond_fixed"] == pytest.approx(3.0 / 84.0)
    assert r["empty_day_vs_full"] == pytest.approx(0.08)
    assert r["incremental_data_vs_full"] == pytest.approx(0.02)
    assert r["incremental_layer_vs_full"] == pytest.approx(0.025)
    assert r["dagster_vs_direct"] == pytest.approx(1.3)


def test_missing_or_zero_side_gives_no_ratio():
    r = compute_ratios(
        _stages(ingest={"ours_events_per_second": 10.0, "plain_events_per_second": 0.0})
    )
    assert r["ingest_vs_plain"] is None
    assert r["funnel_vs_reference"] is None  # stage absent
    assert r["incremental_vs_full_beyond_fixed"] is None
    assert r["incremental_data_vs_full"] is None
    assert safe_ratio(None, 3.0) is None
    assert safe_ratio(1.0, 4.0) == 0.25


def test_regression_flags_only_worsening_beyond_threshold():
    baseline = {"ingest_vs_plain": 0.5, "funnel_vs_reference": 2.0, "dagster_vs_direct": 1.2}
    # ingest (higher is better): 0.36 is 28 % worse -> flagged; funnel (lower is better): 2.4 is 20 % worse -> not;
    # dagster: 1.0 improved -> not
    flags = compare_to_baseline(
        {"ingest_vs_plain": 0.36, "funnel_vs_reference": 2.4, "dagster_vs_direct": 1.0},
        baseline,
        0.25,
    )
    assert [f.key for f in flags] == ["ingest_vs_plain"]
    assert flags[0].change == pytest.approx(0.28)
    # lower is better: 2.6 vs 2.0 is 30 % worse -> flagged
    flags = compare_to_baseline({"funnel_vs_reference": 2.6}, baseline, 0.25)
    assert [(f.key, round(f.change, 2)) for f in flags] == [("funnel_vs_reference", 0.3)]


def test_regression_skips_ratios_without_baseline_or_value():
    assert (
        compare_to_baseline(
            {"ingest_vs_plain": None, "funnel_vs_reference": 9.0}, {"ingest_vs_plain": 0.5}
        )
        == []
    )


def test_target_miss_is_reported_with_its_distance():
    low = TargetCheck("ingest_vs_plain", 0.35, 0.7, higher_is_better=True)
    assert low.met is False
    assert low.miss_by.startswith("50% below target")
    high = TargetCheck("funnel_vs_reference", 3.0, 2.0, higher_is_better=False)
    assert high.miss_by.startswith("50% over target")
    ok = TargetCheck("incremental_vs_full", 0.04, 0.05, higher_is_better=False, unit="%")
    assert ok.met is True and ok.miss_by == ""
    assert TargetCheck("x", None, 1.0, True).met is None


def test_memory_target_only_at_10m_and_forecast_only_at_100_brands():
    stages = {
        "_run": {"peak_rss_bytes": 20 * GIB},  # the generator's: not the build's
        "dbt_build": {"peak_rss_bytes": 5 * GIB},
        **_stages(analytics={"synthetic_forecast_seconds": 12.0, "synthetic_brands": 100}),
    }
    at_1m = {t.name: t for t in check_targets({}, stages, 1_000_000)}
    assert at_1m["peak_memory_10m"].met is None
    assert at_1m["forecast_100_brands_730_days"].met is False
    at_10m = {t.name: t for t in check_targets({}, stages, 10_000_000)}
    assert at_10m["peak_memory_10m"].met is False
    assert at_10m["peak_memory_10m"].value == pytest.approx(5.0)
    shrunk = _stages(analytics={"synthetic_forecast_seconds": 3.0, "synthetic_brands": 8})
    assert {t.name: t for t in check_targets({}, shrunk, 20_000)}[
        "forecast_100_brands_730_days"
    ].met is None


def test_sizes():
    s = parse_size("1m")
    assert (s.events, s.brands, s.days) == (1_000_000, 20, 90)
    assert 40_000 <= s.persons <= 41_500  # ~24.5 events per person over 90 days
    assert parse_size("250k", brands=50).events == 250_000
    assert parse_size("10m", brands=100).key == "e10000000-b100-d90-s7"
    assert parse_size("quick").brands == 4
    with pytest.raises(ValueError):
        parse_size("huge")


def test_funnel_models_are_the_funnel_folder_ancestors():
    def node(name, folder):
        return {
            "name": name,
            "resource_type": "model",
            "original_file_path": f"models/{folder}/{name}.sql",
        }

    manifest = {
        "nodes": {
            "model.p.funnel_conversion": node("funnel_conversion", "marts/funnels"),
            "model.p.funnel_persons": node("funnel_persons", "marts/funnels"),
            "model.p.int_funnel_steps": node("int_funnel_steps", "intermediate/funnels"),
            "model.p.int_events_resolved": node("int_events_resolved", "intermediate/core"),
            "model.p.funnel_daily": node(
                "funnel_daily", "marts/funnels"
            ),  # a sibling, not an ancestor
        },
        "parent_map": {
            "model.p.funnel_conversion": ["model.p.funnel_persons", "model.p.int_funnel_steps"],
            "model.p.funnel_persons": ["model.p.int_events_resolved", "model.p.int_funnel_steps"],
            "model.p.int_funnel_steps": ["source.p.raw.funnels"],
            "model.p.funnel_daily": ["model.p.funnel_persons"],
        },
    }
    assert funnel_models(manifest) == ["funnel_conversion", "funnel_persons", "int_funnel_steps"]


def test_incremental_day_is_the_last_full_day():
    days = [date(2026, 8, d) for d in range(1, 6)]
    base, new, left_out = split_days(days)
    assert base == days[:3] and new == days[3] and left_out == [days[4]]


def test_layer_seconds_splits_incremental_models_from_the_rest():
    per_model = {"int_events_resolved": 1.5, "int_sessions": 0.5, "rfm": 0.25, "lifecycle": 0.75}
    assert layer_seconds(per_model, {"int_events_resolved", "int_sessions", "gone"}) == (2.0, 1.0)
    assert layer_seconds(per_model, set()) == (0.0, 3.0)


def test_orchestration_runs_every_ingest_and_dbt_asset_of_the_warehouse_job():
    """The Dagster side must do the direct side's work: every dbt model, not one step's."""
    from bench.stages.orchestration import selected_asset_keys
    from pipelines.definitions import defs

    job_keys = set(defs.resolve_job_def("warehouse_job").asset_layer.executable_asset_keys)
    dbt_keys = {k for k in job_keys if k.path[0] in ("staging", "intermediate", "marts")}
    selected = set(selected_asset_keys())
    assert dbt_keys and dbt_keys <= selected
    assert {"staging", "intermediate", "marts", "raw"} <= {k.path[0] for k in selected}


def test_memory_budget_applies_at_10m_unless_a_limit_is_set():
    from bench.run import MEMORY_BUDGET_LIMIT, apply_memory_budget

    env: dict[str, str] = {}
    assert apply_memory_budget(1_000_000, env) is None and env == {}
    assert apply_memory_budget(10_000_000, env) == MEMORY_BUDGET_LIMIT
    assert env["BRANDPULSE_DUCKDB_MEMORY_LIMIT"] == MEMORY_BUDGET_LIMIT
    mine = {"BRANDPULSE_DUCKDB_MEMORY_LIMIT": "8GB"}
    assert (
        apply_memory_budget(10_000_000, mine) is None
        and mine["BRANDPULSE_DUCKDB_MEMORY_LIMIT"] == "8GB"
    )


def test_data_work_by_node_ranks_the_time_beyond_empty_tables():
    day = {"int_events_resolved": 3.0, "rfm": 0.5, "stg_raw__events": 0.1, "unique_x": 1.0}
    empty = {"int_events_resolved": 0.2, "rfm": 0.1, "stg_raw__events": 0.1, "unique_x": 0.05}
    assert data_work_by_node(day, empty, top=2) == {"int_events_resolved": 2.8, "unique_x": 0.95}
    assert data_work_by_node({"new_model": 1.0}, {}) == {"new_model": 1.0}


def test_ai_throughput_ratios_and_zero_targets():
    stages = {
        "ai_throughput": {
            "metrics": {
                "serial_generations_per_second": 1.25,
                "concurrent_generations_per_second": 50.0,
                "writer_seconds": 0.5,
                "concurrent_wall_seconds": 40.0,
                "duplicate_completions": 0,
                "overspend_usd": 0.001,
            }
        }
    }
    r = compute_ratios(stages)
    assert r["ai_concurrent_vs_serial"] == 40.0 and r["ai_writer_share"] == 0.0125
    checks = {t.name: t for t in check_targets(r, stages, 1_000_000)}
    assert checks["ai_concurrent_vs_serial"].met and checks["ai_writer_share"].met
    assert checks["ai_duplicate_completions"].met
    assert checks["ai_overspend_usd"].met is False
    assert checks["ai_overspend_usd"].miss_by.startswith("over target (0.001 > 0)")


def test_day_dbt_cost_target_is_checked_at_1m_only() -> None:
    stages = {"incremental": {"metrics": {"empty_day_build_seconds": 9.5}}}
    (at_1m,) = [t for t in check_targets({}, stages, 1_000_000) if t.name == "day_dbt_cost_1m"]
    assert (at_1m.value, at_1m.target, at_1m.higher_is_better) == (9.5, 8.0, False)
    (at_10m,) = [t for t in check_targets({}, stages, 10_000_000) if t.name == "day_dbt_cost_1m"]
    assert at_10m.value is None


def test_the_sunday_call_is_the_day_call_without_its_test_scope() -> None:
    from bench.stages.incremental import DAY_TEST_SCOPE, full_test_pass

    day = ["build", "--exclude-resource-type", "unit_test", *DAY_TEST_SCOPE, "--select", "x"]
    assert full_test_pass(day) == ["build", "--exclude-resource-type", "unit_test", "--select", "x"]
    assert full_test_pass(["build"]) == ["build"]


def test_scoped_query_ratio_and_its_10m_target():
    stages = {"query": {"metrics": {"scoped_seconds": 0.037, "unscoped_seconds": 0.074}}}
    r = compute_ratios(stages)
    assert r["scoped_vs_unscoped_query"] == 0.5
    at_10m = {t.name: t for t in check_targets(r, stages, 10_000_000)}
    assert at_10m["scoped_query_10m"].met is True
    at_1m = {t.name: t for t in check_targets(r, stages, 1_000_000)}
    assert at_1m["scoped_query_10m"].met is None  # not checked below 10M
    slow = compute_ratios({"query": {"metrics": {"scoped_seconds": 3.5, "unscoped_seconds": 0.26}}})
    miss = {t.name: t for t in check_targets(slow, stages, 10_000_000)}["scoped_query_10m"]
    assert miss.met is False and miss.miss_by.startswith("573% over target")


def test_spark_ratio_is_its_total_over_duckdbs_build_and_has_no_target() -> None:
    stages = {
        "spark_build": {"metrics": {"spark_total_seconds": 90.0, "duckdb_build_seconds": 12.0}}
    }
    r = compute_ratios(stages)
    assert r["spark_vs_duckdb"] == 7.5
    assert "spark_vs_duckdb" not in {t.name for t in check_targets(r, stages, 1_000_000)}
    assert compute_ratios({})["spark_vs_duckdb"] is None


def test_dbt_execution_seconds_sums_the_dbt_calls_of_a_side(tmp_path):
    """The direct side's one call (run_results.json in the target) and dagster-dbt's step
    folders are summed; folders without run results (a dbt call that died) add nothing."""
    import json

    from bench.stages.orchestration import dbt_execution_seconds

    (tmp_path / "run_results.json").write_text(json.dumps({"elapsed_time": 1.5}))
    for step, seconds in (("dbt_warehouse_models-abc1234-def5678", 2.25), ("other", None)):
        (tmp_path / step).mkdir()
        if seconds is not None:
            (tmp_path / step / "run_results.json").write_text(json.dumps({"elapsed_time": seconds}))
    assert dbt_execution_seconds(tmp_path) == 3.75
    assert dbt_execution_seconds(tmp_path / "missing") == 0.0
