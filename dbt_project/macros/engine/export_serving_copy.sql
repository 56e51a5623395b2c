{#- The serving copy of a Spark build: after every run on Spark, each mart that exists
    (tables and views alike), and the intermediate models named in `also` (those the
    Python analytics assets read), is written as Parquet to
    `<BRANDPULSE_SPARK_WAREHOUSE>/export/<schema>/<model>/`. brandpulse/spark_marts.py loads
    that copy into the DuckDB warehouse, so what reads marts there (the Python analytics
    assets, the published snapshot, `brandpulse query`) works on either engine, and the
    engine-equality test reads the Spark marts from it. DuckDB builds its models in place:
    nothing to do. Model names come from the dbt graph, never from data. -#}
{% macro export_serving_copy(also=[]) -%}
    {{ return(adapter.dispatch('export_serving_copy', 'brandpulse')(also)) }}
{%- endmacro %}

{% macro default__export_serving_copy(also) -%}
    select 1
{%- endmacro %}

{% macro spark__export_serving_copy(also) -%}
    {%- if execute -%}
        {%- set root = env_var('BRANDPULSE_SPARK_WAREHOUSE', '../data/spark') ~ '/export' -%}
        {%- for node in graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
            if node.schema == 'marts' or node.name in also -%}
            {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
            {%- if relation is not none -%}
                {%- set location = (root ~ '/' ~ node.schema ~ '/' ~ node.alias) | replace("'", "\\'") -%}
                {%- do run_query("insert overwrite directory '" ~ location ~ "' using parquet select * from " ~ relation) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
