{#- The serving copy of a Spark build: after every run on Spark, each mart that exists
    (tables and views alike) is written as Parquet to
    `<BRANDPULSE_SPARK_WAREHOUSE>/export/marts/<mart>/`. brandpulse/lake.py loads that copy
    into the DuckDB warehouse's `marts` schema, so what reads marts there (the Python
    analytics assets, the published snapshot, `brandpulse query`) works on either engine,
    and the engine-equality test reads the Spark marts from it. DuckDB builds its marts in
    place: nothing to do. Mart names come from the dbt graph, never from data. -#}
{% macro export_marts() -%}
    {{ return(adapter.dispatch('export_marts', 'brandpulse')()) }}
{%- endmacro %}

{% macro default__export_marts() -%}
    select 1
{%- endmacro %}

{% macro spark__export_marts() -%}
    {%- if execute -%}
        {%- set root = env_var('BRANDPULSE_SPARK_WAREHOUSE', '../data/spark') ~ '/export/marts' -%}
        {%- for node in graph.nodes.values()
            | selectattr('resource_type', 'equalto', 'model')
            | selectattr('schema', 'equalto', 'marts') -%}
            {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
            {%- if relation is not none -%}
                {%- set location = (root ~ '/' ~ node.alias) | replace("'", "\\'") -%}
                {%- do run_query("insert overwrite directory '" ~ location ~ "' using parquet select * from " ~ relation) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
