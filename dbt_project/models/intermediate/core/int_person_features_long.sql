-- Per-person features in long format (brand, person, feature, feature_param, value),
-- what segment leaves are joined to: the wide int_person_features unpivoted, plus the
-- event_count_* features for the (feature, event name) pairs some segment leaf
-- references (named_event_counts), plus the model-made features
-- (int_person_prediction_features: purchase_propensity). A view: person_segments reads
-- it once per build. Reading the predictions makes it, and the segments, a step after
-- the propensity asset (assets/dbt/assets.py: the prediction dbt step).
{{ config(materialized='view') }}
{%- set number_features = person_number_features() %}
{%- set text_features = person_text_features() %}
{%- set event_count_features = person_event_count_features() %}

with brands as (
    select brand_id, last_event_day from {{ ref('int_brands') }}
),

wide as (
    select * from {{ ref('int_person_features') }}
),

predicted as (
    select * from {{ ref('int_person_prediction_features') }}
),

referenced_event_counts as (
    select distinct
        brand_id,
        feature,
        feature_param,
        case feature
            {%- for feature, days in event_count_features.items() %}
            when '{{ feature }}' then {{ days }}
            {%- endfor %}
        end as window_days
    from {{ ref('stg_raw__segment_rule_nodes') }}
    where node_type = 'leaf'
        and feature in ({% for feature in event_count_features %}'{{ feature }}'{% if not loop.last %}, {% endif %}{% endfor %})
        and feature_param is not null
),

-- Only persons with such events: the others get 0 below.
named_event_counts as (
    select
        e.brand_id,
        e.person_id,
        r.feature,
        r.feature_param,
        count(e.event_id) as value_number
    from {{ ref('int_events_resolved') }} as e
    inner join referenced_event_counts as r
        on r.brand_id = e.brand_id
        and r.feature_param = e.event_name
    inner join brands as b on b.brand_id = e.brand_id
    where {{ dbt.datediff('e.event_day', 'b.last_event_day', 'day') }} < r.window_days
    group by 1, 2, 3, 4
),

-- The (feature, feature_param) rows every person of a brand gets.
brand_features as (
    {%- for f in number_features + text_features %}
    select brand_id, '{{ f }}' as feature, cast(null as {{ text_type() }}) as feature_param from brands
    union all
    {%- endfor %}
    select brand_id, feature, feature_param from referenced_event_counts
)

-- One pass over persons x features (not one select per feature).
select
    w.brand_id,
    w.person_id,
    f.feature,
    f.feature_param,
    case
        when f.feature_param is not null then cast(coalesce(n.value_number, 0) as double)
        {%- for nf in number_features %}
        when f.feature = '{{ nf }}' then cast(w.{{ nf }} as double)
        {%- endfor %}
    end as value_number,
    case f.feature
        {%- for tf in text_features %}
        when '{{ tf }}' then cast(w.{{ tf }} as {{ text_type() }})
        {%- endfor %}
    end as value_text
from wide as w
inner join brand_features as f on f.brand_id = w.brand_id
left join named_event_counts as n
    on n.brand_id = w.brand_id
    and n.person_id = w.person_id
    and n.feature = f.feature
    and n.feature_param = f.feature_param
where f.feature not in ({% for tf in text_features %}'{{ tf }}'{% if not loop.last %}, {% endif %}{% endfor %})
    or case f.feature
        {%- for tf in text_features %}
        when '{{ tf }}' then w.{{ tf }}
        {%- endfor %}
    end is not null

union all

select brand_id, person_id, feature, feature_param, value_number, value_text
from predicted
