"""Every attempt of every person at every funnel, with the steps it filled: one row per
(attempt, filled step), plus a head row (step_number 0) per unordered window.

The search is a loop that runs until no attempt is left going (brandpulse/funnel_search.py
holds the rules and why it is Python): each round looks every open attempt's next step up
in the step's matches by binary search. Spark builds the same table in SQL
(spark/int_funnel_attempt_steps.sql); tests/spark/test_engine_equality.py checks the two
agree.
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
    matches = (
        dbt.ref("int_funnel_step_matches")
        .project(", ".join(MATCH_COLUMNS))
        .order(MATCH_ORDER)
        .to_arrow_reader(250_000)
    )
    # streamed: dbt-duckdb writes the batches as the search yields them
    return pa.RecordBatchReader.from_batches(ATTEMPT_STEPS_SCHEMA, search_attempts(steps, matches))
