"""The dbt models run in three Dagster steps; the third reads what the analytics assets
write, so the asset graph stays acyclic while segments use model-made features."""

from __future__ import annotations

from dagster import AssetKey

from assets.dbt.assets import (
    incremental_dbt_assets,
    prediction_dbt_assets,
    warehouse_dbt_assets,
)
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
    third = set(prediction_dbt_assets.keys)
    assert third == SEGMENT_MODELS
    assert not third & (set(warehouse_dbt_assets.keys) | set(incremental_dbt_assets.keys))
    # lineage: int_person_days -> ml/person_predictions -> prediction features -> segments
    assert AssetKey(["intermediate", "int_person_days"]) in graph.get(PREDICTIONS).parent_keys
    features = graph.get(AssetKey(["intermediate", "int_person_prediction_features"]))
    assert PREDICTIONS in features.parent_keys
    assert PREDICTIONS in _ancestors(graph, AssetKey(["marts", "person_segments"]))
    # acyclic: nothing the model reads comes from the third step
    assert not _ancestors(graph, PREDICTIONS) & third
    assert defs.resolve_job_def("warehouse_job") is not None
