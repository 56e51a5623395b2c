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
# # Segments and RFM
#
# Segment sizes (`marts.segment_sizes` / `marts.person_segments`), the RFM segments and
# grid (`marts.rfm`), and how each segment splits across RFM segments.

# %%
from IPython.display import display

from brandpulse.report import charts, data
from brandpulse.report.notebook import available, open_brand, show

# %% tags=["parameters"]
# The brand to analyse. None: $BRANDPULSE_NOTEBOOK_BRAND, else the first brand of the snapshot.
BRAND = None

# %%
src = open_brand(BRAND)

# %% [markdown]
# ## Segment sizes

# %%
sizes = data.segment_sizes(src)
if available(sizes, "marts.person_segments"):
    show(charts.barh_chart(sizes, "segment", "persons", "Persons per segment"))
    display(sizes)

# %% [markdown]
# ## RFM segments

# %%
rfm = data.rfm_segments(src)
if available(rfm, "marts.rfm"):
    show(charts.barh_chart(rfm, "rfm_segment", "persons", "Persons per RFM segment"))
    display(rfm)

# %%
grid = data.rfm_grid(src)
if available(grid, "marts.rfm"):
    show(charts.rfm_grid_chart(grid))

# %% [markdown]
# ## Segments across RFM segments
# Share of each segment's persons in each RFM segment.

# %%
mix = src.sql(
    "SELECT s.segment_id, r.rfm_segment, count(*) AS persons "
    "FROM marts.person_segments AS s JOIN marts.rfm AS r USING (brand_id, person_id) "
    "GROUP BY ALL ORDER BY ALL"
)
if available(mix, "marts.person_segments"):
    table = mix.pivot_table(
        index="segment_id", columns="rfm_segment", values="persons", fill_value=0
    )
    display(table.div(table.sum(axis=1), axis=0).style.format("{:.0%}"))
