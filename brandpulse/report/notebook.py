"""Small helpers for the notebooks: pick the brand, show a chart, a table or a note.

Charts are shown as PNG images (the same bytes the HTML report embeds), so a notebook
looks the same whatever matplotlib backend its kernel uses.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from IPython.display import Image, Markdown, display
from matplotlib.figure import Figure

from brandpulse.report.charts import to_png
from brandpulse.report.data import BrandData, list_brands

BRAND_ENV = "BRANDPULSE_NOTEBOOK_BRAND"


def pick_brand(parameter: str | None = None, published_dir: Path | str | None = None) -> str:
    """The notebook's brand: its parameter, else $BRANDPULSE_NOTEBOOK_BRAND, else the first brand."""
    if parameter:
        return parameter
    if os.environ.get(BRAND_ENV):
        return os.environ[BRAND_ENV]
    brands = list_brands(published_dir)
    if not brands:
        raise LookupError("the published snapshot holds no brand with daily metrics")
    return brands[0]


def open_brand(parameter: str | None = None, published_dir: Path | str | None = None) -> BrandData:
    """The brand's view of the snapshot; a missing required table raises (strict)."""
    brand = pick_brand(parameter, published_dir)
    display(Markdown(f"**Brand:** `{brand}`"))
    return BrandData(brand, published_dir=published_dir, strict=True)


def show(fig: Figure) -> None:
    display(Image(data=to_png(fig), format="png"))


def note(text: str) -> None:
    display(Markdown(f"> {text}"))


def available(df: pd.DataFrame | None, table: str) -> bool:
    """True when `df` has rows; otherwise shows why there is nothing to show."""
    if df is None:
        note(f"not available: `{table}` is not in the published snapshot")
        return False
    if df.empty:
        note(f"`{table}` has no rows for this brand yet")
        return False
    return True
