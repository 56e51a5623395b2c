"""Which country's public holidays apply to a brand: from its country or its IANA timezone.

Brands carry a timezone, not always a country. The tz database's own zone.tab maps each
canonical zone to an ISO-3166 country code; it ships with the OS and with the `tzdata`
wheel, so the lookup works offline. Holidays then come from the `holidays` package
(the one prophet's `add_country_holidays` uses).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_ZONE_TAB_CANDIDATES = (Path("/usr/share/zoneinfo/zone.tab"),)

_LEGACY_PREFIXES = {"US/": "US", "Canada/": "CA", "Brazil/": "BR", "Mexico/": "MX", "Chile/": "CL"}
"""Backward-compatible zone names (links) that zone.tab does not list."""


def _zone_tab_paths() -> list[Path]:
    paths = list(_ZONE_TAB_CANDIDATES)
    try:
        import tzdata

        paths.append(Path(tzdata.__file__).parent / "zoneinfo" / "zone.tab")
    except ImportError:  # pragma: no cover - tzdata is a pandas dependency
        pass
    return paths


@cache
def zone_countries() -> dict[str, str]:
    """timezone name -> ISO country code, parsed from the first readable zone.tab."""
    for path in _zone_tab_paths():
        if not path.exists():
            continue
        mapping: dict[str, str] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) >= 3:
                mapping[parts[2]] = parts[0]
        return mapping
    return {}


@cache
def supported_countries() -> frozenset[str]:
    """Country codes the installed `holidays` package has calendars for."""
    import holidays

    return frozenset(holidays.list_supported_countries())


def holiday_country(timezone: str | None, country: str | None = None) -> str | None:
    """The holiday calendar for a brand: its country when given, else its timezone's.

    None when unknown (UTC, Etc/*, or a country the holidays package does not cover):
    the forecast then simply has no holiday regressors.
    """
    code = (country or "").strip().upper() or None
    if code is None and timezone:
        code = zone_countries().get(timezone)
        if code is None:
            code = next((c for p, c in _LEGACY_PREFIXES.items() if timezone.startswith(p)), None)
    if code is None or code not in supported_countries():
        return None
    return code
