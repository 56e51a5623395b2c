{#- One row per (brand_id, day) for every day from first_day to last_day inclusive,
    read from a relation/CTE `source` holding brand_id, first_day, last_day.
    Time series consumers need continuous days, also days without activity. -#}
{% macro brand_day_spine(source) -%}
    {{ return(adapter.dispatch('brand_day_spine', 'brandpulse')(source)) }}
{%- endmacro %}

{% macro default__brand_day_spine(source) -%}
    select brand_id, day
    from {{ source }}
    lateral view explode(sequence(first_day, last_day)) spine as day
{%- endmacro %}

{% macro duckdb__brand_day_spine(source) -%}
    select s.brand_id, cast(g.day as date) as day
    from {{ source }} as s,
        unnest(generate_series(cast(s.first_day as timestamp), cast(s.last_day as timestamp), interval 1 day)) as g(day)
{%- endmacro %}
