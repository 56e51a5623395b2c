-- Typed product events with the context object flattened into columns.
-- raw.events already holds one row per (brand_id, event_id) and UTC occurred_at.
-- The column list is the macro core_stage_events (int_events_resolved stages the
-- rows it rebuilds incrementally with the same macro).
{{ core_stage_events(source('raw', 'events')) }}
