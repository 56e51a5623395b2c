{#- Incremental funnels: int_funnel_counted_steps recomputes only what changed.

    A person's funnel results depend only on their own events and the funnel's
    definition (times are stored in UTC: the brand timezone and person attributes are
    applied by the aggregate marts, which stay full tables). So a run recomputes
      - every funnel for the changed persons (int_changed_keys, changed_keys('person_id')
        of macros/core/incremental.sql), and
      - every person for the funnels whose `definition_fingerprint` (int_funnel_steps)
        the table does not hold (a new or changed definition),
    and the changed_keys strategy deletes the rows of the changed persons and of the
    definitions that changed or no longer exist, and inserts the recomputed rows. A
    funnel nobody has entered has no rows to hold its fingerprint: every run re-checks
    it, for its persons with a step-1-named event only (correct, and cheap: they do not
    enter it).
    A changed person who only gained later events is continued instead
    (int_funnel_continued_persons): only their attempts from `continue_from` on are
    searched again, and their stored counted attempt stays when it beats those.

    The restriction has to be applied where the events are read, in the ephemeral
    int_funnel_event_positions (and int_funnel_scoped_steps, which marks the redefined
    funnels): they ask funnel_incremental_relation() for the stored
    int_funnel_counted_steps (by name, core_previous_state: the same answer the model's
    own is_incremental() gives, since both say "not this run" for a missing table, a
    --full-refresh run and Spark). -#}

{#- The stored int_funnel_counted_steps when this run updates it incrementally; none when
    it is built from scratch. The ref makes the calling model depend on the change set
    that funnel_changed_scope() reads (refs are recorded while parsing, when the
    scope itself is not rendered). -#}
{% macro funnel_incremental_relation() -%}
    {%- do ref('int_funnel_continued_persons') -%}
    {{ return(funnel_stored_rows()) }}
{%- endmacro %}

{#- The same stored table, for int_funnel_continued_persons (which the macro above makes
    its callers depend on). -#}
{% macro funnel_stored_rows() -%}
    {%- do ref('int_changed_keys') -%}
    {#- a dbt unit test has no `this`: its inputs are fixtures, nothing is stored -#}
    {%- if this is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(core_previous_state('int_funnel_counted_steps')) }}
{%- endmacro %}

{#- CTEs `touched` (brand_id, person_id: the changed persons `relation` has not consumed)
    and `redefined` (brand_id, funnel_id of int_funnel_steps whose current fingerprint
    `relation` does not hold), each followed by a comma. -#}
{% macro funnel_changed_scope(relation) -%}
touched as (
    {{ changed_keys('person_id', relation) }}
),

redefined as (
    select d.brand_id, d.funnel_id
    from {{ ref('int_funnel_steps') }} as d
    where d.step_number = 1
        and not exists (
            select 1
            from (select distinct brand_id, funnel_id, definition_fingerprint from {{ relation }}) as c
            where c.brand_id = d.brand_id
                and c.funnel_id = d.funnel_id
                and c.definition_fingerprint = d.definition_fingerprint
        )
),
{%- endmacro %}


{#- The final rows of an incremental run with continued persons
    (int_funnel_continued_persons), for int_funnel_counted_steps: per (brand, funnel,
    person), the stored counted attempt (of `stored`, the table itself) stays when it beats
    the best attempt the run searched again (`computed`: more steps; equal steps and an
    earlier start, so it started before continue_from and ended before the new events),
    else the search's result replaces it. Only the continued persons' stored rows of
    definitions still current (their brands have none changed: one not current was
    removed) are read, in one scan of the stored table. `steps`: the step-1 rows of
    int_funnel_steps; `watermark`: the run's events_watermark; `columns`: the table's
    columns but _events_watermark. A self-contained select (its own WITH). -#}
{% macro funnel_keep_better_stored_attempts(computed, stored, steps, watermark, columns) -%}
    with stored_rows as {{ funnel_materialized() }} (
        select {% for c in columns %}s.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
        from {{ stored }} as s
        inner join {{ ref('int_funnel_continued_persons') }} as k
            on k.brand_id = s.brand_id
            and k.person_id = s.person_id
        inner join {{ steps }} as f
            on f.brand_id = s.brand_id
            and f.funnel_id = s.funnel_id
            and f.definition_fingerprint = s.definition_fingerprint
    ),

    stored_heads as (
        select distinct brand_id, funnel_id, person_id, steps_completed, entered_at
        from stored_rows
    ),

    kept_heads as (
        select s.brand_id, s.funnel_id, s.person_id
        from stored_heads as s
        left join (
            select distinct brand_id, funnel_id, person_id, steps_completed, entered_at
            from {{ computed }}
        ) as c
            on c.brand_id = s.brand_id
            and c.funnel_id = s.funnel_id
            and c.person_id = s.person_id
        where c.person_id is null
            or s.steps_completed > c.steps_completed
            or (s.steps_completed = c.steps_completed and s.entered_at < c.entered_at)
    )

    select c.*
    from {{ computed }} as c
    left join kept_heads as k
        on k.brand_id = c.brand_id
        and k.funnel_id = c.funnel_id
        and k.person_id = c.person_id
    where k.person_id is null

    union all

    select {% for c in columns %}s.{{ c }}, {% endfor %}w.events_watermark as _events_watermark
    from stored_rows as s
    inner join kept_heads as k
        on k.brand_id = s.brand_id
        and k.funnel_id = s.funnel_id
        and k.person_id = s.person_id
    cross join {{ watermark }} as w
{%- endmacro %}
