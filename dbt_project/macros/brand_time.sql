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

{#- Seconds from UTC timestamp `a` to `b`, with the sub-second part (datediff('second')
    counts second boundaries crossed, not elapsed time). -#}
{% macro seconds_between(a, b) -%}
    {{ return(adapter.dispatch('seconds_between', 'brandpulse')(a, b)) }}
{%- endmacro %}

{% macro default__seconds_between(a, b) -%}
    ((unix_micros({{ b }}) - unix_micros({{ a }})) / 1e6)
{%- endmacro %}

{% macro duckdb__seconds_between(a, b) -%}
    ((epoch_us({{ b }}) - epoch_us({{ a }})) / 1000000.0)
{%- endmacro %}
