"""Brand scoping and read-only access: what a query can see, whatever SQL it sends."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from brandpulse.brand_files import MANIFEST_KEY, brand_file, brand_file_name, brands_dir
from brandpulse.publish import read_manifest
from brandpulse.query import NoSnapshot, execute, query_df
from brandpulse.scoped_session import UnknownBrand, open_session
from brandpulse.sql_guard import QueryRejected

from .conftest import BRAND_A, BRAND_B, BRAND_TABLE_ROWS, SECRET


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_unscoped_query_sees_every_brand_in_every_table(published: Path) -> None:
    for table, (rows_a, rows_b) in BRAND_TABLE_ROWS.items():
        df = query_df(
            f"SELECT CAST(brand_id AS VARCHAR) AS brand_id, count(*) AS n FROM {table} GROUP BY ALL ORDER BY 1",
            published_dir=published,
        )
        assert df.to_dict("list") == {"brand_id": [BRAND_A, BRAND_B], "n": [rows_a, rows_b]}, table
    assert len(query_df("FROM marts.metric_catalog", published_dir=published)) == 1


def test_scoped_query_sees_only_its_brand_in_every_table(published: Path) -> None:
    for table, (rows_a, _) in BRAND_TABLE_ROWS.items():
        df = query_df(
            f"SELECT CAST(brand_id AS VARCHAR) AS brand_id, count(*) AS n FROM {table} GROUP BY ALL",
            brand=BRAND_A,
            published_dir=published,
        )
        assert df.to_dict("list") == {"brand_id": [BRAND_A], "n": [rows_a]}, table
    df = query_df(
        "SELECT sum(events) AS events, sum(revenue) AS revenue FROM marts.daily_brand_metrics",
        brand=BRAND_A,
        published_dir=published,
    )
    assert df.to_dict("list") == {"events": [15], "revenue": [12.5]}


def test_scoped_query_of_the_other_brand_sees_only_that_one(published: Path) -> None:
    df = query_df(
        "SELECT funnel_id, persons FROM marts.funnel_conversion ORDER BY step_number",
        brand=BRAND_B,
        published_dir=published,
    )
    assert df.to_dict("list") == {"funnel_id": [SECRET, SECRET], "persons": [7, 3]}


def test_tables_without_brand_id_do_not_exist_in_a_scoped_session(published: Path) -> None:
    with pytest.raises(duckdb.CatalogException, match="metric_catalog"):
        query_df("FROM marts.metric_catalog", brand=BRAND_A, published_dir=published)


def test_shared_catalogs_are_whole_in_a_scoped_session(published: Path) -> None:
    models = query_df(
        "SELECT model FROM marts.ai_models ORDER BY model", brand=BRAND_A, published_dir=published
    )
    assert models["model"].tolist() == ["gpt-image-1", "local-image"]


def test_one_shot_scoped_query_copies_only_the_tables_it_names(
    published: Path, legacy_snapshot: Path
) -> None:
    """On a snapshot without brand files, only the tables the query names are copied;
    the named ones hold all the brand's rows. A query of the catalog gets every table
    (and the comments)."""
    from brandpulse.sql_guard import referenced_tables

    assert referenced_tables("SELECT * FROM marts.x JOIN y USING (a)") == {
        ("marts", "x"),
        ("", "y"),
    }
    assert referenced_tables("SELECT * FROM duckdb_columns()") is None
    assert referenced_tables("SELECT * FROM information_schema.tables") is None
    with execute(
        "SELECT (SELECT count(*) FROM marts.daily_brand_metrics), (SELECT count(*) FROM ai.generations)",
        brand=BRAND_A,
        published_dir=published,
    ) as r:
        assert r.fetchone() == (2, 1)
    with execute(
        "SELECT count(*) FROM marts.daily_brand_metrics WHERE brand_id IN "
        "(SELECT brand_id FROM marts.funnel_conversion)",
        brand=BRAND_A,
        published_dir=published,
    ) as r:
        assert r.fetchone() == (2,)
    rows = query_df(
        "SELECT d.day, f.yhat FROM marts.daily_brand_metrics AS d "
        "LEFT JOIN ml.revenue_forecast AS f USING (brand_id, day) ORDER BY d.day",
        brand=BRAND_A,
        published_dir=published,
    )
    assert len(rows) == 2 and rows["yhat"].notna().sum() == 0  # 08-01/02 vs a forecast of 08-03
    with execute(
        "SELECT count(*) FROM ml.revenue_forecast", brand=BRAND_A, published_dir=published
    ) as r:
        assert r.fetchone() == (1,)


def test_bound_parameters(published: Path) -> None:
    df = query_df(
        "SELECT events FROM marts.daily_brand_metrics WHERE day = ?::DATE",
        brand=BRAND_A,
        params=["2026-08-02"],
        published_dir=published,
    )
    assert df["events"].tolist() == [5]


def test_unknown_brand_is_a_clear_error(published: Path) -> None:
    with pytest.raises(UnknownBrand, match="unknown brand 'nobody'"):
        query_df("SELECT 1", brand="nobody", published_dir=published)


def test_known_brand_without_rows_gets_an_empty_session(published: Path) -> None:
    df = query_df(
        "SELECT count(*) AS n FROM marts.daily_brand_metrics",
        brand="brand_c",
        published_dir=published,
    )
    assert df["n"].tolist() == [0]


def test_no_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NoSnapshot, match="brandpulse publish"):
        query_df("SELECT 1", published_dir=tmp_path / "empty")


def _dump(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    return repr(con.execute(sql).fetchall())


@pytest.fixture
def legacy_snapshot(snapshot: Path) -> Path:
    """The snapshot as published before per-brand files existed: no `brand_files` in its
    manifest, no folder of brand files (sessions copy the brand's rows instead)."""
    manifest = read_manifest(snapshot)
    assert manifest is not None
    del manifest[MANIFEST_KEY]
    snapshot.with_suffix(".json").write_text(json.dumps(manifest))
    shutil.rmtree(brands_dir(snapshot))
    return snapshot


@pytest.mark.parametrize("kind", ["brand_file", "legacy_copy"])
def test_nothing_of_another_brand_exists_in_a_scoped_session(
    kind: str, snapshot: Path, request: pytest.FixtureRequest
) -> None:
    """Even with unrestricted SQL on the session, brand B's values are nowhere in it:
    neither in the brand's own file (attached read-only, the only database with data)
    nor in rows copied from a snapshot without brand files."""
    if kind == "legacy_copy":
        request.getfixturevalue("legacy_snapshot")
    with open_session(snapshot, BRAND_A) as con:
        tables = con.execute(
            "SELECT database_name, schema_name, table_name FROM duckdb_tables()"
        ).fetchall()
        assert {(s, t) for _, s, t in tables} == {
            ("marts", "ai_models"),  # shared by every brand, holds no brand's data
            ("marts", "daily_brand_metrics"),
            ("marts", "funnel_conversion"),
            ("marts", "v_daily_totals"),
            ("ml", "revenue_forecast"),
            ("ai", "generations"),
        }
        files = con.execute(
            "SELECT database_name, path FROM duckdb_databases() WHERE path IS NOT NULL"
        ).fetchall()
        if kind == "brand_file":
            assert {d for d, _, _ in tables} == {"brand"}
            own = brand_file(snapshot, read_manifest(snapshot), BRAND_A)
            assert own is not None and files == [("brand", str(own))]
        else:
            assert {d for d, _, _ in tables} == {"memory"}
            assert files == []
        everything = [_dump(con, f'SELECT * FROM "{d}"."{s}"."{t}"') for d, s, t in tables] + [
            _dump(con, f"SELECT * FROM {fn}")
            for fn in (
                "duckdb_databases()",
                "duckdb_tables()",
                "duckdb_columns()",
                "duckdb_views()",
                "duckdb_types()",
                "duckdb_schemas()",
                "duckdb_constraints()",
                "duckdb_indexes()",
                "duckdb_sequences()",
                "duckdb_functions()",
                "duckdb_settings()",
                "duckdb_variables()",
                "duckdb_prepared_statements()",
                "duckdb_dependencies()",
                "duckdb_secrets()",
                "pragma_database_size()",
                "duckdb_temporary_files()",
            )
        ]
        text = "\n".join(everything)
        assert BRAND_A in text  # the dump works: brand A's rows are there
        assert SECRET not in text
        assert BRAND_B not in text
        assert snapshot.name not in text  # not even the path to the snapshot


@pytest.mark.parametrize("kind", ["brand_file", "legacy_copy"])
def test_scoped_answers_are_the_same_from_a_brand_file_and_a_copy(
    kind: str, published: Path, request: pytest.FixtureRequest
) -> None:
    if kind == "legacy_copy":
        request.getfixturevalue("legacy_snapshot")
    for table, (rows_a, _) in BRAND_TABLE_ROWS.items():
        df = query_df(f"SELECT count(*) AS n FROM {table}", brand=BRAND_A, published_dir=published)
        assert df["n"].tolist() == [rows_a], (kind, table)
    with pytest.raises(UnknownBrand):
        query_df("SELECT 1", brand="nobody", published_dir=published)
    with pytest.raises(duckdb.CatalogException, match="metric_catalog"):
        query_df("FROM marts.metric_catalog", brand=BRAND_A, published_dir=published)


# Each is sent as the user's SQL to a session scoped to brand A.
def _attacks(snapshot: Path, tmp: Path) -> list[str]:
    leak = tmp / "b_rows.parquet"
    # brand B's own file: beside brand A's, named by a hash an attacker can compute
    other = brands_dir(snapshot) / brand_file_name(BRAND_B)
    return [
        f"ATTACH '{other}' AS b (READ_ONLY)",
        f"SELECT * FROM read_blob('{other}')",
        f"SELECT * FROM '{other}'",
        f"SELECT * FROM read_duckdb('{other}')",
        "DETACH brand",
        "USE snapshot",
        "SELECT * FROM snapshot.marts.daily_brand_metrics",
        f'SELECT * FROM "{snapshot.stem}".marts.daily_brand_metrics',
        "SELECT * FROM warehouse.marts.daily_brand_metrics",
        f"ATTACH '{snapshot}' AS s2 (READ_ONLY)",
        f"SELECT 1; ATTACH '{snapshot}' AS s2 (READ_ONLY)",
        f"SELECT * FROM read_parquet('{leak}')",
        f"SELECT * FROM parquet_scan('{leak}')",
        f"SELECT * FROM '{leak}'",
        f"SELECT * FROM read_csv('{tmp / 'b.csv'}')",
        f"SELECT * FROM read_csv_auto('{tmp / 'b.csv'}')",
        f"SELECT * FROM read_json('{tmp / 'b.json'}')",
        f"SELECT * FROM read_text('{tmp / 'b.csv'}')",
        f"SELECT * FROM read_blob('{snapshot}')",
        f"SELECT * FROM read_duckdb('{snapshot}')",
        f"SELECT * FROM glob('{tmp}/*')",
        f"SELECT * FROM sniff_csv('{tmp / 'b.csv'}')",
        f"WITH x AS (SELECT * FROM read_csv('{tmp / 'b.csv'}')) SELECT * FROM x",
        f"SELECT (SELECT count(*) FROM read_text('{tmp / 'b.csv'}'))",
        f"SELECT * FROM query('SELECT * FROM read_csv(''{tmp / 'b.csv'}'')')",
        "SELECT * FROM query_table('marts.daily_brand_metrics')",
        f"COPY marts.daily_brand_metrics TO '{tmp / 'out.csv'}'",
        f"COPY (SELECT 1) TO '{tmp / 'out.csv'}'",
        f"COPY marts.daily_brand_metrics FROM '{tmp / 'b.csv'}'",
        f"EXPORT DATABASE '{tmp / 'export'}'",
        f"IMPORT DATABASE '{tmp / 'export'}'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "LOAD parquet",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "RESET enable_external_access",
        "SET threads = 1",
        "PRAGMA threads = 1",
        "PRAGMA enable_profiling",
        "SELECT * FROM enable_logging()",
        "CALL enable_logging()",
        "SET VARIABLE x = 1",
        "USE memory",
        "DETACH memory",
        "CHECKPOINT",
        "SELECT * FROM checkpoint()",
        "VACUUM",
        "BEGIN TRANSACTION",
        "SELECT 1; SELECT 2",
        "INSERT INTO marts.daily_brand_metrics VALUES ('x', NULL, 1, 1, 'x')",
        "UPDATE marts.daily_brand_metrics SET events = 0",
        "DELETE FROM marts.daily_brand_metrics",
        "DROP TABLE marts.daily_brand_metrics",
        "CREATE TABLE t AS SELECT 1",
        "CREATE MACRO m() AS 1",
        "ALTER TABLE marts.daily_brand_metrics ADD COLUMN x INT",
        "EXPLAIN DELETE FROM marts.daily_brand_metrics",
        f"EXPLAIN ANALYZE SELECT * FROM read_csv('{tmp / 'b.csv'}')",
        "PREPARE p AS SELECT 1",
        "CREATE SECRET s (TYPE s3)",
    ]


@pytest.fixture
def leaked_files(tmp_path: Path, snapshot: Path) -> Path:
    """Files holding brand B's rows, as an attacker would hope to read them."""
    out = tmp_path / "leaks"
    out.mkdir()
    con = duckdb.connect(str(snapshot), read_only=True)
    con.execute(
        f"COPY (FROM marts.daily_brand_metrics WHERE brand_id = '{BRAND_B}') TO '{out / 'b_rows.parquet'}'"
    )
    con.execute(
        f"COPY (FROM marts.daily_brand_metrics WHERE brand_id = '{BRAND_B}') TO '{out / 'b.csv'}'"
    )
    con.execute(
        f"COPY (FROM marts.daily_brand_metrics WHERE brand_id = '{BRAND_B}') TO '{out / 'b.json'}'"
    )
    con.close()
    return out


@pytest.mark.parametrize("kind", ["brand_file", "legacy_copy"])
def test_every_attack_fails_clearly_and_leaks_nothing(
    kind: str,
    published: Path,
    snapshot: Path,
    leaked_files: Path,
    request: pytest.FixtureRequest,
) -> None:
    if kind == "legacy_copy":
        request.getfixturevalue("legacy_snapshot")
    own = brand_file(snapshot, read_manifest(snapshot), BRAND_A)
    own_before = _sha(own) if own else None
    before = _sha(snapshot)
    files_before = sorted(p.name for p in leaked_files.iterdir())
    for sql in _attacks(snapshot, leaked_files):
        with pytest.raises((QueryRejected, duckdb.Error)) as caught:
            query_df(sql, brand=BRAND_A, published_dir=published)
        message = str(caught.value)
        assert message.strip(), sql
        # an error may quote the attack's own catalog name, the snapshot's timestamped stem,
        # whose digits can hold "999" by chance: that echo is not brand B's revenue
        echoed = message.replace(snapshot.stem, "<snapshot>")
        assert SECRET not in echoed and "999" not in echoed, (sql, message)
    assert _sha(snapshot) == before
    assert (_sha(own) if own else None) == own_before
    assert sorted(p.name for p in leaked_files.iterdir()) == files_before  # nothing written


def test_attacks_are_rejected_by_the_parser_check_with_a_reason(published: Path) -> None:
    cases = {
        "SELECT 1; SELECT 2": "exactly one statement",
        "INSTALL httpfs": "not allowed",
        "SET enable_external_access = true": "SET statements are not allowed",
        "COPY (SELECT 1) TO 'x.csv'": "COPY statements are not allowed",
        "ATTACH 'x.duckdb'": "ATTACH statements are not allowed",
        "SELECT * FROM read_parquet('x.parquet')": "read_parquet() is not allowed",
        "SELECT * FROM glob('*')": "glob() is not allowed",
        "EXPLAIN DELETE FROM marts.daily_brand_metrics": "only a single read-only SELECT",
        "SELEC 1": "does not parse",
        "  ": "no SQL",
    }
    for sql, reason in cases.items():
        with pytest.raises(QueryRejected, match=re.escape(reason)):
            query_df(sql, brand=BRAND_A, published_dir=published)


def test_locked_session_refuses_even_without_the_parser_check(
    snapshot: Path, leaked_files: Path
) -> None:
    """Second line of defence: the session itself, sent statements directly."""
    other = brands_dir(snapshot) / brand_file_name(BRAND_B)
    assert other.is_file()
    with open_session(snapshot, BRAND_A) as con:
        for sql in (
            f"ATTACH '{snapshot}' AS s2 (READ_ONLY)",
            f"ATTACH '{other}' AS b (READ_ONLY)",
            f"SELECT * FROM read_blob('{other}')",
            f"SELECT * FROM read_parquet('{leaked_files / 'b_rows.parquet'}')",
            f"SELECT * FROM read_text('{leaked_files / 'b.csv'}')",
            f"SELECT * FROM glob('{leaked_files}/*')",
            f"COPY (SELECT 1) TO '{leaked_files / 'out.csv'}'",
            f"EXPORT DATABASE '{leaked_files / 'export'}'",
            "INSTALL httpfs",
            "LOAD httpfs",
            "SET enable_external_access = true",
            "SET lock_configuration = false",
            "SET python_enable_replacements = true",
        ):
            with pytest.raises(duckdb.Error):
                con.execute(sql)
        assert sorted(p.name for p in leaked_files.iterdir()) == [
            "b.csv",
            "b.json",
            "b_rows.parquet",
        ]


def test_explain_of_a_select_is_allowed(published: Path) -> None:
    df = query_df(
        "EXPLAIN SELECT * FROM marts.daily_brand_metrics", brand=BRAND_A, published_dir=published
    )
    assert len(df) >= 1


def test_python_variables_are_not_readable(published: Path) -> None:
    secret_frame = duckdb.sql(f"SELECT '{SECRET}' AS s").df()  # noqa: F841 - the bait
    with pytest.raises(duckdb.Error):
        query_df("SELECT * FROM secret_frame", published_dir=published)


def test_unscoped_writes_fail_and_leave_the_snapshot_unchanged(
    published: Path, snapshot: Path
) -> None:
    before = _sha(snapshot)
    for sql in (
        "INSERT INTO marts.daily_brand_metrics VALUES ('x', NULL, 1, 1, 'x')",
        "UPDATE marts.daily_brand_metrics SET events = 0",
        "DELETE FROM marts.daily_brand_metrics",
        "DROP TABLE marts.daily_brand_metrics",
        "CREATE TABLE marts.t AS SELECT 1",
        "ALTER TABLE marts.daily_brand_metrics RENAME TO x",
        "CHECKPOINT",
    ):
        with pytest.raises(QueryRejected, match="not allowed"):
            query_df(sql, published_dir=published)
    # second line: the snapshot is attached READ_ONLY
    with open_session(snapshot) as con:
        for sql in (
            "INSERT INTO marts.daily_brand_metrics VALUES ('x', NULL, 1, 1, 'x')",
            "DELETE FROM marts.daily_brand_metrics",
            "DROP TABLE marts.daily_brand_metrics",
        ):
            with pytest.raises(duckdb.Error, match="read-only"):
                con.execute(sql)
    assert _sha(snapshot) == before
    assert query_df("SELECT count(*) AS n FROM marts.daily_brand_metrics", published_dir=published)[
        "n"
    ].tolist() == [3]
