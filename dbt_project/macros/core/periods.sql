{#- Calendar-period helpers for cohorts; `grain_col` is a column holding 'day',
    'week' (weeks start on Monday) or 'month', `day_col` a brand-local DATE. -#}

{#- First day of the period of `day_col`. -#}
{% macro core_period_start(grain_col, day_col) -%}
    cast(case {{ grain_col }}
        when 'day' then {{ dbt.date_trunc('day', day_col) }}
        when 'week' then {{ dbt.date_trunc('week', day_col) }}
        when 'month' then {{ dbt.date_trunc('month', day_col) }}
    end as date)
{%- endmacro %}

{#- Whole periods from period start `from_col` to period start `to_col`. -#}
{% macro core_period_index(grain_col, from_col, to_col) -%}
    cast(case {{ grain_col }}
        when 'day' then {{ dbt.datediff(from_col, to_col, 'day') }}
        when 'week' then floor({{ dbt.datediff(from_col, to_col, 'day') }} / 7)
        when 'month' then {{ dbt.datediff(from_col, to_col, 'month') }}
    end as integer)
{%- endmacro %}

{#- Start of the period `n_col` periods after period start `start_col`. -#}
{% macro core_period_add(grain_col, n_col, start_col) -%}
    cast(case {{ grain_col }}
        when 'day' then {{ dbt.dateadd('day', n_col, start_col) }}
        when 'week' then {{ dbt.dateadd('day', '7 * ' ~ n_col, start_col) }}
        when 'month' then {{ dbt.dateadd('month', n_col, start_col) }}
    end as date)
{%- endmacro %}

{#- A relation of integers 0..upper_bound (column `n`), portable. -#}
{% macro core_numbers(upper_bound) -%}
    {%- for i in range(upper_bound + 1) %}
    select {{ i }} as n{% if not loop.last %} union all{% endif %}
    {%- endfor %}
{%- endmacro %}
