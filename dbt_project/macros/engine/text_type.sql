{#- The text type in casts: DuckDB's `varchar` (its SQL unchanged), Spark's `string`
    (Spark 4 rejects a varchar without a length). -#}
{% macro text_type() -%}
    {{ return(adapter.dispatch('text_type', 'brandpulse')()) }}
{%- endmacro %}

{% macro default__text_type() -%}string{%- endmacro %}

{% macro duckdb__text_type() -%}varchar{%- endmacro %}
