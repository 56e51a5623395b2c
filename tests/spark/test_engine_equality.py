"""The same landing zone gives the same marts on DuckDB and on Spark (issue 23).

Every mart DuckDB builds (tables and views) is compared row by row with the one Spark
builds from the Parquet lake: funnels of every order, retention, lifecycle, segments, RFM,
daily metrics, AI, collaboration, catalog and explore marts. Exact for ids, counts, dates
and text; 1e-9 relative for floats. Select alone with `pytest -m spark`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from compare import differences, normalized, values_equal  # noqa: E402
from engines import duckdb_rows, mart_names, spark_rows  # noqa: E402

# generation, two dbt builds and a Spark JVM start: longer than the suite's 600 s default
# on a loaded 2-core machine
pytestmark = [pytest.mark.spark, pytest.mark.timeout(1800)]

REQUIRED_MARTS = {
    "cohort_retention",
    "lifecycle",
    "person_segments",
    "rfm",
    "daily_brand_metrics",
    "funnel_persons",
    "funnel_person_steps",
    "funnel_conversion",
    "funnel_breakdown",
    "funnel_daily",
}
"""Marts the small zone must fill (an empty mart on both engines would prove nothing)."""
FUNNEL_ORDERS = {"ordered", "strict", "unordered"}


def test_comparison_catches_a_difference() -> None:
    """The comparison itself fails on a changed count, a float off by more than 1e-9
    relative, and a missing row (so an equal result is not a vacuous pass)."""
    cols = ["brand_id", "persons", "rate"]
    base = [("b1", 3, 0.5), ("b2", 4, 0.25)]
    assert differences(cols, base, list(reversed(base))) == []
    assert differences(cols, base, [("b1", 3, 0.5 * (1 + 1e-12)), ("b2", 4, 0.25)]) == []
    assert differences(cols, base, [("b1", 2, 0.5), ("b2", 4, 0.25)])
    assert differences(cols, base, [("b1", 3, 0.5 * (1 + 1e-6)), ("b2", 4, 0.25)])
    assert differences(cols, base, base[:1])
    assert values_equal(normalized([1, 2]), normalized((1, 2)))


def test_every_mart_is_equal_on_both_engines(engines_workdir: Path) -> None:
    warehouse = engines_workdir / "warehouse.duckdb"
    marts = mart_names(warehouse)
    assert set(marts) >= REQUIRED_MARTS
    problems: dict[str, list[str]] = {}
    checked_rows = 0
    for table in marts:
        columns, duck = duckdb_rows(warehouse, table)
        spark_columns, spark = spark_rows(engines_workdir, table)
        if [c.lower() for c in spark_columns] != [c.lower() for c in columns]:
            problems[table] = [f"columns {columns} on DuckDB, {spark_columns} on Spark"]
            continue
        found = differences(columns, duck, spark)
        if found:
            problems[table] = found
        checked_rows += len(duck)
    assert not problems, problems
    # the small zone must exercise the marts: rows in each of the required ones
    for table in REQUIRED_MARTS:
        assert duckdb_rows(warehouse, table)[1], f"marts.{table} is empty on the test zone"
    assert checked_rows > 1000


def test_funnels_of_every_order_are_compared(engines_workdir: Path) -> None:
    """The zone enters people into funnels of every order, with steps past the first, so
    the funnel marts compared above exercise the whole attempt search on both engines."""
    warehouse = engines_workdir / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        reached = dict(
            con.execute(
                "SELECT funnel_order, max(steps_completed) FROM marts.funnel_persons GROUP BY 1"
            ).fetchall()
        )
    assert set(reached) == FUNNEL_ORDERS
    assert all(steps >= 2 for steps in reached.values()), reached
