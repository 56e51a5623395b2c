"""Persons of one brand and their sessions (visits), planned in brand-local time.

A share of persons are existing users (signed up before the period) who show up in
the first days, so day one is not empty. New arrivals follow growth x weekly
seasonality (x spikes). Each person stays around for
an exponential lifetime (signed-up users long, anonymous visitors short, a loyal
minority very long) and returns at a personal rate thinned by the weekly pattern,
so retention decays week over week. Outages remove most sessions of their day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brandpulse.generator.anomalies import Anomaly, day_multipliers
from brandpulse.generator.brands import COUNTRIES, PLANS, Brand
from brandpulse.generator.timeline import HOUR_P, local_to_utc_ms, weekly_weights

CHANNELS = (
    "direct",
    "google",
    "google_ads",
    "facebook",
    "instagram",
    "tiktok",
    "newsletter",
    "partner",
)
CHANNEL_P = np.array([0.28, 0.22, 0.14, 0.1, 0.08, 0.06, 0.07, 0.05])
DEVICES = ("desktop", "mobile", "tablet")
DEVICE_P = np.array([0.48, 0.44, 0.08])
EXISTING_SHARE = 0.12  # users who signed up before the generated period starts


@dataclass
class Population:
    first_day: np.ndarray  # first local day seen in the generated period
    existing: np.ndarray  # signed-up users from before the period (no first touch, no signup event)
    signs_up: np.ndarray
    span: np.ndarray  # days after the first visit during which the person may return
    rate: np.ndarray  # return sessions per day while around
    second_device: np.ndarray
    country: np.ndarray  # index into COUNTRIES
    device: np.ndarray  # index into DEVICES
    channel: np.ndarray  # index into CHANNELS
    plan: np.ndarray  # index into PLANS
    ai_affinity: np.ndarray

    @property
    def n(self) -> int:
        return len(self.first_day)


@dataclass
class Sessions:
    person: np.ndarray  # sorted by person, then time
    day: np.ndarray  # local day index
    start_ms: np.ndarray  # UTC epoch ms
    rank: np.ndarray  # 0 = the person's first session
    count: np.ndarray  # per person: number of sessions

    @property
    def n(self) -> int:
        return len(self.person)


def make_population(
    rng: np.random.Generator, brand: Brand, n: int, start, days: int, anomalies: list[Anomaly]
) -> Population:
    """Who arrives when, and how engaged they are."""
    t = np.arange(days)
    arrivals = np.exp(brand.growth * t / max(days - 1, 1)) * weekly_weights(brand, start, days)
    arrivals = arrivals * day_multipliers(anomalies, days, "traffic_spike")
    existing = rng.random(n) < EXISTING_SHARE
    first_day = np.where(
        existing,
        np.minimum(np.floor(rng.exponential(4.0, n)), days - 1).astype(np.int64),
        rng.choice(days, size=n, p=arrivals / arrivals.sum()),
    )
    signs_up = existing | (rng.random(n) < 0.5)
    loyal = signs_up & (rng.random(n) < np.where(existing, 0.3, 0.18))
    mean_life = np.where(loyal, 150.0, np.where(signs_up, 18.0, 3.0))
    lifetime = rng.exponential(mean_life)
    span = np.clip(np.minimum(lifetime, days - 1 - first_day), 0, None)
    rate = np.where(signs_up, rng.gamma(2.0, 0.16, n), rng.gamma(1.5, 0.1, n))
    home = COUNTRIES.index(brand.home_country)
    country = np.where(rng.random(n) < 0.72, home, rng.integers(0, len(COUNTRIES), n))
    return Population(
        first_day=first_day,
        existing=existing,
        signs_up=signs_up,
        span=span,
        rate=rate,
        second_device=signs_up & (rng.random(n) < 0.25),
        country=country,
        device=rng.choice(len(DEVICES), size=n, p=DEVICE_P),
        channel=rng.choice(len(CHANNELS), size=n, p=CHANNEL_P),
        plan=rng.choice(len(PLANS), size=n, p=[0.6, 0.25, 0.15]),
        ai_affinity=rng.gamma(1.2, 1.0, n),
    )


def make_sessions(
    rng: np.random.Generator,
    brand: Brand,
    pop: Population,
    start,
    days: int,
    offsets: np.ndarray,
    anomalies: list[Anomaly],
) -> Sessions:
    """First visits, weekly-thinned returns, spike extras, minus outage losses."""
    week = weekly_weights(brand, start, days)
    wmax = week.max()
    # returns: Poisson candidates uniform over the span, thinned by the weekly pattern
    k = rng.poisson(pop.rate * pop.span * wmax)
    cand_person = np.repeat(np.arange(pop.n), k)
    cand_day = (
        pop.first_day[cand_person]
        + 1
        + np.floor(rng.random(len(cand_person)) * pop.span[cand_person]).astype(np.int64)
    )
    cand_day = np.minimum(cand_day, days - 1)
    keep = rng.random(len(cand_person)) < week[cand_day] / wmax
    persons = [np.arange(pop.n), cand_person[keep]]
    days_ = [pop.first_day.astype(np.int64), cand_day[keep]]
    # spikes: persons who are around that day come back more often
    for a in anomalies:
        if a.kind != "traffic_spike":
            continue
        around = (pop.first_day < a.day) & (a.day <= pop.first_day + pop.span)
        p = np.minimum(0.95, (a.factor - 1.0) * pop.rate * week[a.day])
        extra = np.flatnonzero(around & (rng.random(pop.n) < p))
        persons.append(extra)
        days_.append(np.full(len(extra), a.day, dtype=np.int64))
    person = np.concatenate(persons)
    day = np.concatenate(days_)
    hour = rng.choice(24, size=len(person), p=HOUR_P)
    sec = hour * 3600 + rng.integers(0, 3600, len(person))
    # outages: most sessions of the day never reach us
    keep_share = day_multipliers(anomalies, days, "outage")
    kept = rng.random(len(person)) < keep_share[day]
    person, day, sec = person[kept], day[kept], sec[kept]
    start_ms = local_to_utc_ms(start, offsets, day, sec) + rng.integers(0, 1000, len(person))
    order = np.lexsort((start_ms, person))
    person, day, start_ms = person[order], day[order], start_ms[order]
    count = np.bincount(person, minlength=pop.n)
    first_idx = np.concatenate([[0], np.cumsum(count)[:-1]])
    rank = np.arange(len(person)) - first_idx[person]
    return Sessions(person=person, day=day, start_ms=start_ms, rank=rank, count=count)
