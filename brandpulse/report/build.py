"""Write the static HTML report: one page per brand, plus an index page linking them."""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from html import escape
from pathlib import Path

from brandpulse.config import get_settings
from brandpulse.parallel import map_in_processes
from brandpulse.publish import current_snapshot
from brandpulse.query import NoSnapshot, session
from brandpulse.report.data import BrandData, list_brands
from brandpulse.report.html import CSS, render_page
from brandpulse.report.sections import build_sections

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
RENDER_PRELOAD = ["brandpulse.report.sections"]
"""Imported once by the workers' forkserver (matplotlib, pandas, the chart code)."""


@dataclass
class BrandReport:
    brand: str
    path: Path
    charts: dict[str, int]
    missing_required: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)


def report_filename(brand: str) -> str:
    """A file name for the brand that cannot escape the output folder."""
    safe = _UNSAFE.sub("_", brand).lstrip(".") or "brand"
    return f"{safe}.html"


def _write_atomic(path: Path, text: str) -> None:
    """Readers (a browser, a file server) see the old page or the new one, never half."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_brand_report(
    brand: str,
    output_dir: Path | str | None = None,
    published_dir: Path | str | None = None,
    strict: bool = False,
) -> BrandReport:
    """Build every section for `brand` from the published snapshot and write its page."""
    snapshot = current_snapshot(published_dir)
    if snapshot is None:
        raise NoSnapshot(
            "no published snapshot: run the pipeline (make run) or `brandpulse publish`"
        )
    out = Path(output_dir) if output_dir is not None else get_settings().reports_dir
    out.mkdir(parents=True, exist_ok=True)
    with session(brand, published_dir) as brand_session:
        src = BrandData(brand, published_dir=published_dir, strict=strict, session=brand_session)
        sections = build_sections(src)
    page = render_page(
        brand,
        sections,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        snapshot=snapshot.name,
        missing_required=sorted(src.missing_required),
    )
    path = out / report_filename(brand)
    _write_atomic(path, page)
    return BrandReport(
        brand=brand,
        path=path,
        charts={s.key: s.charts() for s in sections},
        missing_required=sorted(src.missing_required),
        missing_optional=sorted(src.missing_optional),
    )


def write_reports(
    brands: list[str] | None = None,
    output_dir: Path | str | None = None,
    published_dir: Path | str | None = None,
    strict: bool = False,
    workers: int = 2,
) -> list[BrandReport]:
    """One page per brand (every brand of the snapshot when `brands` is None) and index.html.

    Brands are rendered in `workers` processes: drawing the ~50 charts of a page is
    CPU-bound matplotlib work (~0.25 s a chart), and each brand reads the read-only
    snapshot on its own.
    """
    settings = get_settings()
    out = Path(output_dir) if output_dir is not None else settings.reports_dir
    # resolved here: the workers' forkserver keeps the environment it started with
    published = Path(published_dir) if published_dir is not None else settings.published_dir
    chosen = brands if brands else list_brands(published)
    write_one = partial(write_brand_report, output_dir=out, published_dir=published, strict=strict)
    reports = map_in_processes(write_one, chosen, workers, preload=RENDER_PRELOAD)
    if brands is None:
        write_index(out, reports)
    return reports


def write_index(output_dir: Path, reports: list[BrandReport]) -> Path:
    items = "\n".join(
        f'<li><a href="{escape(r.path.name)}">{escape(r.brand)}</a></li>' for r in reports
    )
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>brandpulse reports</title><style>{CSS}</style></head>"
        f"<body><h1>brandpulse reports</h1><ul>\n{items}\n</ul></body></html>\n"
    )
    path = output_dir / "index.html"
    _write_atomic(path, page)
    return path
