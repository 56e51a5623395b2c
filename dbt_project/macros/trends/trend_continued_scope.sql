{#- CTEs of an incremental run of int_person_paths / int_person_transitions, each followed
    by a comma:
      `changed`     the persons of the change sets the model has not consumed;
      `deltas`      int_session_event_deltas' rows, when the model consumed the change set
                    they are relative to (the one before the newest), else none;
      `continued`   their persons: updated from the stored rows and `deltas`;
      `recomputed`  the other changed persons: recomputed from all their sessions. -#}
{% macro trend_continued_scope() -%}
changed as (
    {{ changed_keys('person_id') }}
),

deltas as (
    select d.brand_id, d.person_id, d.session_key, d.sign, d.event_id, d.event_name, d.occurred_at
    from {{ ref('int_session_event_deltas') }} as d
    where d._changes_since = ({{ core_consumed_watermark() }})
        and exists (
            select 1 from changed as c
            where c.brand_id = d.brand_id and c.person_id = d.person_id
        )
),

continued as (
    select distinct brand_id, person_id from deltas
),

recomputed as (
    select c.brand_id, c.person_id
    from changed as c
    where not exists (
        select 1 from continued as t
        where t.brand_id = c.brand_id and t.person_id = c.person_id
    )
),
{%- endmacro %}
