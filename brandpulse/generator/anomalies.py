"""Planned metric anomalies: which brand-local days get a spike or a drop, and how.

Kinds:
- traffic_spike: arrivals, return visits and repeat purchases multiplied (a campaign
  or flash sale) -> every daily metric goes up;
- outage: most sessions of the day are lost -> every daily metric goes down;
- checkout_failure: most purchases of the day fail -> orders and revenue go down.
Days are kept away from the first 14 days (no history to judge them against) and
at least a week apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("traffic_spike", "outage", "checkout_failure")
DIRECTION = {"traffic_spike": "spike", "outage": "drop", "checkout_failure": "drop"}
PLANNED_METRICS = {
    "traffic_spike": ("active_persons", "sessions", "events", "orders", "revenue"),
    "outage": ("active_persons", "sessions", "events", "orders", "revenue"),
    "checkout_failure": ("orders", "revenue"),
}
WARMUP_DAYS = 14


@dataclass(frozen=True)
class Anomaly:
    day: int  # local day index
    kind: str
    factor: float  # multiplier (spike) or share kept (drop)

    @property
    def direction(self) -> str:
        return DIRECTION[self.kind]


def plan_anomalies(rng: np.random.Generator, days: int) -> list[Anomaly]:
    """About one anomaly per 30 days (at least 2 when there is room), a week apart."""
    first, last = WARMUP_DAYS, days - 3
    if last - first < 7:
        return []
    wanted = max(2, round(days / 30))
    slots = list(range(first, last + 1))
    chosen: list[int] = []
    for cand in rng.permutation(slots):
        if all(abs(int(cand) - c) >= 7 for c in chosen):
            chosen.append(int(cand))
        if len(chosen) == wanted:
            break
    chosen.sort()
    out = []
    for i, day in enumerate(chosen):
        # alternate spike / drop so every brand gets both directions
        if i % 2 == 0:
            kind = "traffic_spike"
            factor = round(float(rng.uniform(3.0, 5.0)), 2)
        else:
            kind = KINDS[1 + int(rng.integers(0, 2))]
            factor = round(float(rng.uniform(0.1, 0.3)), 2)
        out.append(Anomaly(day=day, kind=kind, factor=factor))
    return out


def day_multipliers(anomalies: list[Anomaly], days: int, kind: str) -> np.ndarray:
    """Per local day: the factor of anomalies of `kind` (1.0 elsewhere)."""
    m = np.ones(days)
    for a in anomalies:
        if a.kind == kind:
            m[a.day] = a.factor
    return m
