{#- The per-person feature catalog as the SQL knows it (seeds/segment_features.csv
    documents it; tests/core/assert_person_features_match_catalog.sql keeps the two
    equal). Number and text features are columns of int_person_features; the
    event_count_* features take an event name and count the brand's last N days. -#}
{% macro person_number_features() -%}
    {{ return(['recency_days', 'frequency', 'monetary', 'sessions_7d', 'sessions_30d', 'sessions_90d',
        'events_7d', 'events_30d', 'days_since_first_seen', 'ai_generations_30d']) }}
{%- endmacro %}

{% macro person_text_features() -%}
    {{ return(['country', 'acquisition_channel', 'plan']) }}
{%- endmacro %}

{#- Model-made features: rows of int_person_prediction_features (from ml.* tables the
    analytics assets write), not columns of int_person_features. -#}
{% macro person_prediction_features() -%}
    {{ return(['purchase_propensity']) }}
{%- endmacro %}

{% macro person_event_count_features() -%}
    {{ return({'event_count_7d': 7, 'event_count_30d': 30, 'event_count_90d': 90}) }}
{%- endmacro %}
