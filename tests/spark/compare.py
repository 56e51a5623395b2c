"""Row-by-row comparison of two engines' tables: exact for ids, counts, dates and text,
1e-9 relative for floats (the engines sum in different orders)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

REL_TOL = 1e-9


def normalized(value: Any) -> Any:
    """One representation per value: tz-aware timestamps as naive UTC, decimals as
    floats, arrays as tuples (Spark writes UTC-adjusted timestamps, DuckDB naive UTC)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return tuple(normalized(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, normalized(v)) for k, v in value.items()))
    return value


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Rows sorted by every column; floats rounded so float noise cannot reorder them."""
    key = []
    for v in row:
        if isinstance(v, float):
            v = round(v, 6)
        key.append(
            (v is None, str(type(v).__name__) if v is not None else "", v if v is not None else 0)
        )
    return tuple(key)


def values_equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, bool) or isinstance(b, bool):
            return a == b
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, date) and isinstance(b, date):
        return a == b
    return a == b


def differences(
    columns: list[str], left: list[tuple[Any, ...]], right: list[tuple[Any, ...]], limit: int = 5
) -> list[str]:
    """Human-readable differences between two row sets (empty when equal)."""
    if len(left) != len(right):
        return [f"{len(left)} rows on DuckDB, {len(right)} on Spark"]
    lrows = sorted((tuple(normalized(v) for v in r) for r in left), key=_sort_key)
    rrows = sorted((tuple(normalized(v) for v in r) for r in right), key=_sort_key)
    found = []
    for lrow, rrow in zip(lrows, rrows, strict=True):
        for name, a, b in zip(columns, lrow, rrow, strict=True):
            if not values_equal(a, b):
                found.append(f"{name}: DuckDB {a!r} != Spark {b!r} in row {lrow}")
                break
        if len(found) >= limit:
            break
    return found
