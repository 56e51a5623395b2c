{#- How the funnel attempt search (int_funnel_attempt_steps) runs: as stages.

    The search is a chain of stages (the inputs, then 4-7 per fill round), each a query
    over earlier ones, written as call blocks:
        {% call funnel_stage('search_first_1', 'materialized', run_now) %} select ... {% endcall %}

    run_now (funnel_stages_run_now): the model is being built on relations. Each block
    is executed as soon as it is rendered, i.e. when dbt compiles the model, right before
    it runs it, on the same connection: a `materialized` stage becomes a table (DuckDB: a
    temporary table; Spark: a Parquet table `<model>__<name>` beside the model with a
    temporary view `<name>` over it), any other a temporary view. So the model can count
    what a round left (funnel_stage_has_rows) and stop the loop when no attempt is left
    going: the number of rounds comes from the data at run time, never from a read of
    the warehouse while compiling. The model's own query then reads the stages by name.

    Otherwise (dbt unit tests, whose inputs are fixture CTEs; `dbt compile`, `docs` and
    `show`, which must not run the search): the block renders as a CTE
    `name as [materialized] (...)`, followed by a comma, and the model unrolls the rounds
    up to the contract's largest funnel into one self-contained query.

    Stage names and SQL come from this project's code, never from data; they are
    prefixed `search_` so they never shadow a table or a CTE of a model reading them. -#}
{% macro funnel_stage(name, kind, run_now) -%}
    {%- if run_now -%}
        {%- do adapter.dispatch('funnel_run_stage', 'brandpulse')(name, kind, caller()) -%}
    {%- else -%}
        {{ adapter.dispatch('funnel_stage_cte', 'brandpulse')(name, kind, caller()) }}
    {%- endif -%}
{%- endmacro %}

{#- Whether the stages of a model are run as statements now (see above). `relation` is
    one of the model's inputs: a fixture CTE in unit tests (no schema). -#}
{% macro funnel_stages_run_now(relation) -%}
    {%- if not execute or flags.WHICH in ['compile', 'docs', 'show'] -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(relation is not string and relation.schema is not none and relation.identifier is not none) }}
{%- endmacro %}

{#- Whether the stage `name` (run now) holds a row that `condition` (SQL over its
    columns, aliased `st`) keeps. The loop's stop test: one cheap query per round. -#}
{% macro funnel_stage_has_rows(name, condition='true') -%}
    {%- set found = run_query('select 1 from ' ~ name ~ ' as st where ' ~ condition ~ ' limit 1') -%}
    {{ return(found.rows | length > 0) }}
{%- endmacro %}

{% macro duckdb__funnel_stage_cte(name, kind, body) -%}
{{ name }} as {{ kind }} (
{{ body }}
),
{%- endmacro %}

{#- Spark has no CTE materialization hints. -#}
{% macro default__funnel_stage_cte(name, kind, body) -%}
{{ name }} as (
{{ body }}
),
{%- endmacro %}

{% macro duckdb__funnel_run_stage(name, kind, body) -%}
    {%- if kind == 'materialized' -%}
        {%- do run_query('create or replace temporary table ' ~ name ~ ' as\n' ~ body) -%}
    {%- else -%}
        {%- do run_query('create or replace temporary view ' ~ name ~ ' as\n' ~ body) -%}
    {%- endif -%}
{%- endmacro %}

{#- Spark never materializes a CTE: it inlines every reference, so one query over the
    chain doubles its plan with each round (its optimizer never finished planning it,
    over 6 minutes on 176 events, Spark 4.3). A table per materialized stage keeps every
    plan one round deep. -#}
{% macro spark__funnel_run_stage(name, kind, body) -%}
    {%- if kind == 'materialized' -%}
        {%- set table = funnel_stage_table(name) -%}
        {%- do run_query('drop table if exists ' ~ table) -%}
        {%- do run_query('create table ' ~ table ~ ' using parquet as\n' ~ body) -%}
        {%- do run_query('create or replace temporary view ' ~ name ~ ' as select * from ' ~ table) -%}
    {%- else -%}
        {%- do run_query('create or replace temporary view ' ~ name ~ ' as\n' ~ body) -%}
    {%- endif -%}
{%- endmacro %}

{#- The table a materialized stage is stored in on Spark: beside the model. -#}
{% macro funnel_stage_table(name) -%}
    {{- this.schema ~ '.' ~ this.identifier ~ '__' ~ name -}}
{%- endmacro %}

{#- How the search's input (int_funnel_step_matches) is materialized: a relation the
    stages can read. DuckDB: a view (computed once, into the search's first stage;
    nothing written); Spark: a table. -#}
{% macro funnel_matches_materialization() -%}
    {{ return(adapter.dispatch('funnel_matches_materialization', 'brandpulse')()) }}
{%- endmacro %}
{% macro duckdb__funnel_matches_materialization() -%}{{ return('view') }}{%- endmacro %}
{% macro spark__funnel_matches_materialization() -%}{{ return('table') }}{%- endmacro %}

{#- How the search (int_funnel_attempt_steps) is materialized. DuckDB: ephemeral,
    inlined into int_funnel_counted_steps, whose compile runs the stages and whose one
    query reads them (writing every attempt step cost more than computing it). Spark:
    a table (its stages run when it is compiled; a later model reads the table). -#}
{% macro funnel_search_materialization() -%}
    {{ return(adapter.dispatch('funnel_search_materialization', 'brandpulse')()) }}
{%- endmacro %}
{% macro duckdb__funnel_search_materialization() -%}{{ return('ephemeral') }}{%- endmacro %}
{% macro spark__funnel_search_materialization() -%}{{ return('table') }}{%- endmacro %}

{#- Post-hook of the model whose build ran the stages: drop them once its table is
    written (DuckDB: the temporary tables and views `search_*` of this connection,
    which would otherwise hold their rows until it closes; Spark: the stage tables). -#}
{% macro funnel_drop_stages() -%}
    {{ return(adapter.dispatch('funnel_drop_stages', 'brandpulse')()) }}
{%- endmacro %}

{% macro duckdb__funnel_drop_stages() -%}
    {%- if execute -%}
        {%- set found = run_query(
            "select 'view' as kind, view_name as name from duckdb_views() where temporary and view_name like 'search\\_%' escape '\\'"
            ~ " union all select 'table', table_name from duckdb_tables() where temporary and table_name like 'search\\_%' escape '\\'"
        ) -%}
        {#- views first: they read the tables -#}
        {%- for row in found.rows -%}
            {%- do run_query('drop ' ~ row['kind'] ~ ' if exists temp.' ~ row['name']) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

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

{#- The stop test of the attempt search's loop, over a state stage aliased `st`: the
    attempt still has a step to fill in round `j` (its funnel has a step at processing
    position j). -#}
{% macro funnel_search_goes_on(j) -%}
    exists (select 1 from search_steps as s where s.funnel_key = st.funnel_key and s.processing_position = {{ j }})
{%- endmacro %}
