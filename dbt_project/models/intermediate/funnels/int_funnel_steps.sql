-- Every step of every valid funnel with its funnel's settings, and the position at
-- which the attempt builder processes it: ordered/strict in step order; unordered
-- most specific step first (named before any-event steps, more filters before
-- fewer, then step number), so a specific step is not starved by a broad one.
-- `shares_events`: another step of the funnel can match the same event (an any-event
-- step, or two steps of the same name). Only such steps can meet an event the attempt
-- already used, so only they need the per-step match rank `idx`.
-- `funnel_key`: a small integer per (brand_id, funnel_id), so the attempt search joins,
-- partitions and sorts on integers instead of text.
-- `definition_fingerprint`: md5 of everything a funnel's results depend on (order, window,
-- step count, steps, `where` filters, exclusions); int_funnel_counted_steps keeps it on its
-- rows and recomputes every person of a funnel whose fingerprint it does not hold.
with funnels as (
    select * from {{ ref('stg_raw__funnels') }}
),

definition_parts as (
    select brand_id, funnel_id, 0 as part, 0 as step_number,
        {{ funnel_fingerprint_item('funnel_order') }} || '|' || {{ funnel_fingerprint_item('cast(window_seconds as ' ~ dbt.type_string() ~ ')') }}
        || '|' || {{ funnel_fingerprint_item('cast(step_count as ' ~ dbt.type_string() ~ ')') }} as item
    from funnels

    union all

    select brand_id, funnel_id, 1, step_number,
        {{ funnel_fingerprint_item('event_name') }} || '|' || {{ funnel_fingerprint_item('cast(filter_count as ' ~ dbt.type_string() ~ ')') }}
    from {{ ref('stg_raw__funnel_steps') }}

    union all

    select brand_id, funnel_id, 2, step_number, {{ funnel_fingerprint_item('property') }} || '|' || {{ funnel_fingerprint_item('value_text') }}
    from {{ ref('stg_raw__funnel_step_filters') }}

    union all

    select brand_id, funnel_id, 3, from_step,
        {{ funnel_fingerprint_item('event_name') }} || '|' || {{ funnel_fingerprint_item('cast(to_step as ' ~ dbt.type_string() ~ ')') }}
    from {{ ref('stg_raw__funnel_exclusions') }}
),

fingerprints as (
    select
        f.brand_id,
        f.funnel_id,
        {{ dbt.hash(dbt.listagg(
            "cast(p.part as " ~ dbt.type_string() ~ ") || '#' || cast(p.step_number as " ~ dbt.type_string() ~ ") || '#' || p.item",
            "';'",
            "order by p.part, p.step_number, p.item"
        )) }} as definition_fingerprint
    from funnels as f
    inner join definition_parts as p
        on p.brand_id = f.brand_id
        and p.funnel_id = f.funnel_id
    group by f.brand_id, f.funnel_id
),

steps as (
    select s.*, f.funnel_order, f.window_seconds, f.step_count
    from {{ ref('stg_raw__funnel_steps') }} as s
    inner join funnels as f
        on f.brand_id = s.brand_id
        and f.funnel_id = s.funnel_id
    where s.step_number between 1 and f.step_count
)

select
    s.brand_id,
    s.funnel_id,
    dense_rank() over (order by s.brand_id, s.funnel_id) as funnel_key,
    s.step_number,
    s.event_name,
    s.filter_count,
    s.funnel_order,
    s.window_seconds,
    s.step_count,
    case
        -- unordered: step 1 has no special role; every step, step 1 included, is filled
        -- by the rounds (positions 1..N), most specific first
        when s.funnel_order = 'unordered' then row_number() over (
            partition by s.brand_id, s.funnel_id
            order by
                case when s.event_name is null then 1 else 0 end,
                s.filter_count desc,
                s.step_number
        )
        when s.step_number = 1 then 0
        else s.step_number - 1
    end as processing_position,
    exists (
        select 1
        from steps as o
        where o.brand_id = s.brand_id
            and o.funnel_id = s.funnel_id
            and o.step_number <> s.step_number
            and (o.event_name is null or s.event_name is null or o.event_name = s.event_name)
    ) as shares_events,
    fp.definition_fingerprint
from steps as s
inner join fingerprints as fp
    on fp.brand_id = s.brand_id
    and fp.funnel_id = s.funnel_id
