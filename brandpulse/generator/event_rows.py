"""Dress one brand's event arrays as contract rows: ids, properties, context, revenue.

Works column-wise with polars (gather from small per-person / per-item tables), so a
million events never pass through a Python loop.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from brandpulse.generator import catalog as cat
from brandpulse.generator.brands import COUNTRIES, PLANS, Brand
from brandpulse.generator.ids import make_ids
from brandpulse.generator.journeys import EventArrays, SessionFlags
from brandpulse.generator.persons import CHANNELS, DEVICES, Population, Sessions

N_ITEMS = 40
UTC_FMT = "%Y-%m-%dT%H:%M:%S%.3fZ"
LOCAL_FMT = "%Y-%m-%dT%H:%M:%S%.3f%:z"


def _lookup(values, index: np.ndarray) -> pl.Series:
    """values[index] as a polars series; index -1 gives null."""
    s = pl.Series(list(values) + [None])
    idx = np.where(index < 0, len(values), index)
    return s.gather(pl.Series(idx.astype(np.int64)))


def item_catalog(
    rng: np.random.Generator, brand: Brand
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Per brand: item ids, their category index and price (brand currency)."""
    category = np.arange(N_ITEMS) % len(brand.categories)
    price = np.round(brand.price * rng.lognormal(0.0, 0.45, N_ITEMS), brand.decimals)
    price = np.maximum(price, 10.0**-brand.decimals)
    ids = [f"sku-{brand.categories[c][:3]}-{i:03d}" for i, c in enumerate(category)]
    return ids, category, price


def person_devices(rng: np.random.Generator, pop: Population) -> tuple[list[str], list[str]]:
    """A stable os and browser per person, consistent with the device."""
    os_pick = rng.integers(0, 6, pop.n)
    br_pick = rng.integers(0, len(cat.BROWSERS), pop.n)
    oses, browsers = [], []
    for d, o, b in zip(pop.device.tolist(), os_pick.tolist(), br_pick.tolist(), strict=True):
        choices = cat.OS_BY_DEVICE[DEVICES[d]]
        os_name = choices[o % len(choices)]
        oses.append(os_name)
        browsers.append(
            "Safari" if os_name in ("iOS", "iPadOS", "macOS") and b % 2 else cat.BROWSERS[b]
        )
    return oses, browsers


def event_frame(
    rng: np.random.Generator,
    seed: int,
    brand: Brand,
    pop: Population,
    sess: Sessions,
    ev: EventArrays,
    flags: SessionFlags,
) -> pl.DataFrame:
    """The brand's events as a frame: contract columns + internal `_` columns."""
    b = brand.index
    n_ev = len(ev.code)
    item_ids, item_cat, item_price = item_catalog(rng, brand)
    code = ev.code.astype(np.int64)

    # identities
    anon_ids = make_ids(seed, b, "anon", pop.n, "anon_")
    anon2_ids = make_ids(seed, b, "anon2", pop.n, "anon_")
    user_ids = make_ids(seed, b, "user", pop.n, "u_")
    anon_all = pl.concat([anon_ids, anon2_ids, pl.Series([None], dtype=pl.String)])
    anon_idx = np.where(
        ev.anon == 1, ev.person, np.where(ev.anon == 2, pop.n + ev.person, 2 * pop.n)
    )
    user_all = pl.concat([user_ids, pl.Series([None], dtype=pl.String)])
    user_idx = np.where(ev.has_user, ev.person, pop.n)
    sid_all = pl.concat(
        [make_ids(seed, b, "session", sess.n, "s_"), pl.Series([None], dtype=pl.String)]
    )
    sid_idx = np.where(flags.has_sid[ev.session], ev.session, sess.n)

    # items, revenue
    item = np.where(ev.item_session, flags.item[ev.session], rng.zipf(1.5, n_ev) % N_ITEMS)
    is_item = np.isin(
        code, [cat.CODE[x] for x in ("view_item", "add_to_cart", "remove_from_cart", "purchase")]
    )
    is_cart = np.isin(code, [cat.CODE["add_to_cart"], cat.CODE["purchase"]])
    is_purchase = code == cat.CODE["purchase"]
    qty = flags.quantity[ev.session]
    revenue = np.round(item_price[item] * qty, brand.decimals)

    # per-event picks
    page_type = rng.choice(len(cat.PAGE_TYPES), size=n_ev, p=cat.PAGE_TYPE_P)
    is_pv = code == cat.CODE["page_view"]
    plan_events = np.isin(code, [cat.CODE[x] for x in ("signup", "login", "activate", "purchase")])
    is_ai = code == cat.CODE["ai_generate"]
    ai_type = (rng.random(n_ev) < 0.3).astype(np.int64)  # 1 = image
    text_model = rng.choice(len(cat.TEXT_MODELS), size=n_ev, p=cat.TEXT_MODEL_P)
    image_model = rng.choice(len(cat.IMAGE_MODELS), size=n_ev, p=cat.IMAGE_MODEL_P)
    models = list(cat.TEXT_MODELS) + list(cat.IMAGE_MODELS)
    model_idx = np.where(ai_type == 1, len(cat.TEXT_MODELS) + image_model, text_model)
    is_share = code == cat.CODE["share"]
    is_comment = code == cat.CODE["comment"]
    res_type = rng.choice(len(cat.RESOURCE_TYPES), size=n_ev, p=cat.RESOURCE_P)

    def counter_ids(mask: np.ndarray, stream: str, prefix: str) -> pl.Series:
        ids = pl.concat(
            [make_ids(seed, b, stream, int(mask.sum()), prefix), pl.Series([None], dtype=pl.String)]
        )
        idx = np.where(mask, np.cumsum(mask) - 1, int(mask.sum()))
        return ids.gather(pl.Series(idx.astype(np.int64)))

    first_of_session = np.ones(n_ev, dtype=bool)
    first_of_session[1:] = ev.session[1:] != ev.session[:-1]
    touch = np.where(first_of_session, flags.touch_channel[ev.session], -1)
    touch_rows = [cat.CHANNEL_TOUCH[c] for c in CHANNELS]
    dev2 = flags.second_device[ev.session]
    oses, browsers = person_devices(rng, pop)
    mobile_os = np.where(ev.person % 2 == 0, 0, 1)

    props = pl.DataFrame(
        {
            "page_type": _lookup(cat.PAGE_TYPES, np.where(is_pv, page_type, -1)),
            "query": _lookup(
                [f"{w} {c}" for w in cat.SEARCH_WORDS for c in brand.categories],
                np.where(
                    code == cat.CODE["search"],
                    rng.integers(0, len(cat.SEARCH_WORDS) * len(brand.categories), n_ev),
                    -1,
                ),
            ),
            "item_id": _lookup(item_ids, np.where(is_item, item, -1)),
            "category": _lookup(brand.categories, np.where(is_item, item_cat[item], -1)),
            "price": pl.Series(np.where(is_item, item_price[item], np.nan)).fill_nan(None),
            "quantity": pl.Series(np.where(is_cart, qty, np.nan)).fill_nan(None).cast(pl.Int64),
            "order_id": counter_ids(is_purchase, "order", "ord_"),
            "plan": _lookup(PLANS, np.where(plan_events, pop.plan[ev.person], -1)),
            "method": _lookup(
                cat.SIGNUP_METHODS,
                np.where(np.isin(code, [cat.CODE["login"], cat.CODE["signup"]]), ev.person % 3, -1),
            ),
            "feature": _lookup(
                cat.ACTIVATION_FEATURES, np.where(code == cat.CODE["activate"], ev.person % 4, -1)
            ),
            "type": _lookup(("text", "image"), np.where(is_ai, ai_type, -1)),
            "model": _lookup(models, np.where(is_ai, model_idx, -1)),
            "request_id": counter_ids(is_ai, "request", "req_"),
            "share_id": counter_ids(is_share, "share", "shr_"),
            "comment_id": counter_ids(is_comment, "comment", "cmt_"),
            "resource_type": _lookup(
                cat.RESOURCE_TYPES, np.where(is_share | is_comment, res_type, -1)
            ),
        }
    )
    path = _lookup(cat.EVENT_PATHS, code)
    path = pl.select(
        pl.when(pl.lit(pl.Series(is_pv)))
        .then(_lookup(cat.PAGE_TYPE_PATHS, page_type))
        .when(pl.lit(pl.Series(is_item)))
        .then(pl.lit("/products/") + props["item_id"])
        .otherwise(path)
    ).to_series()
    context = pl.DataFrame(
        {
            "page_url": f"https://{brand.brand_id}.example.com" + path,
            "referrer": _lookup([t[3] for t in touch_rows], touch),
            "utm_source": _lookup([t[0] for t in touch_rows], touch),
            "utm_medium": _lookup([t[1] for t in touch_rows], touch),
            "utm_campaign": _lookup([t[2] for t in touch_rows], touch),
            "country": _lookup(COUNTRIES, pop.country[ev.person]),
            "device": _lookup(DEVICES, np.where(dev2, 1, pop.device[ev.person])),
            "os": pl.select(
                pl.when(pl.lit(pl.Series(dev2)))
                .then(_lookup(("iOS", "Android"), mobile_os))
                .otherwise(pl.Series(oses).gather(pl.Series(ev.person.astype(np.int64))))
            ).to_series(),
            "browser": pl.select(
                pl.when(pl.lit(pl.Series(dev2)))
                .then(_lookup(("Safari", "Chrome"), mobile_os))
                .otherwise(pl.Series(browsers).gather(pl.Series(ev.person.astype(np.int64))))
            ).to_series(),
        }
    )
    ts = pl.Series("ts", ev.ms).cast(pl.Datetime("ms"))
    local_fmt = flags.local_format[ev.session]
    occurred = pl.select(
        pl.when(pl.lit(pl.Series(local_fmt)))
        .then(
            ts.dt.replace_time_zone("UTC")
            .dt.convert_time_zone(brand.timezone)
            .dt.strftime(LOCAL_FMT)
        )
        .otherwise(ts.dt.strftime(UTC_FMT))
    ).to_series()
    return pl.DataFrame(
        {
            "event_id": make_ids(seed, b, "event", n_ev, "evt_"),
            "brand_id": _lookup([brand.brand_id], np.zeros(n_ev, dtype=np.int64)),
            "event_name": _lookup(cat.EVENT_NAMES, code),
            "occurred_at": occurred,
            "anonymous_id": anon_all.gather(pl.Series(anon_idx.astype(np.int64))),
            "user_id": user_all.gather(pl.Series(user_idx.astype(np.int64))),
            "session_id": sid_all.gather(pl.Series(sid_idx.astype(np.int64))),
            "properties": props.to_struct(),
            "context": context.to_struct(),
            "revenue": pl.Series(np.where(is_purchase, revenue, np.nan)).fill_nan(None),
            "currency": _lookup([brand.currency], np.where(is_purchase, 0, -1)),
            "_ms": ev.ms,
            "_person": ev.person.astype(np.int64),
            "_session": ev.session.astype(np.int64),
            "_code": code,
            "_brand": np.full(n_ev, b, dtype=np.int64),
        }
    )
