{#- Spark's funnel attempt search (models/intermediate/funnels/spark/int_funnel_attempt_steps.sql):
    the helpers only that model uses, in Spark SQL. DuckDB runs the search in Python
    (brandpulse/funnel_search.py), so nothing here has a DuckDB form.

    The model is one chain of CTEs, 4-5 per fill round, each round reading the previous one
    several times. Spark never materializes a CTE: it inlines every reference, so the plan
    doubles with each round and its optimizer (InlineCTE) never finished planning the chain
    (over 6 minutes on 176 events, measured on Spark 4.3). So each CTE of the chain is a
    call block, executed when the model is compiled (right before it is built, after its
    parents):
        {% call funnel_stage('first_1', 'materialized') %} select ... {% endcall %}
    A `materialized` stage becomes a Parquet table `<model>__<name>` beside the model with a
    temporary view `<name>` over it, so later stages read the stored rows and every plan
    stays one round deep; any other stage becomes a temporary view of its SQL. The model's
    final query then reads the views. Stage names and SQL come from this project's code,
    never from data. -#}
{% macro funnel_stage(name, kind='') -%}
    {%- set body = caller() -%}
    {%- if execute -%}
        {%- if kind == 'materialized' -%}
            {%- set table = this.schema ~ '.' ~ this.identifier ~ '__' ~ name -%}
            {%- do run_query('drop table if exists ' ~ table) -%}
            {%- do run_query('create table ' ~ table ~ ' using parquet as\n' ~ body) -%}
            {%- do run_query('create or replace temporary view ' ~ name ~ ' as select * from ' ~ table) -%}
        {%- else -%}
            {%- do run_query('create or replace temporary view ' ~ name ~ ' as\n' ~ body) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: drop the stage tables once the model's table is written. -#}
{% macro funnel_drop_stages() -%}
    {%- if execute -%}
        {%- set found = run_query("show tables in " ~ this.schema ~ " like '" ~ this.identifier ~ "__*'") -%}
        {%- for row in found.rows -%}
            {%- if not row['isTemporary'] -%}
                {%- do run_query('drop table if exists ' ~ this.schema ~ '.' ~ row['tableName']) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{#- How many fill rounds the search needs: the largest processing_position of
    `steps_relation` (int_funnel_steps) at compile time, which in a dbt run is after
    int_funnel_steps was rebuilt; `fallback` (the contract's 20 steps) while parsing or
    before the table exists. The model fails at run time (raise_error) rather than
    miscounting if the definitions grew after it was compiled. -#}
{% macro funnel_round_count(steps_relation, fallback=19) -%}
    {%- if not execute -%}
        {{ return(fallback) }}
    {%- endif -%}
    {%- set existing = load_relation(steps_relation) -%}
    {%- if existing is none -%}
        {{ return(fallback) }}
    {%- endif -%}
    {%- set result = run_query('select coalesce(max(processing_position), 0) from ' ~ existing) -%}
    {{ return([result.columns[0].values()[0] | int, 1] | max) }}
{%- endmacro %}

{#- For every row of `probe` (columns funnel_key, person_key, attempt_rn, next_step,
    lower_rn), the first match of step `next_step` of the person at or after person
    event position `lower_rn`: adds m_rn, m_idx, m_event_id, m_occurred_at, m_grp_rn, m_time_grp
    (all NULL when there is none). `matches` is int_funnel_step_matches restricted to
    the steps of one processing position: one step per funnel, so the step is implied
    by funnel_key and is not an ASOF key (fewer keys, faster partitioning).
    A range join ranked with row_number (quadratic in matches per person; Spark has no
    ASOF join). -#}
{% macro funnel_first_match_at_or_after(probe, matches) -%}
    select * from (
        select
            p.*,
            m.rn as m_rn,
            m.idx as m_idx,
            m.event_id as m_event_id,
            m.occurred_at as m_occurred_at,
            m.grp_rn as m_grp_rn,
            m.time_grp as m_time_grp,
            row_number() over (
                partition by p.funnel_key, p.person_key, p.attempt_rn
                order by m.rn
            ) as m_pick
        from {{ probe }} as p
        left join {{ matches }} as m
            on m.funnel_key = p.funnel_key
            and m.person_key = p.person_key
            and m.rn >= p.lower_rn
    ) as ranked
    where m_pick = 1
{%- endmacro %}
