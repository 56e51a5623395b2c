"""Forecast plots for materialization metadata: PNG bytes, embedded as a markdown image.

Agg backend: no display, safe in Dagster worker processes. pyplot is imported when a plot
is drawn, not with the module: importing it builds matplotlib's font cache under the home
folder, and the definitions (which import this) must load without I/O.
"""

from __future__ import annotations

import base64
import io

import pandas as pd


def forecast_png(
    history: pd.DataFrame, forecast: pd.DataFrame, brand_ids: list[str], history_days: int = 180
) -> bytes:
    """One panel per brand: recent revenue, the forecast and its band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        len(brand_ids), 1, figsize=(8, 2.4 * max(len(brand_ids), 1)), squeeze=False, dpi=80
    )
    for ax, brand_id in zip(axes[:, 0], brand_ids, strict=False):
        h = history[history["brand_id"] == brand_id].sort_values("day").tail(history_days)
        f = forecast[forecast["brand_id"] == brand_id].sort_values("day")
        ax.plot(pd.to_datetime(h["day"]), h["revenue"], color="0.3", lw=0.8, label="revenue")
        if len(f):
            days = pd.to_datetime(f["day"])
            ax.fill_between(days, f["yhat_lower"], f["yhat_upper"], color="C0", alpha=0.25)
            ax.plot(days, f["yhat"], color="C0", lw=1.2, label=str(f["model"].iloc[0]))
        ax.set_title(brand_id, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def markdown_image(png: bytes, alt: str = "forecast") -> str:
    """A markdown image with the PNG inlined as base64 (shown by the Dagster UI)."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"
