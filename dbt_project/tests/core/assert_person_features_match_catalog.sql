-- The features the SQL produces (macros/core/person_features.sql) are exactly the
-- catalog of seed segment_features: a name on one side only is a row here.
{%- set listed = person_number_features() + person_text_features() + (person_event_count_features().keys() | list) + person_prediction_features() %}

with listed as (
    {%- for feature in listed %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select '{{ feature }}' as feature
    {%- endfor %}
),

catalog as (
    select feature from {{ ref('segment_features') }}
)

select feature, 'not in the seed' as problem from listed
where feature not in (select catalog.feature from catalog)
union all
select feature, 'not produced by the SQL' as problem from catalog
where feature not in (select listed.feature from listed)
