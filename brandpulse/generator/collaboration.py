"""Shares and comments, one per `share` / `comment` event, plus their later life.

Each landing row is a state of a share or comment: the creation row, and later rows
with the same id carrying revoked_at (shares) or edited_at / deleted_at (comments),
landing on the day the change happened. Replies point at an earlier comment on the
same resource.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from brandpulse.generator import catalog as cat
from brandpulse.generator.brands import Brand
from brandpulse.generator.event_rows import UTC_FMT, _lookup

DAY_MS = 86_400_000


def _ts(ms: pl.Series | pl.Expr) -> pl.Expr:
    return ms.cast(pl.Datetime("ms")).dt.strftime(UTC_FMT)


def _resources(
    rng: np.random.Generator, brand: Brand, kinds: np.ndarray, requests: pl.DataFrame
) -> pl.Series:
    """A resource id per row: a generation of the brand, a collection or a dashboard."""
    n = len(kinds)
    gens = ("gen_" + requests["request_id"]) if requests.height else pl.Series(["gen_none"])
    colls = (
        requests["collection_id"].drop_nulls().unique().sort()
        if requests.height
        else pl.Series([], dtype=pl.String)
    )
    if colls.len() == 0:
        colls = pl.Series([f"col_{brand.brand_id}"])
    g = gens.gather(pl.Series(rng.integers(0, gens.len(), n)))
    c = colls.gather(pl.Series(rng.integers(0, colls.len(), n)))
    d = _lookup([f"dash_{brand.brand_id}_{k}" for k in range(12)], rng.integers(0, 12, n))
    return pl.select(
        pl.when(pl.lit(pl.Series(kinds == 0)))
        .then(g)
        .when(pl.lit(pl.Series(kinds == 1)))
        .then(c)
        .otherwise(d)
    ).to_series()


def share_frame(
    rng: np.random.Generator,
    brand: Brand,
    events: pl.DataFrame,
    requests: pl.DataFrame,
    end_ms: int,
) -> pl.DataFrame:
    """Share rows (creation + revocation) with `_ms` = when the row happened."""
    ev = events.filter(pl.col("_code") == cat.CODE["share"]).sort("_ms", "event_id")
    n = ev.height
    kinds = np.array(
        [
            cat.RESOURCE_TYPES.index(x)
            for x in ev["properties"].struct.field("resource_type").to_list()
        ],
        dtype=np.int64,
    )
    users = events["user_id"].drop_nulls().unique().sort()
    target = rng.random(n)
    other_user = (
        users.gather(pl.Series(rng.integers(0, max(users.len(), 1), n)))
        if users.len()
        else pl.Series([None] * n, dtype=pl.String)
    )
    team = _lookup([f"team_{brand.brand_id}_{k}" for k in range(5)], rng.integers(0, 5, n))
    shared_with = pl.select(
        pl.when(pl.lit(pl.Series(target < 0.2)))
        .then(pl.lit("public"))
        .when(pl.lit(pl.Series(target < 0.5)))
        .then(team)
        .otherwise(other_user)
    ).to_series()
    created = ev["_ms"] + 1000
    base = pl.DataFrame(
        {
            "share_id": ev["properties"].struct.field("share_id"),
            "brand_id": ev["brand_id"],
            "resource_type": ev["properties"].struct.field("resource_type"),
            "resource_id": _resources(rng, brand, kinds, requests),
            "shared_by": ev["user_id"],
            "shared_with": shared_with,
            "permission": _lookup(cat.PERMISSIONS, rng.choice(3, size=n, p=cat.PERMISSION_P)),
            "created_at": _ts(created),
            "_ms": created,
        }
    )
    rows = base.with_columns(revoked_at=pl.lit(None, dtype=pl.String))
    revoke_ms = created + (rng.exponential(5.0, n) * DAY_MS).astype(np.int64) + 60_000
    revoked = (rng.random(n) < 0.15) & (revoke_ms.to_numpy() < end_ms)
    rev = base.filter(pl.Series(revoked)).with_columns(
        revoked_at=_ts(revoke_ms.filter(pl.Series(revoked))),
        _ms=revoke_ms.filter(pl.Series(revoked)),
    )
    cols = [
        "share_id",
        "brand_id",
        "resource_type",
        "resource_id",
        "shared_by",
        "shared_with",
        "permission",
        "created_at",
        "revoked_at",
        "_ms",
    ]
    return pl.concat([rows.select(cols), rev.select(cols)])


def comment_frame(
    rng: np.random.Generator,
    brand: Brand,
    events: pl.DataFrame,
    requests: pl.DataFrame,
    end_ms: int,
) -> pl.DataFrame:
    """Comment rows (creation, edit, deletion) with `_ms` = when the row happened."""
    ev = events.filter(pl.col("_code") == cat.CODE["comment"]).sort("_ms", "event_id")
    n = ev.height
    kinds = np.array(
        [
            cat.RESOURCE_TYPES.index(x)
            for x in ev["properties"].struct.field("resource_type").to_list()
        ],
        dtype=np.int64,
    )
    res_id = _resources(rng, brand, kinds, requests).to_list()
    res_type = ev["properties"].struct.field("resource_type").to_list()
    ids = ev["properties"].struct.field("comment_id").to_list()
    reply = rng.random(n) < 0.3
    pick = rng.random(n)
    parent: list[str | None] = [None] * n
    for i in range(1, n):  # comments are few (about 1% of events); replies inherit the resource
        if reply[i]:
            j = int(pick[i] * i)
            parent[i] = ids[j]
            res_id[i], res_type[i] = res_id[j], res_type[j]
    created = (ev["_ms"] + 1000).to_numpy()
    body_idx = rng.integers(0, len(cat.COMMENT_BODIES), n)
    base = pl.DataFrame(
        {
            "comment_id": pl.Series(ids, dtype=pl.String),
            "brand_id": ev["brand_id"],
            "resource_type": pl.Series(res_type, dtype=pl.String),
            "resource_id": pl.Series(res_id, dtype=pl.String),
            "author_id": ev["user_id"],
            "parent_comment_id": pl.Series(parent, dtype=pl.String),
            "body": _lookup(cat.COMMENT_BODIES, body_idx),
            "created_at": _ts(pl.Series(created)),
        }
    )
    cols = [
        "comment_id",
        "brand_id",
        "resource_type",
        "resource_id",
        "author_id",
        "parent_comment_id",
        "body",
        "created_at",
        "edited_at",
        "deleted_at",
        "_ms",
    ]
    frames = [
        base.with_columns(
            edited_at=pl.lit(None, dtype=pl.String),
            deleted_at=pl.lit(None, dtype=pl.String),
            _ms=pl.Series(created),
        ).select(cols)
    ]
    edit_ms = created + (rng.exponential(0.5, n) * DAY_MS).astype(np.int64) + 30_000
    edited = (rng.random(n) < 0.1) & (edit_ms < end_ms)
    if edited.any():
        m = pl.Series(edited)
        frames.append(
            base.filter(m)
            .with_columns(
                body=pl.col("body") + " (edited)",
                edited_at=_ts(pl.Series(edit_ms[edited])),
                deleted_at=pl.lit(None, dtype=pl.String),
                _ms=pl.Series(edit_ms[edited]),
            )
            .select(cols)
        )
    del_ms = created + (rng.exponential(2.0, n) * DAY_MS).astype(np.int64) + 3_600_000
    deleted = (rng.random(n) < 0.05) & ~edited & (del_ms < end_ms)
    if deleted.any():
        m = pl.Series(deleted)
        frames.append(
            base.filter(m)
            .with_columns(
                edited_at=pl.lit(None, dtype=pl.String),
                deleted_at=_ts(pl.Series(del_ms[deleted])),
                _ms=pl.Series(del_ms[deleted]),
            )
            .select(cols)
        )
    return pl.concat(frames)
