-- Dated exchange rates as ranges: a rate applies from valid_from (UTC day) up to, not
-- including, the next row of the same currency (valid_to; 9999-12-31 for the latest).
select
    upper(currency) as currency,
    cast(valid_from as date) as valid_from,
    cast(coalesce(
        lead(valid_from) over (partition by upper(currency) order by valid_from),
        cast('9999-12-31' as date)
    ) as date) as valid_to,
    cast(usd_per_unit as double) as usd_per_unit
from {{ ref('fx_rates') }}
