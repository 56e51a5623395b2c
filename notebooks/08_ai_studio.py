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
# # AI Studio
#
# AI generation cost per day and model (`marts.ai_generation_daily`), spend against the
# monthly budget (`marts.ai_cost_by_brand_month`), latency (`marts.ai_latency_percentiles`),
# outcomes (`ai.generations`) and provider errors (`marts.ai_error_rates`) by model.

# %%
from IPython.display import display

from brandpulse.report import charts, data
from brandpulse.report.notebook import available, open_brand, show

# %% tags=["parameters"]
# The brand to analyse. None: $BRANDPULSE_NOTEBOOK_BRAND, else the first brand of the snapshot.
BRAND = None

# %%
src = open_brand(BRAND)
ai_daily = data.ai_daily(src)

# %% [markdown]
# ## Cost per day by model

# %%
if available(ai_daily, "marts.ai_generation_daily"):
    show(charts.ai_cost_chart(ai_daily))
    totals = ai_daily.groupby("model")[
        ["requests", "succeeded", "failed", "rejected", "cost_usd"]
    ].sum()
    totals["cost_per_success_usd"] = totals["cost_usd"] / totals["succeeded"].where(
        totals["succeeded"] > 0
    )
    display(totals)

# %% [markdown]
# ## Budget use per month

# %%
budget = data.ai_budget(src)
if available(budget, "marts.ai_cost_by_brand_month"):
    show(charts.ai_budget_chart(budget))
    display(budget)

# %% [markdown]
# ## Latency of completed generations

# %%
latency = data.ai_latency(src)
if available(latency, "marts.ai_latency_percentiles"):
    show(charts.ai_latency_chart(latency))
    display(latency)

# %% [markdown]
# ## Outcomes and provider errors by model

# %%
status = data.ai_status(src)
if available(status, "ai.generations"):
    show(charts.ai_status_chart(status))

# %%
errors = data.ai_errors(src)
if available(errors, "marts.ai_error_rates"):
    show(charts.ai_errors_chart(errors))
    display(errors)
