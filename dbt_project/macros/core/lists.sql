{#- True when the array column `list_col` contains `value`. -#}
{% macro list_has(list_col, value) -%}
    {{ return(adapter.dispatch('list_has', 'brandpulse')(list_col, value)) }}
{%- endmacro %}

{% macro default__list_has(list_col, value) -%}
    array_contains({{ list_col }}, {{ value }})
{%- endmacro %}

{% macro duckdb__list_has(list_col, value) -%}
    list_contains({{ list_col }}, {{ value }})
{%- endmacro %}
