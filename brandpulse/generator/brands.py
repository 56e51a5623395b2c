"""The demo brands: timezones, currencies, plans, AI budgets and shopping behaviour.

Each brand differs on purpose (timezone incl. a +5:30 one, weekly pattern, growth,
price level) so later per-brand analyses have something to find. Brand 4 has a tiny
AI budget so budget enforcement bites.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True)
class Brand:
    index: int
    brand_id: str
    name: str
    timezone: str
    currency: str
    plan: str
    home_country: str
    size: float  # relative share of persons
    weekend: float  # weekend activity relative to weekdays
    growth: float  # log-growth of arrivals over the whole period
    price: float  # typical item price in the brand currency
    decimals: int  # currency minor units
    ai_monthly_budget_usd: float
    ai_daily_generation_quota: int
    categories: tuple[str, ...]
    created_days_before: int


_TEMPLATES: list[tuple] = [
    # id, name, tz, currency, plan, country, size, weekend, growth, price, decimals, budget, quota, categories
    (
        "kumo-tea",
        "Kumo Tea",
        "Asia/Tokyo",
        "JPY",
        "pro",
        "JP",
        1.3,
        1.25,
        0.6,
        2400.0,
        0,
        400.0,
        1500,
        ("matcha", "sencha", "teaware", "gifts"),
    ),
    (
        "sunset-surf",
        "Sunset Surf Co",
        "America/Los_Angeles",
        "USD",
        "enterprise",
        "US",
        1.6,
        1.35,
        0.8,
        45.0,
        2,
        2000.0,
        5000,
        ("boards", "wetsuits", "apparel", "accessories"),
    ),
    (
        "berliner-rad",
        "Berliner Rad",
        "Europe/Berlin",
        "EUR",
        "starter",
        "DE",
        0.9,
        0.7,
        0.3,
        60.0,
        2,
        150.0,
        600,
        ("bikes", "parts", "helmets", "apparel"),
    ),
    (
        "masala-box",
        "Masala Box",
        "Asia/Kolkata",
        "INR",
        "starter",
        "IN",
        1.0,
        1.15,
        1.0,
        650.0,
        2,
        3.0,
        40,
        ("spices", "kits", "snacks", "cookware"),
    ),
    (
        "praia-moda",
        "Praia Moda",
        "America/Sao_Paulo",
        "BRL",
        "pro",
        "BR",
        0.9,
        1.2,
        0.5,
        180.0,
        2,
        300.0,
        1200,
        ("swimwear", "dresses", "sandals", "bags"),
    ),
    (
        "reef-labs",
        "Reef Labs",
        "Australia/Sydney",
        "AUD",
        "pro",
        "AU",
        0.7,
        0.8,
        0.4,
        70.0,
        2,
        250.0,
        1000,
        ("kits", "sensors", "books", "courses"),
    ),
    (
        "atlas-cloud",
        "Atlas Cloud",
        "UTC",
        "USD",
        "enterprise",
        "US",
        1.2,
        0.45,
        0.7,
        120.0,
        2,
        1500.0,
        4000,
        ("compute", "storage", "support", "training"),
    ),
    (
        "fjord-home",
        "Fjord Home",
        "Europe/London",
        "GBP",
        "free",
        "GB",
        0.6,
        1.1,
        0.2,
        40.0,
        2,
        50.0,
        300,
        ("lighting", "textiles", "kitchen", "decor"),
    ),
    (
        "lotus-learn",
        "Lotus Learn",
        "Asia/Singapore",
        "SGD",
        "starter",
        "SG",
        0.7,
        0.9,
        0.6,
        55.0,
        2,
        120.0,
        500,
        ("courses", "ebooks", "mentoring", "bundles"),
    ),
    (
        "maple-media",
        "Maple Media",
        "America/Toronto",
        "CAD",
        "pro",
        "CA",
        0.8,
        1.05,
        0.5,
        25.0,
        2,
        400.0,
        1500,
        ("music", "films", "podcasts", "merch"),
    ),
]

COUNTRIES = ("US", "JP", "DE", "IN", "BR", "AU", "GB", "SG", "CA", "FR")
PLANS = ("free", "starter", "pro")


def make_brands(n: int) -> list[Brand]:
    """n brands cycling through the templates (ids get a suffix on the second lap)."""
    out = []
    for i in range(n):
        t = _TEMPLATES[i % len(_TEMPLATES)]
        lap = i // len(_TEMPLATES)
        suffix = f"-{lap + 1}" if lap else ""
        out.append(
            Brand(
                index=i,
                brand_id=t[0] + suffix,
                name=t[1] + (f" {lap + 1}" if lap else ""),
                timezone=t[2],
                currency=t[3],
                plan=t[4],
                home_country=t[5],
                size=t[6],
                weekend=t[7],
                growth=t[8],
                price=t[9],
                decimals=t[10],
                ai_monthly_budget_usd=t[11],
                ai_daily_generation_quota=t[12],
                categories=t[13],
                created_days_before=120 + 37 * i,
            )
        )
    return out


def persons_per_brand(brands: list[Brand], total: int) -> list[int]:
    """Split `total` persons by brand size, largest remainders first (deterministic)."""
    weights = [b.size for b in brands]
    s = sum(weights)
    exact = [total * w / s for w in weights]
    counts = [max(1, int(x)) for x in exact]
    order = sorted(range(len(brands)), key=lambda i: (-(exact[i] - int(exact[i])), i))
    k = 0
    while sum(counts) < total:
        counts[order[k % len(order)]] += 1
        k += 1
    while sum(counts) > total:
        j = max(range(len(counts)), key=lambda i: (counts[i], -i))
        counts[j] -= 1
    return counts


def brand_rows(brands: list[Brand], start: date) -> list[dict]:
    """The brands snapshot as contract rows."""
    rows = []
    for b in brands:
        created = datetime.combine(start - timedelta(days=b.created_days_before), time(9, 30), UTC)
        rows.append(
            {
                "brand_id": b.brand_id,
                "name": b.name,
                "timezone": b.timezone,
                "currency": b.currency,
                "plan": b.plan,
                "ai_monthly_budget_usd": b.ai_monthly_budget_usd,
                "ai_daily_generation_quota": b.ai_daily_generation_quota,
                "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
    return rows
