"""The attempts int_funnel_counted_steps chooses from, with the steps they filled: one row
per (attempt, filled step), plus a head row (step_number 0) per unordered window. Of each
person at each funnel only the best attempt (most steps, ties to the earliest) is kept,
except for unordered funnels with exclusions, where an exclusion can interrupt the best
window and every window is kept.

The search is a loop that runs until no attempt is left going (brandpulse/funnel_search.py
holds the rules and why it is Python): each round looks every open attempt's next step up
in the step's matches by binary search. Spark builds the table (with every attempt) in SQL
(spark/int_funnel_attempt_steps.sql); tests/spark/test_engine_equality.py checks the two
engines' marts agree.
"""

import pyarrow as pa

from brandpulse.funnel_search import (
    ATTEMPT_STEPS_SCHEMA,
    MATCH_COLUMNS,
    MATCH_ORDER,
    search_attempts,
)


def model(dbt, session):
    dbt.config(materialized="table")
    steps = dbt.ref("int_funnel_steps").to_arrow_table()
    with_exclusions = set(
        dbt.ref("stg_raw__funnel_exclusions").project("brand_id, funnel_id").distinct().fetchall()
    )
    # unordered funnels with exclusions keep every window: an exclusion can interrupt the best
    every_attempt_of = {
        step["funnel_key"]
        for step in steps.select(
            ["funnel_key", "brand_id", "funnel_id", "funnel_order"]
        ).to_pylist()
        if step["funnel_order"] == "unordered"
        and (step["brand_id"], step["funnel_id"]) in with_exclusions
    }
    matches = (
        dbt.ref("int_funnel_step_matches")
        .project(", ".join(MATCH_COLUMNS))
        .order(MATCH_ORDER)
        .to_arrow_reader(250_000)
    )
    # streamed: dbt-duckdb writes the batches as the search yields them
    return pa.RecordBatchReader.from_batches(
        ATTEMPT_STEPS_SCHEMA, search_attempts(steps, matches, every_attempt_of=every_attempt_of)
    )
