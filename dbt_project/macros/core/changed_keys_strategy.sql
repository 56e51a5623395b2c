{#- Incremental strategy `changed_keys` (dbt-duckdb finds it by its name,
    get_incremental_<strategy>_sql): replace the rows of the keys that changed.

    A model using it computes its rows only for the changed keys of one column
    (config `changed_key`, e.g. 'person_id'; with brand_id, see changed_keys() in
    macros/core/incremental.sql). The strategy deletes every stored row of those keys,
    including keys left without rows (a person merged into another, an event gone from
    raw), and inserts the recomputed rows, in one transaction. It also deletes
      - every row, when the change set says "every key" (int_events_resolved was built
        from scratch since the model's last run: keys may have vanished unlisted), and
      - with config `definitions` ({'model': ..., 'columns': [...]}), the rows whose
        definition (those columns, NULL-safe) the model no longer holds: a changed or
        removed cohort or funnel, whose current version the model recomputed for every
        person.

        config(materialized='incremental', incremental_strategy='changed_keys',
               changed_key='person_id')
-#}
{% macro get_incremental_changed_keys_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set key = config.require('changed_key') -%}
    {%- set definitions = config.get('definitions') -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
delete from {{ target }} as t
where exists (
        select 1 from ({{ changed_keys(key, target) }}) as k
        where k.brand_id = t.brand_id and k.{{ key }} = t.{{ key }}
    )
    {%- if key != 'event_id' %}
    or {{ changed_every_key(target) }}
    {%- endif %}
    {%- if definitions %}
    or not exists (
        select 1 from {{ ref(definitions['model']) }} as d
        where {{ core_same_definition('d', 't', definitions['columns']) }}
    )
    {%- endif %};

insert into {{ target }} ({{ columns }})
select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- Rows `a` and `b` hold the same definition: equal `columns`, compared NULL-safe. -#}
{% macro core_same_definition(a, b, columns) -%}
    {%- for column in columns %}
    {{ 'and ' if not loop.first }}{{ a }}.{{ column }} is not distinct from {{ b }}.{{ column }}
    {%- endfor %}
{%- endmacro %}
