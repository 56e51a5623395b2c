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
# # Revenue forecast
#
# The daily revenue forecast with its interval (`ml.revenue_forecast`: prophet, or a
# seasonal-naive baseline when history is short), and its rolling-origin backtest against
# the seasonal-naive baseline (`ml.revenue_forecast_backtest`).

# %%
from IPython.display import display

from brandpulse.report import charts, data
from brandpulse.report.notebook import available, note, open_brand, show

# %% tags=["parameters"]
# The brand to analyse. None: $BRANDPULSE_NOTEBOOK_BRAND, else the first brand of the snapshot.
BRAND = None

# %%
src = open_brand(BRAND)
daily = data.daily_metrics(src)
forecast = data.revenue_forecast(src)

# %% [markdown]
# ## Forecast

# %%
if available(forecast, "ml.revenue_forecast") and daily is not None:
    print(
        f"model: {', '.join(forecast['model'].unique())}; trained through {forecast['trained_through'].max():%Y-%m-%d}"
    )
    show(charts.forecast_chart(daily, forecast))
    weekly = (
        forecast.set_index("day")[["yhat", "yhat_lower", "yhat_upper"]]
        .resample("W-MON", label="left", closed="left")
        .sum()
    )
    display(weekly.head(6))

# %% [markdown]
# ## Backtest against the baseline
# Lower sMAPE is better; coverage is the share of actual days inside the interval (aim: its width, 80%).

# %%
backtest = data.forecast_backtest(src)
if available(backtest, "ml.revenue_forecast_backtest"):
    show(charts.backtest_chart(backtest))
    display(backtest)
    best = backtest.loc[
        backtest.groupby("horizon_days")["smape"].idxmin(), ["horizon_days", "model", "smape"]
    ]
    for row in best.itertuples(index=False):
        note(f"{row.horizon_days}-day horizon: {row.model} has the lowest sMAPE ({row.smape:.1%})")
