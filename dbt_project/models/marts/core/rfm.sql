{#-
  RFM per customer: every resolved person of the brand with at least one order (a
  person who never ordered has no frequency or monetary value to score, and is not
  given a segment such as potential_loyalist). recency_days: whole days from
  the person's last event to the brand's last day of data; frequency: orders (events
  with revenue > 0); monetary: revenue. Scores 1-5 by quintile within the brand
  (ntile(5) over the brand's customers, worst first; 5 = best: most recent, most orders,
  most revenue). Equal values share one score, the quintile of the first person with
  that value: when most customers ordered once, all of them get f_score 1 (splitting
  ties by person_id gave some of them 5). So a tie group reaching into a higher quintile stays in its lower one,
  and a quintile can be empty. rfm_segment from r_score and
  fm = round((f_score + m_score) / 2), first match wins:
    champions          r >= 4 and fm >= 4
    loyal              r >= 3 and fm >= 3
    new                r = 5  and fm = 1
    potential_loyalist r >= 3 (and fm <= 2)
    cant_lose          r = 1  and fm >= 4
    at_risk            r <= 2 and fm >= 3
    hibernating        r = 2  (and fm <= 2)
    lost               r = 1  (and fm <= 2)
-#}
{{ config(contract={'enforced': true}) }}

with persons as (
    select
        p.brand_id,
        p.person_id,
        {{ dbt.datediff('p.last_seen_day', 'b.last_event_day', 'day') }} as recency_days,
        p.orders as frequency,
        p.revenue as monetary,
        b.currency,
        p.last_seen_at
    from {{ ref('int_persons') }} as p
    inner join {{ ref('int_brands') }} as b on b.brand_id = p.brand_id
    where p.orders >= 1
),

-- Each person's place in the brand, worst first (person_id orders equal values)...
positioned as (
    select
        *,
        ntile(5) over (partition by brand_id order by recency_days desc, person_id asc) as r_position,
        ntile(5) over (partition by brand_id order by frequency, person_id) as f_position,
        ntile(5) over (partition by brand_id order by monetary, person_id) as m_position
    from persons
),

-- ...and equal values share the quintile of the first of them, so a score never
-- depends on a person_id: persons without orders all get f_score 1, not 1 to 5.
scored as (
    select
        *,
        min(r_position) over (partition by brand_id, recency_days) as r_score,
        min(f_position) over (partition by brand_id, frequency) as f_score,
        min(m_position) over (partition by brand_id, monetary) as m_score
    from positioned
),

combined as (
    select *, cast(round((f_score + m_score) / 2.0) as integer) as fm_score
    from scored
)

select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(person_id as {{ text_type() }}) as person_id,
    cast(recency_days as integer) as recency_days,
    cast(frequency as bigint) as frequency,
    cast(monetary as double) as monetary,
    cast(r_score as integer) as r_score,
    cast(f_score as integer) as f_score,
    cast(m_score as integer) as m_score,
    cast(case
        when r_score >= 4 and fm_score >= 4 then 'champions'
        when r_score >= 3 and fm_score >= 3 then 'loyal'
        when r_score = 5 and fm_score = 1 then 'new'
        when r_score >= 3 then 'potential_loyalist'
        when r_score = 1 and fm_score >= 4 then 'cant_lose'
        when fm_score >= 3 then 'at_risk'
        when r_score = 2 then 'hibernating'
        else 'lost'
    end as {{ text_type() }}) as rfm_segment,
    cast(fm_score as integer) as fm_score,
    cast(currency as {{ text_type() }}) as currency
from combined
