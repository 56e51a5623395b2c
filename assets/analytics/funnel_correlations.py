"""Which events go with converting (or failing) a funnel: CONTRACTS.md section 4.

success = a person who completed the funnel (marts.funnel_persons.converted), failure =
entered but did not. For each person the events counted are those strictly between the
counted attempt's step-1 time (entered_at) and its last step (completed_at) for a
success, or the end of its window (window_end_at) for a failure, excluding the funnel's
own step events: every event named like one of its steps, and the events that filled the
attempt's steps (an any-event step has no name to exclude by). Per event name:
success_count / failure_count = persons who did it at least once. Odds ratio with a +1
prior on each of the four counts, Fisher's exact test on the 2x2 table. Counting runs in
DuckDB (one query per brand, bound parameters); the statistics in Python.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

FUNNEL_CORRELATION_COLUMNS = [
    "brand_id",
    "funnel_id",
    "event_name",
    "success_count",
    "failure_count",
    "success_total",
    "failure_total",
    "odds_ratio",
    "p_value",
    "correlation_type",
]

EVENT_COUNTS_SQL = """
with people as (
    select
        fp.funnel_id,
        fp.person_id,
        coalesce(fp.converted, false) as converted,
        fp.entered_at as window_start,
        case when coalesce(fp.converted, false) then fp.completed_at else fp.window_end_at end
            as window_stop
    from marts.funnel_persons as fp
    where fp.brand_id = $brand_id
),
step_names as (
    select distinct funnel_id, event_name
    from raw.funnel_steps
    where brand_id = $brand_id and event_name is not null
),
own_steps as (
    select funnel_id, person_id, event_id
    from marts.funnel_person_steps
    where brand_id = $brand_id
),
done as (
    select distinct p.funnel_id, p.person_id, p.converted, e.event_name
    from people as p
    join intermediate.int_events_resolved as e
        on e.brand_id = $brand_id
        and e.person_id = p.person_id
        and e.occurred_at > p.window_start
        and e.occurred_at < p.window_stop
    where not exists (
        select 1 from step_names as s
        where s.funnel_id = p.funnel_id and s.event_name = e.event_name
    )
    and not exists (
        select 1 from own_steps as o
        where o.funnel_id = p.funnel_id and o.person_id = p.person_id and o.event_id = e.event_id
    )
)
select
    funnel_id,
    event_name,
    count(*) filter (where converted) as success_count,
    count(*) filter (where not converted) as failure_count
from done
group by funnel_id, event_name
"""

TOTALS_SQL = """
select
    funnel_id,
    count(*) filter (where coalesce(converted, false)) as success_total,
    count(*) filter (where not coalesce(converted, false)) as failure_total
from marts.funnel_persons
where brand_id = $brand_id
group by funnel_id
"""


def funnel_event_counts(
    con: duckdb.DuckDBPyConnection, brand_id: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per funnel x event: success_count, failure_count; per funnel: the two totals)."""
    params = {"brand_id": brand_id}
    counts = con.execute(EVENT_COUNTS_SQL, params).df()
    totals = con.execute(TOTALS_SQL, params).df()
    return counts, totals


def odds_ratio(s: np.ndarray, S: np.ndarray, f: np.ndarray, F: np.ndarray) -> np.ndarray:
    """((s+1)/(S-s+1)) / ((f+1)/(F-f+1)): +1 on each cell keeps 0 counts finite."""
    s, S, f, F = (np.asarray(v, dtype=float) for v in (s, S, f, F))
    return ((s + 1) / (S - s + 1)) / ((f + 1) / (F - f + 1))


def correlation_stats(
    counts: pd.DataFrame,
    totals: pd.DataFrame,
    min_persons: int = 5,
    top_n: int = 10,
) -> pd.DataFrame:
    """Odds ratios, Fisher p-values and the top `top_n` events each way per funnel.

    `counts`: funnel_id, event_name, success_count, failure_count; `totals`: funnel_id,
    success_total, failure_total. Events done by fewer than `min_persons` persons in
    total are dropped (minimum support): an event 1 person did says nothing.
    """
    cols = FUNNEL_CORRELATION_COLUMNS[1:]
    if counts.empty or totals.empty:
        return pd.DataFrame(columns=cols)
    df = counts.merge(totals, on="funnel_id", how="inner")
    df = df[(df["success_count"] + df["failure_count"]) >= min_persons].copy()
    if df.empty:
        return pd.DataFrame(columns=cols)
    from scipy import stats  # here, not at import: scipy.stats costs ~1 s per definitions load

    s, f = df["success_count"].to_numpy(), df["failure_count"].to_numpy()
    S, F = df["success_total"].to_numpy(), df["failure_total"].to_numpy()
    df["odds_ratio"] = odds_ratio(s, S, f, F)
    df["p_value"] = [
        stats.fisher_exact([[a, b - a], [c, d - c]])[1]
        for a, b, c, d in zip(s.tolist(), S.tolist(), f.tolist(), F.tolist(), strict=True)
    ]
    df["correlation_type"] = np.where(df["odds_ratio"] > 1, "success", "failure")
    # Strongest first each way: highest odds for success, lowest for failure.
    df["_strength"] = np.where(
        df["correlation_type"] == "success", df["odds_ratio"], 1.0 / df["odds_ratio"]
    )
    df = df.sort_values(
        ["funnel_id", "correlation_type", "_strength", "p_value", "event_name"],
        ascending=[True, True, False, True, True],
    )
    df = df.groupby(["funnel_id", "correlation_type"], sort=False).head(top_n)
    return df[cols].reset_index(drop=True)


def funnel_correlations(
    con: duckdb.DuckDBPyConnection,
    brand_ids: list[str],
    min_persons: int = 5,
    top_n: int = 10,
) -> pd.DataFrame:
    """ml.funnel_correlations for the given brands, one counting query per brand."""
    frames = []
    for brand_id in brand_ids:
        counts, totals = funnel_event_counts(con, brand_id)
        res = correlation_stats(counts, totals, min_persons=min_persons, top_n=top_n)
        if len(res):
            res.insert(0, "brand_id", brand_id)
            frames.append(res)
    if not frames:
        return pd.DataFrame(columns=FUNNEL_CORRELATION_COLUMNS)
    out = pd.concat(frames, ignore_index=True)[FUNNEL_CORRELATION_COLUMNS]
    return out.astype({"success_count": "int64", "failure_count": "int64"})
