"""Hand-worked raw rows for the dbt tests (answers worked out in test_core_models.py).

Brands: `acme` (UTC: identity, sessions, daily metrics, collaboration), `tokyo`
(Asia/Tokyo: local days and Monday weeks), `ret` (UTC: retention), `life` (UTC:
lifecycle), `rfm` (UTC: RFM and segments), `rfmtie` (UTC: RFM with equal values), `inc`
(America/Los_Angeles: what only the incremental runs see change: reloaded and removed raw
rows, two timezone changes and a cohort definition changed, a shared session changing
owner), plus randomized `rnd_*` brands that are compared with the pure-Python reference in
reference.py.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from brandpulse.ingest.definitions import where_value

Row = dict[str, Any]


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def event(
    brand: str,
    event_id: str,
    name: str,
    at: str,
    *,
    anon: str | None = None,
    user: str | None = None,
    session: str | None = None,
    props: dict[str, Any] | None = None,
    ctx: dict[str, Any] | None = None,
    revenue: float | None = None,
    currency: str = "USD",
    arrival: str | None = None,
) -> Row:
    """One raw.events row; `arrival` (landing day) defaults to the UTC day of `at`."""
    occurred = ts(at)
    arrived = date.fromisoformat(arrival) if arrival else occurred.date()
    return {
        "brand_id": brand,
        "event_id": event_id,
        "event_name": name,
        "occurred_at": occurred,
        "anonymous_id": anon,
        "user_id": user,
        "session_id": session,
        "properties": props or {},
        "context": ctx or {},
        "revenue": revenue,
        "currency": currency if revenue is not None else None,
        "_partition_date": arrived,
        "_source_file": f"events/date={arrived}/part.jsonl",
        "_line": 1,
        "_loaded_at": datetime.combine(arrived, datetime.min.time()) + timedelta(hours=23),
    }


def brand(brand_id: str, timezone: str, currency: str = "USD") -> Row:
    return {
        "brand_id": brand_id,
        "name": brand_id.title(),
        "timezone": timezone,
        "currency": currency,
        "plan": "pro",
        "created_at": ts("2026-01-01 00:00:00"),
        "_loaded_at": ts("2026-08-01 00:00:00"),
    }


BRANDS = [
    brand("acme", "UTC"),
    brand("tokyo", "Asia/Tokyo"),
    brand("ret", "UTC"),
    brand("life", "UTC"),
    brand("rfm", "UTC"),
    brand("rfmtie", "UTC"),
    brand("rnd_utc", "UTC"),
    brand("rnd_ny", "America/New_York"),
    brand("inc", "America/Los_Angeles"),
    brand("fx", "UTC", "JPY"),
]

# `fx` sells in JPY; some purchases are paid in other currencies and converted with the
# fx_rates seed's rate of their UTC day (JPY 0.0068 USD until 08-31, 0.0067 from 09-01;
# EUR 1.17 until 08-31).
FX_EVENTS = [
    event("fx", "y1", "purchase", "2026-08-03 10:00:00", user="k1", revenue=1000.0, currency="JPY"),
    # 10 USD on 08-03 = 10 / 0.0068 JPY
    event("fx", "y2", "purchase", "2026-08-03 11:00:00", user="k1", revenue=10.0),
    # 10 USD on 09-02 = 10 / 0.0067 JPY (the rate of its day)
    event("fx", "y3", "purchase", "2026-09-02 11:00:00", user="k2", revenue=10.0),
    # 2 EUR on 08-03 = 2 * 1.17 / 0.0068 JPY; lower-case code
    event("fx", "y4", "purchase", "2026-08-03 12:00:00", user="k2", revenue=2.0, currency="eur"),
    # no rate for XTS: revenue unknown (NULL), the original kept
    event("fx", "y5", "purchase", "2026-08-03 13:00:00", user="k2", revenue=5.0, currency="XTS"),
]

ACME_EVENTS = [
    # a1: anonymous first, linked to u1 by e2 (arrives a day late: the link is retroactive).
    event(
        "acme",
        "e1",
        "page_view",
        "2026-08-03 10:00:00",
        anon="a1",
        ctx={
            "utm_source": "google",
            "utm_medium": "cpc",
            "utm_campaign": "summer",
            "country": "DE",
            "page_url": "/home",
            "device": "mobile",
        },
    ),
    event(
        "acme", "e2", "signup", "2026-08-03 10:20:00", anon="a1", user="u1", arrival="2026-08-04"
    ),
    # exactly 30 minutes after e2: same session; e4 is 30:00.9 after e3: new session
    # (it crosses only 1800 second boundaries, so datediff('second') would keep it).
    event("acme", "e3", "page_view", "2026-08-03 10:50:00", user="u1"),
    event("acme", "e4", "page_view", "2026-08-03 11:20:00.900", user="u1"),
    event(
        "acme",
        "e5",
        "purchase",
        "2026-08-05 09:00:00",
        user="u1",
        revenue=50.0,
        ctx={"country": "FR"},
    ),
    # a2: never linked, its own person.
    event(
        "acme",
        "e6",
        "page_view",
        "2026-08-04 12:00:00",
        anon="a2",
        ctx={"referrer": "https://news.example.com/story/1"},
    ),
    event("acme", "e7", "page_view", "2026-08-06 12:00:00", anon="a2"),
    # a3: seen with u3 (earliest link, arrives late) and u2; its anonymous event -> u3.
    event("acme", "e8", "page_view", "2026-08-05 08:00:00", anon="a3", arrival="2026-08-12"),
    event("acme", "e9", "login", "2026-08-06 08:00:00", anon="a3", user="u3", arrival="2026-08-12"),
    event("acme", "e10", "login", "2026-08-07 08:00:00", anon="a3", user="u2"),
    # anonymous a3 again: belongs to u2 until the earlier u3 link (e9) lands.
    event("acme", "e16", "page_view", "2026-08-07 09:00:00", anon="a3"),
    # u4: a given session id is kept even over a 4-hour gap.
    event("acme", "e11", "page_view", "2026-08-04 09:00:00", user="u4", session="S1"),
    event("acme", "e12", "page_view", "2026-08-04 13:00:00", user="u4", session="S1"),
    # u4 on 08-10: 50 minutes apart = two sessions, until e15 (late) falls in between.
    event("acme", "e13", "page_view", "2026-08-10 10:00:00", user="u4"),
    event("acme", "e14", "page_view", "2026-08-10 10:50:00", user="u4"),
    event("acme", "e15", "page_view", "2026-08-10 10:25:00", user="u4", arrival="2026-08-12"),
]

TOKYO_EVENTS = [
    # Sunday 2026-08-02 10:00 UTC = Sunday 19:00 JST; 16:00 UTC = Monday 2026-08-03 01:00 JST.
    event("tokyo", "t1", "page_view", "2026-08-02 10:00:00", user="t1"),
    event("tokyo", "t2", "page_view", "2026-08-02 16:00:00", user="t1"),
]


# `inc`: the final rows; INC_EARLIER_* are what the incremental batches see before.
# Batches (conftest.BATCH_CUTOFFS): 1 = arrivals up to 08-03, 2 = up to 08-11 (a
# Dagster partition run with max_date 08-12), 3 = the rest.
INC_EVENTS = [
    # NY 08-02 23:00: its brand-local day moves when the timezone changes (batch 2).
    event("inc", "x14", "page_view", "2026-08-03 03:00:00", user="v1"),
    # v8's only event: NY 08-06 00:30 in batch 2, LA 08-05 21:30 from batch 3 on. Its person
    # and derived session stay, so the key log does not list v8: the person-days must
    # replace v8's 08-06 row, not add one next to it.
    event("inc", "x17", "page_view", "2026-08-06 04:30:00", user="v8"),
    # Given session SX: v5 owns it (first event) until v2's earlier x3 lands (batch 3);
    # v5 then owns no session, although none of v5's own events changed.
    event("inc", "x1", "page_view", "2026-08-04 10:00:00", user="v5", session="SX"),
    event("inc", "x2", "page_view", "2026-08-04 10:10:00", user="v2", session="SX"),
    event(
        "inc", "x3", "signup", "2026-08-04 09:50:00", user="v2", session="SX", arrival="2026-08-12"
    ),
    # v1: 14:00 and 14:40 are one session while x7 (14:20) exists, two once it is removed.
    event("inc", "x4", "page_view", "2026-08-04 12:00:00", user="v1"),
    event("inc", "x8", "page_view", "2026-08-04 14:00:00", user="v1"),
    event("inc", "x9", "page_view", "2026-08-04 14:40:00", user="v1"),
    # x5 first landed on 08-03 as v3's only event; re-ingested on 08-05 as v1's purchase.
    event("inc", "x5", "purchase", "2026-08-05 11:00:00", user="v1", revenue=20.0),
    # v2: x13 (late) lands before all of v2's derived events and starts their session.
    event("inc", "x10", "page_view", "2026-08-05 02:00:00", user="v2"),
    event("inc", "x13", "page_view", "2026-08-05 01:45:00", user="v2", arrival="2026-08-12"),
    # After batch 2's max_date: waits in raw, admitted by batch 3.
    event("inc", "x11", "page_view", "2026-08-12 01:00:00", user="v2", arrival="2026-08-11"),
]
INC_EARLIER_EVENTS = [
    # (row, batch it lands in, batch before which it is removed from raw). Removing a
    # row re-ingests its partition (conftest): the partition's other rows get a new
    # _loaded_at, as brandpulse.ingest does.
    (event("inc", "x5", "page_view", "2026-08-03 15:00:00", user="v3"), 1, 2),
    (event("inc", "x6", "page_view", "2026-08-02 09:00:00", user="v4"), 1, 2),
    # (x7 and x16 arrive in partitions without acme events: re-ingesting them touches
    # no acme person, test_incremental_funnels_saw_redefinitions_and_kept_rows)
    (event("inc", "x7", "page_view", "2026-08-04 14:20:00", user="v1", arrival="2026-08-08"), 2, 3),
    # Alone in its partition: re-ingesting it leaves no row of 07-24 in raw at all; v6
    # and its given session SY vanish.
    (event("inc", "x15", "page_view", "2026-07-24 12:00:00", user="v6", session="SY"), 1, 2),
    # Removed before batch 3 by a run of the partitioned models alone (conftest), so
    # the person-level models see two runs of int_events_resolved at once; v7 vanishes.
    (event("inc", "x16", "page_view", "2026-08-09 09:00:00", user="v7"), 2, 3),
]
INC_EARLIER_BRAND = brand("inc", "UTC")  # until batch 2
INC_MIDDLE_BRAND = brand("inc", "America/New_York")  # batch 2; BRANDS' Los Angeles from batch 3


def _ret(eid: str, name: str, at: str, user: str) -> Row:
    return event("ret", eid, name, at, user=user)


RET_EVENTS = [
    _ret("r1a", "signup", "2026-08-03 09:00:00", "r1"),
    _ret("r1b", "visit", "2026-08-03 12:00:00", "r1"),
    _ret("r1c", "visit", "2026-08-05 12:00:00", "r1"),
    _ret("r2a", "signup", "2026-08-03 10:00:00", "r2"),
    _ret("r2b", "visit", "2026-08-04 10:00:00", "r2"),
    _ret("r2c", "signup", "2026-08-04 11:00:00", "r2"),
    _ret("r3a", "signup", "2026-08-04 10:00:00", "r3"),
    _ret("r4a", "visit", "2026-08-03 08:00:00", "r4"),
    _ret("r4b", "visit", "2026-08-09 08:00:00", "r4"),  # Sunday: same ISO week as 08-03
    _ret("r4c", "visit", "2026-08-10 08:00:00", "r4"),  # Monday: next week
    _ret("r4d", "visit", "2026-08-24 08:00:00", "r4"),
    _ret("r4e", "visit", "2026-09-02 08:00:00", "r4"),
]

LIFE_EVENTS = [
    event("life", f"l{i}", "visit", f"2026-08-{day:02d} 12:00:00", user=person)
    for i, (person, day) in enumerate(
        [("p1", 1), ("p1", 2), ("p1", 4), ("p2", 2), ("p2", 3), ("p3", 4)]
    )
]

_RFM_PURCHASES = {
    "f1": (10.0, [1]),
    "f2": (20.0, [5, 10]),
    "f3": (30.0, [11, 13, 15]),
    "f4": (40.0, [12, 14, 16, 18]),
    "f5": (50.0, [16, 17, 18, 19, 20]),
}
_RFM_CONTEXT = {
    "f3": {"country": "FR"},
    "f4": {"country": "DE"},
    "f5": {"country": "US", "utm_source": "newsletter"},
}
RFM_EVENTS = [
    event(
        "rfm",
        f"{person}-{day}",
        "purchase",
        f"2026-08-{day:02d} 12:00:00",
        user=person,
        revenue=amount,
        ctx=_RFM_CONTEXT.get(person),
    )
    for person, (amount, days) in _RFM_PURCHASES.items()
    for day in days
]

# RFM with equal values (brand `rfmtie`, last day 08-20): g1-g3 never order (not
# customers: no RFM row), g1, g2, g5 and g6 were last seen on the last day.
RFM_TIE_EVENTS = [
    event("rfmtie", "g1-a", "page_view", "2026-08-20 09:00:00", user="g1"),
    event("rfmtie", "g2-a", "page_view", "2026-08-20 10:00:00", user="g2"),
    event("rfmtie", "g3-a", "page_view", "2026-08-18 10:00:00", user="g3"),
    event("rfmtie", "g4-a", "purchase", "2026-08-15 10:00:00", user="g4", revenue=10.0),
    event("rfmtie", "g5-a", "purchase", "2026-08-19 10:00:00", user="g5", revenue=30.0),
    event("rfmtie", "g5-b", "purchase", "2026-08-20 11:00:00", user="g5", revenue=10.0),
    event("rfmtie", "g6-a", "purchase", "2026-08-20 12:00:00", user="g6", revenue=10.0),
]


def cohort(
    brand_id: str,
    cohort_id: str,
    start: str | None,
    ret: str | None,
    grain: str,
    kind: str,
    periods: int,
) -> Row:
    return {
        "cohort_id": cohort_id,
        "brand_id": brand_id,
        "name": cohort_id,
        "start_event": start,
        "return_event": ret,
        "grain": grain,
        "kind": kind,
        "periods": periods,
        "definition": {},
    }


COHORTS = [
    cohort("ret", "c_first_day", "signup", None, "day", "first_time", 3),
    cohort("ret", "c_rec_week", "visit", "visit", "week", "recurring", 2),
    cohort("ret", "c_first_week", "visit", "visit", "week", "first_time", 2),
    cohort("ret", "c_month", None, None, "month", "first_time", 2),
    cohort("tokyo", "c_tokyo_week", None, None, "week", "first_time", 1),
    cohort("inc", "inc_c1", "signup", None, "day", "first_time", 2),
    cohort("inc", "inc_c2", None, None, "week", "recurring", 1),
]
# until batch 3
INC_EARLIER_COHORTS = [cohort("inc", "inc_c1", "page_view", None, "day", "first_time", 2)]


def _node(
    segment: str, node_id: int, parent: int | None, depth: int, node_type: str, **leaf: Any
) -> Row:
    row = {
        "brand_id": "rfm",
        "segment_id": segment,
        "node_id": node_id,
        "parent_node_id": parent,
        "depth": depth,
        "node_type": node_type,
    }
    row.update(leaf)
    return row


SEGMENTS = [
    {"segment_id": s, "brand_id": "rfm", "name": s, "rules": {}, "definition": {}}
    for s in ("seg_big", "seg_deep", "seg_direct", "seg_notin")
]
SEGMENT_NODES = [
    # seg_big: all[monetary >= 100, any[event_count_30d(purchase) >= 5, country in (DE, FR)]]
    _node("seg_big", 0, None, 0, "all"),
    _node("seg_big", 1, 0, 1, "leaf", feature="monetary", op=">=", value_number=100.0),
    _node("seg_big", 2, 0, 1, "any"),
    _node(
        "seg_big",
        3,
        2,
        2,
        "leaf",
        feature="event_count_30d",
        feature_param="purchase",
        op=">=",
        value_number=5.0,
    ),
    _node("seg_big", 4, 2, 2, "leaf", feature="country", op="in", value_list=["DE", "FR"]),
    # seg_deep: any[all[any[recency_days <= 0]], country = FR]
    _node("seg_deep", 0, None, 0, "any"),
    _node("seg_deep", 1, 0, 1, "all"),
    _node("seg_deep", 2, 1, 2, "any"),
    _node("seg_deep", 3, 2, 3, "leaf", feature="recency_days", op="<=", value_number=0.0),
    _node("seg_deep", 4, 0, 1, "leaf", feature="country", op="=", value_text="FR"),
    # seg_direct: a lone leaf as root.
    _node(
        "seg_direct", 0, None, 0, "leaf", feature="acquisition_channel", op="=", value_text="direct"
    ),
    # seg_notin: NULL country is false, also for not_in.
    _node("seg_notin", 0, None, 0, "all"),
    _node("seg_notin", 1, 0, 1, "leaf", feature="country", op="not_in", value_list=["DE", "US"]),
]


def _share(
    share_id: str,
    resource: str,
    created: str,
    permission: str,
    revoked: str | None = None,
    arrival: str | None = None,
) -> Row:
    arrived = date.fromisoformat(arrival or created[:10])
    return {
        "share_id": share_id,
        "brand_id": "acme",
        "resource_type": "image",
        "resource_id": resource,
        "shared_by": "u1",
        "shared_with": "public",
        "permission": permission,
        "created_at": ts(created),
        "revoked_at": ts(revoked) if revoked else None,
        "_partition_date": arrived,
        "_loaded_at": datetime.combine(arrived, datetime.min.time()),
        "_line": 1,
        "_source_file": f"shared_resources/date={arrived}/part.jsonl",
    }


SHARES = [
    _share("sh1", "R1", "2026-08-03 09:00:00", "view"),
    _share("sh2", "R1", "2026-08-04 09:00:00", "edit"),
    _share(
        "sh2",
        "R1",
        "2026-08-04 09:00:00",
        "edit",
        revoked="2026-08-06 09:00:00",
        arrival="2026-08-06",
    ),
    _share("sh3", "R2", "2026-08-05 09:00:00", "comment"),
    # sh4: its permission changed by a later record (same created_at: not a new share)
    _share("sh4", "R3", "2026-08-07 09:00:00", "view"),
    _share("sh4", "R3", "2026-08-07 09:00:00", "edit", arrival="2026-08-08"),
    # sh5: revoked on 08-08, shared again on 08-09 (in force; counts on 08-07 and 08-09)
    _share("sh5", "R3", "2026-08-07 10:00:00", "view"),
    _share(
        "sh5",
        "R3",
        "2026-08-07 10:00:00",
        "view",
        revoked="2026-08-08 10:00:00",
        arrival="2026-08-08",
    ),
    _share("sh5", "R3", "2026-08-09 10:00:00", "view"),
]


def _comment(
    comment_id: str,
    resource: str,
    author: str,
    created: str,
    deleted: str | None = None,
    arrival: str | None = None,
    edited: str | None = None,
) -> Row:
    arrived = date.fromisoformat(arrival or created[:10])
    return {
        "comment_id": comment_id,
        "brand_id": "acme",
        "resource_type": "image",
        "resource_id": resource,
        "author_id": author,
        "parent_comment_id": None,
        "body": "nice",
        "created_at": ts(created),
        "edited_at": ts(edited) if edited else None,
        "deleted_at": ts(deleted) if deleted else None,
        "_partition_date": arrived,
        "_loaded_at": datetime.combine(arrived, datetime.min.time()),
        "_line": 1,
        "_source_file": f"comments/date={arrived}/part.jsonl",
    }


COMMENTS = [
    _comment("c1", "R1", "u1", "2026-08-03 10:00:00"),
    _comment("c2", "R1", "u2", "2026-08-04 10:00:00"),
    _comment("c3", "R2", "u1", "2026-08-04 11:00:00"),
    _comment(
        "c3", "R2", "u1", "2026-08-04 11:00:00", deleted="2026-08-05 11:00:00", arrival="2026-08-05"
    ),
    # c4: deleted on 08-08, then an edit record without deleted_at: a deletion is final
    _comment("c4", "R3", "u3", "2026-08-07 12:00:00"),
    _comment(
        "c4", "R3", "u3", "2026-08-07 12:00:00", deleted="2026-08-08 12:00:00", arrival="2026-08-08"
    ),
    _comment(
        "c4", "R3", "u3", "2026-08-07 12:00:00", edited="2026-08-09 12:00:00", arrival="2026-08-09"
    ),
]

GENERATIONS = [
    {
        "generation_id": g,
        "request_id": f"req-{g}",
        "brand_id": "acme",
        "user_id": "u1",
        "type": "text",
        "model": "local-text-small",
        "status": status,
        "version": 1,
        "attempts": 1,
        "idempotency_key": g,
        "cost_usd": cost,
        "input_tokens": 1000,
        "output_tokens": 500 if status == "completed" else 0,
        "images": 0,
        # requested on 08-05 (the day it counts on), processed days later by the job
        "requested_at": ts(requested),
        "created_at": ts("2026-08-20 09:00:00"),
    }
    for g, status, cost, requested in [
        ("g1", "completed", 0.01, "2026-08-05 10:00:00"),
        ("g2", "failed", 0.02, "2026-08-05 11:00:00"),
    ]
]

REJECTED = [
    {
        "source": "funnels",
        "file": "funnels/x.jsonl",
        "line": 2,
        "brand_id": "acme",
        "reason": "invalid_definition: a funnel needs 2 to 20 steps",
        "raw": '{"funnel_id": "bad_f", "brand_id": "acme", "name": "Broken funnel", "steps": []}',
        "rejected_at": ts("2026-08-10 00:00:00"),
    },
    {
        "source": "cohorts",
        "file": "cohorts/x.jsonl",
        "line": 3,
        "brand_id": "ret",
        "reason": "invalid_definition: grain must be day, week or month",
        "raw": '{"cohort_id": "bad1", "brand_id": "ret", "name": "Broken cohort", "grain": "year"}',
        "rejected_at": ts("2026-08-10 00:00:00"),
    },
    {
        "source": "segments",
        "file": "segments/x.jsonl",
        "line": 1,
        "brand_id": None,
        "reason": "invalid_json: Expecting value",
        "raw": "{not json",
        "rejected_at": ts("2026-08-10 00:00:00"),
    },
    {
        "source": "events",
        "file": "events/x.jsonl",
        "line": 1,
        "brand_id": "acme",
        "reason": "missing_field: event_id",
        "raw": "{}",
        "rejected_at": ts("2026-08-10 00:00:00"),
    },
]

RANDOM_BRANDS = {"rnd_utc": "UTC", "rnd_ny": "America/New_York"}
RANDOM_COHORTS = [
    cohort(b, f"{b}_{grain}_{kind}", start, ret, grain, kind, periods)
    for b in RANDOM_BRANDS
    for grain, kind, start, ret, periods in [
        ("day", "first_time", "signup", None, 5),
        ("day", "recurring", "visit", "purchase", 4),
        ("week", "first_time", None, "visit", 3),
        ("week", "recurring", "visit", None, 2),
        ("month", "recurring", None, None, 2),
    ]
]


def random_events(seed: int = 7) -> list[Row]:
    """Randomized streams (user ids only) for the pure-Python reference comparison."""
    rng = random.Random(seed)
    rows: list[Row] = []
    start = datetime(2026, 7, 25)
    for brand_id in RANDOM_BRANDS:
        for p in range(12):
            for n in range(rng.randint(1, 9)):
                at = start + timedelta(minutes=rng.randint(0, 60 * 24 * 45))
                name = rng.choice(["visit", "visit", "signup", "purchase"])
                plan = "pro" if (p + n) % 2 == 0 else "free"  # funnel step filters
                rows.append(
                    event(
                        brand_id,
                        f"{brand_id}-{p}-{n}",
                        name,
                        at.isoformat(sep=" "),
                        user=f"{brand_id}-p{p}",
                        revenue=5.0 if name == "purchase" else None,
                        props={"plan": plan} if name == "purchase" else None,
                    )
                )
    return rows


Step = tuple[str | None, dict[str, str]]  # (event_name or None = any event, `where` filters)


def funnel(
    brand_id: str,
    funnel_id: str,
    order: str,
    window_seconds: int,
    steps: list[Step],
    exclusions: Sequence[tuple[str, int, int]] = (),
    definition: dict[str, Any] | None = None,
) -> dict[str, list[Row]]:
    """The raw rows of one funnel definition, by table."""
    return {
        "raw.funnels": [
            {
                "funnel_id": funnel_id,
                "brand_id": brand_id,
                "name": funnel_id,
                "funnel_order": order,
                "window_seconds": window_seconds,
                "step_count": len(steps),
                "definition": definition or {},
            }
        ],
        "raw.funnel_steps": [
            {
                "brand_id": brand_id,
                "funnel_id": funnel_id,
                "step_number": i,
                "event_name": name,
                "filter_count": len(filters),
            }
            for i, (name, filters) in enumerate(steps, start=1)
        ],
        "raw.funnel_step_filters": [
            {
                "brand_id": brand_id,
                "funnel_id": funnel_id,
                "step_number": i,
                "property": prop,
                **where_value(value),
            }
            for i, (_, filters) in enumerate(steps, start=1)
            for prop, value in filters.items()
        ],
        "raw.funnel_exclusions": [
            {
                "brand_id": brand_id,
                "funnel_id": funnel_id,
                "event_name": name,
                "from_step": from_step,
                "to_step": to_step,
            }
            for name, from_step, to_step in exclusions
        ],
    }


FUNNEL_TABLES = [
    "raw.funnels",
    "raw.funnel_steps",
    "raw.funnel_step_filters",
    "raw.funnel_exclusions",
]
HOUR, DAY = 3600, 86400

# Funnels over the brands whose persons merge (acme), whose rows are re-ingested and
# removed and whose timezone changes (inc), and the random streams: every order, any-event
# steps, `where` filters and exclusions, so the funnel tables are not trivial.
FUNNELS = [
    funnel("acme", "acme_views_to_login", "ordered", 3 * DAY, [("page_view", {}), ("login", {})]),
    # soft-deleted in the app (still built; marts.funnels marks it)
    funnel(
        "acme",
        "acme_two_views",
        "strict",
        HOUR,
        [("page_view", {}), ("page_view", {})],
        definition={"deletedAt": "2026-08-09T02:00:00+02:00"},
    ),
    funnel(
        "inc",
        "inc_view_to_purchase",
        "ordered",
        2 * DAY,
        [("page_view", {}), ("purchase", {})],
        [("signup", 1, 2)],
    ),
    funnel(
        "rnd_utc",
        "rnd_utc_ord",
        "ordered",
        3 * DAY,
        [("visit", {}), ("purchase", {"plan": "pro"})],
        [("signup", 1, 2)],
    ),
    funnel(
        "rnd_utc",
        "rnd_utc_strict",
        "strict",
        7 * DAY,
        [("visit", {}), ("visit", {}), ("purchase", {})],
    ),
    funnel(
        "rnd_utc",
        "rnd_utc_unord",
        "unordered",
        5 * DAY,
        [("signup", {}), (None, {}), ("purchase", {})],
    ),
    funnel(
        "rnd_utc", "rnd_utc_any", "ordered", 2 * DAY, [(None, {}), ("purchase", {"plan": "free"})]
    ),
    # brand `life` gets no events after batch 2: only its definitions change later
    funnel("life", "life_visits", "ordered", DAY, [("visit", {}), ("visit", {})]),
    funnel("life", "life_three", "ordered", 3 * DAY, [("visit", {}), ("visit", {}), ("visit", {})]),
    funnel("life", "life_new", "unordered", 2 * DAY, [("visit", {}), ("visit", {})]),
    funnel(
        "rnd_ny",
        "rnd_ny_ord",
        "ordered",
        10 * DAY,
        [("signup", {}), ("visit", {}), ("purchase", {})],
    ),
    funnel("rnd_ny", "rnd_ny_strict", "strict", 2 * DAY, [("signup", {}), ("visit", {})]),
]
# What the incremental batches (conftest.BATCH_CUTOFFS) see before: (definition, the last
# batch it is current in). Batch 2 (the Dagster-like two-call run): life_three gains a
# step, rnd_utc_ord gets a longer window, a filter and an exclusion. Batch 3: life_visits'
# window grows from 12 hours to a day, life_gone is removed, life_new appears and
# rnd_ny_ord gains a step. The persons of `life` (events l0..l5 land in batches 1 and 2)
# are not touched by batch 3: only the definitions make it recompute them.
INC_EARLIER_FUNNELS = [
    (funnel("life", "life_three", "ordered", 3 * DAY, [("visit", {}), ("visit", {})]), 1),
    (funnel("rnd_utc", "rnd_utc_ord", "ordered", DAY, [("visit", {}), ("purchase", {})]), 1),
    (funnel("life", "life_visits", "ordered", 12 * HOUR, [("visit", {}), ("visit", {})]), 2),
    (funnel("life", "life_gone", "strict", 2 * DAY, [("visit", {}), ("visit", {})]), 2),
    (funnel("rnd_ny", "rnd_ny_ord", "ordered", 10 * DAY, [("signup", {}), ("visit", {})]), 2),
]
INC_LATE_FUNNELS = {"life_new": 3}  # first batch a funnel of FUNNELS exists in


def funnel_tables(definitions: list[dict[str, list[Row]]]) -> dict[str, list[Row]]:
    """The raw funnel tables holding `definitions`."""
    return {table: [row for d in definitions for row in d[table]] for table in FUNNEL_TABLES}


def funnels_in_batch(batch: int) -> dict[str, list[Row]]:
    """The raw funnel tables as the incremental runs see them in `batch` (1-based)."""
    earlier = {
        d["raw.funnels"][0]["funnel_id"]: d for d, last in INC_EARLIER_FUNNELS if batch <= last
    }
    current = [
        d
        for d in FUNNELS
        if d["raw.funnels"][0]["funnel_id"] not in earlier
        and INC_LATE_FUNNELS.get(d["raw.funnels"][0]["funnel_id"], 1) <= batch
    ]
    return funnel_tables(current + list(earlier.values()))


def all_tables() -> dict[str, list[Row]]:
    """Every raw/ai row of the main test warehouse."""
    return {
        "raw.brands": BRANDS,
        "raw.events": ACME_EVENTS
        + TOKYO_EVENTS
        + RET_EVENTS
        + LIFE_EVENTS
        + RFM_EVENTS
        + RFM_TIE_EVENTS
        + INC_EVENTS
        + FX_EVENTS
        + random_events(),
        "raw.cohorts": COHORTS + RANDOM_COHORTS,
        **funnel_tables(FUNNELS),
        "raw.segments": SEGMENTS,
        "raw.segment_rule_nodes": SEGMENT_NODES,
        "raw.shared_resources": SHARES,
        "raw.comments": COMMENTS,
        "raw.rejected_rows": REJECTED,
        "ai.generations": GENERATIONS,
    }
