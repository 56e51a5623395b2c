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
# # Retention and lifecycle
#
# Retention per cohort definition (`marts.cohort_retention`: calendar periods in the
# brand's timezone, period 0 = cohort size), cumulative revenue per person
# (`marts.cohort_ltv`), and the daily lifecycle (`marts.lifecycle`: new, returning,
# resurrecting, dormant).

# %%
from IPython.display import display

from brandpulse.report import charts, data
from brandpulse.report.notebook import available, open_brand, show

# %% tags=["parameters"]
# The brand to analyse. None: $BRANDPULSE_NOTEBOOK_BRAND, else the first brand of the snapshot.
BRAND = None

# %%
src = open_brand(BRAND)
retention = data.cohort_retention(src)

# %% [markdown]
# ## Retention heatmaps, one per cohort definition

# %%
if available(retention, "marts.cohort_retention"):
    for cohort_id in retention["cohort_id"].unique():
        show(charts.retention_heatmap(retention, cohort_id))

# %% [markdown]
# ## Average retention curve per cohort definition
# Weighted by cohort size, over the cohorts old enough to have reached each period (a
# period that has not happened yet is NULL in the mart: unobserved, not 0 %).

# %%
if available(retention, "marts.cohort_retention"):
    observed = retention.dropna(subset=["retained_persons"])
    curve = observed.groupby(["cohort_id", "period_number"])[
        ["retained_persons", "cohort_size"]
    ].sum()
    curve["retention_rate"] = curve["retained_persons"] / curve["cohort_size"]
    display(curve["retention_rate"].unstack("period_number").style.format("{:.1%}"))

# %% [markdown]
# ## Cohort LTV

# %%
ltv = data.cohort_ltv(src)
if available(ltv, "marts.cohort_ltv"):
    for cohort_id in ltv["cohort_id"].unique():
        show(charts.cohort_ltv_chart(ltv, cohort_id))

# %% [markdown]
# ## Lifecycle

# %%
life = data.lifecycle(src)
if available(life, "marts.lifecycle"):
    show(charts.lifecycle_chart(life))
    growth = life["new_persons"] + life["resurrecting_persons"]
    life["quick_ratio"] = growth / life["dormant_persons"].where(life["dormant_persons"] > 0)
    display(life.tail(14))
