"""AI Studio collections and their membership history, from the requests filed into them.

A collection named by a request's `collection_id` is created an hour before its first
request, by the user who filed that request. Some are renamed later (a second record,
newer `updated_at`), some deleted after their last request (a third record with
`deleted_at`). Every filed request's generation is added to its collection two seconds
after the request (`generation_id` = "gen_" + request_id, the reference form the AI job
accepts); some are removed again later, and a few of those re-added. Drawn from its own
random stream, so the other sources stay exactly as they were.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from brandpulse.generator.event_rows import UTC_FMT

NAMES = (
    "Launch ideas", "Summer campaign", "Product shots", "Social posts", "Newsletter drafts",
    "Brand voice", "Holiday promo", "Ads to test", "Favourites", "Website copy",
)  # fmt: skip
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def _ts(ms: pl.Expr) -> pl.Expr:
    return ms.cast(pl.Datetime("ms")).dt.strftime(UTC_FMT)


def collection_frames(
    requests: pl.DataFrame, seed: int, brand_index: int, end_ms: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One brand's (collections, memberships): contract columns plus `_ms` (the record's
    time); nothing dated at or after `end_ms`."""
    rng = np.random.default_rng([seed, brand_index, 2_000_001])
    filed = requests.filter(pl.col("collection_id").is_not_null()).sort(
        "brand_id", "collection_id", "_ms", "request_id"
    )
    first = filed.group_by("brand_id", "collection_id", maintain_order=True).agg(
        created_ms=pl.col("_ms").min() - HOUR_MS,
        last_ms=pl.col("_ms").max(),
        owner_id=pl.col("user_id").first(),
    )
    n = first.height
    name = pl.Series(np.array(NAMES)[rng.integers(0, len(NAMES), n)])
    new_name = pl.Series(np.array(NAMES)[rng.integers(0, len(NAMES), n)]) + " (v2)"
    created = first["created_ms"].to_numpy()
    span = np.maximum(first["last_ms"].to_numpy() - created, 1)
    renamed_ms = created + (rng.random(n) * span).astype(np.int64) + 1
    deleted_ms = first["last_ms"].to_numpy() + rng.integers(1, 5, n) * DAY_MS
    renamed = rng.random(n) < 0.3
    deleted = (rng.random(n) < 0.08) & (deleted_ms < end_ms)
    base = first.select("brand_id", "collection_id", "owner_id", "created_ms")
    records = [
        base.with_columns(name=name, updated_ms=pl.col("created_ms"), deleted_ms=None),
        base.with_columns(name=new_name, updated_ms=pl.Series(renamed_ms), deleted_ms=None).filter(
            pl.Series(renamed)
        ),
        base.with_columns(
            name=pl.Series(np.where(renamed, new_name.to_numpy(), name.to_numpy())),
            updated_ms=pl.Series(deleted_ms),
            deleted_ms=pl.Series(deleted_ms),
        ).filter(pl.Series(deleted)),
    ]
    frame = pl.concat(
        [r.with_columns(pl.col("deleted_ms").cast(pl.Int64)) for r in records], how="vertical"
    )
    collections = frame.select(
        "collection_id",
        "brand_id",
        "name",
        "owner_id",
        created_at=_ts(pl.col("created_ms")),
        updated_at=_ts(pl.col("updated_ms")),
        deleted_at=_ts(pl.col("deleted_ms")),
        _ms=pl.col("updated_ms"),
    )

    m = filed.height
    added_ms = filed["_ms"].to_numpy() + 2000
    removed_ms = added_ms + rng.integers(HOUR_MS, 10 * DAY_MS, m)
    readded_ms = removed_ms + rng.integers(HOUR_MS, 3 * DAY_MS, m)
    removed = (rng.random(m) < 0.15) & (removed_ms < end_ms)
    readded = removed & (rng.random(m) < 0.3) & (readded_ms < end_ms)
    pairs = filed.select("collection_id", "brand_id", generation_id="gen_" + pl.col("request_id"))
    events = pl.concat(
        [
            pairs.with_columns(action=pl.lit("add"), _ms=pl.Series(added_ms)),
            pairs.with_columns(action=pl.lit("remove"), _ms=pl.Series(removed_ms)).filter(
                pl.Series(removed)
            ),
            pairs.with_columns(action=pl.lit("add"), _ms=pl.Series(readded_ms)).filter(
                pl.Series(readded)
            ),
        ]
    )
    memberships = events.select(
        "collection_id",
        "generation_id",
        "brand_id",
        "action",
        occurred_at=_ts(pl.col("_ms")),
        _ms=pl.col("_ms"),
    )
    return collections, memberships
