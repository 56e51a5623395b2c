{#- Generic tests of the core models (dbt hub packages are unreachable, so written
    here; prefixed `core_` so they never clash with another team's helpers). -#}

{#- Fails on every row where `expression` is not true. -#}
{% test core_expression_is_true(model, expression, where_sql=none) %}
select *
from {{ model }}
where not ({{ expression }})
{% if where_sql %}and ({{ where_sql }}){% endif %}
{% endtest %}

{#- Fails on every non-null value of `column_name` outside [min_value, max_value]. -#}
{% test core_accepted_range(model, column_name, min_value=none, max_value=none) %}
select *
from {{ model }}
where {{ column_name }} is not null
  and (
    false
    {% if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
    {% if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
  )
{% endtest %}

{#- Fails on every combination of `combination_of_columns` seen more than once. -#}
{% test core_unique_combination(model, combination_of_columns) %}
{{ adapter.dispatch('core_unique_combination_sql', 'brandpulse')(model, combination_of_columns | join(', ')) }}
{% endtest %}

{% macro default__core_unique_combination_sql(model, key) -%}
select {{ key }}, count(*) as n
from {{ model }}
group by {{ key }}
having count(*) > 1
{%- endmacro %}

{#- DuckDB: group the rows by one 64-bit hash of the key first (a third faster than
    grouping on the text columns over millions of rows), then group exactly only the
    rows whose hash repeats: duplicates, or the rare hash collision of distinct keys,
    which the exact group drops. NULL parts hash alike, as GROUP BY groups them. -#}
{% macro duckdb__core_unique_combination_sql(model, key) -%}
with repeated_hashes as (
    select hash({{ key }}) as key_hash
    from {{ model }}
    group by 1
    having count(*) > 1
)

select {{ key }}, count(*) as n
from {{ model }}
where hash({{ key }}) in (select key_hash from repeated_hashes)
group by {{ key }}
having count(*) > 1
{%- endmacro %}

{#- Fails on every row where any of `columns` is null: one scan per model instead of
    one not_null test (and query) per column. -#}
{% test core_not_null(model, columns) %}
select {{ columns | join(', ') }}
from {{ model }}
where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}

{#- The day run's key test of an incremental model (its whole-table core_unique_combination
    is tagged full_test_pass: the weekly run). Fails on every combination of
    `combination_of_columns` seen more than once among the rows of the keys the last run
    wrote: the (brand_id, `written_key`) of the rows carrying the newest `stamp`
    (`_processed_at`, `_events_watermark`). Every duplicate of such a key is found, also
    against a row an earlier run left (both carry the key); rows of keys no run touched
    since were checked when they were written, and again by the weekly full pass. -#}
{% test core_unique_written_keys(model, combination_of_columns, written_key, stamp) %}
{%- set key = combination_of_columns | join(', ') %}
with written_keys as (
    select distinct brand_id, {{ written_key }}
    from {{ model }}
    where {{ stamp }} = (select max({{ stamp }}) from {{ model }})
)

select {{ key }}, count(*) as n
from {{ model }} as m
where exists (
    select 1 from written_keys as w
    where w.brand_id = m.brand_id and w.{{ written_key }} = m.{{ written_key }}
)
group by {{ key }}
having count(*) > 1
{% endtest %}
