-- Revenue that could not be put in the brand's currency: an event paid in a currency
-- the fx_rates seed has no rate for on its UTC day (or a brand whose own currency has
-- none). Its revenue is NULL (unknown, never guessed), so it is in no revenue sum and,
-- as orders are events with revenue > 0, in no order count either; marts.events keeps
-- original_revenue and original_currency. Not an error (the event is valid by the
-- landing contract): a warning, one row per brand and paid currency, so the gap is
-- seen in dbt's output and the Dagster UI. Add the rate to seeds/fx_rates.csv and
-- rebuild (a full refresh re-prices history).
{{ config(severity='warn') }}

select
    brand_id,
    original_currency,
    currency as brand_currency,
    count(*) as events,
    sum(original_revenue) as original_revenue,
    min(event_day) as first_day,
    max(event_day) as last_day
from {{ ref('events') }}
where original_revenue is not null and revenue is null
group by brand_id, original_currency, currency
