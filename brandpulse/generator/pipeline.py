"""`generate()`: the whole demo landing zone from a seed, source by source.

Randomness comes from numpy generators keyed by (seed, brand, purpose), so one
brand's data does not depend on how many other brands exist, and the same seed
gives byte-identical files.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from brandpulse.generator import bad_rows as bad
from brandpulse.generator.ai_collections import collection_frames
from brandpulse.generator.ai_requests import request_frame
from brandpulse.generator.anomalies import plan_anomalies
from brandpulse.generator.brands import brand_rows, make_brands, persons_per_brand
from brandpulse.generator.catalog import CODE
from brandpulse.generator.collaboration import comment_frame, share_frame
from brandpulse.generator.definitions import definition_rows, invalid_definitions
from brandpulse.generator.encode import json_lines, public_columns
from brandpulse.generator.event_rows import N_ITEMS, event_frame
from brandpulse.generator.ground_truth import anomaly_truth, daily_truth
from brandpulse.generator.journeys import build_events
from brandpulse.generator.landing import GENERATOR_DIR, prepare_landing
from brandpulse.generator.params import GenParams
from brandpulse.generator.persons import make_population, make_sessions
from brandpulse.generator.planted_series import planted_events
from brandpulse.generator.timeline import local_to_utc_ms, utc_offsets
from brandpulse.generator.writers import (
    write_event_partitions,
    write_partitioned,
    write_snapshot,
    write_truncated_gzip,
)

DAY_MS = 86_400_000
LATE_RATE = 0.01
DUP_WITHIN_RATE = 0.004
DUP_ACROSS_RATE = 0.002
TRUNCATED_MAX_LINES = 400

Progress = Callable[[str], None]


def _epoch_day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _with_arrival(df: pl.DataFrame, first: date, last: date) -> pl.DataFrame:
    """Arrival day = UTC day of `_ms`, clamped into the partition range."""
    day = (pl.col("_ms") // DAY_MS).clip(_epoch_day(first), _epoch_day(last))
    return df.with_columns(_arrival=day.cast(pl.Int32).cast(pl.Date))


def _brand_data(params: GenParams, brand, n_persons: int):
    """Events, requests, shares, comments, the anomaly plan and the planted series of one
    brand. The planted series' events are added last, from their own random stream, so
    everything else of the brand is the same with or without them."""
    seed, days, start = params.seed, params.days, params.start_date
    anomalies = plan_anomalies(np.random.default_rng([seed, brand.index, 0]), days)
    rng = np.random.default_rng([seed, brand.index, 1])
    offsets = utc_offsets(brand.timezone, start, days)
    pop = make_population(rng, brand, n_persons, start, days, anomalies)
    sess = make_sessions(rng, brand, pop, start, days, offsets, anomalies)
    ev, flags = build_events(rng, pop, sess, days, anomalies, N_ITEMS)
    end_ms = int(local_to_utc_ms(start, offsets, np.array([days]), np.array([0]))[0])
    events = event_frame(rng, seed, brand, pop, sess, ev, flags).filter(pl.col("_ms") < end_ms)
    requests = request_frame(rng, seed, brand, events)
    shares = share_frame(rng, brand, events, requests, end_ms)
    comments = comment_frame(rng, brand, events, requests, end_ms)
    series_rng = np.random.default_rng([seed, brand.index, 2])
    planted, series = planted_events(series_rng, seed, brand, events, start, days)
    events = pl.concat([events, planted])
    return events, requests, shares, comments, anomalies, series


def _late_and_truncated(
    rng: np.random.Generator, events: pl.DataFrame, params: GenParams
) -> tuple[pl.DataFrame, dict]:
    """Delay ~1% of events by 1-3 days; pick the rows of the truncated gzip file."""
    first, last = params.start_date, params.last_partition
    utc_day = (events["_ms"] // DAY_MS).to_numpy()
    arrival = np.clip(utc_day, _epoch_day(first), _epoch_day(last))
    edge_early = int((utc_day < _epoch_day(first)).sum())
    late = np.zeros(events.height, dtype=bool)
    lag = np.zeros(events.height, dtype=np.int64)
    truncated = np.zeros(events.height, dtype=bool)
    info: dict = {"edge_early_events": edge_early, "late_events": 0, "late_by_lag_days": {}}
    if params.bad_rows:
        cand = np.flatnonzero((utc_day >= _epoch_day(first)) & (utc_day + 3 <= _epoch_day(last)))
        n_late = min(len(cand), round(LATE_RATE * events.height))
        chosen = np.sort(rng.choice(cand, size=n_late, replace=False))
        late[chosen] = True
        lag[chosen] = rng.integers(1, 4, n_late)
        arrival = arrival + lag
        info["late_events"] = int(n_late)
        info["late_by_lag_days"] = {str(k): int((lag == k).sum()) for k in (1, 2, 3)}
        mid = _epoch_day(first + timedelta(days=params.days // 2))
        movable = ~late & (events["_code"].to_numpy() != CODE["signup"])
        pool = np.flatnonzero((arrival == mid) & movable)
        if len(pool) == 0:  # tiny runs: take the busiest partition instead
            days_, n_ = np.unique(arrival[movable], return_counts=True)
            pool = np.flatnonzero((arrival == days_[np.argmax(n_)]) & movable) if len(n_) else pool
        k = min(TRUNCATED_MAX_LINES, max(3, len(pool) // 20), len(pool))
        truncated[np.sort(rng.choice(pool, size=k, replace=False))] = True
    out = events.with_columns(
        _arrival=pl.Series(arrival.astype(np.int32)).cast(pl.Date),
        _late=pl.Series(late),
        _truncated=pl.Series(truncated),
    ).sort("_arrival", "_ms", "_brand", "event_id")
    return out, info


def _write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def generate(
    landing_dir: Path,
    *,
    seed: int = 7,
    brands: int = 8,
    persons: int = 3000,
    days: int = 90,
    start_date: date = date(2026, 8, 1),
    bad_rows: bool = True,
    fmt: str = "jsonl",
    gzip_events: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> dict:
    """Write a deterministic demo landing zone into `landing_dir`; return the manifest."""
    params = GenParams(
        seed=seed,
        brands=brands,
        persons=persons,
        days=days,
        start_date=start_date,
        bad_rows=bad_rows,
        fmt=fmt,
        gzip_events=gzip_events,
    )
    say = progress or (lambda _msg: None)
    landing = Path(landing_dir)
    prepare_landing(landing, force)
    t0 = time.perf_counter()
    brand_list = make_brands(brands)
    per_brand = persons_per_brand(brand_list, persons)

    parts = [_brand_data(params, b, n) for b, n in zip(brand_list, per_brand, strict=True)]
    events = pl.concat([p[0] for p in parts])
    plans = {b.index: p[4] for b, p in zip(brand_list, parts, strict=True)}
    planted = [p[5].as_truth() for p in parts]
    # the brands' event frames are in `events` now: drop them, not a second copy of every
    # event for the rest of the run (the bench generates 10M in one process)
    parts = [(None, *p[1:]) for p in parts]
    say(
        f"planned {events.height:,} events for {persons:,} persons in {brands} brands ({time.perf_counter() - t0:.1f}s)"
    )

    files: list[dict] = []
    rng = np.random.default_rng([seed, 1_000_000])
    events, late_info = _late_and_truncated(rng, events, params)
    lines = json_lines(public_columns(events))
    keep = ~events["_truncated"].to_numpy()
    arrival = events["_arrival"].cast(pl.Int32).to_numpy()  # epoch days, sorted
    kept = np.flatnonzero(keep)
    days_kept, starts = np.unique(arrival[kept], return_index=True)
    partitions: dict = {
        date(1970, 1, 1) + timedelta(days=int(d)): chunk.tolist()
        for d, chunk in zip(days_kept, np.split(kept, starts[1:]), strict=True)
    }
    # every day of the range has a partition, even if (for tiny runs) it holds no event
    for k in range(params.days + 1):
        partitions.setdefault(params.start_date + timedelta(days=k), [])
    dup_info = {"within_partition": 0, "across_partitions": 0, "total_extra_copies": 0}
    malformed: dict[str, int] = {}
    if bad_rows:
        dup_info = bad.add_duplicates(rng, partitions, set(), DUP_WITHIN_RATE, DUP_ACROSS_RATE)
        malformed = bad.add_malformed(
            rng,
            seed,
            partitions,
            lines,
            events["_code"].to_numpy() == CODE["purchase"],
            bad.per_kind(events.height),
        )
    event_files = write_event_partitions(landing, partitions, lines, events, fmt, gzip_events)
    truncated = None
    if bad_rows and not keep.all():
        idx = np.flatnonzero(~keep)
        day = date(1970, 1, 1) + timedelta(days=int(arrival[idx[0]]))
        truncated = write_truncated_gzip(landing, day, [lines[int(i)] for i in idx])
        truncated["rows_lost"] = len(idx)
    files += event_files
    rows_written = {
        "events": sum(f["lines"] for f in event_files)
        + (truncated["lines_if_complete"] if truncated else 0)
    }
    say(
        f"events: {rows_written['events']:,} rows in {len(event_files) + bool(truncated)} files ({time.perf_counter() - t0:.1f}s)"
    )

    first, last = params.start_date, params.last_partition
    for source, idx_in, id_col in (
        ("ai_generation_requests", 1, "request_id"),
        ("shared_resources", 2, "share_id"),
        ("comments", 3, "comment_id"),
    ):
        df = _with_arrival(pl.concat([p[idx_in] for p in parts]), first, last)
        recs = write_partitioned(landing, source, df, fmt, id_col)
        files += recs
        rows_written[source] = df.height
        say(f"{source}: {df.height:,} rows in {len(recs)} files ({time.perf_counter() - t0:.1f}s)")

    end_ms = (_epoch_day(last) + 1) * DAY_MS  # nothing is dated after the last partition
    frames = [
        collection_frames(p[1], seed, b.index, end_ms)
        for b, p in zip(brand_list, parts, strict=True)
    ]
    collections = pl.concat([f[0] for f in frames])
    memberships = pl.concat([f[1] for f in frames])
    for source, df, id_col in (
        ("ai_collections", collections, "collection_id"),
        ("ai_collection_memberships", memberships, "generation_id"),
    ):
        df = _with_arrival(df, first, last)
        recs = write_partitioned(landing, source, df, fmt, id_col)
        files += recs
        rows_written[source] = df.height
        say(f"{source}: {df.height:,} rows in {len(recs)} files")

    snapshots = {"brands": brand_rows(brand_list, params.start_date), **definition_rows(brand_list)}
    for source, rows in snapshots.items():
        files.append(write_snapshot(landing, source, rows, params.start_date))
        rows_written[source] = len(rows)
        say(f"{source}: {len(rows):,} rows in 1 file")

    # only the columns the truth and the manifest read: not a second copy of every event
    loadable = events.select(
        "_brand", "_ms", "_person", "_session", "_code", "revenue", "event_name", "_truncated"
    ).filter(~pl.col("_truncated"))
    truth = daily_truth(loadable, brand_list)
    anomalies = anomaly_truth(truth, brand_list, plans, params.start_date)
    gen_dir = landing / GENERATOR_DIR
    gen_dir.mkdir(parents=True, exist_ok=True)
    truth.write_csv(gen_dir / "daily_truth.csv", float_precision=2)
    _write_json(gen_dir / "anomalies.json", anomalies)
    _write_json(gen_dir / "planted_series.json", planted)

    names = dict(loadable["event_name"].value_counts().iter_rows())
    manifest = {
        "generator": "brandpulse.generator",
        "arguments": params.as_dict(),
        "brands": {
            b.brand_id: {"timezone": b.timezone, "currency": b.currency, "persons": n}
            for b, n in zip(brand_list, per_brand, strict=True)
        },
        "partitions": {
            "first": first.isoformat(),
            "last": last.isoformat(),
            "note": "arrival days (UTC); the last one holds the UTC tail of west-of-UTC brands",
        },
        "rows_written": rows_written,
        "events": {
            "generated": events.height,
            "loadable_unique": loadable.height,
            "by_name": dict(sorted(names.items())),
            "revenue_rows": int(loadable["revenue"].is_not_null().sum()),
            **late_info,
            "duplicates": dup_info,
            "malformed": malformed,
            "malformed_total": sum(malformed.values()),
        },
        "truncated_file": truncated,
        "invalid_definitions": invalid_definitions(brand_list),
        "definitions": {k: len(v) for k, v in snapshots.items() if k != "brands"},
        "anomalies": {"count": len(anomalies), "file": f"{GENERATOR_DIR}/anomalies.json"},
        "planted_series": {"brands": len(planted), "file": f"{GENERATOR_DIR}/planted_series.json"},
        "daily_truth": f"{GENERATOR_DIR}/daily_truth.csv",
        "files": files,
    }
    _write_json(gen_dir / "manifest.json", manifest)
    return manifest
