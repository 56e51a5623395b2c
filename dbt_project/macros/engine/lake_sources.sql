{#- Spark reads the raw layer from the Parquet lake (brandpulse/lake.py writes it after
    ingest): each source table of models/staging/_sources.yml becomes an external table over
    its lake folder, re-created at the start of every run so a new export (and its new
    arrival-day partitions) is what the run reads. On DuckDB the sources are the warehouse's
    own raw.* and ai.* tables: nothing to do. -#}
{% macro register_lake_sources() -%}
    {{ return(adapter.dispatch('register_lake_sources', 'brandpulse')()) }}
{%- endmacro %}

{% macro default__register_lake_sources() -%}
    select 1
{%- endmacro %}

{% macro spark__register_lake_sources() -%}
    {%- if execute -%}
        {%- set lake = env_var('BRANDPULSE_LAKE_DIR', '../data/lake') -%}
        {#- the ml.* tables are written by the Python assets into DuckDB, not exported to the
            lake: on Spark they are absent, and the models reading them see no rows -#}
        {%- for node in graph.sources.values() if node.source_name != 'ml' -%}
            {%- set location = lake ~ '/' ~ node.schema ~ '/' ~ node.identifier -%}
            {%- do run_query('create database if not exists ' ~ node.schema) -%}
            {%- do run_query('drop table if exists ' ~ node.schema ~ '.' ~ node.identifier) -%}
            {%- do run_query('create table ' ~ node.schema ~ '.' ~ node.identifier
                ~ " using parquet location '" ~ location | replace("'", "\\'") ~ "'") -%}
            {#- brandpulse/lake.py partitions every table with `_partition_date` by arrival day -#}
            {%- set columns = run_query('select * from ' ~ node.schema ~ '.' ~ node.identifier ~ ' limit 0').column_names -%}
            {%- if '_partition_date' in columns -%}
                {%- do run_query('msck repair table ' ~ node.schema ~ '.' ~ node.identifier) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
