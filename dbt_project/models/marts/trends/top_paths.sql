-- Session paths: the first 1 to 4 events of each session (ordered by occurred_at,
-- event_id), as 'a > b > c'. Every prefix of a session's first four events is a row,
-- so a path's drop-off is read off it: `sessions` followed this path, `ended` of them
-- had no further event (dropped off here), `continued` went on; `share_of_parent` is
-- sessions / sessions of the path one event shorter. `path_rank` ranks paths of the
-- same length within the brand by sessions (1 = most common; ties by path).
{{ config(contract={'enforced': true}) }}

{%- set sep = "' > '" %}

with events as (
    select brand_id, session_id, person_id, event_id, event_name, occurred_at
    from {{ ref('int_events_resolved') }}
),

numbered as (
    select
        *,
        row_number() over (partition by brand_id, session_id order by occurred_at, event_id) as rn,
        count(*) over (partition by brand_id, session_id) as session_events
    from events
),

sessions as (
    select
        brand_id,
        session_id,
        {{ core_value_by('min', 'person_id', ['rn']) }} as person_id,
        max(session_events) as session_events,
        max(case when rn = 1 then event_name end) as e1,
        max(case when rn = 2 then event_name end) as e2,
        max(case when rn = 3 then event_name end) as e3,
        max(case when rn = 4 then event_name end) as e4
    from numbered
    where rn <= 4
    group by brand_id, session_id
),

prefixes as (
    select brand_id, person_id, session_events, 1 as path_length, e1 as path,
        cast(null as {{ text_type() }}) as parent_path
    from sessions
    union all
    select brand_id, person_id, session_events, 2, e1 || {{ sep }} || e2, e1
    from sessions
    where e2 is not null
    union all
    select brand_id, person_id, session_events, 3,
        e1 || {{ sep }} || e2 || {{ sep }} || e3, e1 || {{ sep }} || e2
    from sessions
    where e3 is not null
    union all
    select brand_id, person_id, session_events, 4,
        e1 || {{ sep }} || e2 || {{ sep }} || e3 || {{ sep }} || e4,
        e1 || {{ sep }} || e2 || {{ sep }} || e3
    from sessions
    where e4 is not null
),

paths as (
    select
        brand_id,
        path_length,
        path,
        max(parent_path) as parent_path,
        count(*) as sessions,
        count(distinct person_id) as persons,
        sum(case when session_events = path_length then 1 else 0 end) as ended
    from prefixes
    group by brand_id, path_length, path
)

select
    cast(p.brand_id as {{ text_type() }}) as brand_id,
    cast(p.path_length as integer) as path_length,
    cast(p.path as {{ text_type() }}) as path,
    cast(p.parent_path as {{ text_type() }}) as parent_path,
    cast(p.sessions as bigint) as sessions,
    cast(p.persons as bigint) as persons,
    cast(p.ended as bigint) as ended,
    cast(p.sessions - p.ended as bigint) as continued,
    cast(p.ended * 1.0 / p.sessions as double) as drop_off_rate,
    cast(case when p.parent_path is null then 1.0 else p.sessions * 1.0 / parent.sessions end as double)
        as share_of_parent,
    cast(row_number() over (
        partition by p.brand_id, p.path_length order by p.sessions desc, p.path asc
    ) as bigint) as path_rank
from paths as p
left join paths as parent
    on parent.brand_id = p.brand_id
    and parent.path_length = p.path_length - 1
    and parent.path = p.parent_path
