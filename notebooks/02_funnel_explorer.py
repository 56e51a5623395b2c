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
# # Funnel explorer
#
# Conversion per step, time to convert, conversion by acquisition channel and country,
# and who dropped off, for every funnel of one brand (`marts.funnel_conversion`,
# `marts.funnel_persons`, `marts.funnel_breakdown`, `marts.funnel_daily`).

# %%
from IPython.display import display

from brandpulse.report import charts, data
from brandpulse.report.notebook import available, note, open_brand, show

# %% tags=["parameters"]
# The brand to analyse. None: $BRANDPULSE_NOTEBOOK_BRAND, else the first brand of the snapshot.
BRAND = None
# One funnel_id, or None for every funnel of the brand.
FUNNEL = None

# %%
src = open_brand(BRAND)
conversion = data.funnel_conversion(src)
funnel_ids = [] if conversion is None else list(conversion["funnel_id"].unique())
if FUNNEL is not None:
    funnel_ids = [f for f in funnel_ids if f == FUNNEL]
print(f"funnels: {funnel_ids}")

# %% [markdown]
# ## Conversion per step

# %%
if available(conversion, "marts.funnel_conversion"):
    for funnel_id in funnel_ids:
        show(charts.funnel_steps_chart(conversion, funnel_id))
    display(conversion[conversion["funnel_id"].isin(funnel_ids)])

# %% [markdown]
# ## Time to convert
# Median and mean time between consecutive steps, then the distribution of the total
# time from step 1 to the last step for the persons who converted.

# %%
times = data.funnel_time_to_convert(src)
if available(conversion, "marts.funnel_conversion"):
    for funnel_id in funnel_ids:
        show(charts.funnel_time_chart(conversion, funnel_id))
        if times is not None and times["funnel_id"].eq(funnel_id).any():
            show(charts.time_to_convert_chart(times, funnel_id))
        else:
            note(f"nobody converted in funnel {funnel_id}")

# %% [markdown]
# ## Breakdown by acquisition channel and country

# %%
breakdown = data.funnel_breakdown(src)
if available(breakdown, "marts.funnel_breakdown"):
    for funnel_id in funnel_ids:
        if breakdown["funnel_id"].eq(funnel_id).any():
            show(charts.funnel_breakdown_chart(breakdown, funnel_id))

# %% [markdown]
# ## Conversion over time (by the day persons entered)

# %%
by_day = data.funnel_daily(src)
if available(by_day, "marts.funnel_daily"):
    weekly = (
        by_day.set_index("day")
        .groupby("funnel_id")[["entered_persons", "converted_persons"]]
        .resample("W-MON", label="left", closed="left")
        .sum()
    )
    weekly["conversion_rate"] = weekly["converted_persons"] / weekly["entered_persons"]
    display(weekly.tail(12))

# %% [markdown]
# ## Drop-off: where persons stop, and who they are

# %%
dropoff = data.funnel_dropoff(src)
if available(dropoff, "marts.funnel_persons"):
    for funnel_id in funnel_ids:
        show(charts.funnel_dropoff_chart(dropoff, funnel_id))
        persons = data.funnel_dropoff_persons(src, funnel_id, limit=10)
        print(f"{funnel_id}: most recent persons who entered but did not convert")
        display(persons)
