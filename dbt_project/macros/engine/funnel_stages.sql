{#- The funnel attempt search on Spark: its rounds as tables, not one query.

    int_funnel_attempt_steps is one chain of CTEs, 4-5 per fill round, each round reading
    the previous one several times. DuckDB materializes the CTEs marked `materialized`
    and runs the chain in one query. Spark never materializes a CTE: it inlines every
    reference, so the plan doubles with each round and its optimizer (InlineCTE) never
    finished planning the chain (over 6 minutes on 176 events, measured on Spark 4.3).

    So each CTE of the chain is written as a call block:
        {% call funnel_stage('first_1', 'materialized') %} select ... {% endcall %}
    DuckDB: the CTE itself, `first_1 as materialized (...)`,
    followed by a comma (the model's SQL is what it was). Spark: the block is executed
    when the model is compiled (right before it is built, after its parents): a
    `materialized` stage becomes a Parquet table `<model>__<name>` beside the model with
    a temporary view `<name>` over it, so later stages read the stored rows and every
    plan stays one round deep; any other stage becomes a temporary view of its SQL. The
    model's final query then reads the views. Stage names and SQL come from this
    project's code, never from data. -#}
{% macro funnel_stage(name, kind='') -%}
    {{ return(adapter.dispatch('funnel_stage', 'brandpulse')(name, kind, caller())) }}
{%- endmacro %}

{% macro duckdb__funnel_stage(name, kind, body) -%}
{{ name }} as {{ kind }} (
{{ body }}
),
{%- endmacro %}

{% macro spark__funnel_stage(name, kind, body) -%}
    {%- if execute -%}
        {%- if kind == 'materialized' -%}
            {%- set table = funnel_stage_table(name) -%}
            {%- do run_query('drop table if exists ' ~ table) -%}
            {%- do run_query('create table ' ~ table ~ ' using parquet as\n' ~ body) -%}
            {%- do run_query('create or replace temporary view ' ~ name ~ ' as select * from ' ~ table) -%}
        {%- else -%}
            {%- do run_query('create or replace temporary view ' ~ name ~ ' as\n' ~ body) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The table a materialized stage is stored in on Spark: beside the model. -#}
{% macro funnel_stage_table(name) -%}
    {{- this.schema ~ '.' ~ this.identifier ~ '__' ~ name -}}
{%- endmacro %}

{#- How the models whose SQL is built from stages are materialized: inlined into their
    reader (ephemeral) where the engine runs the chain as one query, a table on Spark
    (its stages run before its own build; a later model reads the table). -#}
{% macro funnel_stages_materialization() -%}
    {{ return(adapter.dispatch('funnel_stages_materialization', 'brandpulse')()) }}
{%- endmacro %}
{% macro default__funnel_stages_materialization() -%}{{ return('ephemeral') }}{%- endmacro %}
{% macro spark__funnel_stages_materialization() -%}{{ return('table') }}{%- endmacro %}

{#- Post-hook on Spark: drop the stage tables once the model's table is written. -#}
{% macro funnel_drop_stages() -%}
    {{ return(adapter.dispatch('funnel_drop_stages', 'brandpulse')()) }}
{%- endmacro %}
{% macro default__funnel_drop_stages() -%}select 1{%- endmacro %}
{% macro spark__funnel_drop_stages() -%}
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
