{#-
  Every attempt of every person at every funnel, with the steps it filled: one row per
  (attempt, filled step; step_seq = how many steps the attempt had filled once this
  one was, so its largest step_seq is its step count; reached_at = the latest step
  time of the attempt so far; previous_at = ordered/strict: the time of the step
  before, which their step times never precede). An ordered/strict attempt starts at
  each event matching step 1; an unordered one (a window: step 1 has no special role)
  at each event matching any step, and gets a head row (step_number 0, step_seq 0) for
  that opening event, which fills no step by itself. An attempt is
  identified by (funnel_key, person_key, attempt_rn = that event's position rn), and
  attempts in attempt_rn order are in the person's event order (occurred_at,
  event_id). Its window is [time of the step-1 / opening event, + window_seconds], both ends
  inclusive. Only integer keys, times and the picked event_id flow through the
  search, and the person's text id on the step-1 rows (an attempt's person_id;
  int_funnel_counted_steps looks up the other text ids of the counted attempts).

  ordered/strict/unordered: steps are filled one at a time in processing_position
          order (int_funnel_steps), each by the FIRST match in event order (occurred_at,
          event_id) of that step that is not yet used by the attempt and lies at or
          after a lower bound:
            ordered, strict - the time of the previously filled step (rn >= its grp_rn,
                        so equal timestamps can fill consecutive steps);
            unordered - the time of the opening event (steps 1..N are all filled by
                        the rounds).
          strict: that match must also lie at the previous step's time or at the
          person's next event time after it (time_grp at most one more): an event of
          the person strictly between the two step times breaks the attempt, one at
          the same instant as a step does not (whatever the event ids).
          A step without such an event inside the window ends an ordered or strict
          attempt; an unordered attempt just leaves that step unfilled and goes on.
  "First match at or after" is one ASOF join per step (macro
  funnel_first_match_at_or_after) on the position rn: no range join, no explosion on
  persons with many step-1 events. Only a step
  that shares events with another step (int_funnel_steps.shares_events) can find an
  event the attempt already used; then the next few matches (at most as many as the
  attempt has used events) are looked up by their per-step rank `idx`. An ordered
  attempt whose lower bound lies past the person's last match of the step cannot fill
  it and ends; it skips the ASOF join (reach_N: the last match position per person).
  The SQL is macros/funnels/funnel_attempt_search.sql: a chain of stages (the inputs,
  then one group per processing position: targets, reach, probe, first (the ASOF join),
  skipped, filled, state). It runs in a pre-hook of the model that first builds from
  it, as statements into temporary tables and views (macros/engine/funnel_stages.sql),
  the fill rounds a loop: before round j it asks the state round j-1 left whether an
  attempt is still going with a step at processing position j, and the first round
  with none ends it. So the number of rounds is the data's (nothing is read from the
  warehouse while compiling), and each round's ASOF join gets only the attempts still
  going. This model's query then reads the result, the stage search_attempt_steps.
  DuckDB: ephemeral, inlined into int_funnel_counted_steps, whose pre-hook runs the
  search and which writes only the counted attempts (writing every attempt cost more
  than computing it); int_funnel_step_matches is a view, read once into the first stage.
  Spark: a table, its own pre-hook runs the search (materialized stages as Parquet
  tables, dropped by the post-hook).
  In dbt unit tests (fixture inputs, no hooks) and `dbt compile`/`docs`/`show` the same
  stages are CTEs of one query, the rounds unrolled up to the contract's 20 steps.
-#}
{{
    config(
        materialized=funnel_search_materialization(),
        pre_hook="{{ funnel_attempt_search(ref('int_funnel_steps'), ref('int_funnel_step_matches'), true) }}",
        post_hook="{{ funnel_drop_stages() }}",
    )
}}
{%- if funnel_stages_run_now(ref('int_funnel_steps')) %}
-- the search ran in a pre-hook (this model's on Spark; int_funnel_counted_steps' on DuckDB)
select * from search_attempt_steps
{%- else %}
{{ funnel_attempt_search(ref('int_funnel_steps'), ref('int_funnel_step_matches'), false) }}
{%- endif %}
