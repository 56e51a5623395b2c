"""Charts shared by the HTML report and the notebooks: DataFrame in, matplotlib Figure out.

Figures are built with the object API on an Agg canvas (never pyplot), so rendering
needs no display, keeps no global figure registry (nothing leaks across the brands of
a report run) and does not touch the backend a notebook chose. `to_png` /
`to_base64` turn a figure into bytes for an <img> tag or for a notebook's output.
"""

from __future__ import annotations

import base64
import io
import math

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

PALETTE = ("#2f6db5", "#e07b39", "#3a9e6f", "#c44e52", "#8172b2", "#937860", "#da8bc3", "#8c8c8c")
DPI = 96


def new_figure(nrows: int = 1, ncols: int = 1, width: float = 9.0, height: float = 3.6):
    """A Figure with an Agg canvas and its axes array (always 2-D)."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def to_png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def to_base64(fig: Figure) -> str:
    return base64.b64encode(to_png(fig)).decode("ascii")


def _style(ax, title: str | None = None, ylabel: str | None = None) -> None:
    if title:
        ax.set_title(title, fontsize=10, loc="left")
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(True, axis="y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _dates(ax) -> None:
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")


def duration_unit(seconds: pd.Series | np.ndarray) -> tuple[float, str]:
    """The divisor and name of a readable unit for a set of durations in seconds."""
    values = pd.Series(seconds, dtype="float64").dropna()
    peak = float(values.max()) if len(values) else 0.0
    for divisor, unit in ((86400.0, "days"), (3600.0, "hours"), (60.0, "minutes")):
        if peak >= 2 * divisor:
            return divisor, unit
    return 1.0, "seconds"


# --- overview ---------------------------------------------------------------------

DAILY_PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Persons", ("active_persons", "new_persons")),
    ("Revenue", ("revenue",)),
    ("Sessions and orders", ("sessions", "orders")),
    ("AI and collaboration", ("ai_generations", "shares", "comments")),
)


def daily_metrics_chart(daily: pd.DataFrame) -> Figure:
    """Four small multiples of the daily metrics timeline."""
    fig, axes = new_figure(2, 2, width=10, height=5.6)
    for ax, (title, metrics) in zip(axes.flat, DAILY_PANELS, strict=True):
        for i, metric in enumerate(metrics):
            ax.plot(daily["day"], daily[metric], color=PALETTE[i], lw=1.3, label=metric)
        _style(ax, title)
        ax.legend(fontsize=7, frameon=False)
        _dates(ax)
    return fig


def top_events_chart(events: pd.DataFrame) -> Figure:
    fig, axes = new_figure(height=max(2.5, 0.28 * len(events) + 1))
    ax = axes[0, 0]
    ordered = events.iloc[::-1]
    ax.barh(ordered["event_name"], ordered["events"], color=PALETTE[0])
    _style(ax, "Events by name")
    return fig


# --- funnels ----------------------------------------------------------------------


def funnel_steps_chart(conversion: pd.DataFrame, funnel_id: str) -> Figure:
    """Persons reaching each step, labelled with conversion from the start."""
    steps = conversion[conversion["funnel_id"] == funnel_id].sort_values("step_number")
    fig, axes = new_figure(width=8, height=3.4)
    ax = axes[0, 0]
    labels = [f"{s}. {e}" for s, e in zip(steps["step_number"], steps["event_name"], strict=True)]
    bars = ax.bar(labels, steps["persons"], color=PALETTE[0])
    for bar, rate in zip(bars, steps["conversion_from_start"], strict=True):
        text = "" if pd.isna(rate) else f"{rate:.0%}"
        ax.annotate(
            text,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    _style(ax, f"Funnel {funnel_id}: persons per step (label: conversion from step 1)", "persons")
    _dates(ax)
    return fig


def funnel_time_chart(conversion: pd.DataFrame, funnel_id: str) -> Figure:
    """Median and mean time from the previous step, per step."""
    steps = conversion[(conversion["funnel_id"] == funnel_id) & (conversion["step_number"] > 1)]
    steps = steps.sort_values("step_number")
    divisor, unit = duration_unit(
        pd.concat([steps["median_seconds_from_previous"], steps["avg_seconds_from_previous"]])
    )
    fig, axes = new_figure(width=8, height=3.0)
    ax = axes[0, 0]
    x = np.arange(len(steps))
    ax.bar(
        x - 0.2,
        steps["median_seconds_from_previous"] / divisor,
        0.4,
        label="median",
        color=PALETTE[0],
    )
    ax.bar(
        x + 0.2, steps["avg_seconds_from_previous"] / divisor, 0.4, label="mean", color=PALETTE[1]
    )
    ax.set_xticks(
        x, [f"→ {s}. {e}" for s, e in zip(steps["step_number"], steps["event_name"], strict=True)]
    )
    ax.set_xlim(-0.8, max(len(steps), 3) - 0.2)
    ax.legend(fontsize=7, frameon=False)
    _style(ax, f"Funnel {funnel_id}: time from the previous step", unit)
    return fig


def time_to_convert_chart(times: pd.DataFrame, funnel_id: str) -> Figure:
    """Distribution of the time from step 1 to the last step of converted persons."""
    values = times.loc[times["funnel_id"] == funnel_id, "seconds_to_convert"].astype("float64")
    divisor, unit = duration_unit(values)
    fig, axes = new_figure(width=8, height=3.0)
    ax = axes[0, 0]
    ax.hist(values / divisor, bins=min(30, max(5, len(values) // 3)), color=PALETTE[2])
    if len(values):
        ax.axvline(values.median() / divisor, color="black", lw=1, ls="--", label="median")
        ax.legend(fontsize=7, frameon=False)
    _style(ax, f"Funnel {funnel_id}: time to convert (converted persons)", "persons")
    ax.set_xlabel(unit, fontsize=9)
    return fig


def funnel_dropoff_chart(dropoff: pd.DataFrame, funnel_id: str) -> Figure:
    """Persons by the last step they completed: where the funnel loses people."""
    rows = dropoff[dropoff["funnel_id"] == funnel_id].sort_values("steps_completed")
    fig, axes = new_figure(width=8, height=3.0)
    ax = axes[0, 0]
    ax.bar(rows["steps_completed"].astype(str), rows["persons"], color=PALETTE[3])
    ax.set_xlabel("steps completed", fontsize=9)
    _style(ax, f"Funnel {funnel_id}: persons by last completed step", "persons")
    return fig


def funnel_breakdown_chart(breakdown: pd.DataFrame, funnel_id: str, top: int = 8) -> Figure:
    """Conversion rate by acquisition channel and by country (largest groups)."""
    rows = breakdown[breakdown["funnel_id"] == funnel_id]
    dimensions = sorted(rows["dimension"].unique()) or ["(none)"]
    fig, axes = new_figure(1, len(dimensions), width=10, height=3.4)
    for ax, dimension in zip(axes.flat, dimensions, strict=True):
        part = rows[rows["dimension"] == dimension].nlargest(top, "entered_persons").iloc[::-1]
        ax.barh(part["dimension_value"].astype(str), part["conversion_rate"], color=PALETTE[4])
        for y, (rate, n) in enumerate(
            zip(part["conversion_rate"], part["entered_persons"], strict=True)
        ):
            ax.annotate(f" {rate:.0%} of {n}", (rate, y), va="center", fontsize=7)
        ax.set_xlim(0, max(1.0, float(part["conversion_rate"].max() or 0) * 1.3))
        _style(ax, f"Funnel {funnel_id}: conversion by {dimension}")
    return fig


# --- retention and lifecycle ------------------------------------------------------


def retention_heatmap(retention: pd.DataFrame, cohort_id: str, max_cohorts: int = 16) -> Figure:
    """Retention rate per cohort (rows) and period (columns), the latest cohorts."""
    rows = retention[retention["cohort_id"] == cohort_id]
    grid = rows.pivot_table(index="cohort_start", columns="period_number", values="retention_rate")
    grid = grid.sort_index().tail(max_cohorts)
    sizes = rows.groupby("cohort_start")["cohort_size"].max().reindex(grid.index)
    fig, axes = new_figure(width=10, height=max(2.6, 0.32 * len(grid) + 1.2))
    ax = axes[0, 0]
    image = ax.imshow(grid.to_numpy(dtype="float64"), aspect="auto", cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns])
    ax.set_yticks(
        range(grid.shape[0]),
        [f"{d:%Y-%m-%d} (n={int(n)})" for d, n in zip(grid.index, sizes, strict=True)],
    )
    if grid.size <= 300:
        for (i, j), value in np.ndenumerate(grid.to_numpy(dtype="float64")):
            if not math.isnan(value):
                color = "white" if value > 0.6 else "black"
                ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=6, color=color)
    ax.set_xlabel("period", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.set_title(f"Retention of cohort definition {cohort_id}", fontsize=10, loc="left")
    fig.colorbar(image, ax=ax, shrink=0.8)
    return fig


def lifecycle_chart(lifecycle: pd.DataFrame) -> Figure:
    """New, returning and resurrecting persons up; dormant persons down."""
    fig, axes = new_figure(width=10, height=3.6)
    ax = axes[0, 0]
    days = lifecycle["day"]
    bottom = np.zeros(len(lifecycle))
    for i, column in enumerate(("returning_persons", "new_persons", "resurrecting_persons")):
        values = lifecycle[column].to_numpy(dtype="float64")
        ax.bar(
            days,
            values,
            bottom=bottom,
            width=0.9,
            color=PALETTE[i],
            label=column.removesuffix("_persons"),
        )
        bottom += values
    ax.bar(
        days,
        -lifecycle["dormant_persons"].to_numpy(dtype="float64"),
        width=0.9,
        color=PALETTE[3],
        label="dormant",
    )
    ax.axhline(0, color="black", lw=0.6)
    ax.legend(fontsize=7, frameon=False, ncols=4)
    _style(ax, "Lifecycle: persons per day", "persons")
    _dates(ax)
    return fig


def cohort_ltv_chart(ltv: pd.DataFrame, cohort_id: str, max_cohorts: int = 8) -> Figure:
    rows = ltv[ltv["cohort_id"] == cohort_id]
    starts = sorted(rows["cohort_start"].unique())[-max_cohorts:]
    fig, axes = new_figure(width=8, height=3.2)
    ax = axes[0, 0]
    for i, start in enumerate(starts):
        part = rows[rows["cohort_start"] == start].sort_values("period_number")
        ax.plot(
            part["period_number"],
            part["ltv_per_person"],
            color=PALETTE[i % len(PALETTE)],
            lw=1.2,
            label=f"{pd.Timestamp(start):%Y-%m-%d}",
        )
    ax.legend(fontsize=6, frameon=False, ncols=2)
    ax.set_xlabel("period", fontsize=9)
    _style(ax, f"Cumulative revenue per person, cohort definition {cohort_id}", "revenue / person")
    return fig


# --- segments and RFM -------------------------------------------------------------


def barh_chart(df: pd.DataFrame, label: str, value: str, title: str, top: int = 20) -> Figure:
    rows = df.head(top).iloc[::-1]
    fig, axes = new_figure(width=8, height=max(2.4, 0.3 * len(rows) + 1))
    ax = axes[0, 0]
    ax.barh(rows[label].astype(str), rows[value], color=PALETTE[0])
    _style(ax, title)
    ax.grid(True, axis="x", alpha=0.3)
    return fig


def rfm_grid_chart(grid: pd.DataFrame) -> Figure:
    """Persons per recency score (rows) and frequency score (columns)."""
    table = grid.pivot_table(index="r_score", columns="f_score", values="persons", fill_value=0)
    table = table.reindex(index=range(5, 0, -1), columns=range(1, 6), fill_value=0)
    fig, axes = new_figure(width=5.5, height=4.2)
    ax = axes[0, 0]
    image = ax.imshow(table.to_numpy(dtype="float64"), cmap="Greens", aspect="auto")
    ax.set_xticks(range(5), [str(c) for c in table.columns])
    ax.set_yticks(range(5), [str(r) for r in table.index])
    for (i, j), value in np.ndenumerate(table.to_numpy()):
        ax.text(j, i, str(int(value)), ha="center", va="center", fontsize=8)
    ax.set_xlabel("frequency score", fontsize=9)
    ax.set_ylabel("recency score", fontsize=9)
    ax.set_title("RFM grid: persons", fontsize=10, loc="left")
    fig.colorbar(image, ax=ax, shrink=0.8)
    return fig


# --- revenue forecast -------------------------------------------------------------


def forecast_chart(daily: pd.DataFrame, forecast: pd.DataFrame, history_days: int = 120) -> Figure:
    """Actual daily revenue, then the forecast with its interval."""
    fig, axes = new_figure(width=10, height=3.8)
    ax = axes[0, 0]
    if len(daily):
        recent = daily[daily["day"] > daily["day"].max() - pd.Timedelta(days=history_days)]
        ax.plot(recent["day"], recent["revenue"], color="black", lw=1.1, label="actual")
    ax.plot(forecast["day"], forecast["yhat"], color=PALETTE[0], lw=1.4, label="forecast")
    ax.fill_between(
        forecast["day"],
        forecast["yhat_lower"].astype("float64"),
        forecast["yhat_upper"].astype("float64"),
        color=PALETTE[0],
        alpha=0.2,
        label="interval",
    )
    models = ", ".join(sorted(forecast["model"].dropna().astype(str).unique()))
    ax.legend(fontsize=7, frameon=False)
    _style(ax, f"Revenue forecast ({models})", "revenue")
    _dates(ax)
    return fig


def backtest_chart(backtest: pd.DataFrame) -> Figure:
    """Backtest error (sMAPE) and interval coverage per horizon, one bar per model."""
    models = sorted(backtest["model"].unique())
    horizons = sorted(backtest["horizon_days"].unique())
    fig, axes = new_figure(1, 2, width=10, height=3.2)
    width = 0.8 / max(1, len(models))
    x = np.arange(len(horizons))
    for metric, ax in (("smape", axes[0, 0]), ("coverage", axes[0, 1])):
        for i, model in enumerate(models):
            part = backtest[backtest["model"] == model].set_index("horizon_days").reindex(horizons)
            ax.bar(
                x + i * width - 0.4 + width / 2, part[metric], width, color=PALETTE[i], label=model
            )
        ax.set_xticks(x, [f"{h} d" for h in horizons])
        _style(ax, f"Backtest {metric} by horizon")
    axes[0, 0].legend(fontsize=7, frameon=False)
    return fig


# --- anomalies --------------------------------------------------------------------


def anomalies_chart(anomalies: pd.DataFrame, metrics: list[str] | None = None) -> Figure:
    """One small timeline per metric: value, expected, and flagged days."""
    metrics = metrics or sorted(anomalies["metric"].unique())
    ncols = 2
    nrows = max(1, math.ceil(len(metrics) / ncols))
    fig, axes = new_figure(nrows, ncols, width=10, height=2.2 * nrows + 0.4)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        rows = anomalies[anomalies["metric"] == metric]
        ax.plot(rows["day"], rows["value"], color="black", lw=1.0, label="value")
        ax.plot(rows["day"], rows["expected"], color=PALETTE[0], lw=1.0, ls="--", label="expected")
        flagged = rows[rows["is_anomaly"].astype(bool)]
        for direction, marker, color in (("spike", "^", PALETTE[3]), ("drop", "v", PALETTE[1])):
            hits = flagged[flagged["direction"] == direction]
            ax.scatter(
                hits["day"],
                hits["value"],
                marker=marker,
                color=color,
                s=30,
                zorder=3,
                label=direction,
            )
        _style(ax, f"{metric} ({len(flagged)} anomalies)")
        _dates(ax)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7, frameon=False, ncols=4)
    return fig


# --- correlations -----------------------------------------------------------------


def correlation_heatmap(correlations: pd.DataFrame, value: str = "pearson_r") -> Figure:
    """Symmetric matrix of same-day correlations between metrics; * marks q < 0.05."""
    pairs = correlations[correlations["metric_a"] != correlations["metric_b"]]
    metrics = sorted(set(pairs["metric_a"]) | set(pairs["metric_b"]))
    index = {m: i for i, m in enumerate(metrics)}
    matrix = np.full((len(metrics), len(metrics)), np.nan)
    significant = np.zeros_like(matrix, dtype=bool)
    np.fill_diagonal(matrix, 1.0)
    for row in pairs.itertuples(index=False):
        i, j = index[row.metric_a], index[row.metric_b]
        matrix[i, j] = matrix[j, i] = getattr(row, value)
        significant[i, j] = significant[j, i] = bool(row.q_value < 0.05)
    fig, axes = new_figure(width=7.5, height=6.2)
    ax = axes[0, 0]
    image = ax.imshow(matrix, cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(len(metrics)), metrics, rotation=45, ha="right")
    ax.set_yticks(range(len(metrics)), metrics)
    for (i, j), r in np.ndenumerate(matrix):
        if i != j and not math.isnan(r):
            mark = "*" if significant[i, j] else ""
            ax.text(j, i, f"{r:.2f}{mark}", ha="center", va="center", fontsize=6)
    ax.tick_params(labelsize=7)
    ax.set_title(f"Metric correlations ({value}, same day; * q < 0.05)", fontsize=10, loc="left")
    fig.colorbar(image, ax=ax, shrink=0.8)
    return fig


def funnel_correlation_chart(correlations: pd.DataFrame, funnel_id: str, top: int = 12) -> Figure:
    """Events most associated with converting (log odds ratio > 0) or failing (< 0)."""
    rows = correlations[correlations["funnel_id"] == funnel_id].nsmallest(top, "p_value")
    rows = rows.assign(log_or=np.log(rows["odds_ratio"].astype("float64"))).sort_values("log_or")
    fig, axes = new_figure(width=8, height=max(2.4, 0.3 * len(rows) + 1))
    ax = axes[0, 0]
    colors = [PALETTE[2] if v > 0 else PALETTE[3] for v in rows["log_or"]]
    ax.barh(rows["event_name"].astype(str), rows["log_or"], color=colors)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel("log odds ratio (green: with success, red: with failure)", fontsize=8)
    _style(ax, f"Funnel {funnel_id}: events correlated with conversion")
    ax.grid(True, axis="x", alpha=0.3)
    return fig


# --- AI studio --------------------------------------------------------------------


def ai_cost_chart(daily: pd.DataFrame) -> Figure:
    """Daily AI cost stacked by model."""
    table = daily.pivot_table(
        index="day", columns="model", values="cost_usd", aggfunc="sum", fill_value=0
    )
    fig, axes = new_figure(width=10, height=3.4)
    ax = axes[0, 0]
    ax.stackplot(
        table.index,
        *[table[c].to_numpy(dtype="float64") for c in table.columns],
        labels=[str(c) for c in table.columns],
        colors=PALETTE[: len(table.columns)] if len(table.columns) <= len(PALETTE) else None,
        alpha=0.85,
    )
    ax.legend(fontsize=7, frameon=False, ncols=3, loc="upper left")
    _style(ax, "AI cost per day by model", "USD")
    _dates(ax)
    return fig


def ai_budget_chart(budget: pd.DataFrame) -> Figure:
    """Monthly AI spend against the monthly budget."""
    fig, axes = new_figure(width=8, height=3.2)
    ax = axes[0, 0]
    labels = [f"{m:%Y-%m}" for m in budget["month"]]
    ax.bar(labels, budget["cost_usd"], color=PALETTE[0], label="spend")
    if budget["budget_usd"].notna().any():
        ax.plot(
            labels, budget["budget_usd"], color=PALETTE[3], marker="_", ms=30, lw=0, label="budget"
        )
    for x, ratio in enumerate(budget["budget_used_ratio"]):
        if not pd.isna(ratio):
            ax.annotate(
                f"{ratio:.0%}",
                (x, budget["cost_usd"].iloc[x]),
                ha="center",
                va="bottom",
                fontsize=8,
            )
    ax.legend(fontsize=7, frameon=False)
    _style(ax, "AI spend per month (label: share of budget used)", "USD")
    return fig


def ai_latency_chart(latency: pd.DataFrame) -> Figure:
    """Latency percentiles of completed generations per model."""
    columns = [
        c for c in ("latency_p50_ms", "latency_p95_ms", "latency_p99_ms") if c in latency.columns
    ]
    fig, axes = new_figure(width=9, height=max(2.6, 0.45 * len(latency) + 1.2))
    ax = axes[0, 0]
    y = np.arange(len(latency))
    height = 0.8 / len(columns)
    for i, column in enumerate(columns):
        ax.barh(
            y + i * height - 0.4 + height / 2,
            latency[column],
            height,
            color=PALETTE[i],
            label=column.removeprefix("latency_").removesuffix("_ms"),
        )
    ax.set_yticks(y, latency["model"].astype(str))
    ax.legend(fontsize=7, frameon=False)
    ax.set_xlabel("ms", fontsize=9)
    _style(ax, "Latency of completed generations")
    ax.grid(True, axis="x", alpha=0.3)
    return fig


def ai_status_chart(status: pd.DataFrame) -> Figure:
    """Share of generations per final status, per model."""
    table = status.pivot_table(
        index="model", columns="status", values="generations", aggfunc="sum", fill_value=0
    )
    shares = table.div(table.sum(axis=1), axis=0)
    fig, axes = new_figure(width=9, height=max(2.4, 0.4 * len(shares) + 1.2))
    ax = axes[0, 0]
    left = np.zeros(len(shares))
    colors = {"completed": PALETTE[2], "failed": PALETTE[3], "rejected": PALETTE[1]}
    for i, column in enumerate(shares.columns):
        values = shares[column].to_numpy(dtype="float64")
        ax.barh(
            shares.index.astype(str),
            values,
            left=left,
            color=colors.get(column, PALETTE[4 + i % 4]),
            label=column,
        )
        left += values
    ax.set_xlim(0, 1)
    ax.legend(fontsize=7, frameon=False, ncols=5, loc="lower right")
    _style(ax, "Generation outcome by model")
    return fig


def ai_errors_chart(errors: pd.DataFrame) -> Figure:
    """Failed provider attempts per model, by error type (share of the model's attempts)."""
    table = errors.pivot_table(
        index="model", columns="error_type", values="attempt_share", aggfunc="sum", fill_value=0
    )
    fig, axes = new_figure(width=9, height=max(2.4, 0.4 * len(table) + 1.2))
    ax = axes[0, 0]
    left = np.zeros(len(table))
    for i, column in enumerate(table.columns):
        values = table[column].to_numpy(dtype="float64")
        ax.barh(
            table.index.astype(str),
            values,
            left=left,
            color=PALETTE[i % len(PALETTE)],
            label=str(column),
        )
        left += values
    ax.legend(fontsize=7, frameon=False, ncols=4)
    ax.set_xlabel("share of the model's provider attempts", fontsize=8)
    _style(ax, "Provider errors by model")
    ax.grid(True, axis="x", alpha=0.3)
    return fig
