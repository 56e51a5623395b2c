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
# # Anomalies
#
# Every daily metric against its expected value (`ml.metric_anomalies`), with the days
# flagged as spikes or drops.

# %%
from IPython.display import display

from brandpulse.report import charts, data
from brandpulse.report.notebook import available, open_brand, show

# %% tags=["parameters"]
# The brand to analyse. None: $BRANDPULSE_NOTEBOOK_BRAND, else the first brand of the snapshot.
BRAND = None
# Metrics to plot; None = every metric scored.
METRICS = None

# %%
src = open_brand(BRAND)
anomalies = data.metric_anomalies(src)

# %% [markdown]
# ## Metric timelines with flagged days

# %%
if available(anomalies, "ml.metric_anomalies"):
    show(charts.anomalies_chart(anomalies, METRICS))

# %% [markdown]
# ## Anomalies per metric

# %%
if available(anomalies, "ml.metric_anomalies"):
    flagged = anomalies[anomalies["is_anomaly"].astype(bool)]
    display(flagged.groupby(["metric", "direction"]).size().unstack(fill_value=0))

# %% [markdown]
# ## Days flagged on several metrics at once
# A day that is anomalous on many metrics points at one cause (an outage, a campaign, a tracking change).

# %%
if available(anomalies, "ml.metric_anomalies"):
    flagged = anomalies[anomalies["is_anomaly"].astype(bool)]
    by_day = flagged.groupby("day").agg(
        metrics=("metric", "nunique"), names=("metric", ", ".join), max_score=("score", "max")
    )
    display(by_day.sort_values(["metrics", "max_score"], ascending=False).head(10))
