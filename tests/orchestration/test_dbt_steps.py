"""The dbt models run in two unpartitioned Dagster steps: every warehouse model in one dbt
invocation, then the segment models, which read what the analytics assets write, so the
asset graph stays acyclic while segments use model-made features. The warehouse step's
window comes from the run's partition tags (tests/orchestration/test_dbt_window.py runs it)."""

from __future__ import annotations

import os

import pytest
from dagster import AssetKey

from assets.dbt.assets import (
    dbt_env,
    prediction_dbt_assets,
    run_window,
    warehouse_dbt_assets,
)
from brandpulse.resources import WarehouseResource
from pipelines.definitions import defs

PREDICTIONS = AssetKey(["ml", "person_predictions"])
SEGMENT_MODELS = {
    AssetKey(["intermediate", "int_person_prediction_features"]),
    AssetKey(["intermediate", "int_person_features_long"]),
    AssetKey(["marts", "person_segments"]),
    AssetKey(["marts", "segment_sizes"]),
    AssetKey(["marts", "segments"]),
}


def _ancestors(graph, key: AssetKey) -> set[AssetKey]:
    seen: set[AssetKey] = set()
    stack = [key]
    while stack:
        for parent in graph.get(stack.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def test_segments_are_built_after_the_propensity_model_without_a_cycle() -> None:
    graph = defs.resolve_asset_graph()
    prediction_step = set(prediction_dbt_assets.keys)
    assert prediction_step == SEGMENT_MODELS
    assert not prediction_step & set(warehouse_dbt_assets.keys)
    # lineage: int_person_days -> ml/person_predictions -> prediction features -> segments
    assert AssetKey(["intermediate", "int_person_days"]) in graph.get(PREDICTIONS).parent_keys
    features = graph.get(AssetKey(["intermediate", "int_person_prediction_features"]))
    assert PREDICTIONS in features.parent_keys
    assert PREDICTIONS in _ancestors(graph, AssetKey(["marts", "person_segments"]))
    # acyclic: nothing the model reads comes from the prediction step
    assert not _ancestors(graph, PREDICTIONS) & prediction_step
    assert defs.resolve_job_def("warehouse_job") is not None


def test_every_other_model_is_in_the_one_unpartitioned_warehouse_step() -> None:
    first = set(warehouse_dbt_assets.keys)
    # the event-window models and what reads them, down to the marts, in one dbt call
    for key in (
        ["staging", "stg_raw__events"],
        ["intermediate", "int_event_changes"],
        ["intermediate", "int_events_resolved"],
        ["intermediate", "int_changed_keys"],
        ["intermediate", "int_persons"],
        ["marts", "funnel_persons"],
    ):
        assert AssetKey(key) in first
    assert warehouse_dbt_assets.partitions_def is None
    assert prediction_dbt_assets.partitions_def is None
    job = defs.resolve_job_def("warehouse_job")
    dbt_steps = {node.name for node in job.graph.node_dict.values() if node.name.startswith("dbt_")}
    assert dbt_steps == {"dbt_warehouse_models", "dbt_prediction_models"}


@pytest.mark.parametrize(
    ("tags", "window"),
    [
        ({"dagster/partition": "2026-08-14"}, ("2026-08-14", "2026-08-15")),
        (
            {
                "dagster/asset_partition_range_start": "2026-08-01",
                "dagster/asset_partition_range_end": "2026-08-31",
            },
            ("2026-08-01", "2026-09-01"),
        ),
        ({"dagster/partition": "2026-12-31"}, ("2026-12-31", "2027-01-01")),
        ({"brandpulse/trigger": "manual"}, None),
        ({}, None),
    ],
)
def test_the_window_is_the_runs_partition_days(tags: dict, window: tuple | None) -> None:
    assert run_window(tags) == window


def test_a_partition_tag_that_is_not_a_day_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not days of the daily partitions"):
        run_window({"dagster/partition": "brand_01"})


def test_dbt_gets_no_window_variable_unless_the_run_has_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A window left in the calling process's environment must not reach a run without a
    partition (it would hold events back); the variables are restored afterwards."""
    monkeypatch.setenv("BRANDPULSE_WINDOW_MAX_DATE", "2026-08-02")
    monkeypatch.delenv("BRANDPULSE_WINDOW_MIN_DATE", raising=False)
    with dbt_env(WarehouseResource()):
        assert "BRANDPULSE_WINDOW_MAX_DATE" not in os.environ
        assert "BRANDPULSE_WINDOW_MIN_DATE" not in os.environ
    assert os.environ["BRANDPULSE_WINDOW_MAX_DATE"] == "2026-08-02"
    window = {
        "BRANDPULSE_WINDOW_MIN_DATE": "2026-08-05",
        "BRANDPULSE_WINDOW_MAX_DATE": "2026-08-06",
    }
    with dbt_env(WarehouseResource(), window):
        assert {k: os.environ[k] for k in window} == window
    assert "BRANDPULSE_WINDOW_MIN_DATE" not in os.environ
    assert os.environ["BRANDPULSE_WINDOW_MAX_DATE"] == "2026-08-02"
