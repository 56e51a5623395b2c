"""funnel_between(funnel_id, from_day, to_day), the snapshot's date-range funnel macro:
over the full range it equals marts.funnel_conversion, on sub-ranges it equals the
hand-worked answers, in unscoped and brand-scoped sessions alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from brandpulse.publish import publish_snapshot
from brandpulse.query import query_df, session

COLUMNS = (
    "brand_id, funnel_id, step_number, event_name, persons, conversion_from_previous, "
    "conversion_from_start, avg_seconds_from_previous, median_seconds_from_previous, "
    "funnel_order, step_count"
)


@pytest.fixture(scope="module")
def published(funnel_warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("funnel_between") / "published"
    publish_snapshot(funnel_warehouse.path, out)
    return out


def _approx(rows: list[tuple]) -> list[tuple]:
    return [tuple(pytest.approx(v) if isinstance(v, float) else v for v in r) for r in rows]


def test_full_range_equals_the_mart(published: Path) -> None:
    with session(None, published) as s:
        funnel_ids = [
            r[0] for r in s.run("SELECT DISTINCT funnel_id FROM marts.funnel_conversion").fetchall()
        ]
        assert len(funnel_ids) > 3
        for funnel_id in funnel_ids:
            mart = s.run(
                f"SELECT {COLUMNS} FROM marts.funnel_conversion WHERE funnel_id = ? "  # noqa: S608
                "ORDER BY brand_id, step_number",
                [funnel_id],
            ).fetchall()
            macro = s.run(
                f"SELECT {COLUMNS} FROM funnel_between(?, DATE '1970-01-01', DATE '2999-12-31') "  # noqa: S608
                "ORDER BY brand_id, step_number",
                [funnel_id],
            ).fetchall()
            assert macro == _approx(mart), funnel_id


@pytest.mark.parametrize("brand", [None, "daterange"])
def test_sub_ranges_hand_worked(published: Path, brand: str | None) -> None:
    sql = (
        "SELECT step_number, persons, conversion_from_previous, conversion_from_start, "
        "avg_seconds_from_previous, median_seconds_from_previous "
        "FROM funnel_between('f', ?, ?) WHERE brand_id = 'daterange' ORDER BY step_number"
    )

    def rows(from_day: str, to_day: str) -> list[tuple]:
        df = query_df(sql, brand=brand, params=[from_day, to_day], published_dir=published)
        return [tuple(None if v != v else v for v in r) for r in df.itertuples(index=False)]

    # 08-02 only: p2 (converts in 300 s) and p3 (never)
    assert rows("2026-08-02", "2026-08-02") == [
        (1, 2, 1.0, 1.0, None, None),
        (2, 1, 0.5, 0.5, 300.0, 300.0),
    ]
    # 08-02..08-03: p2, p3, p4 (50 s): the median of 300 and 50 interpolates
    assert rows("2026-08-02", "2026-08-03") == [
        (1, 3, 1.0, 1.0, None, None),
        (2, 2, pytest.approx(2 / 3), pytest.approx(2 / 3), 175.0, 175.0),
    ]
    # a range nobody entered in: the steps with 0 persons, as in the mart
    assert rows("2026-07-01", "2026-07-31") == [
        (1, 0, None, None, None, None),
        (2, 0, None, None, None, None),
    ]


def test_days_are_brand_local(published: Path) -> None:
    """tz_ny's p1 entered at 02:00 UTC on 08-01: 07-31 in New York."""
    sql = "SELECT persons FROM funnel_between('f', ?, ?) WHERE step_number = 1"
    july = query_df(
        sql, brand="tz_ny", params=["2026-07-31", "2026-07-31"], published_dir=published
    )
    august = query_df(
        sql, brand="tz_ny", params=["2026-08-01", "2026-08-01"], published_dir=published
    )
    assert july["persons"].tolist() == [1]
    assert august["persons"].tolist() == [0]


def test_scoped_macro_sees_only_its_brand(published: Path) -> None:
    df = query_df(
        "SELECT DISTINCT brand_id FROM funnel_between('f', DATE '1970-01-01', DATE '2999-12-31')",
        brand="daterange",
        published_dir=published,
    )
    assert df["brand_id"].tolist() == ["daterange"]
