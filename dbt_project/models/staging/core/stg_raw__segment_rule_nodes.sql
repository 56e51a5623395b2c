-- Segment rule trees flattened in pre-order: one row per node (root node_id 0).
select
    brand_id,
    segment_id,
    node_id,
    parent_node_id,
    depth,
    lower(node_type) as node_type,
    feature,
    feature_param,
    op,
    value_number,
    value_text,
    value_list
from {{ source('raw', 'segment_rule_nodes') }}
