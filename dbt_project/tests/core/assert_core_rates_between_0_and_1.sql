-- Every rate of the core marts lies in [0, 1].
select 'cohort_retention' as model, retention_rate as rate
from {{ ref('cohort_retention') }}
where retention_rate < 0 or retention_rate > 1
union all
select 'segment_sizes' as model, share_of_persons as rate
from {{ ref('segment_sizes') }}
where share_of_persons < 0 or share_of_persons > 1
