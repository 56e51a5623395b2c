{#- Text value of a top-level key of a JSON column (strings unquoted, numbers as
    written, true/false), NULL when absent. DuckDB and Spark spell it differently. -#}
{% macro json_text(json_col, key) -%}
    {{ return(adapter.dispatch('json_text', 'brandpulse')(json_col, key)) }}
{%- endmacro %}

{% macro default__json_text(json_col, key) -%}
    get_json_object({{ json_col }}, '$.{{ key }}')
{%- endmacro %}

{% macro duckdb__json_text(json_col, key) -%}
    json_extract_string({{ json_col }}, '$.{{ key }}')
{%- endmacro %}

{#- Like json_text, but for a VARCHAR that may not be valid JSON at all (rejected
    rows): NULL instead of an error. -#}
{% macro try_json_text(text_col, key) -%}
    {{ return(adapter.dispatch('try_json_text', 'brandpulse')(text_col, key)) }}
{%- endmacro %}

{% macro default__try_json_text(text_col, key) -%}
    get_json_object({{ text_col }}, '$.{{ key }}')
{%- endmacro %}

{% macro duckdb__try_json_text(text_col, key) -%}
    case when json_valid({{ text_col }}) then json_extract_string({{ text_col }}, '$.{{ key }}') end
{%- endmacro %}

{#- A UTC TIMESTAMP from an ISO-8601 string var (partition bounds handed in by
    Dagster, e.g. '2026-08-09T00:00:00+00:00' or '2026-08-09'); an offset is honoured.
    Quotes are escaped: the value is an orchestrator var, still never trusted as SQL. -#}
{% macro core_utc_timestamp_var(value) -%}
    {{ return(adapter.dispatch('core_utc_timestamp_var', 'brandpulse')(value)) }}
{%- endmacro %}

{% macro default__core_utc_timestamp_var(value) -%}
    to_utc_timestamp('{{ value | string | replace("'", "''") }}', 'UTC')
{%- endmacro %}

{% macro duckdb__core_utc_timestamp_var(value) -%}
    (cast('{{ value | string | replace("'", "''") }}' as timestamptz) at time zone 'UTC')
{%- endmacro %}
