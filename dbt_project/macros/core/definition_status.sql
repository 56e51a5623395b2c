{#- The latest rejection of each definition of `source` ('funnels', 'cohorts',
    'segments') by id, for the definition catalogs: an id rejected in a snapshot and
    not valid in any is listed as invalid with its reason. Rejections whose raw text
    names no id cannot be listed by id (marts.definition_errors still has them). -#}
{% macro core_invalid_definitions(source_name, valid_relation, id_column) -%}
select brand_id, definition_id, definition_name, reason
from (
    select
        e.brand_id,
        e.definition_id,
        e.definition_name,
        e.reason,
        row_number() over (
            partition by e.brand_id, e.definition_id
            order by e.rejected_at desc, e.file desc, e.line desc
        ) as _rn
    from {{ ref('definition_errors') }} as e
    where e.source = '{{ source_name }}'
        and e.brand_id is not null
        and e.definition_id is not null
        and not exists (
            select 1 from {{ valid_relation }} as v
            where v.brand_id = e.brand_id and v.{{ id_column }} = e.definition_id
        )
) as ranked
where _rn = 1
{%- endmacro %}

{#- deleted_at of a definition row: the app's soft delete (`deleted_at`, or Prisma's
    `deletedAt`) when the definition carries one; NULL otherwise. -#}
{% macro core_definition_deleted_at(definition_col) -%}
    {{ return(adapter.dispatch('core_definition_deleted_at', 'brandpulse')(definition_col)) }}
{%- endmacro %}

{% macro default__core_definition_deleted_at(definition_col) -%}
    to_utc_timestamp(coalesce(
        {{ json_text(definition_col, 'deleted_at') }}, {{ json_text(definition_col, 'deletedAt') }}
    ), 'UTC')
{%- endmacro %}

{#- an ISO-8601 offset is honoured (a plain cast to timestamp would drop it) -#}
{% macro duckdb__core_definition_deleted_at(definition_col) -%}
    (try_cast(coalesce(
        {{ json_text(definition_col, 'deleted_at') }}, {{ json_text(definition_col, 'deletedAt') }}
    ) as timestamptz) at time zone 'UTC')
{%- endmacro %}
