-- Model-made per-person features in the long format of int_person_features_long, from the
-- tables the analytics assets write (source `ml`): purchase_propensity is
-- ml.person_predictions.purchase_probability. Reading an ml.* source puts this model and
-- everything built on it (person_segments, segment_sizes, segments) after the Python asset
-- in the asset graph (assets/dbt/assets.py: the prediction dbt step), and the asset reads only
-- int_person_days: no cycle. Before the asset has ever written its table (a dbt-only
-- build), there are no such features, and a leaf on them is false for everyone.
{{ config(materialized='view') }}
{%- set predictions = source('ml', 'person_predictions') %}
{%- set written = (load_relation(predictions) is not none) if execute else true %}

with predictions as (
    {%- if written %}
    select brand_id, person_id, purchase_probability
    from {{ predictions }}
    {%- else %}
    select
        cast(null as {{ text_type() }}) as brand_id,
        cast(null as {{ text_type() }}) as person_id,
        cast(null as double) as purchase_probability
    where 1 = 0
    {%- endif %}
)

select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(person_id as {{ text_type() }}) as person_id,
    cast('purchase_propensity' as {{ text_type() }}) as feature,
    cast(null as {{ text_type() }}) as feature_param,
    cast(purchase_probability as double) as value_number,
    cast(null as {{ text_type() }}) as value_text
from predictions
where purchase_probability is not null
