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
# # Correlations
#
# How the daily metrics move together (`ml.metric_correlations`: Pearson and Spearman,
# at lags, with FDR-adjusted q-values) and which events go with converting or failing
# in each funnel (`ml.funnel_correlations`: odds ratios with Fisher/chi-squared p-values).
# Correlation is not causation: use these to choose what to test.

# %%
from IPython.display import display

from brandpulse.report import charts, data
from brandpulse.report.notebook import available, open_brand, show

# %% tags=["parameters"]
# The brand to analyse. None: $BRANDPULSE_NOTEBOOK_BRAND, else the first brand of the snapshot.
BRAND = None

# %%
src = open_brand(BRAND)
same_day = data.metric_correlations(src, lag_days=0)

# %% [markdown]
# ## Same-day metric correlations

# %%
if available(same_day, "ml.metric_correlations"):
    show(charts.correlation_heatmap(same_day, "pearson_r"))
    show(charts.correlation_heatmap(same_day, "spearman_rho"))

# %% [markdown]
# ## Leading indicators: strongest significant lagged correlations
# metric_a on day t against metric_b on day t + lag_days.

# %%
lagged = data.top_lagged_correlations(src)
if available(lagged, "ml.metric_correlations"):
    display(lagged)

# %% [markdown]
# ## Funnel correlations

# %%
funnel_corr = data.funnel_correlations(src)
if available(funnel_corr, "ml.funnel_correlations"):
    for funnel_id in funnel_corr["funnel_id"].unique():
        show(charts.funnel_correlation_chart(funnel_corr, funnel_id))
    display(funnel_corr[funnel_corr["p_value"] < 0.05])
