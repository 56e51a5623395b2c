"""An unobserved retention period (NULL in marts.cohort_retention) is a blank cell of the
heatmap, never '0%'."""

from __future__ import annotations

from datetime import date

import pandas as pd

from brandpulse.report.charts import retention_heatmap


def test_unobserved_periods_are_blank_not_zero() -> None:
    retention = pd.DataFrame(
        {
            "cohort_id": ["c"] * 4,
            "cohort_start": [date(2026, 8, 3)] * 2 + [date(2026, 8, 10)] * 2,
            "period_number": [0, 1, 0, 1],
            "cohort_size": [4, 4, 2, 2],
            "retained_persons": [4, 0, 2, None],  # 08-10's week 1 has not happened
            "retention_rate": [1.0, 0.0, 1.0, None],
        }
    )
    fig = retention_heatmap(retention, "c")
    labels = sorted(t.get_text() for t in fig.axes[0].texts)
    # 100% twice, the observed 0% once; the unobserved cell has no label at all
    assert labels == ["0%", "100%", "100%"]
