-- Hand-written single-statement DuckDB reference for marts.funnel_conversion of
-- ORDERED funnels: the benchmark baseline the funnel dbt models are measured against
-- (bench/funnel_bench.py), and a second, independent spelling of the semantics.
--
-- Run it with `SET asof_loop_join_threshold = 0` (as the models' pre_hook does):
-- otherwise DuckDB may plan the ASOF joins as nested loops (40 s instead of 0.2 s on
-- 100k events).
-- Written for funnels of at most 4 steps (the benchmark's): one ASOF join per step.
-- Same numbers as the models for ordered funnels whose steps match disjoint events
-- (distinct event names, no any-event steps, no `where` filters), which is what the
-- benchmark defines; for those the "one event fills one step" rule never bites, so a
-- step is simply the first match at or after the previous step's time (ASOF join)
-- within the window, an attempt starts at every step-1 event, and the person's
-- counted attempt reaches the most steps (ties: earliest). Exclusions are not applied
-- (the benchmark funnels have none).
with
steps as (
    select s.brand_id, s.funnel_id, s.step_number, s.event_name, f.window_seconds, f.step_count
    from raw.funnel_steps as s
    join raw.funnels as f using (brand_id, funnel_id)
    where f.funnel_order = 'ordered'
),

matches as materialized (
    select e.brand_id, s.funnel_id, s.step_number, e.person_id, e.occurred_at, e.event_id
    from intermediate.int_events_resolved as e
    join steps as s on s.brand_id = e.brand_id and s.event_name = e.event_name
),

-- attempts: one per step-1 event; s2..s4 = first match at or after the previous step
s1 as (
    select m.brand_id, m.funnel_id, m.person_id, m.occurred_at as start_at, m.event_id as start_id,
        m.occurred_at + to_seconds(s.window_seconds) as window_end, s.step_count
    from matches as m
    join steps as s using (brand_id, funnel_id, step_number)
    where m.step_number = 1
),

s2 as (
    select a.*, n.occurred_at as t2
    from s1 as a
    asof left join (select * from matches where step_number = 2) as n
        on n.brand_id = a.brand_id and n.funnel_id = a.funnel_id and n.person_id = a.person_id
        and n.occurred_at >= a.start_at
),

s3 as (
    select a.*, n.occurred_at as t3
    from s2 as a
    asof left join (select * from matches where step_number = 3) as n
        on n.brand_id = a.brand_id and n.funnel_id = a.funnel_id and n.person_id = a.person_id
        and n.occurred_at >= a.t2
),

s4 as (
    select a.*, n.occurred_at as t4
    from s3 as a
    asof left join (select * from matches where step_number = 4) as n
        on n.brand_id = a.brand_id and n.funnel_id = a.funnel_id and n.person_id = a.person_id
        and n.occurred_at >= a.t3
),

attempts as (
    select *,
        case
            when t2 is null or t2 > window_end then 1
            when step_count = 2 or t3 is null or t3 > window_end then 2
            when step_count = 3 or t4 is null or t4 > window_end then 3
            else 4
        end as k
    from s4
),

counted as (
    select brand_id, funnel_id, person_id,
        arg_min({'k': k, 't1': start_at, 't2': t2, 't3': t3, 't4': t4}, (-k, start_at, start_id)) as a
    from attempts
    group by all
),

person_steps as (
    select brand_id, funnel_id, n.step_number,
        epoch([a.t1, a.t2, a.t3, a.t4][n.step_number]) - epoch([a.t1, a.t2, a.t3, a.t4][n.step_number - 1])
            as seconds_from_previous
    from counted, (select unnest(range(1, 5)) as step_number) as n
    where n.step_number <= a.k
),

per_step as (
    select s.brand_id, s.funnel_id, s.step_number, s.event_name,
        count(p.step_number) as persons,
        avg(p.seconds_from_previous) as avg_seconds_from_previous,
        quantile_cont(p.seconds_from_previous, 0.5) as median_seconds_from_previous
    from steps as s
    left join person_steps as p using (brand_id, funnel_id, step_number)
    group by all
)

select
    brand_id, funnel_id, step_number, event_name, persons,
    case when step_number = 1 then case when persons > 0 then 1.0 end
         else persons / nullif(lag(persons) over w, 0) end as conversion_from_previous,
    persons / nullif(first_value(persons) over w, 0) as conversion_from_start,
    avg_seconds_from_previous,
    median_seconds_from_previous
from per_step
window w as (partition by brand_id, funnel_id order by step_number)
order by brand_id, funnel_id, step_number
