"""AI Studio generation requests, one per `ai_generate` event.

A request is sent a moment after its event by the same user; some iterate on an
earlier generation of theirs (parent_generation_id = "gen_" + that request_id, the
id the AI job gives generation outputs), some ask for prompt optimisation, some are
filed into the user's collections.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from brandpulse.generator import catalog as cat
from brandpulse.generator.brands import Brand
from brandpulse.generator.event_rows import UTC_FMT, _lookup
from brandpulse.generator.ids import make_ids


def request_frame(
    rng: np.random.Generator, seed: int, brand: Brand, events: pl.DataFrame
) -> pl.DataFrame:
    """Requests of one brand (contract columns + `_ms`), sorted by user then time."""
    ai = (
        events.filter(pl.col("_code") == cat.CODE["ai_generate"])
        .select(
            request_id=pl.col("properties").struct.field("request_id"),
            user_id=pl.col("user_id"),
            type=pl.col("properties").struct.field("type"),
            model=pl.col("properties").struct.field("model"),
            _person=pl.col("_person"),
            _ms=pl.col("_ms") + 500 + (pl.col("_ms") % 1500),
        )
        .sort("_person", "_ms", "request_id")
    )
    n = ai.height
    is_image = (ai["type"] == "image").to_numpy()
    cats = rng.integers(0, len(brand.categories), n)
    text_t = rng.integers(0, len(cat.TEXT_PROMPTS), n)
    image_t = rng.integers(0, len(cat.IMAGE_PROMPTS), n)
    prompts = [
        (cat.IMAGE_PROMPTS[i] if img else cat.TEXT_PROMPTS[t]).format(c=brand.categories[c])
        for img, t, i, c in zip(
            is_image.tolist(), text_t.tolist(), image_t.tolist(), cats.tolist(), strict=True
        )
    ]
    person = ai["_person"].to_numpy()
    same_user_before = np.zeros(n, dtype=bool)
    same_user_before[1:] = person[1:] == person[:-1]
    # iterate on one of the user's last few generations
    back = np.minimum(rng.geometric(0.6, n), np.maximum(1, n))
    prev_idx = np.arange(n) - back
    valid = same_user_before & (prev_idx >= 0)
    valid &= person[np.clip(prev_idx, 0, None)] == person
    is_child = valid & (rng.random(n) < 0.22)
    parent = pl.concat([("gen_" + ai["request_id"]), pl.Series([None], dtype=pl.String)]).gather(
        pl.Series(np.where(is_child, prev_idx, n).astype(np.int64))
    )
    coll_ids = make_ids(seed, brand.index, "collection", 60, "col_", 12)
    coll_pick = np.where(rng.random(n) < 0.3, (person * 7 + rng.integers(0, 3, n)) % 60, -1)
    params = pl.DataFrame(
        {
            "temperature": pl.Series(
                np.where(is_image, np.nan, np.round(rng.choice([0.2, 0.5, 0.7, 0.9], n), 1))
            ).fill_nan(None),
            "max_tokens": pl.Series(np.where(is_image, np.nan, rng.choice([256, 512, 1024], n)))
            .fill_nan(None)
            .cast(pl.Int64),
            "size": _lookup(
                ("512x512", "1024x1024", "1024x1536"), np.where(is_image, rng.integers(0, 3, n), -1)
            ),
            "n": pl.Series(np.where(is_image, rng.choice([1, 1, 1, 2, 4], n), np.nan))
            .fill_nan(None)
            .cast(pl.Int64),
        }
    )
    return pl.DataFrame(
        {
            "request_id": ai["request_id"],
            "brand_id": _lookup([brand.brand_id], np.zeros(n, dtype=np.int64)),
            "user_id": ai["user_id"],
            "type": ai["type"],
            "model": ai["model"],
            "prompt": pl.Series(prompts, dtype=pl.String),
            "parameters": params.to_struct(),
            "collection_id": coll_ids.append(pl.Series([None], dtype=pl.String)).gather(
                pl.Series(np.where(coll_pick < 0, 60, coll_pick).astype(np.int64))
            ),
            "parent_generation_id": parent,
            "optimize_prompt": pl.Series(rng.random(n) < 0.25),
            "requested_at": ai["_ms"].cast(pl.Datetime("ms")).dt.strftime(UTC_FMT),
            "_ms": ai["_ms"],
        }
    )
