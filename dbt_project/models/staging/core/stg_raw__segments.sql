-- Valid segment definitions (the rule tree itself is in stg_raw__segment_rule_nodes).
select
    segment_id,
    brand_id,
    name as segment_name,
    rules,
    definition,
    _loaded_at
from {{ source('raw', 'segments') }}
