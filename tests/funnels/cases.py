"""Hand-worked funnel cases: event streams with the answers worked out on paper.

Each case lives in its own brand, so one warehouse holds all of them. Times are
seconds after T0; `expected` maps person -> (steps_completed, entered_s, completed_s),
persons absent from it must be absent from marts.funnel_persons.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tests.funnels.reference import Event, Exclusion, Funnel, Step

T0 = datetime(2026, 8, 1, 12, 0, 0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass
class Case:
    brand: str
    funnel: Funnel
    expected: dict[str, tuple[int, float, float]]
    events: list[Event] = field(default_factory=list)


def stream(brand: str, rows: list[tuple[Any, ...]]) -> list[Event]:
    """Rows (person, event_name, seconds[, properties[, event_id]]) -> events.

    Default event ids follow the row order, so they agree with time order unless a
    row gives its own id (used to put ids against the time order at equal timestamps).
    """
    out = []
    for i, row in enumerate(rows):
        person, name, seconds = row[:3]
        props = row[3] if len(row) > 3 else {}
        event_id = row[4] if len(row) > 4 else f"{brand}-{i:04d}"
        out.append(Event(brand, event_id, person, name, at(seconds), props))
    return out


def funnel(
    brand: str, order: str, window: int, steps: list[Any], exclusions=(), funnel_id: str = "f"
) -> Funnel:
    parsed = tuple(s if isinstance(s, Step) else Step(s) for s in steps)
    return Funnel(brand, funnel_id, order, window, parsed, tuple(exclusions))


def hand_cases() -> list[Case]:
    cases: list[Case] = []

    def add(brand, order, window, steps, rows, expected, exclusions=()):
        cases.append(
            Case(
                brand,
                funnel(brand, order, window, steps, exclusions),
                expected,
                stream(brand, rows),
            )
        )

    # ordered basics: p3 never did step 1; p4's cart came before its view.
    add(
        "ord_basic",
        "ordered",
        3600,
        ["view", "cart", "buy"],
        [
            ("p1", "view", 0),
            ("p1", "cart", 10),
            ("p1", "buy", 20),
            ("p2", "view", 0),
            ("p2", "buy", 5),
            ("p3", "cart", 0),
            ("p3", "buy", 5),
            ("p4", "cart", 0),
            ("p4", "view", 10),
            ("p4", "buy", 20),
        ],
        {"p1": (3, 0, 20), "p2": (1, 0, 0), "p4": (1, 10, 10)},
    )

    # entries on three days (T0 is 08-01 12:00 UTC), for funnel_between's date ranges:
    # 08-01 p1 converts in 100 s; 08-02 p2 in 300 s, p3 never; 08-03 p4 in 50 s.
    add(
        "daterange",
        "ordered",
        2 * 86400,
        ["view", "buy"],
        [
            ("p1", "view", 0),
            ("p1", "buy", 100),
            ("p2", "view", 86400),
            ("p2", "buy", 86700),
            ("p3", "view", 90000),
            ("p4", "view", 172800),
            ("p4", "buy", 172850),
        ],
        {
            "p1": (2, 0, 100),
            "p2": (2, 86400, 86700),
            "p3": (1, 90000, 90000),
            "p4": (2, 172800, 172850),
        },
    )

    # window boundary: exactly at entered_at + window is in, one second past is out.
    add(
        "window",
        "ordered",
        60,
        ["a", "b"],
        [
            ("p1", "a", 0),
            ("p1", "b", 60),
            ("p2", "a", 0),
            ("p2", "b", 61),
            ("p3", "a", 0),
            ("p3", "b", 60.5),
        ],
        {"p1": (2, 0, 60), "p2": (1, 0, 0), "p3": (1, 0, 0)},
    )

    # equal timestamps fill consecutive steps, even when the event ids run against
    # the step order (p1); p2: steps at equal time in a different order than ids.
    add(
        "equal_ts",
        "ordered",
        60,
        ["a", "b", "c"],
        [
            ("p1", "a", 0, {}, "z9"),
            ("p1", "b", 0, {}, "a1"),
            ("p1", "c", 0, {}, "m5"),
            ("p2", "a", 5, {}, "x2"),
            ("p2", "b", 5, {}, "x1"),
            ("p2", "c", 7, {}, "x0"),
        ],
        {"p1": (3, 0, 0), "p2": (3, 5, 7)},
    )

    # one event fills one step: [a, a] needs two a events (also at equal time).
    add(
        "same_step",
        "ordered",
        60,
        ["a", "a"],
        [
            ("p1", "a", 0),
            ("p2", "a", 3),
            ("p2", "a", 3),
            ("p3", "a", 0),
            ("p3", "a", 61),
        ],
        {"p1": (1, 0, 0), "p2": (2, 3, 3), "p3": (1, 0, 0)},
    )

    # repeated step events: [view, view, buy].
    add(
        "repeated",
        "ordered",
        100,
        ["view", "view", "buy"],
        [
            ("p1", "view", 0),
            ("p1", "buy", 5),
            ("p1", "view", 10),
            ("p1", "buy", 20),
            ("p2", "view", 0),
            ("p2", "view", 5),
        ],
        {"p1": (3, 0, 20), "p2": (2, 0, 5)},
    )

    # restart: the first attempt stalls, a later one reaches further and is counted.
    add(
        "restart",
        "ordered",
        100,
        ["a", "b", "c"],
        [
            ("p1", "a", 0),
            ("p1", "b", 10),
            ("p1", "a", 200),
            ("p1", "b", 210),
            ("p1", "c", 220),
        ],
        {"p1": (3, 200, 220)},
    )

    # tie between attempts: the earliest wins (entered_at/completed_at of the first).
    add(
        "tie",
        "ordered",
        100,
        ["a", "b", "c"],
        [
            ("p1", "a", 0),
            ("p1", "b", 10),
            ("p1", "a", 200),
            ("p1", "b", 250),
            ("p2", "a", 0),
            ("p2", "a", 5),
            ("p2", "b", 30),
        ],
        {"p1": (2, 0, 10), "p2": (2, 0, 30)},
    )

    # strict: any other event of the person strictly between two step times breaks the
    # attempt; one at the same instant as a step does not, whatever the ids (p5, p7, p8).
    add(
        "strict",
        "strict",
        100,
        ["a", "b", "c"],
        [
            ("p1", "a", 0),
            ("p1", "b", 1),
            ("p1", "c", 2),
            ("p2", "a", 0),
            ("p2", "x", 1),
            ("p2", "b", 2),
            ("p2", "c", 3),
            ("p3", "a", 0),
            ("p3", "b", 1),
            ("p3", "x", 2),
            ("p3", "c", 3),
            ("p4", "a", 0),
            ("p4", "x", 1),
            ("p4", "a", 2),
            ("p4", "b", 3),
            ("p4", "c", 4),
            ("p5", "a", 0, {}, "e1"),
            ("p5", "x", 0, {}, "e2"),
            ("p5", "b", 0, {}, "e3"),
            ("p6", "a", 0),
            ("p6", "b", 50),
            ("p6", "c", 101),
            ("p7", "a", 0, {}, "f1"),
            ("p7", "x", 60, {}, "f2"),
            ("p7", "b", 60, {}, "f3"),
            ("p7", "c", 90, {}, "f4"),
            ("p8", "b", 0, {}, "g1"),
            ("p8", "a", 0, {}, "g2"),
            ("p8", "c", 5, {}, "g3"),
        ],
        {
            "p1": (3, 0, 2),
            "p2": (1, 0, 0),
            "p3": (2, 0, 1),
            "p4": (3, 2, 4),
            "p5": (2, 0, 0),
            "p6": (2, 0, 50),
            "p7": (3, 0, 90),
            "p8": (3, 0, 5),
        },
    )

    # unordered (CONTRACTS section 4): every event matching any step opens a window
    # [t, t + window]; the best window counts (ties: the earliest). p2 started with b,
    # so its window at 0 holds all three steps.
    add(
        "unordered",
        "unordered",
        100,
        ["a", "b", "c"],
        [
            ("p1", "a", 0),
            ("p1", "c", 10),
            ("p1", "b", 20),
            ("p2", "b", 0),
            ("p2", "a", 10),
            ("p2", "c", 20),
            ("p3", "a", 0),
            ("p3", "c", 150),
            ("p4", "a", 0),
            ("p4", "b", 50),
            ("p4", "a", 60),
            ("p4", "c", 155),
        ],
        {"p1": (3, 0, 20), "p2": (3, 0, 20), "p3": (1, 0, 0), "p4": (2, 0, 50)},
    )

    # unordered, step 1 has no special role (window 100, boundary inclusive):
    # q1 never did a: b0 c30 -> 2 steps; q2 reverse order c0 b10 a20 -> 3;
    # q3 a0 b90 c150: windows 0 {a,b} and 90 {b,c} tie -> the earliest (0);
    # q4 a0 b90 c150 a180: the later window 90 holds b, c, a (180 <= 190) -> 3;
    # q5 b0 a100: a on the window end is inside -> 2; q6 three steps at one instant
    # (ids against the step order) -> 3 with gaps 0; q7 a0 a10 a20: one distinct step.
    add(
        "unord_contract",
        "unordered",
        100,
        ["a", "b", "c"],
        [
            ("q1", "b", 0),
            ("q1", "c", 30),
            ("q2", "c", 0),
            ("q2", "b", 10),
            ("q2", "a", 20),
            ("q3", "a", 0),
            ("q3", "b", 90),
            ("q3", "c", 150),
            ("q4", "a", 0),
            ("q4", "b", 90),
            ("q4", "c", 150),
            ("q4", "a", 180),
            ("q5", "b", 0),
            ("q5", "a", 100),
            ("q6", "c", 5, {}, "uc-q6-1"),
            ("q6", "b", 5, {}, "uc-q6-2"),
            ("q6", "a", 5, {}, "uc-q6-3"),
            ("q7", "a", 0),
            ("q7", "a", 10),
            ("q7", "a", 20),
        ],
        {
            "q1": (2, 0, 30),
            "q2": (3, 0, 20),
            "q3": (2, 0, 90),
            "q4": (3, 90, 180),
            "q5": (2, 0, 100),
            "q6": (3, 5, 5),
            "q7": (1, 0, 0),
        },
    )

    # unordered with an any-event step 1 and a named step 2: one event fills at most one
    # step (the named step is filled first), so a lone `a` is 1 step, not 2.
    add(
        "unord_any",
        "unordered",
        100,
        [None, "a"],
        [
            ("r1", "a", 0),
            ("r2", "a", 0),
            ("r2", "x", 10),
            ("r3", "x", 0),
            ("r4", "a", 0),
            ("r4", "a", 5),
        ],
        {"r1": (1, 0, 0), "r2": (2, 0, 10), "r3": (1, 0, 0), "r4": (2, 0, 5)},
    )

    # unordered exclusions never remove the person: an x inside (t, t + window]
    # interrupts the window opened at t; the best uninterrupted window counts.
    # s1 a0 x10 b20 c30: window 0 interrupted -> window 20 {b, c}; s2 x150 is past the
    # window end 100 -> 3; s3 a0 b10 x100: x on the end of both windows -> no window
    # left, absent; s4 x at the opening instant is not inside -> 2; s5 x before the steps.
    add(
        "unord_excl",
        "unordered",
        100,
        ["a", "b", "c"],
        [
            ("s1", "a", 0),
            ("s1", "x", 10),
            ("s1", "b", 20),
            ("s1", "c", 30),
            ("s2", "a", 0),
            ("s2", "b", 10),
            ("s2", "c", 20),
            ("s2", "x", 150),
            ("s3", "a", 0),
            ("s3", "b", 10),
            ("s3", "x", 100),
            ("s4", "a", 0, {}, "ue-s4-1"),
            ("s4", "x", 0, {}, "ue-s4-2"),
            ("s4", "b", 10),
            ("s5", "x", 0),
            ("s5", "a", 10),
            ("s5", "b", 20),
        ],
        {"s1": (2, 20, 30), "s2": (3, 0, 20), "s4": (2, 0, 10), "s5": (2, 10, 20)},
        exclusions=[Exclusion("x", 1, 3)],
    )

    # exclusions strictly between the times of step 2 and 3 of the counted attempt (step 3
    # not reached: after step 2 up to the window end, inclusive).
    add(
        "excl",
        "ordered",
        1000,
        ["view", "cart", "buy"],
        [
            ("p1", "view", 0),
            ("p1", "cart", 10),
            ("p1", "remove", 15),
            ("p1", "buy", 20),
            ("p2", "view", 0),
            ("p2", "remove", 5),
            ("p2", "cart", 10),
            ("p2", "buy", 20),
            ("p3", "view", 0),
            ("p3", "cart", 10),
            ("p3", "buy", 20),
            ("p3", "remove", 30),
            ("p4", "view", 0),
            ("p4", "cart", 10),
            ("p4", "remove", 500),
            ("p5", "view", 0),
            ("p5", "cart", 10),
            ("p5", "remove", 1500),
            ("p6", "view", 0),
            ("p6", "cart", 10),
            ("p6", "buy", 20),
            ("p6", "view", 2000),
            ("p6", "cart", 2010),
            ("p6", "remove", 2015),
            ("p7", "view", 0),
            ("p7", "remove", 10),
            ("p7", "cart", 10),
            ("p8", "view", 0),
            ("p8", "remove", 5),
            # at the same instant as step 3: not between the steps
            ("p9", "view", 0),
            ("p9", "cart", 10),
            ("p9", "remove", 20),
            ("p9", "buy", 20),
            # step 3 not reached: exactly at the window end is inside
            ("p10", "view", 0),
            ("p10", "cart", 10),
            ("p10", "remove", 1000),
        ],
        {
            "p2": (3, 0, 20),
            "p3": (3, 0, 20),
            "p5": (2, 0, 10),
            "p6": (3, 0, 20),
            "p7": (2, 0, 10),  # remove at the same instant as step 2: not between
            "p8": (1, 0, 0),
            "p9": (3, 0, 20),
        },
        exclusions=[Exclusion("remove", 2, 3)],
    )

    # where filters: the same JSON type and value (numbers as numbers); all must hold.
    add(
        "filters",
        "ordered",
        100,
        [
            Step("view", (("plan", "pro"),)),
            Step("buy", (("amount", 10), ("vip", True))),
        ],
        [
            ("p1", "view", 0, {"plan": "pro"}),
            ("p1", "buy", 5, {"amount": 10, "vip": True}),
            ("p2", "view", 0, {"plan": "free"}),
            ("p2", "buy", 5, {"amount": 10, "vip": True}),
            ("p3", "view", 0, {"plan": "pro"}),
            ("p3", "buy", 5, {"amount": 11, "vip": True}),
            ("p4", "view", 0, {"plan": "pro", "x": 1}),
            ("p4", "buy", 5, {"amount": 10, "vip": False}),
            ("p5", "view", 0, {"plan": "pro"}),
            ("p5", "buy", 5, {"amount": 10}),
            ("p6", "view", 0, {}),
            ("p6", "buy", 5, {"amount": "10", "vip": "true"}),
            ("p7", "view", 0, {"plan": "pro"}),
            ("p7", "buy", 5, {"amount": 10.0, "vip": True}),  # 10.0 is the number 10
            ("p8", "view", 0, {"plan": "pro"}),
            ("p8", "buy", 5, {"amount": "10", "vip": "true"}),  # text is not a number or boolean
        ],
        {
            "p1": (2, 0, 5),
            "p3": (1, 0, 0),
            "p4": (1, 0, 0),
            "p5": (1, 0, 0),
            "p7": (2, 0, 5),
            "p8": (1, 0, 0),
        },
    )

    # any-event steps (event_name NULL) never reuse the event of another step.
    add(
        "any_ordered",
        "ordered",
        100,
        ["signup", None, "purchase"],
        [
            ("p1", "signup", 0),
            ("p1", "purchase", 5),
            ("p2", "signup", 0),
            ("p2", "page", 3),
            ("p2", "purchase", 5),
            ("p3", "signup", 0),
            ("p4", "signup", 0),
            ("p4", "signup", 1),
        ],
        {"p1": (2, 0, 5), "p2": (3, 0, 5), "p3": (1, 0, 0), "p4": (2, 0, 1)},
    )
    add(
        "any_unordered",
        "unordered",
        100,
        ["signup", None, "purchase"],
        [
            ("p1", "signup", 0),
            ("p1", "purchase", 5),
            ("p2", "signup", 0),
            ("p2", "purchase", 3),
            ("p2", "page", 5),
        ],
        {"p1": (2, 0, 5), "p2": (3, 0, 5)},
    )

    # conversion times: gaps 10, 20, 30, 100 -> avg 40, interpolated median 25.
    add(
        "timing",
        "ordered",
        1000,
        ["a", "b"],
        [
            ("p1", "a", 0),
            ("p1", "b", 10),
            ("p2", "a", 0),
            ("p2", "b", 20),
            ("p3", "a", 0),
            ("p3", "b", 30),
            ("p4", "a", 0),
            ("p4", "b", 100),
        ],
        {"p1": (2, 0, 10), "p2": (2, 0, 20), "p3": (2, 0, 30), "p4": (2, 0, 100)},
    )

    # multiple brands: same funnel id and person ids, isolated from each other.
    add(
        "iso_a",
        "ordered",
        100,
        ["view", "buy"],
        [("p1", "view", 0), ("p1", "buy", 5)],
        {"p1": (2, 0, 5)},
    )
    add(
        "iso_b",
        "ordered",
        100,
        ["view", "buy"],
        [("p1", "view", 0), ("p2", "buy", 5)],
        {"p1": (1, 0, 0)},
    )
    return cases


def extra_funnels() -> list[Funnel]:
    """Funnels checked only in funnel_conversion: a 4th step nobody reaches, a funnel nobody enters."""
    return [
        funnel("ord_basic", "ordered", 3600, ["view", "cart", "buy", "refund"], funnel_id="f4"),
        funnel("ord_basic", "ordered", 3600, ["never", "view"], funnel_id="empty"),
    ]


def timezone_case() -> tuple[Case, str]:
    """Entry at 02:00 UTC is the previous day in New York."""
    brand = "tz_ny"
    events = [
        Event(brand, "tz1", "p1", "a", datetime(2026, 8, 1, 2, 0), {}),
        Event(brand, "tz2", "p1", "b", datetime(2026, 8, 1, 3, 0), {}),
    ]
    return Case(
        brand, funnel(brand, "ordered", 86400, ["a", "b"]), {"p1": (2, -36000, -32400)}, events
    ), "America/New_York"


def random_world(seed: int) -> tuple[list[Event], list[Funnel]]:
    """A small random brand: few names, coarse timestamps (many ties), random ids."""
    rng = random.Random(seed)
    brand = f"rnd{seed}"
    names = ["a", "b", "c", "d"]
    events = []
    for p in range(30):
        for _ in range(rng.randint(1, 14)):
            props = {"k": rng.choice(["1", "2", 1, 1.0, 2, True])} if rng.random() < 0.6 else {}
            eid = "".join(rng.choices(string.ascii_lowercase, k=6))
            events.append(
                Event(brand, eid, f"p{p}", rng.choice(names), at(rng.randint(0, 40) * 5), props)
            )
    funnels = []
    for i in range(8):
        order = ["ordered", "strict", "unordered", "unordered"][i % 4]
        steps = [Step(rng.choice(names[:3]))] + ([Step(None)] if i % 4 == 3 else [])
        for _ in range(rng.randint(1, 3)):
            name = rng.choice(names[:3] + [None]) if steps else rng.choice(names[:3])
            filters = (("k", rng.choice(["1", "2", 1, 1.0, True])),) if rng.random() < 0.3 else ()
            steps.append(Step(name, filters))
        exclusions = ()
        if rng.random() < 0.4:
            lo = rng.randint(1, len(steps) - 1)
            exclusions = (Exclusion(rng.choice(names), lo, rng.randint(lo + 1, len(steps))),)
        funnels.append(
            Funnel(
                brand, f"r{i}", order, rng.choice([15, 30, 60, 120, 400]), tuple(steps), exclusions
            )
        )
    return events, funnels
