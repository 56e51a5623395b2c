"""The report's sections: which data goes with which chart, in the notebooks' order.

Each builder takes a BrandData and returns a Section of blocks (charts, tables,
notes). A table missing from the snapshot becomes a Note, so the rest still renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from matplotlib.figure import Figure

from brandpulse.report import charts
from brandpulse.report import data as d
from brandpulse.report.data import BrandData


@dataclass
class Chart:
    figure: Figure
    alt: str


@dataclass
class Table:
    frame: pd.DataFrame
    caption: str
    percent: tuple[str, ...] = ()


@dataclass
class Note:
    text: str


@dataclass(eq=False)  # two subsections with the same text are still two anchors
class Heading:
    """A subsection: an <h3> the table of contents links to."""

    text: str


Block = Chart | Table | Note | Heading


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    def charts(self) -> int:
        return sum(isinstance(b, Chart) for b in self.blocks)

    def headings(self) -> list[Heading]:
        return [b for b in self.blocks if isinstance(b, Heading)]

    def anchor(self, heading: Heading) -> str:
        """The subsection's HTML id: the section key and its position, never data text."""
        position = next(i for i, h in enumerate(self.headings()) if h is heading)
        return f"{self.key}-{position + 1}"


def not_available(what: str, table: str) -> Note:
    return Note(f"{what}: not available ({table} is not in the published snapshot).")


def _empty(what: str) -> Note:
    return Note(f"{what}: no rows for this brand yet.")


def overview(src: BrandData) -> Section:
    section = Section("overview", "Overview")
    daily = d.daily_metrics(src)
    if daily is None:
        section.blocks.append(not_available("Daily metrics", "marts.daily_brand_metrics"))
        return section
    if daily.empty:
        section.blocks.append(_empty("Daily metrics"))
        return section
    first, last = daily["day"].min(), daily["day"].max()
    section.blocks.append(Heading("Daily metrics"))
    section.blocks.append(Note(f"{len(daily)} days of data, {first:%Y-%m-%d} to {last:%Y-%m-%d}."))
    section.blocks.append(Chart(charts.daily_metrics_chart(daily), "daily metrics timeline"))
    growth = d.period_growth(daily)
    currency = d.brand_currency(src)
    if currency:
        # money says its currency: revenue in the brand's, AI cost in USD
        growth["metric"] = growth["metric"].replace({"revenue": f"revenue ({currency})"})
        section.blocks.append(
            Note(f"Revenue is in {currency}, the brand's currency; AI cost in USD.")
        )
    unconverted = d.unconverted_revenue(src)
    if unconverted is not None and len(unconverted):
        paid = ", ".join(
            f"{n:,} paid in {code} ({amount:,.2f} {code})"
            for code, n, amount in unconverted.itertuples(index=False)
        )
        section.blocks.append(
            Note(
                f"Left out of revenue and orders, for want of an exchange rate: {paid}. "
                "Add the rates to dbt_project/seeds/fx_rates.csv and rebuild."
            )
        )
    section.blocks.append(Heading("Last 28 days"))
    section.blocks.append(
        Table(growth, "Last 28 days against the 28 days before", percent=("change",))
    )
    events = d.top_events(src)
    section.blocks.append(Heading("Top events"))
    if events is None:
        section.blocks.append(not_available("Top events", "marts.event_daily"))
    elif len(events):
        section.blocks.append(Chart(charts.top_events_chart(events), "top events"))
    return section


def funnels(src: BrandData) -> Section:
    section = Section("funnels", "Funnels")
    conversion = d.funnel_conversion(src)
    if conversion is None:
        section.blocks.append(not_available("Funnel conversion", "marts.funnel_conversion"))
        return section
    if conversion.empty:
        section.blocks.append(_empty("Funnels"))
        return section
    dropoff = d.funnel_dropoff(src)
    breakdown = d.funnel_breakdown(src)
    # funnels are named (marts.funnels): 'Name (id)' wherever the id would show
    labels = d.funnel_labels(src)
    for frame in (conversion, dropoff, breakdown):
        if frame is not None and labels:
            frame["funnel_id"] = frame["funnel_id"].map(lambda f: labels.get(f, f))
    if breakdown is None:
        section.blocks.append(
            not_available("Breakdown by channel and country", "marts.funnel_breakdown")
        )
    for funnel_id in conversion["funnel_id"].unique():
        section.blocks.append(Heading(f"Funnel {funnel_id}"))
        section.blocks.append(
            Chart(charts.funnel_steps_chart(conversion, funnel_id), f"funnel {funnel_id} steps")
        )
        if (conversion["funnel_id"].eq(funnel_id) & conversion["step_number"].gt(1)).any():
            section.blocks.append(
                Chart(charts.funnel_time_chart(conversion, funnel_id), f"funnel {funnel_id} times")
            )
        if dropoff is not None and dropoff["funnel_id"].eq(funnel_id).any():
            section.blocks.append(
                Chart(
                    charts.funnel_dropoff_chart(dropoff, funnel_id), f"funnel {funnel_id} drop-off"
                )
            )
        if breakdown is not None and breakdown["funnel_id"].eq(funnel_id).any():
            section.blocks.append(
                Chart(
                    charts.funnel_breakdown_chart(breakdown, funnel_id),
                    f"funnel {funnel_id} breakdown",
                )
            )
    return section


def retention(src: BrandData) -> Section:
    section = Section("retention", "Retention and lifecycle")
    ret = d.cohort_retention(src)
    if ret is None:
        section.blocks.append(not_available("Cohort retention", "marts.cohort_retention"))
    elif ret.empty:
        section.blocks.append(_empty("Cohort retention"))
    else:
        for cohort_id in ret["cohort_id"].unique():
            section.blocks.append(Heading(f"Cohort {cohort_id}"))
            section.blocks.append(
                Chart(charts.retention_heatmap(ret, cohort_id), f"retention heatmap {cohort_id}")
            )
    life = d.lifecycle(src)
    section.blocks.append(Heading("Lifecycle"))
    if life is None:
        section.blocks.append(not_available("Lifecycle", "marts.lifecycle"))
    elif life.empty:
        section.blocks.append(_empty("Lifecycle"))
    else:
        section.blocks.append(Chart(charts.lifecycle_chart(life), "lifecycle"))
    return section


def segments(src: BrandData) -> Section:
    section = Section("segments", "Segments and RFM")
    sizes = d.segment_sizes(src)
    section.blocks.append(Heading("Segments"))
    if sizes is None:
        section.blocks.append(not_available("Segment sizes", "marts.person_segments"))
    elif sizes.empty:
        section.blocks.append(_empty("Segments"))
    else:
        section.blocks.append(
            Chart(charts.barh_chart(sizes, "segment", "persons", "Persons per segment"), "segments")
        )
    rfm = d.rfm_segments(src)
    section.blocks.append(Heading("RFM"))
    if rfm is None:
        section.blocks.append(not_available("RFM", "marts.rfm"))
    elif rfm.empty:
        section.blocks.append(_empty("RFM"))
    else:
        section.blocks.append(
            Chart(
                charts.barh_chart(rfm, "rfm_segment", "persons", "Persons per RFM segment"),
                "rfm segments",
            )
        )
        grid = d.rfm_grid(src)
        if grid is not None and len(grid):
            section.blocks.append(Chart(charts.rfm_grid_chart(grid), "rfm grid"))
        section.blocks.append(Table(rfm, "RFM segments"))
    return section


def forecast(src: BrandData) -> Section:
    section = Section("forecast", "Revenue forecast")
    fc = d.revenue_forecast(src)
    if fc is None:
        section.blocks.append(not_available("Revenue forecast", "ml.revenue_forecast"))
        return section
    if fc.empty:
        section.blocks.append(_empty("Revenue forecast"))
    else:
        daily = d.daily_metrics(src)
        history = daily if daily is not None else pd.DataFrame({"day": [], "revenue": []})
        trained = fc["trained_through"].max()
        section.blocks.append(Note(f"Trained through {trained:%Y-%m-%d}; {len(fc)} days ahead."))
        section.blocks.append(Chart(charts.forecast_chart(history, fc), "revenue forecast"))
    acc = d.last_month_forecast_accuracy(src)
    section.blocks.append(Heading("Last month's accuracy"))
    if acc is None:
        section.blocks.append(not_available("Forecast accuracy", "ml.forecast_accuracy"))
    elif len(acc):
        made = acc["trained_through"].iloc[0]
        section.blocks.append(
            Table(
                acc.drop(columns="trained_through"),
                f"How the forecast trained through {made:%Y-%m-%d} did, by days ahead, "
                "beside the seasonal-naive baseline",
                percent=("mape", "smape", "coverage"),
            )
        )
    bt = d.forecast_backtest(src)
    section.blocks.append(Heading("Backtest"))
    if bt is None:
        section.blocks.append(not_available("Backtest", "ml.revenue_forecast_backtest"))
    elif len(bt):
        section.blocks.append(Chart(charts.backtest_chart(bt), "forecast backtest"))
        section.blocks.append(
            Table(
                bt,
                "Backtest against the seasonal-naive baseline",
                percent=("mape", "smape", "coverage"),
            )
        )
    return section


def anomalies(src: BrandData) -> Section:
    section = Section("anomalies", "Anomalies")
    an = d.metric_anomalies(src)
    if an is None:
        section.blocks.append(not_available("Anomalies", "ml.metric_anomalies"))
    elif an.empty:
        section.blocks.append(_empty("Anomalies"))
    else:
        section.blocks.append(Chart(charts.anomalies_chart(an), "metric anomalies"))
        # by |robust z|: `score` is the day's joint detector score, the same for every metric
        flagged = an[an["is_anomaly"].astype(bool)]
        flagged = flagged.sort_values("robust_z", key=lambda z: -z.abs()).head(15)
        if len(flagged):
            section.blocks.append(Table(flagged, "Strongest anomalies"))
    return section


def correlations(src: BrandData) -> Section:
    section = Section("correlations", "Correlations")
    mc = d.metric_correlations(src)
    section.blocks.append(Heading("Metric correlations"))
    if mc is None:
        section.blocks.append(not_available("Metric correlations", "ml.metric_correlations"))
    elif mc.empty:
        section.blocks.append(_empty("Metric correlations"))
    else:
        section.blocks.append(Chart(charts.correlation_heatmap(mc), "metric correlation heatmap"))
        lagged = d.top_lagged_correlations(src)
        if lagged is not None and len(lagged):
            section.blocks.append(Table(lagged, "Strongest lagged correlations (q < 0.05)"))
    fc = d.funnel_correlations(src)
    section.blocks.append(Heading("Funnel correlations"))
    if fc is None:
        section.blocks.append(not_available("Funnel correlations", "ml.funnel_correlations"))
    elif fc.empty:
        section.blocks.append(_empty("Funnel correlations"))
    else:
        for funnel_id in fc["funnel_id"].unique():
            section.blocks.append(
                Chart(
                    charts.funnel_correlation_chart(fc, funnel_id),
                    f"funnel {funnel_id} correlations",
                )
            )
    return section


def ai_studio(src: BrandData) -> Section:
    section = Section("ai", "AI Studio")
    daily = d.ai_daily(src)
    section.blocks.append(Heading("Cost per day"))
    if daily is None:
        section.blocks.append(not_available("AI daily", "marts.ai_generation_daily"))
    elif daily.empty:
        section.blocks.append(_empty("AI generations"))
    else:
        section.blocks.append(Chart(charts.ai_cost_chart(daily), "ai cost per day"))
    budget = d.ai_budget(src)
    section.blocks.append(Heading("Budget use"))
    if budget is None:
        section.blocks.append(not_available("Budget use", "marts.ai_cost_by_brand_month"))
    elif len(budget):
        section.blocks.append(Chart(charts.ai_budget_chart(budget), "ai budget use"))
    latency = d.ai_latency(src)
    section.blocks.append(Heading("Latency, outcomes and provider errors"))
    if latency is not None and len(latency):
        section.blocks.append(Chart(charts.ai_latency_chart(latency), "ai latency"))
    status = d.ai_status(src)
    if status is not None and len(status):
        section.blocks.append(Chart(charts.ai_status_chart(status), "ai outcomes"))
    errors = d.ai_errors(src)
    if errors is None:
        section.blocks.append(not_available("Provider errors", "marts.ai_error_rates"))
    elif len(errors):
        section.blocks.append(Chart(charts.ai_errors_chart(errors), "ai provider errors"))
    return section


SECTIONS: tuple[Callable[[BrandData], Section], ...] = (
    overview,
    funnels,
    retention,
    segments,
    forecast,
    anomalies,
    correlations,
    ai_studio,
)


def build_sections(src: BrandData) -> list[Section]:
    return [build(src) for build in SECTIONS]
