"""The static HTML report: every section has its charts, one brand per page, and
missing tables are a note (optional) or an error (required)."""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from brandpulse.cli import main
from brandpulse.query import query_df
from brandpulse.report.build import report_filename, write_brand_report
from brandpulse.report.data import (
    REQUIRED_COLUMNS,
    REQUIRED_TABLES,
    BrandData,
    MissingTable,
    period_growth,
)
from tests.report.conftest import AssetRun
from tests.report.demo_snapshot import (
    BRANDS,
    COHORTS,
    CURRENCIES,
    FUNNEL_NAMES,
    FUNNELS,
    UNCONVERTED,
    build_demo_snapshot,
)

# <img> tags each section must hold on the demo snapshot (2 funnels, 2 cohort definitions)
MIN_CHARTS = {
    "overview": 2,  # growth and top events (marts.event_daily)
    "funnels": 4 * len(FUNNELS),
    "retention": 3,
    "segments": 3,
    "forecast": 2,
    "anomalies": 1,
    "correlations": 1 + len(FUNNELS),
    "ai": 5,
}


class _Page(HTMLParser):
    """Collects the <img> sources per <section id>, the page's visible text, every
    element id, and the table of contents as (depth, href, text) in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.section: str | None = None
        self.images: dict[str, list[str]] = {}
        self.text: list[str] = []
        self.ids: list[str] = []
        self.toc: list[tuple[int, str, str]] = []
        self._in_toc = False
        self._depth = 0
        self._link: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"] or "")
        if tag == "nav" and values.get("class") == "toc":
            self._in_toc = True
        elif self._in_toc and tag == "ol":
            self._depth += 1
        elif self._in_toc and tag == "a":
            self._link = values.get("href") or ""
        if tag == "section":
            self.section = values.get("id")
            self.images.setdefault(self.section or "", [])
        elif tag == "img":
            self.images.setdefault(self.section or "", []).append(values.get("src") or "")
        elif tag == "script":
            raise AssertionError("the report must not need JavaScript")

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.section = None
        elif tag == "nav":
            self._in_toc = False
        elif self._in_toc and tag == "ol":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._link is not None:
            self.toc.append((self._depth, self._link, data))
            self._link = None


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture
def reports(asset_run: AssetRun) -> Path:
    """Every brand's page, written by the Dagster asset (brandpulse.report.build.write_reports)."""
    return asset_run.reports_dir


def test_demo_snapshot_holds_every_required_table_and_column(published: Path) -> None:
    for brand in BRANDS:
        src = BrandData(brand, published_dir=published)
        assert src.tables >= REQUIRED_TABLES
        for table, columns in REQUIRED_COLUMNS.items():
            present = set(src.sql(f"SELECT * FROM {table} LIMIT 0").columns)
            assert set(columns) <= present, f"{table} lacks {set(columns) - present}"


def test_one_page_per_brand_and_an_index(reports: Path) -> None:
    assert sorted(p.name for p in reports.iterdir()) == sorted(
        ["index.html", *(f"{b}.html" for b in BRANDS)]
    )
    index = (reports / "index.html").read_text(encoding="utf-8")
    for brand in BRANDS:
        assert f'href="{brand}.html"' in index


@pytest.mark.parametrize("brand", BRANDS)
def test_every_section_has_its_charts(reports: Path, brand: str) -> None:
    page = parse(reports / f"{brand}.html")
    assert set(page.images) == set(MIN_CHARTS)
    for section, minimum in MIN_CHARTS.items():
        sources = page.images[section]
        assert len(sources) >= minimum, f"{section}: {len(sources)} charts"
        for src in sources:
            prefix = "data:image/png;base64,"
            assert src.startswith(prefix)
            assert base64.b64decode(src[len(prefix) :])[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("brand", BRANDS)
def test_page_shows_only_its_brand(reports: Path, published: Path, brand: str) -> None:
    """The growth table's revenue is the brand's own: the sum of its last 28 days."""
    text = "".join(parse(reports / f"{brand}.html").text)
    for other in BRANDS:
        daily = query_df(
            "SELECT day, revenue FROM marts.daily_brand_metrics WHERE brand_id = ?",
            params=[other],
            published_dir=published,
        )
        daily["day"] = pd.to_datetime(daily["day"])
        last28 = daily[daily["day"] > daily["day"].max() - pd.Timedelta(days=28)]
        total = f"{last28['revenue'].sum():,.2f}"
        assert (total in text) == (other == brand)
    assert "not available (marts.event_daily" not in text  # Top events is drawn


@pytest.mark.parametrize("brand", BRANDS)
def test_money_has_its_currency_and_funnels_their_names(reports: Path, brand: str) -> None:
    html = (reports / f"{brand}.html").read_text(encoding="utf-8")
    currency = CURRENCIES[BRANDS.index(brand)]
    assert f"revenue ({currency})" in html
    assert f"Revenue is in {currency}" in html
    assert "Signup to purchase (signup_purchase)" in html


@pytest.mark.parametrize("brand", BRANDS)
def test_page_opens_with_a_table_of_contents(reports: Path, brand: str) -> None:
    """Every section in page order, each funnel and cohort as a subsection, and every
    link lands on an element of the page (ids unique)."""
    page = parse(reports / f"{brand}.html")
    html = (reports / f"{brand}.html").read_text(encoding="utf-8")
    assert html.index('<nav class="toc"') < html.index("<section")
    assert len(page.ids) == len(set(page.ids))
    for _, href, _ in page.toc:
        assert href.startswith("#") and href[1:] in page.ids, href
    top = [href[1:] for depth, href, _ in page.toc if depth == 1]
    assert top == list(MIN_CHARTS)  # the sections, in page order
    subsections = [text for depth, _, text in page.toc if depth == 2]
    for funnel_id, name in FUNNEL_NAMES.items():
        assert f"Funnel {name} ({funnel_id})" in subsections
    for cohort_id in COHORTS:
        assert f"Cohort {cohort_id}" in subsections
    for expected in ("Daily metrics", "Top events", "Lifecycle", "RFM", "Backtest"):
        assert expected in subsections
    # a subsection sits under its own section: the funnels' links go to funnels-<n>
    labels = {f"Funnel {name} ({funnel_id})" for funnel_id, name in FUNNEL_NAMES.items()}
    funnel_links = [h for d, h, t in page.toc if d == 2 and t in labels]
    assert len(funnel_links) == len(labels)
    assert all(h.startswith("#funnels-") for h in funnel_links)


def test_table_of_contents_anchors_never_come_from_data() -> None:
    from brandpulse.report.html import render_page, toc_html
    from brandpulse.report.sections import Heading, Section

    section = Section("funnels", "Funnels")
    twin_a, twin_b = Heading('Funnel "><script>x</script>'), Heading('Funnel "><script>x</script>')
    section.blocks += [twin_a, twin_b]
    assert [section.anchor(twin_a), section.anchor(twin_b)] == ["funnels-1", "funnels-2"]
    toc = toc_html([Section("overview", "Overview"), section])
    assert toc == (
        '<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>'
        '<li><a href="#overview">Overview</a></li>'
        '<li><a href="#funnels">Funnels</a><ol>'
        '<li><a href="#funnels-1">Funnel &quot;&gt;&lt;script&gt;x&lt;/script&gt;</a></li>'
        '<li><a href="#funnels-2">Funnel &quot;&gt;&lt;script&gt;x&lt;/script&gt;</a></li>'
        "</ol></li></ol></nav>"
    )
    page = render_page("b", [section], "now", "snap")
    assert '<h3 id="funnels-2">' in page and "<script>" not in page


@pytest.mark.parametrize("brand", BRANDS)
def test_revenue_without_an_exchange_rate_is_named_not_hidden(reports: Path, brand: str) -> None:
    text = " ".join("".join(parse(reports / f"{brand}.html").text).split())
    code, amount = UNCONVERTED
    note = f"Left out of revenue and orders, for want of an exchange rate: 1 paid in {code} ({amount:,.2f} {code})."
    assert (note in text) == (brand == BRANDS[1])  # only the second brand has one


def test_forecast_shows_the_newest_vintage_and_last_months_accuracy(published: Path) -> None:
    from brandpulse.report.data import last_month_forecast_accuracy, revenue_forecast

    src = BrandData(BRANDS[0], published_dir=published)
    fc = revenue_forecast(src)
    assert fc["trained_through"].nunique() == 1  # the older vintage is kept, not charted
    acc = last_month_forecast_accuracy(src)
    assert acc["trained_through"].nunique() == 1
    assert acc["trained_through"].iloc[0] == fc["trained_through"].iloc[0] - pd.Timedelta(days=28)
    assert set(acc["model"]) == {"prophet", "seasonal_naive"}


def test_heatmap_keeps_to_daily_metrics_and_event_series_lead_the_lagged(published: Path) -> None:
    from brandpulse.report.data import metric_correlations, top_lagged_correlations

    src = BrandData(BRANDS[0], published_dir=published)
    same_day = metric_correlations(src)
    assert len(same_day) and not same_day["metric_a"].str.startswith("event:").any()
    assert not same_day["metric_b"].str.startswith("event:").any()
    top = top_lagged_correlations(src).iloc[0]
    assert (top["metric_a"], top["metric_b"], top["lag_days"]) == (
        "event:webinar_registered",
        "event:webinar_attended",
        3,
    )


@pytest.mark.parametrize("brand", BRANDS)
def test_report_has_last_months_forecast_accuracy(reports: Path, brand: str) -> None:
    text = " ".join(parse(reports / f"{brand}.html").text)
    assert "How the forecast trained through" in text


def test_period_growth_hand_worked() -> None:
    daily = pd.DataFrame({"day": pd.date_range("2026-01-01", periods=4)})
    for metric in (
        "active_persons",
        "new_persons",
        "sessions",
        "events",
        "orders",
        "ai_generations",
    ):
        daily[metric] = [10, 20, 30, 50]
    for metric in ("revenue", "ai_cost_usd", "shares", "comments"):
        daily[metric] = [1.0, 2.0, 3.0, 4.0]
    growth = period_growth(daily, days=2).set_index("metric")
    # persons: mean of days 1-2 = 15, of days 3-4 = 40
    assert growth.loc["active_persons (avg/day)", "previous"] == 15
    assert growth.loc["active_persons (avg/day)", "current"] == 40
    assert growth.loc["active_persons (avg/day)", "change"] == pytest.approx(25 / 15)
    # everything else is summed: 1 + 2 = 3, 3 + 4 = 7
    assert growth.loc["revenue", "previous"] == 3
    assert growth.loc["revenue", "current"] == 7
    assert growth.loc["sessions", "current"] == 80


def test_cli_one_brand(published: Path, tmp_path: Path) -> None:
    assert (
        main(
            [
                "report",
                "--brand",
                BRANDS[1],
                "--output",
                str(tmp_path),
                "--published-dir",
                str(published),
            ]
        )
        == 0
    )
    assert [p.name for p in tmp_path.iterdir()] == [f"{BRANDS[1]}.html"]


def test_cli_unknown_brand(
    published: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "report",
            "--brand",
            "nobody",
            "--output",
            str(tmp_path),
            "--published-dir",
            str(published),
        ]
    )
    assert code == 2
    assert "unknown brand" in capsys.readouterr().err


def test_cli_without_snapshot(tmp_path: Path) -> None:
    assert (
        main(
            ["report", "--output", str(tmp_path / "out"), "--published-dir", str(tmp_path / "none")]
        )
        == 2
    )


def test_missing_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Optional tables missing: a note. A required one missing: strict raises; the CLI
    still writes the page, with a warning, and exits 1."""
    optional = {"marts.funnel_breakdown", "ml.revenue_forecast_backtest"}
    published = build_demo_snapshot(tmp_path / "demo", skip={*optional, "ml.metric_anomalies"})
    with pytest.raises(MissingTable, match="ml.metric_anomalies"):
        write_brand_report(BRANDS[0], tmp_path / "strict", published, strict=True)
    out = tmp_path / "cli"
    args = ["report", "--brand", BRANDS[0], "--output", str(out), "--published-dir", str(published)]
    assert main(args) == 1
    assert "ml.metric_anomalies" in capsys.readouterr().err
    page = parse(out / f"{BRANDS[0]}.html")
    text = "".join(page.text)
    assert "Required tables missing from the snapshot: ml.metric_anomalies" in text
    assert "not available (marts.funnel_breakdown" in text
    assert "not available (ml.revenue_forecast_backtest" in text
    assert "not available (ml.metric_anomalies" in text
    assert len(page.images["funnels"]) == 3 * len(FUNNELS)  # no breakdown charts
    assert len(page.images["forecast"]) == 1  # no backtest chart
    assert page.images["anomalies"] == []
    assert len(page.images["ai"]) >= MIN_CHARTS["ai"]  # the rest still renders


def test_report_file_names_stay_in_the_folder() -> None:
    assert report_filename("brand_01") == "brand_01.html"
    assert report_filename("../../etc/passwd") == "_.._etc_passwd.html"
    assert "/" not in report_filename("a/b")
