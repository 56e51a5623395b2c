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

from brandpulse.funnel_search import (
    MATCH_COLUMNS,
    MATCH_ORDER,
    concatenate,
    search_attempts,
)


def model(dbt, session):
    dbt.config(materialized="table")
    steps = dbt.ref("int_funnel_steps").fetchnumpy()
    with_exclusions = set(
        dbt.ref("stg_raw__funnel_exclusions").project("brand_id, funnel_id").distinct().fetchall()
    )
    # unordered funnels with exclusions keep every window: an exclusion can interrupt the best
    every_attempt_of = {
        int(key)
        for key, brand, funnel, order in zip(
            steps["funnel_key"],
            steps["brand_id"],
            steps["funnel_id"],
            steps["funnel_order"],
            strict=True,
        )
        if order == "unordered" and (brand, funnel) in with_exclusions
    }
    matches = (
        dbt.ref("int_funnel_step_matches")
        .project(", ".join(MATCH_COLUMNS))
        .order(MATCH_ORDER)
        .to_arrow_reader(250_000)
    )
    attempts = concatenate(search_attempts(steps, matches, every_attempt_of=every_attempt_of))
    session.register("int_funnel_attempt_steps__search", attempts)
    # The events' strings are joined back by their row in int_events_resolved. rowid needs
    # the table itself, not dbt.ref's `select *` of it: a dbt object whose loader returns
    # what it is given yields the compiled name (the plain dbt.ref call is what tells dbt
    # about the dependency). Rows move when a checkpoint compacts deleted rows between this
    # model's two statements (rare: another thread's commit must trigger one), so each
    # joined event must match the hash read with it (macro funnel_event_reference), or the
    # build fails and is rerun.
    dbt.ref("int_events_resolved")
    events = type(dbt)(lambda relation: relation).ref("int_events_resolved")
    session.register(
        "int_funnel_attempt_steps__events",
        session.table(events).project("rowid", "brand_id", "event_id", "person_id"),
    )
    return session.sql(
        """
        select
            a.funnel_key, a.person_key, a.attempt_rn, a.step_number, a.step_seq, e.event_id,
            a.occurred_at, a.reached_at, a.previous_at,
            case when a.carries_person then e.person_id end as person_id
        from int_funnel_attempt_steps__search as a
        left join int_funnel_attempt_steps__events as e
            on e.rowid = a.event_row
        where case
            when cast(hash(e.brand_id, e.event_id) >> 1 as bigint) = a.event_check then true
            else error('int_funnel_attempt_steps: int_events_resolved changed while the '
                || 'attempts were searched (a checkpoint moved its rows); run the model again')
        end
        """
    )
