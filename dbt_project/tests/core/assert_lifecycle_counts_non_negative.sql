-- Lifecycle counts are counts of persons: never negative (dormant included), and
-- yesterday's active persons are either returning or dormant today.
select l.*
from {{ ref('lifecycle') }} as l
left join {{ ref('lifecycle') }} as y
    on y.brand_id = l.brand_id
    and y.day = cast({{ dbt.dateadd('day', -1, 'l.day') }} as date)
where l.new_persons < 0 or l.returning_persons < 0 or l.resurrecting_persons < 0 or l.dormant_persons < 0
   or (y.day is not null and y.active_persons <> l.returning_persons + l.dormant_persons)
