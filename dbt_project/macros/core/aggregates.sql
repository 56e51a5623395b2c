{#- Aggregate: `value` at the row with the smallest (`which` = 'min') or largest ('max')
    ordering key `keys` (a list of columns, compared in order) among the rows where
    `where` holds; NULL when that row's value is NULL. One hash aggregate instead of a
    window sort per person. -#}
{% macro core_value_by(which, value, keys, where='true') -%}
    {{ return(adapter.dispatch('core_value_by', 'brandpulse')(which, value, keys, where)) }}
{%- endmacro %}

{% macro default__core_value_by(which, value, keys, where) -%}
    {{ which }}_by({{ value }}, struct({{ keys | join(', ') }})) filter (where {{ where }})
{%- endmacro %}

{% macro duckdb__core_value_by(which, value, keys, where) -%}
    arg_{{ which }}_null(
        {{ value }},
        struct_pack({% for k in keys %}k{{ loop.index }} := {{ k }}{% if not loop.last %}, {% endif %}{% endfor %})
    ) filter (where {{ where }})
{%- endmacro %}
