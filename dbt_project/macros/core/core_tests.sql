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
select {{ combination_of_columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Fails on every row where any of `columns` is null: one scan per model instead of
    one not_null test (and query) per column. -#}
{% test core_not_null(model, columns) %}
select {{ columns | join(', ') }}
from {{ model }}
where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}
