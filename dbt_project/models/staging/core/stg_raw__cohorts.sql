-- Valid cohort definitions (invalid ones are in raw.rejected_rows).
select
    cohort_id,
    brand_id,
    name as cohort_name,
    start_event,
    return_event,
    lower(grain) as grain,
    lower(kind) as kind,
    periods,
    definition,
    _loaded_at
from {{ source('raw', 'cohorts') }}
