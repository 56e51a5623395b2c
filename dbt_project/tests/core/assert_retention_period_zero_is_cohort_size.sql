-- Period 0 of every cohort is the cohort itself: retained = size, rate = 1, and the
-- size is the number of distinct members of that cohort.
with members as (
    select brand_id, cohort_id, cohort_start, count(distinct person_id) as members
    from {{ ref('int_cohort_members') }}
    group by 1, 2, 3
)

select r.*
from {{ ref('cohort_retention') }} as r
left join members as m
    on m.brand_id = r.brand_id and m.cohort_id = r.cohort_id and m.cohort_start = r.cohort_start
where r.period_number = 0
  and (r.retained_persons <> r.cohort_size or r.retention_rate <> 1 or m.members is null
       or m.members <> r.cohort_size)
