{#- Convert a UTC TIMESTAMP to the brand's local wall-clock TIMESTAMP.
    Dispatched so a Spark target can use from_utc_timestamp. -#}
{% macro to_brand_local(ts, tz) -%}
    {{ return(adapter.dispatch('to_brand_local', 'brandpulse')(ts, tz)) }}
{%- endmacro %}

{% macro default__to_brand_local(ts, tz) -%}
    from_utc_timestamp({{ ts }}, {{ tz }})
{%- endmacro %}

{% macro duckdb__to_brand_local(ts, tz) -%}
    (({{ ts }}) at time zone 'UTC') at time zone ({{ tz }})
{%- endmacro %}

{#- The brand-local calendar day of a UTC TIMESTAMP. -#}
{% macro brand_day(ts, tz) -%}
    cast({{ to_brand_local(ts, tz) }} as date)
{%- endmacro %}
