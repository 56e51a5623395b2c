-- Session paths: the first 1 to 4 events of each session (ordered by occurred_at,
-- event_id), as 'a > b > c'. Every prefix of a session's first four events is a row,
-- so a path's drop-off is read off it: `sessions` followed this path, `ended` of them
-- had no further event (dropped off here), `continued` went on; `share_of_parent` is
-- sessions / sessions of the path one event shorter. `path_rank` ranks paths of the
-- same length within the brand by sessions (1 = most common; ties by path).
-- Added up from the per-person paths (int_person_paths, kept incrementally).
{{ config(contract={'enforced': true}) }}

with person_paths as (
    select brand_id, person_id, path_length, path, parent_path, sessions, ended
    from {{ ref('int_person_paths') }}
),

-- one row per person and path: the path's distinct persons are its rows
paths as (
    select
        brand_id,
        path_length,
        path,
        max(parent_path) as parent_path,
        sum(sessions) as sessions,
        count(person_id) as persons,
        sum(ended) as ended
    from person_paths
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
