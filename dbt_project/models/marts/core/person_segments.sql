{#-
  Segment membership, evaluated from the rule trees in raw.segment_rule_nodes as data:
  every leaf is joined to int_person_features_long for every person of the brand (a NULL
  feature is false), then 'all' / 'any' nodes are rolled up level by level from the
  deepest level (5) to the root (0): all = every child true, any = some child true.
  No definition text ever becomes SQL. A group node without children matches no one.

  Evaluated on true results only: a leaf is tested only on the persons that have its
  feature (no row = false), and a node's children are counted per person; an 'all'
  node holds when every child it has holds (as many true children as children).
  Which nodes take part (`shape_<depth>`) depends on the tree only: every leaf, and
  every group with at least one such child, exactly as if every person were listed.
-#}
{{ config(contract={'enforced': true}) }}

{%- set max_depth = 5 %}

with nodes as (
    select * from {{ ref('stg_raw__segment_rule_nodes') }}
),

leaf_true as (
    select
        l.brand_id,
        l.segment_id,
        l.node_id,
        l.parent_node_id,
        l.depth,
        f.person_id
    from nodes as l
    inner join {{ ref('int_person_features_long') }} as f
        on f.brand_id = l.brand_id
        and f.feature = l.feature
        and coalesce(f.feature_param, '') = coalesce(l.feature_param, '')
    where l.node_type = 'leaf'
        and {{ core_segment_leaf_matches('l', 'f') }}
),

{% for d in range(max_depth, -1, -1) %}
shape_{{ d }} as (
    select brand_id, segment_id, node_id, parent_node_id, node_type, 0 as children
    from nodes
    where depth = {{ d }} and node_type = 'leaf'
    {%- if d < max_depth %}

    union all

    select g.brand_id, g.segment_id, g.node_id, g.parent_node_id, g.node_type, count(*) as children
    from nodes as g
    inner join shape_{{ d + 1 }} as c
        on c.brand_id = g.brand_id
        and c.segment_id = g.segment_id
        and c.parent_node_id = g.node_id
    where g.depth = {{ d }} and g.node_type in ('all', 'any')
    group by g.brand_id, g.segment_id, g.node_id, g.parent_node_id, g.node_type
    {%- endif %}
),

level_{{ d }} as (
    select brand_id, segment_id, node_id, parent_node_id, person_id
    from leaf_true
    where depth = {{ d }}
    {%- if d < max_depth %}

    union all

    select g.brand_id, g.segment_id, g.node_id, g.parent_node_id, c.person_id
    from shape_{{ d }} as g
    inner join level_{{ d + 1 }} as c
        on c.brand_id = g.brand_id
        and c.segment_id = g.segment_id
        and c.parent_node_id = g.node_id
    where g.node_type in ('all', 'any')
    group by g.brand_id, g.segment_id, g.node_id, g.parent_node_id, g.node_type, g.children, c.person_id
    having g.node_type = 'any' or count(*) = g.children
    {%- endif %}
),
{% endfor %}

segments as (
    select brand_id, segment_id, segment_name from {{ ref('stg_raw__segments') }}
)

select
    cast(r.brand_id as {{ text_type() }}) as brand_id,
    cast(r.segment_id as {{ text_type() }}) as segment_id,
    cast(r.person_id as {{ text_type() }}) as person_id,
    cast(s.segment_name as {{ text_type() }}) as segment_name
from level_0 as r
inner join segments as s on s.brand_id = r.brand_id and s.segment_id = r.segment_id
where r.node_id = 0
