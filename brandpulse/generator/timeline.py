"""Brand-local calendar: UTC offsets per local day and hour, weekly and daily rhythm.

Activity is planned in the brand's local time (days, hours, weekends) and converted
to UTC with the real IANA rules, so DST shifts and +5:30 offsets show up in the data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np

from brandpulse.generator.brands import Brand

# share of a day's sessions starting in each local hour (quiet nights, lunch and evening peaks)
HOUR_WEIGHTS = np.array(
    [
        0.3,
        0.2,
        0.15,
        0.1,
        0.1,
        0.2,
        0.5,
        0.9,
        1.2,
        1.4,
        1.5,
        1.5,
        1.6,
        1.5,
        1.4,
        1.4,
        1.4,
        1.5,
        1.7,
        1.9,
        2.0,
        1.7,
        1.1,
        0.6,
    ]
)
HOUR_P = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()


def epoch_ms(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()) * 1000


def utc_offsets(tz: str, start: date, days: int) -> np.ndarray:
    """Offset (seconds east of UTC) of each local (day, hour), shape (days + 1, 24)."""
    zone = ZoneInfo(tz)
    base = datetime(start.year, start.month, start.day)
    out = np.zeros((days + 1, 24), dtype=np.int64)
    for d in range(days + 1):
        for h in range(24):
            local = datetime.fromordinal(base.toordinal() + d).replace(
                hour=h, minute=30, tzinfo=zone
            )
            out[d, h] = int(local.utcoffset().total_seconds())
    return out


def day_of_week(start: date, days: int) -> np.ndarray:
    """Monday=0 weekday of each local day index."""
    return (start.weekday() + np.arange(days)) % 7


def weekly_weights(brand: Brand, start: date, days: int) -> np.ndarray:
    """Relative activity of each local day from the weekly pattern (mean ~1)."""
    dow = day_of_week(start, days)
    pattern = np.array([1.0, 1.02, 1.0, 0.98, 1.05, brand.weekend, brand.weekend * 0.95])
    return pattern[dow] / pattern.mean()


def local_to_utc_ms(
    start: date, offsets: np.ndarray, day: np.ndarray, sec: np.ndarray
) -> np.ndarray:
    """UTC epoch milliseconds of local (day index, second of day)."""
    hour = np.minimum(sec // 3600, 23)
    return epoch_ms(start) + (day * 86400 + sec - offsets[day, hour]) * 1000
