"""Publishing: a complete snapshot, switched in atomically, old ones pruned."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from brandpulse import brand_files, publish
from brandpulse.brand_files import BLOCK_SIZE, MANIFEST_KEY, brand_file, brand_file_name, brands_dir
from brandpulse.publish import current_snapshot, publish_snapshot, read_manifest
from brandpulse.query import query_df

from .conftest import BRAND_A, BRAND_B, build_warehouse


def _tables(path: Path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT schema_name || '.' || table_name, 'table' FROM duckdb_tables() "
            "UNION ALL SELECT schema_name || '.' || view_name, 'view' FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


def test_nothing_published_yet(tmp_path: Path) -> None:
    assert current_snapshot(tmp_path / "nowhere") is None


def test_publish_copies_marts_ml_ai_as_tables(published: Path, snapshot: Path) -> None:
    assert snapshot.parent == published / "snapshots"
    assert (published / "CURRENT").read_text().strip() == f"snapshots/{snapshot.name}"
    assert (published / "current.duckdb").resolve() == snapshot
    assert _tables(snapshot) == {
        "ai.generations": "table",
        "marts.ai_models": "table",
        "marts.daily_brand_metrics": "table",
        "marts.funnel_conversion": "table",
        "marts.metric_catalog": "table",
        "marts.v_daily_totals": "table",  # the view, materialised
        "ml.revenue_forecast": "table",
    }  # raw.* and staging.* are not published


def test_manifest_lists_tables_rows_and_brands(warehouse: Path, snapshot: Path) -> None:
    manifest = read_manifest(snapshot)
    assert manifest is not None
    assert manifest["source_warehouse"] == str(warehouse)
    assert manifest["snapshot"] == snapshot.name
    assert manifest["published_at"].endswith("Z")
    rows = {f"{t['schema']}.{t['table']}": t["rows"] for t in manifest["tables"]}
    assert rows == {
        "ai.generations": 2,
        "marts.ai_models": 2,
        "marts.daily_brand_metrics": 3,
        "marts.funnel_conversion": 3,
        "marts.metric_catalog": 1,
        "marts.v_daily_totals": 2,
        "ml.revenue_forecast": 2,
    }
    # brand_c has no rows yet but is a known brand (raw.brands)
    assert manifest["brands"] == [BRAND_A, BRAND_B, "brand_c"]
    json.dumps(manifest)


def test_snapshot_is_closed_and_readable_read_only(snapshot: Path) -> None:
    assert not Path(str(snapshot) + ".wal").exists()
    con = duckdb.connect(str(snapshot), read_only=True)
    assert con.execute("SELECT sum(events) FROM marts.daily_brand_metrics").fetchone()[0] == 114
    con.close()


def test_reader_of_old_snapshot_keeps_reading_while_new_one_is_published(
    tmp_path: Path, published: Path, snapshot: Path
) -> None:
    reader = duckdb.connect(str(snapshot), read_only=True)  # resolved before the switch
    new_warehouse = build_warehouse(tmp_path / "second.duckdb", extra_revenue=100.0)
    new = publish_snapshot(new_warehouse, published)
    assert new != snapshot
    assert current_snapshot(published) == new
    sql = "SELECT revenue FROM marts.daily_brand_metrics WHERE note = 'a1'"
    assert reader.execute(sql).fetchone()[0] == 12.5  # the old snapshot, still whole
    reader.close()
    assert query_df(sql, published_dir=published)["revenue"].tolist() == [112.5]
    assert snapshot.exists()  # the previous one survives the switch


def test_failure_midway_leaves_current_untouched(
    monkeypatch: pytest.MonkeyPatch, warehouse: Path, published: Path, snapshot: Path
) -> None:
    before = set((published / "snapshots").iterdir())
    copied = []
    real_copy = publish._copy_relation

    def copy_then_fail(*args: object, **kwargs: object) -> dict:
        if copied:
            raise RuntimeError("disk full")
        copied.append(args)
        return real_copy(*args, **kwargs)

    monkeypatch.setattr(publish, "_copy_relation", copy_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        publish_snapshot(warehouse, published)
    assert current_snapshot(published) == snapshot
    assert (published / "current.duckdb").resolve() == snapshot
    assert set((published / "snapshots").iterdir()) == before  # half-written file removed
    assert query_df("SELECT count(*) AS n FROM marts.daily_brand_metrics", published_dir=published)[
        "n"
    ].tolist() == [3]


def test_failure_on_first_publish_leaves_no_current(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, warehouse: Path
) -> None:
    def fail(*args: object) -> None:
        raise OSError("cannot switch")

    monkeypatch.setattr(publish, "_switch_current", fail)
    out = tmp_path / "pub"
    with pytest.raises(OSError, match="cannot switch"):
        publish_snapshot(warehouse, out)
    assert current_snapshot(out) is None
    assert list((out / "snapshots").iterdir()) == []


def test_old_snapshots_are_pruned_keeping_three(warehouse: Path, published: Path) -> None:
    made = [current_snapshot(published)] + [
        publish_snapshot(warehouse, published) for _ in range(3)
    ]
    left = sorted(p.name for p in (published / "snapshots").glob("*.duckdb"))
    assert left == sorted(p.name for p in made[-3:])
    assert sorted(p.name for p in (published / "snapshots").glob("*.json")) == [
        n.replace(".duckdb", ".json") for n in left
    ]
    assert current_snapshot(published) == made[-1]


def test_prune_never_deletes_the_snapshot_that_was_just_current(
    warehouse: Path, published: Path, snapshot: Path
) -> None:
    new = publish_snapshot(warehouse, published, keep=1)
    assert new.exists() and snapshot.exists()  # keep=1, but `snapshot` was current until now
    newer = publish_snapshot(warehouse, published, keep=1)
    assert newer.exists() and new.exists() and not snapshot.exists()


def test_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(publish.PublishError, match="no warehouse"):
        publish_snapshot(tmp_path / "missing.duckdb", tmp_path / "pub")


def test_snapshot_carries_the_data_dictionary(warehouse: Path, tmp_path: Path) -> None:
    """Comments of the warehouse (dbt's docs) are copied; a table without one gets the
    asset description handed in; both are readable in the snapshot and a scoped session."""
    out = tmp_path / "with_docs"
    path = publish_snapshot(
        warehouse, out, descriptions={"ml.revenue_forecast": "Revenue forecast per brand and day."}
    )
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = dict(
            con.execute(
                "SELECT schema_name || '.' || table_name, comment FROM duckdb_tables()"
            ).fetchall()
        )
        column = con.execute(
            "SELECT comment FROM duckdb_columns() WHERE table_name = 'daily_brand_metrics' "
            "AND column_name = 'revenue'"
        ).fetchone()
    finally:
        con.close()
    assert tables["marts.daily_brand_metrics"] == "One row per brand and day."
    assert tables["ml.revenue_forecast"] == "Revenue forecast per brand and day."
    assert column == ("Revenue, in the brand's currency.",)
    from brandpulse.scoped_session import open_session

    with open_session(path, BRAND_A) as scoped:
        got = scoped.execute(
            "SELECT comment FROM duckdb_columns() WHERE table_name = 'daily_brand_metrics' "
            "AND column_name = 'revenue'"
        ).fetchone()
    assert got == ("Revenue, in the brand's currency.",)


def _brand_ids(path: Path) -> dict[str, list[str]]:
    """table -> the brand ids of its rows, in storage order, of a snapshot or brand file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "SELECT DISTINCT schema_name, table_name FROM duckdb_columns() "
            "WHERE column_name = 'brand_id' ORDER BY 1, 2"
        ).fetchall()
        return {
            f"{s}.{t}": [
                r[0]
                for r in con.execute(
                    f'SELECT CAST(brand_id AS VARCHAR) FROM "{s}"."{t}" ORDER BY rowid'  # noqa: S608
                ).fetchall()
            ]
            for s, t in tables
        }
    finally:
        con.close()


def test_every_brand_gets_a_file_of_its_own_rows(snapshot: Path) -> None:
    manifest = read_manifest(snapshot)
    assert manifest is not None
    assert sorted(manifest[MANIFEST_KEY]) == [BRAND_A, BRAND_B, "brand_c"]
    for brand in manifest["brands"]:
        path = brand_file(snapshot, manifest, brand)
        assert path is not None and path.parent == brands_dir(snapshot)
        assert path.name == brand_file_name(brand)  # a hash: no brand name in any path
        ids = _brand_ids(path)
        assert set(ids) == {
            "marts.daily_brand_metrics",
            "marts.funnel_conversion",
            "marts.v_daily_totals",
            "ml.revenue_forecast",
            "ai.generations",
        }
        expected = {BRAND_A: 2, BRAND_B: 1, "brand_c": 0}[brand]
        assert len(ids["marts.daily_brand_metrics"]) == expected
        assert all(set(v) <= {brand} for v in ids.values()), brand
        con = duckdb.connect(str(path), read_only=True)
        try:
            types = dict(
                con.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() "
                    "WHERE table_name = 'revenue_forecast'"
                ).fetchall()
            )
            models = con.execute("SELECT count(*) FROM marts.ai_models").fetchone()
            comment = con.execute(
                "SELECT comment FROM duckdb_tables() WHERE table_name = 'daily_brand_metrics'"
            ).fetchone()
            no_catalog = con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'metric_catalog'"
            ).fetchone()
            block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()
        finally:
            con.close()
        assert types["brand_id"] == "VARCHAR" and types["model"] == "VARCHAR"  # no ENUM
        assert block_size == (BLOCK_SIZE,)  # small blocks: a brand with few rows, a small file
        assert models == (2,)  # the shared catalog, whole
        assert comment == ("One row per brand and day.",)
        assert no_catalog == (0,)


def test_brand_tables_are_stored_sorted_by_brand(warehouse: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE TABLE marts.unsorted (brand_id VARCHAR, n INTEGER)")
    con.execute(
        "INSERT INTO marts.unsorted VALUES (?, 1), (?, 2), (?, 3), (?, 4)",
        [BRAND_B, BRAND_A, BRAND_B, BRAND_A],
    )
    con.close()
    path = publish_snapshot(warehouse, tmp_path / "pub")
    assert _brand_ids(path)["marts.unsorted"] == [BRAND_A, BRAND_A, BRAND_B, BRAND_B]


def test_failure_while_writing_brand_files_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch, warehouse: Path, published: Path, snapshot: Path
) -> None:
    before = set((published / "snapshots").iterdir())
    calls = []
    real_copy = brand_files.copy_table

    def copy_then_fail(*args: object, **kwargs: object) -> None:
        calls.append(args)
        if len(calls) > 3:
            raise RuntimeError("disk full")
        real_copy(*args, **kwargs)

    monkeypatch.setattr(brand_files, "copy_table", copy_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        publish_snapshot(warehouse, published)
    assert current_snapshot(published) == snapshot
    assert set((published / "snapshots").iterdir()) == before  # no half-written brand folder


def test_pruned_snapshots_take_their_brand_files(warehouse: Path, published: Path) -> None:
    first = current_snapshot(published)
    assert first is not None and brands_dir(first).is_dir()
    for _ in range(3):
        publish_snapshot(warehouse, published)
    assert not first.exists() and not brands_dir(first).exists()
    folders = sorted(p.name for p in (published / "snapshots").glob("*.brands"))
    assert folders == sorted(
        p.name.replace(".duckdb", ".brands") for p in (published / "snapshots").glob("*.duckdb")
    )
