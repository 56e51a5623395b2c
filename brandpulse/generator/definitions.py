"""Funnel, cohort and segment definitions as the app would export them.

Every brand gets the same kinds of definitions (parameterised by its categories and
home country) so each funnel order, exclusion, `where` filter, cohort grain/kind and
nested segment rule is exercised per brand. Exactly one definition of each source is
invalid on purpose; `INVALID` says which and why, for the manifest.
"""

from __future__ import annotations

from brandpulse.generator.brands import Brand

DAY = {"value": 14, "unit": "day"}


def funnels(brand: Brand, with_invalid: bool = False) -> list[dict]:
    b, cat0 = brand.brand_id, brand.categories[0]
    rows = [
        {
            "name": "Purchase journey",
            "order": "ordered",
            "conversion_window": DAY,
            "steps": [
                {"event_name": "page_view"},
                {"event_name": "signup"},
                {"event_name": "activate"},
                {"event_name": "add_to_cart"},
                {"event_name": "purchase"},
            ],
        },
        {
            "name": "Quick checkout (strict)",
            "order": "strict",
            "conversion_window": {"value": 1, "unit": "hour"},
            "steps": [
                {"event_name": "view_item"},
                {"event_name": "add_to_cart"},
                {"event_name": "purchase"},
            ],
        },
        {
            "name": "Studio engagement (any order)",
            "order": "unordered",
            "conversion_window": {"value": 7, "unit": "day"},
            "steps": [
                {"event_name": "ai_generate"},
                {"event_name": "share"},
                {"event_name": "comment"},
            ],
        },
        {
            "name": "Checkout without cart removal",
            "order": "ordered",
            "conversion_window": {"value": 30, "unit": "day"},
            "steps": [
                {"event_name": "signup"},
                {"event_name": "add_to_cart"},
                {"event_name": "purchase"},
            ],
            "exclusions": [{"event_name": "remove_from_cart", "from_step": 2, "to_step": 3}],
        },
        {
            "name": f"{cat0.title()} buyers",
            "order": "ordered",
            "conversion_window": {"value": 3, "unit": "day"},
            "steps": [
                {"event_name": "view_item", "where": {"category": cat0}},
                {"event_name": "add_to_cart", "where": {"category": cat0}},
                {"event_name": "purchase"},
            ],
        },
        {
            "name": "Pro signups who buy",
            "order": "ordered",
            "conversion_window": {"value": 4, "unit": "week"},
            "steps": [
                {"event_name": "signup", "where": {"plan": "pro"}},
                {"event_name": None},
                {"event_name": "purchase"},
            ],
        },
    ]
    slugs = ["purchase", "quick_checkout", "studio", "no_removal", "category", "pro_buyers"]
    out = [
        {"funnel_id": f"fnl_{b}_{s}", "brand_id": b, **r} for s, r in zip(slugs, rows, strict=True)
    ]
    if with_invalid:
        out.append(
            {
                "funnel_id": f"fnl_{b}_broken_order",
                "brand_id": b,
                "name": "Broken: unknown order",
                "order": "sideways",
                "conversion_window": DAY,
                "steps": [{"event_name": "page_view"}, {"event_name": "purchase"}],
            }
        )
    return out


def cohorts(brand: Brand, with_invalid: bool = False) -> list[dict]:
    b = brand.brand_id
    rows = [
        ("signup_weekly", "Weekly signups, any activity", "signup", None, "week", "first_time", 12),
        ("new_daily", "Daily new persons", None, None, "day", "first_time", 30),
        (
            "buyers_monthly",
            "Monthly repeat buyers",
            "purchase",
            "purchase",
            "month",
            "recurring",
            3,
        ),
        (
            "studio_weekly",
            "Weekly AI studio users",
            "ai_generate",
            "ai_generate",
            "week",
            "recurring",
            8,
        ),
        ("login_daily", "Daily logins", "login", "login", "day", "recurring", 14),
    ]
    out = [
        {
            "cohort_id": f"coh_{b}_{slug}",
            "brand_id": b,
            "name": name,
            "start_event": s,
            "return_event": r,
            "grain": g,
            "kind": k,
            "periods": p,
        }
        for slug, name, s, r, g, k, p in rows
    ]
    if with_invalid:
        out.append(
            {
                "cohort_id": f"coh_{b}_too_long",
                "brand_id": b,
                "name": "Broken: 60 weekly periods",
                "start_event": "signup",
                "return_event": None,
                "grain": "week",
                "kind": "first_time",
                "periods": 60,
            }
        )
    return out


def _leaf(feature: str, op: str, value, event_name: str | None = None) -> dict:
    if event_name is None:
        return {"feature": feature, "op": op, "value": value}
    return {"feature": feature, "event_name": event_name, "op": op, "value": value}


def segments(brand: Brand, with_invalid: bool = False) -> list[dict]:
    b, home = brand.brand_id, brand.home_country
    rows = [
        (
            "power_users",
            "Power users",
            {
                "all": [
                    _leaf("sessions_30d", ">=", 5),
                    {
                        "any": [
                            _leaf("event_count_30d", ">=", 1, "purchase"),
                            _leaf("ai_generations_30d", ">=", 3),
                        ]
                    },
                ]
            },
        ),
        (
            "at_risk_buyers",
            "Buyers at risk",
            {"all": [_leaf("frequency", ">=", 1), _leaf("recency_days", ">", 21)]},
        ),
        (
            "big_spenders",
            "Big spenders at home",
            {
                "all": [
                    _leaf("monetary", ">=", round(brand.price * 3, brand.decimals)),
                    _leaf("country", "in", [home, "US"]),
                ]
            },
        ),
        (
            "social_newcomers",
            "Paid-social newcomers",
            {
                "all": [
                    _leaf("acquisition_channel", "in", ["facebook", "instagram", "tiktok"]),
                    _leaf("days_since_first_seen", "<=", 14),
                ]
            },
        ),
        (
            "pro_non_buyers",
            "Pro plan, never bought",
            {"all": [_leaf("plan", "=", "pro"), _leaf("frequency", "=", 0)]},
        ),
        (
            "engaged_mix",
            "Engaged abroad or studio fans",
            {
                "any": [
                    {
                        "all": [
                            _leaf("events_7d", ">=", 10),
                            {
                                "any": [
                                    _leaf("country", "!=", home),
                                    _leaf("plan", "in", ["starter", "pro"]),
                                ]
                            },
                        ]
                    },
                    {
                        "all": [
                            _leaf("event_count_90d", ">=", 5, "ai_generate"),
                            _leaf("sessions_90d", ">=", 3),
                        ]
                    },
                ]
            },
        ),
        (
            "likely_buyers",
            "Likely to buy in the next two weeks",
            {"all": [_leaf("purchase_propensity", ">", 0.5)]},
        ),
        (
            "active_abroad",
            "Active this week abroad",
            {
                "all": [
                    _leaf("country", "not_in", [home]),
                    _leaf("sessions_7d", ">=", 1),
                    _leaf("events_30d", ">", 3),
                ]
            },
        ),
    ]
    out = [
        {"segment_id": f"seg_{b}_{slug}", "brand_id": b, "name": name, "rules": rules}
        for slug, name, rules in rows
    ]
    if with_invalid:
        out.append(
            {
                "segment_id": f"seg_{b}_colour",
                "brand_id": b,
                "name": "Broken: unknown feature",
                "rules": {
                    "all": [_leaf("favorite_color", "=", "blue"), _leaf("sessions_30d", ">=", 1)]
                },
            }
        )
    return out


def invalid_owner(brands: list[Brand]) -> dict[str, int]:
    """Which brand index carries the invalid definition of each source."""
    n = len(brands)
    return {"funnels": 0, "cohorts": 1 % n, "segments": 2 % n}


def invalid_definitions(brands: list[Brand]) -> list[dict]:
    """The deliberately invalid definitions, for the manifest."""
    owner = invalid_owner(brands)
    f, c, s = (brands[owner[k]].brand_id for k in ("funnels", "cohorts", "segments"))
    return [
        {
            "source": "funnels",
            "id": f"fnl_{f}_broken_order",
            "brand_id": f,
            "why": "bad order 'sideways'",
        },
        {
            "source": "cohorts",
            "id": f"coh_{c}_too_long",
            "brand_id": c,
            "why": "periods 60 out of range 1..52",
        },
        {
            "source": "segments",
            "id": f"seg_{s}_colour",
            "brand_id": s,
            "why": "unknown feature 'favorite_color'",
        },
    ]


def definition_rows(brands: list[Brand]) -> dict[str, list[dict]]:
    """All definition snapshots: source -> rows."""
    owner = invalid_owner(brands)
    return {
        "funnels": [r for b in brands for r in funnels(b, b.index == owner["funnels"])],
        "cohorts": [r for b in brands for r in cohorts(b, b.index == owner["cohorts"])],
        "segments": [r for b in brands for r in segments(b, b.index == owner["segments"])],
    }
