"""Turn one brand's sessions into product events, vectorised with numpy.

Every person walks the purchase journey page_view -> signup -> activate ->
add_to_cart -> purchase with drop-off at each step (some steps in later sessions),
buyers come back to buy again, and every session also browses (page views,
searches, item views) and, once signed up, uses the AI studio, shares and comments.
Events of a session get an in-session order key (so funnel steps keep their order),
are sorted once, and are spaced by short random gaps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brandpulse.generator.anomalies import Anomaly, day_multipliers
from brandpulse.generator.catalog import CODE
from brandpulse.generator.persons import Population, Sessions

SESSION_GAP_MS = 40 * 60 * 1000  # consecutive sessions of a person start at least this far apart


@dataclass
class EventArrays:
    """One row per event, sorted by person, then time."""

    session: np.ndarray  # index into Sessions
    person: np.ndarray
    code: np.ndarray  # index into catalog.EVENT_NAMES
    key: np.ndarray  # in-session order key
    ms: np.ndarray  # UTC epoch ms
    anon: np.ndarray  # 0 none, 1 first anonymous id, 2 second-device anonymous id
    has_user: np.ndarray
    item_session: np.ndarray  # cart/purchase item comes from the session


@dataclass
class SessionFlags:
    has_sid: np.ndarray
    second_device: np.ndarray
    local_format: np.ndarray  # occurred_at written with the brand's UTC offset instead of Z
    touch_channel: np.ndarray  # -1 none, else index into persons.CHANNELS on the first event
    item: np.ndarray  # cart item of the session
    quantity: np.ndarray


def _geom(rng: np.random.Generator, p: float, n: int) -> np.ndarray:
    return rng.geometric(p, n) - 1


def space_sessions(sess: Sessions) -> None:
    """Push a person's sessions apart (>= 40 min) so gap-based sessionisation sees them."""
    if sess.n == 0:
        return
    idx = np.arange(sess.n, dtype=np.int64)
    big = np.int64(10**13)
    a = sess.start_ms - idx * SESSION_GAP_MS + sess.person.astype(np.int64) * big
    a = np.maximum.accumulate(a)
    sess.start_ms = a - sess.person.astype(np.int64) * big + idx * SESSION_GAP_MS


def build_events(
    rng: np.random.Generator,
    pop: Population,
    sess: Sessions,
    days: int,
    anomalies: list[Anomaly],
    n_items: int,
) -> tuple[EventArrays, SessionFlags]:
    """All events of one brand (good rows only)."""
    space_sessions(sess)
    n, s = pop.n, sess.n
    cnt = sess.count
    signed = pop.signs_up & (cnt > 0)
    last = np.maximum(cnt - 1, 0)
    ex = pop.existing
    # signup / activation session rank (-1: none in the period; existing users did both before)
    su = np.where(
        signed & ~ex, np.minimum(np.where(rng.random(n) < 0.7, 0, 1 + _geom(rng, 0.5, n)), last), -1
    )
    act_ok = signed & ~ex & (rng.random(n) < 0.75)
    act = np.where(
        act_ok, np.minimum(su + np.where(rng.random(n) < 0.6, 0, 1 + _geom(rng, 0.5, n)), last), -1
    )
    cart_ok = np.where(ex, signed & (rng.random(n) < 0.5), act_ok & (rng.random(n) < 0.6))
    cart_from = np.where(ex, 0, act)
    cart = np.where(
        cart_ok,
        np.minimum(cart_from + np.where(rng.random(n) < 0.5, 0, 1 + _geom(rng, 0.4, n)), last),
        -1,
    )
    pur_ok = cart_ok & (rng.random(n) < 0.75)
    pur = np.where(pur_ok, np.minimum(cart + (rng.random(n) < 0.25), last), -1)

    p, r, day = sess.person, sess.rank, sess.day
    spike = day_multipliers(anomalies, days, "traffic_spike")[day]
    checkout_ok = rng.random(s) < day_multipliers(anomalies, days, "checkout_failure")[day]
    post = signed[p] & (r >= su[p])
    after = signed[p] & (r > su[p])
    is_su = signed[p] & (r == su[p])
    is_act = r == act[p]
    repeat = (pur[p] >= 0) & (r > pur[p]) & (rng.random(s) < np.minimum(0.9, 0.3 * spike))
    buy = ((r == pur[p]) | repeat) & checkout_ok
    in_cart = (r == cart[p]) | repeat
    remove = in_cart & ~buy & (rng.random(s) < 0.35)
    dev2 = pop.second_device[p] & after & (rng.random(s) < 0.35)
    login = after & ((rng.random(s) < 0.7) | dev2)

    flags = SessionFlags(
        has_sid=rng.random(s) < 0.5,
        second_device=dev2,
        local_format=(pop.device[p] == 1) & (rng.random(s) < 0.5),
        touch_channel=np.where(
            (r == 0) & ~ex[p], pop.channel[p], np.where(rng.random(s) < 0.08, 6, -1)
        ),
        item=rng.zipf(1.6, s) % n_items,
        quantity=1 + rng.poisson(0.35, s),
    )

    parts: list[tuple[np.ndarray, np.ndarray, int]] = []
    all_s = np.arange(s)

    def add(mask_or_counts: np.ndarray, key: np.ndarray | float, name: str) -> None:
        if mask_or_counts.dtype == bool:
            idx = all_s[mask_or_counts]
        else:
            idx = np.repeat(all_s, mask_or_counts)
        k = np.full(len(idx), key) if np.isscalar(key) else key(len(idx))
        parts.append((idx, k, CODE[name]))

    def uni(lo: float, hi: float):
        return lambda m: rng.uniform(lo, hi, m)

    add(np.ones(s, dtype=bool), 0.0, "page_view")
    add(rng.poisson(1.2, s), uni(0.05, 6.0), "page_view")
    add(login, 0.5, "login")
    add(is_su, 1.0, "signup")
    add(is_act, 2.0, "activate")
    add(rng.poisson(0.5, s), uni(0.6, 6.0), "search")
    add(rng.poisson(0.9, s) + in_cart, uni(1.1, 3.4), "view_item")
    add(in_cart, 3.5, "add_to_cart")
    add(remove, 3.7, "remove_from_cart")
    add(buy, 4.5, "purchase")
    add(
        post * rng.poisson(np.minimum(0.12 * pop.ai_affinity[p], 2.0)), uni(2.1, 6.0), "ai_generate"
    )
    add(post * rng.poisson(0.04 + 0.02 * pop.ai_affinity[p]), uni(2.2, 6.0), "share")
    add(post * rng.poisson(0.07, s), uni(2.2, 6.0), "comment")

    ev_s = np.concatenate([x[0] for x in parts])
    key = np.concatenate([x[1] for x in parts])
    code = np.concatenate([np.full(len(x[0]), x[2], dtype=np.int8) for x in parts])
    order = np.lexsort((code, key, ev_s))
    ev_s, key, code = ev_s[order], key[order], code[order]

    gaps = np.minimum(rng.exponential(35_000.0, len(ev_s)) + 2_000, 240_000).astype(np.int64)
    first = np.ones(len(ev_s), dtype=bool)
    first[1:] = ev_s[1:] != ev_s[:-1]
    gaps[first] = 0
    c = np.cumsum(gaps)
    start_c = c[first][np.cumsum(first) - 1]
    ms = sess.start_ms[ev_s] + (c - start_c)

    ep = p[ev_s]
    er = r[ev_s]
    pre = ~signed[ep] | (er < su[ep]) | ((er == su[ep]) & (key < 1.0))
    is_signup = code == CODE["signup"]
    d2 = dev2[ev_s] & (key <= 0.5)
    anon = np.where(pre | is_signup, 1, np.where(d2, 2, 0)).astype(np.int8)
    has_user = ~pre & ~(dev2[ev_s] & (key < 0.5))
    events = EventArrays(
        session=ev_s,
        person=ep,
        code=code,
        key=key,
        ms=ms,
        anon=anon,
        has_user=has_user,
        item_session=np.isin(
            code, [CODE["add_to_cart"], CODE["remove_from_cart"], CODE["purchase"]]
        ),
    )
    return events, flags
