"""One self-contained HTML page per brand: inline CSS, charts as base64 PNG, no JavaScript.

Everything that comes from data (brand, funnel and cohort ids, table cells) is escaped;
the page opens in any browser or mail client without Python or network access.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from brandpulse.report import charts
from brandpulse.report.sections import Chart, Heading, Note, Section, Table

CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 0 auto; max-width: 1060px; padding: 1.5rem; color: #222; }
h1 { margin-bottom: 0.2rem; }
h2 { border-bottom: 2px solid #2f6db5; padding-bottom: 0.2rem; margin-top: 2.2rem; }
nav.toc { background: #f7f9fb; border: 1px solid #dde3ea; padding: 0.4rem 1.2rem; }
nav.toc h2 { border: none; margin-top: 0.6rem; font-size: 1.1rem; }
nav.toc ol { margin: 0.2rem 0; }
nav.toc ol ol { font-size: 0.9rem; }
.meta { color: #666; font-size: 0.9rem; }
.note { background: #f4f6f9; border-left: 4px solid #9aa8bd; padding: 0.4rem 0.8rem; }
.warn { background: #fff4e5; border-left: 4px solid #e07b39; padding: 0.4rem 0.8rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.6rem 0; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: right; }
th { background: #f0f3f7; }
td:first-child, th:first-child { text-align: left; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
"""


def _format_cell(value: object, percent: bool) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}" if value == value.normalize() else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if percent:
            return f"{value:.1%}"
        return f"{value:,.2f}" if abs(value) >= 1 or value == 0 else f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table_html(table: Table, max_rows: int = 30) -> str:
    frame = table.frame.head(max_rows)
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = "".join(
            f"<td>{escape(_format_cell(_plain(v), c in table.percent))}</td>"
            for c, v in zip(frame.columns, record, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        f"<table><caption>{escape(table.caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _plain(value: object) -> object:
    """numpy scalars as Python values, so formatting treats them like int/float/bool."""
    if hasattr(value, "item") and not isinstance(value, pd.Timestamp):
        try:
            return value.item()  # type: ignore[union-attr]
        except (ValueError, AttributeError):
            return value
    return value


def section_html(section: Section) -> str:
    parts = [f'<section id="{escape(section.key)}"><h2>{escape(section.title)}</h2>']
    for block in section.blocks:
        if isinstance(block, Chart):
            data = charts.to_base64(block.figure)
            parts.append(
                f'<figure><img alt="{escape(block.alt)}" src="data:image/png;base64,{data}"></figure>'
            )
        elif isinstance(block, Table):
            parts.append(table_html(block))
        elif isinstance(block, Note):
            parts.append(f'<p class="note">{escape(block.text)}</p>')
        elif isinstance(block, Heading):
            anchor = escape(section.anchor(block))
            parts.append(f'<h3 id="{anchor}">{escape(block.text)}</h3>')
    parts.append("</section>")
    return "\n".join(parts)


def toc_html(sections: list[Section]) -> str:
    """The table of contents: every section, with its subsections nested under it."""
    items = []
    for section in sections:
        link = f'<a href="#{escape(section.key)}">{escape(section.title)}</a>'
        subs = "".join(
            f'<li><a href="#{escape(section.anchor(h))}">{escape(h.text)}</a></li>'
            for h in section.headings()
        )
        items.append(f"<li>{link}<ol>{subs}</ol></li>" if subs else f"<li>{link}</li>")
    return (
        f'<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>{"".join(items)}</ol></nav>'
    )


def render_page(
    brand: str,
    sections: list[Section],
    generated_at: str,
    snapshot: str,
    missing_required: list[str] | None = None,
) -> str:
    nav = toc_html(sections)
    warning = ""
    if missing_required:
        listed = ", ".join(escape(t) for t in missing_required)
        warning = f'<p class="warn">Required tables missing from the snapshot: {listed}.</p>'
    body = "\n".join(section_html(s) for s in sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>brandpulse report: {escape(brand)}</title>
<style>{CSS}</style>
</head>
<body>
<h1>brandpulse report: {escape(brand)}</h1>
<p class="meta">Generated {escape(generated_at)} from snapshot {escape(snapshot)}.</p>
{nav}
{warning}
{body}
</body>
</html>
"""
