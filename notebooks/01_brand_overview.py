# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Brand overview
#
# One brand's daily metrics from the published snapshot (`marts.daily_brand_metrics`):
# the timelines, the last 28 days against the 28 before, and the most frequent events.
# Everything is read with `brandpulse.query.query_df` in a brand-scoped session.

# %%
from IPython.display import display

from brandpulse.report import charts, data
from brandpulse.report.notebook import available, open_brand, show

# %% tags=["parameters"]
# The brand to analyse. None: $BRANDPULSE_NOTEBOOK_BRAND, else the first brand of the snapshot.
BRAND = None

# %%
src = open_brand(BRAND)
daily = data.daily_metrics(src)

# %% [markdown]
# ## Daily metrics

# %%
if available(daily, "marts.daily_brand_metrics"):
    show(charts.daily_metrics_chart(daily))
    display(daily.tail(7))

# %% [markdown]
# ## Growth: last 28 days against the 28 days before
# Person counts are daily averages (a person active on two days counts on both days).

# %%
if available(daily, "marts.daily_brand_metrics"):
    growth = data.period_growth(daily)
    display(growth.style.format({"previous": "{:,.1f}", "current": "{:,.1f}", "change": "{:+.1%}"}))

# %% [markdown]
# ## Weekly totals

# %%
if available(daily, "marts.daily_brand_metrics"):
    weekly = (
        daily.set_index("day")[list(data.METRICS)]
        .resample("W-MON", label="left", closed="left")
        .sum()
    )
    display(weekly.tail(8))

# %% [markdown]
# ## Top events

# %%
events = data.top_events(src)
if available(events, "marts.event_daily"):
    show(charts.top_events_chart(events))
