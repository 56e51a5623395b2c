{#- Whether the engine runs the incremental models incrementally. Spark builds them as
    full tables (macros/engine/spark_incremental.sql): a plain Parquet table cannot take
    their deletes, and one full build gives the rows N incremental runs give. -#}
{% macro engine_builds_incrementally() -%}
    {{ return(adapter.dispatch('engine_builds_incrementally', 'brandpulse')()) }}
{%- endmacro %}

{% macro default__engine_builds_incrementally() -%}{{ return(true) }}{%- endmacro %}

{% macro spark__engine_builds_incrementally() -%}{{ return(false) }}{%- endmacro %}

{#- dbt's is_incremental() (dbt-core 1.11, global_project), false where the engine builds
    incremental models as tables, so their full-build branch and no delete hook runs. -#}
{% macro is_incremental() %}
    {#-- do not run introspective queries in parsing #}
    {% if not execute or not engine_builds_incrementally() %}
        {{ return(False) }}
    {% else %}
        {% set relation = adapter.get_relation(this.database, this.schema, this.table) %}
        {{ return(relation is not none
                  and relation.type == 'table'
                  and model.config.materialized == 'incremental'
                  and not should_full_refresh()) }}
    {% endif %}
{% endmacro %}
