"""Segments on a model-made feature: purchase_propensity from ml.person_predictions.

Built the way a Dagster run builds it: the dbt models (no predictions yet), then the
propensity asset's table, then the second dbt step (`source:ml+`). Hand-worked: brand pp
has persons u1..u5; u1..u4 have one event, u5 two; predictions u1 0.8, u2 0.5, u3 0.2,
u4 0.51, none for u5, and brand other's u1 0.9 (never pp's).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streams import brand, event
from warehouse import create_warehouse, query, run_dbt

from assets.analytics import io
from brandpulse.ingest.definitions import DefinitionError, parse_segment

SEGMENT_RULES = {
    # > is strict: u2's 0.5 is out
    "seg_likely": {"feature": "purchase_propensity", "op": ">", "value": 0.5},
    # u5 has no prediction: false, like any missing feature
    "seg_unlikely": {"feature": "purchase_propensity", "op": "<=", "value": 0.2},
    "seg_mixed": {
        "any": [
            {"feature": "purchase_propensity", "op": ">=", "value": 0.5},
            {"feature": "events_30d", "op": ">=", "value": 2},
        ]
    },
}
PREDICTIONS = [("pp", "u1", 0.8), ("pp", "u2", 0.5), ("pp", "u3", 0.2), ("pp", "u4", 0.51)]
PREDICTIONS += [("other", "u1", 0.9)]
SEGMENT_MODELS = "segment_features +person_segments +segment_sizes +segments"


def _tables() -> dict[str, list[dict]]:
    events = [
        event("pp", f"e{i}", "page_view", "2026-08-01 10:00:00", user=f"u{i}") for i in range(1, 6)
    ]
    events.append(event("pp", "e6", "page_view", "2026-08-02 10:00:00", user="u5"))
    events.append(event("other", "o1", "page_view", "2026-08-01 10:00:00", user="u1"))
    segments, nodes = [], []
    for segment_id, rules in SEGMENT_RULES.items():
        parsed = parse_segment({"segment_id": segment_id, "brand_id": "pp", "rules": rules})
        segments.append({"segment_id": segment_id, "brand_id": "pp", **parsed.row})
        nodes += [
            {"brand_id": "pp", "segment_id": segment_id, **n}
            for n in parsed.children["segment_rule_nodes"]
        ]
    return {
        "raw.brands": [brand("pp", "UTC"), brand("other", "UTC")],
        "raw.events": events,
        "raw.segments": segments,
        "raw.segment_rule_nodes": nodes,
    }


def _members(path: Path) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {s: [] for s in SEGMENT_RULES}
    for segment, person in query(
        path, "select segment_id, person_id from marts.person_segments order by 1, 2"
    ):
        members[segment].append(person)
    return members


@pytest.fixture(scope="module")
def predicted_warehouse(data_dir: Path) -> Path:
    path = data_dir / "segment_predictions.duckdb"
    create_warehouse(path, _tables())
    return path


def test_segments_use_purchase_propensity_after_the_model(predicted_warehouse: Path) -> None:
    path, data_dir = predicted_warehouse, predicted_warehouse.parent
    # before the propensity asset ever ran: no ml.person_predictions, the build still works
    run_dbt(
        path,
        "build",
        "--select",
        SEGMENT_MODELS,
        "--indirect-selection",
        "cautious",  # tests that also read models not selected here
        data_dir=data_dir,
    )
    assert _members(path) == {"seg_likely": [], "seg_unlikely": [], "seg_mixed": ["u5"]}

    predictions = pd.DataFrame(PREDICTIONS, columns=["brand_id", "person_id", "p"]).assign(
        as_of_day=pd.Timestamp("2026-08-01"), horizon_days=14, model="logistic_regression"
    )
    predictions = predictions.rename(columns={"p": "purchase_probability"})
    import duckdb

    with duckdb.connect(str(path)) as con:
        io.replace_table(con, "person_predictions", predictions)
    # the prediction step only: the models downstream of the ml source
    run_dbt(
        path,
        "build",
        "--select",
        "source:ml+",
        # a singular test over all the marts' rates (this warehouse has no cohorts built)
        "--exclude",
        "assert_core_rates_between_0_and_1",
        data_dir=data_dir,
    )
    assert _members(path) == {
        "seg_likely": ["u1", "u4"],
        "seg_unlikely": ["u3"],
        "seg_mixed": ["u1", "u2", "u4", "u5"],
    }
    sizes = dict(query(path, "select segment_id, persons from marts.segment_sizes"))
    assert sizes == {"seg_likely": 2, "seg_unlikely": 1, "seg_mixed": 4}
    features = query(
        path,
        "select brand_id, person_id, value_number from intermediate.int_person_features_long "
        "where feature = 'purchase_propensity' order by 1, 2",
    )
    assert features == [(b, p, v) for b, p, v in sorted(PREDICTIONS)]


@pytest.mark.parametrize(
    ("leaf", "error"),
    [
        (
            {"feature": "purchase_propensity", "op": "in", "value": ["high"]},
            "unknown operator",
        ),
        ({"feature": "purchase_propensity", "op": ">", "value": "high"}, "must be a number"),
        (
            {"feature": "purchase_propensity", "event_name": "x", "op": ">", "value": 0.5},
            "takes no event_name",
        ),
    ],
)
def test_purchase_propensity_rules_are_validated(leaf: dict, error: str) -> None:
    with pytest.raises(DefinitionError, match=error):
        parse_segment({"segment_id": "s", "brand_id": "pp", "rules": leaf})
