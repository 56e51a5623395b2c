"""Table macros published with the snapshot, for questions a mart cannot answer ahead
of time.

`funnel_between(funnel_id, from_day, to_day)`: the columns of marts.funnel_conversion,
for the persons whose counted attempt (marts.funnel_persons) entered the funnel on a
brand-local day in [from_day, to_day]; the same rules as the mart (persons reaching at
least step k, conversion from the previous step and from the start, time from the
previous step with an interpolated median). Over the whole range it equals the mart.
The app's `getFunnelData(input)` with a date range is this query.

The macro reads the marts by name, so in a brand-scoped session (created there over
the session's own copies) it sees that brand's rows only. Arguments are values, never
SQL: they are bound like any function argument. Column references in the body are
qualified: an unqualified name equal to a parameter (funnel_id) would be the parameter.
"""

from __future__ import annotations

import duckdb

from brandpulse.sql_text import ident

# the tables the macro reads: a snapshot without them gets no macro
REQUIRED_TABLES = (
    ("marts", "funnel_persons"),
    ("marts", "funnel_person_steps"),
    ("marts", "funnel_conversion"),
    ("marts", "brands"),
)

FUNNEL_BETWEEN = """
CREATE OR REPLACE MACRO {catalog}.main.funnel_between(funnel_id, from_day, to_day) AS TABLE
WITH entered AS (
    SELECT p.brand_id, p.funnel_id, p.person_id, p.steps_completed
    FROM marts.funnel_persons AS p
    LEFT JOIN marts.brands AS b ON b.brand_id = p.brand_id
    WHERE p.funnel_id = funnel_id
        AND CAST(timezone(coalesce(b.timezone, 'UTC'), timezone('UTC', p.entered_at)) AS DATE)
            BETWEEN CAST(from_day AS DATE) AND CAST(to_day AS DATE)
),
steps AS (
    SELECT c.brand_id, c.funnel_id, c.step_number, c.event_name, c.funnel_order, c.step_count
    FROM marts.funnel_conversion AS c
    WHERE c.funnel_id = funnel_id
),
reached AS (
    SELECT s.brand_id, s.funnel_id, s.step_number, count(e.person_id) AS persons
    FROM steps AS s
    LEFT JOIN entered AS e
        ON e.brand_id = s.brand_id AND e.funnel_id = s.funnel_id
        AND e.steps_completed >= s.step_number
    GROUP BY s.brand_id, s.funnel_id, s.step_number
),
timings AS (
    SELECT
        t.brand_id, t.funnel_id, t.step_position AS step_number,
        avg(t.seconds_from_previous) AS avg_seconds_from_previous,
        quantile_cont(t.seconds_from_previous, 0.5) AS median_seconds_from_previous
    FROM marts.funnel_person_steps AS t
    INNER JOIN entered AS e
        ON e.brand_id = t.brand_id AND e.funnel_id = t.funnel_id AND e.person_id = t.person_id
    WHERE t.step_position > 1
    GROUP BY t.brand_id, t.funnel_id, t.step_position
),
rated AS (
    SELECT
        r.*,
        lag(r.persons) OVER (PARTITION BY r.brand_id, r.funnel_id ORDER BY r.step_number)
            AS previous_persons,
        first_value(r.persons) OVER (
            PARTITION BY r.brand_id, r.funnel_id ORDER BY r.step_number
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) AS start_persons
    FROM reached AS r
)
SELECT
    s.brand_id,
    s.funnel_id,
    s.step_number,
    s.event_name,
    CAST(r.persons AS BIGINT) AS persons,
    CASE
        WHEN s.step_number = 1 THEN CASE WHEN r.persons > 0 THEN 1.0 END
        WHEN r.previous_persons > 0 THEN r.persons * 1.0 / r.previous_persons
    END AS conversion_from_previous,
    CASE WHEN r.start_persons > 0 THEN r.persons * 1.0 / r.start_persons END
        AS conversion_from_start,
    t.avg_seconds_from_previous,
    t.median_seconds_from_previous,
    s.funnel_order,
    s.step_count
FROM steps AS s
INNER JOIN rated AS r
    ON r.brand_id = s.brand_id AND r.funnel_id = s.funnel_id AND r.step_number = s.step_number
LEFT JOIN timings AS t
    ON t.brand_id = s.brand_id AND t.funnel_id = s.funnel_id AND t.step_number = s.step_number
ORDER BY s.brand_id, s.funnel_id, s.step_number
"""


def create_macros(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """Create the snapshot's table macros in `catalog` (a quoted-safe catalog name) when
    the tables they read are there; returns the names created."""
    present = {
        (schema, table)
        for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ?",
            [catalog],
        ).fetchall()
    }
    if not all(t in present for t in REQUIRED_TABLES):
        return []
    con.execute(FUNNEL_BETWEEN.format(catalog=ident(catalog)))
    return ["funnel_between"]
