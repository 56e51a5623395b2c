-- int_funnel_steps with what this run does with each step: `opens` (a match can open an
-- attempt: step 1, or any step of an unordered funnel) and `is_redefined` (an incremental
-- run recomputes every person of this funnel: its definition_fingerprint is not stored).
-- Ephemeral: inlined into int_funnel_event_positions and int_funnel_step_matches.
{{ config(materialized='ephemeral') }}
{%- set incremental_of = funnel_incremental_relation() %}

with
{%- if incremental_of is not none %}
{{ funnel_changed_scope(incremental_of) }}
{%- endif %}

steps as (
    select * from {{ ref('int_funnel_steps') }}
)

select
    s.*,
    s.step_number = 1 or s.funnel_order = 'unordered' as opens,
    {%- if incremental_of is not none %}
    r.funnel_id is not null as is_redefined
from steps as s
left join redefined as r
    on r.brand_id = s.brand_id
    and r.funnel_id = s.funnel_id
    {%- else %}
    false as is_redefined
from steps as s
    {%- endif %}
