"""Analytics assets: revenue forecasts, metric correlations, funnel correlations and
anomalies, read from the marts and written to the ml schema.

Compute lives in small pure modules (forecast, backtest, correlations,
funnel_correlations, anomalies); `ml_assets` wraps them as Dagster assets and `checks`
holds their asset checks. `analytics_assets` / `analytics_checks` are loaded on first
access (PEP 562): the forecast worker processes import the compute modules of this
package and must not pay for importing Dagster.
"""

from __future__ import annotations

from typing import Any

__all__ = ["analytics_assets", "analytics_checks"]


def __getattr__(name: str) -> Any:
    if name == "analytics_assets":
        from assets.analytics.ml_assets import analytics_assets

        return analytics_assets
    if name == "analytics_checks":
        from assets.analytics.checks import analytics_checks

        return analytics_checks
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
