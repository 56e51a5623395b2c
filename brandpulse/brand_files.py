"""One file per brand beside each snapshot: that brand's rows of every table, written at publish.

A brand-scoped session must hold nothing of another brand, whatever SQL it runs. Copying
the brand's rows into the session at every query did that, but cost a copy of the brand's
whole history per query (4.5x the unscoped query at the smallest bench size). Writing
the copy once, when the snapshot is published, keeps the same guarantee (the session
attaches a file in which no other brand's row exists, then locks itself) at the cost of
an attach per query. The snapshot's brand tables are sorted by brand_id, so each
brand's copy reads only its own row groups (zone maps) and the unscoped
`WHERE brand_id = ?` query skips the others too.

Layout: `snapshots/<name>.brands/<sha256 of the brand id>.duckdb` (a hash, so no brand's
name is spelled in a path another brand's session could see), listed in the snapshot's
manifest under `brand_files`. Tables without `brand_id` are left out (nothing says whose
rows they are), except the catalogs every brand shares (SHARED_TABLES). ENUM columns
become VARCHAR: an ENUM type would carry every brand's values.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from brandpulse.db import transaction
from brandpulse.snapshot_macros import create_macros
from brandpulse.sql_text import ident, literal, qualified

BRANDS_DIR_SUFFIX = ".brands"
MANIFEST_KEY = "brand_files"
# Tables without brand_id that hold no brand's data: copied whole for every brand.
SHARED_TABLES: frozenset[tuple[str, str]] = frozenset({("marts", "ai_models")})
_WRITE_ALIAS = "brandpulse_brand_file"
BLOCK_SIZE = 65_536
"""Bytes per block of a brand file. DuckDB's default (256 KiB) gives every table at least
a block: ~45 tables made a brand with little data a 12 MB file (12 GB for 1,000 brands).
64 KiB: a brand of 820k events (10M bench) is the same size (83 MB) and as fast to read."""
_ENUM = re.compile(r"ENUM\((?:\s*'(?:[^']|'')*'\s*,?)*\)")


def brands_dir(snapshot: Path) -> Path:
    """The folder holding the per-brand files of `snapshot`."""
    return snapshot.with_name(snapshot.stem + BRANDS_DIR_SUFFIX)


def brand_file_name(brand: str) -> str:
    return hashlib.sha256(brand.encode("utf-8")).hexdigest() + ".duckdb"


def brand_file(snapshot: Path, manifest: Mapping[str, Any] | None, brand: str) -> Path | None:
    """The brand's file of `snapshot`, or None when the snapshot was published without
    per-brand files (before they existed) or the file is missing."""
    if not manifest or not isinstance(manifest.get(MANIFEST_KEY), dict):
        return None
    relative = manifest[MANIFEST_KEY].get(brand)
    if not isinstance(relative, str):
        return None
    folder = brands_dir(snapshot)
    path = (snapshot.parent / relative).resolve()
    if path.parent != folder.resolve() or not path.is_file():
        return None
    return path


def write_brand_files(
    con: duckdb.DuckDBPyConnection, source: str, snapshot: Path, brands: list[str]
) -> dict[str, str]:
    """Write one file per brand from catalog `source` (the snapshot being built, attached
    on `con`); returns {brand: path relative to the snapshot's folder} for the manifest."""
    folder = brands_dir(snapshot)
    folder.mkdir(exist_ok=True)
    tables = brand_tables(con, source)
    shared = _shared_tables(con, source)
    schemas = _schemas(con, source)
    written: dict[str, str] = {}
    for brand in brands:
        path = folder / brand_file_name(brand)
        con.execute(f"ATTACH {literal(path)} AS {ident(_WRITE_ALIAS)} (BLOCK_SIZE {BLOCK_SIZE})")
        try:
            with transaction(con):  # one commit per file, not one per table and comment
                for schema in schemas:
                    if schema != "main":
                        con.execute(f"CREATE SCHEMA {qualified(_WRITE_ALIAS, schema)}")
                for schema, table in tables:
                    copy_table(con, source, _WRITE_ALIAS, schema, table, brand)
                for schema, table in shared:
                    copy_table(con, source, _WRITE_ALIAS, schema, table, None)
                create_macros(con, _WRITE_ALIAS)
        finally:
            con.execute(f"DETACH {ident(_WRITE_ALIAS)}")
        _fsync(path)
        written[brand] = path.relative_to(snapshot.parent).as_posix()
    _fsync(folder, os.O_DIRECTORY)  # the files' names, before CURRENT can point at them
    return written


def copy_brand(
    con: duckdb.DuckDBPyConnection,
    source: str,
    target: str,
    brand: str,
    wanted: set[tuple[str, str]] | None = None,
) -> None:
    """Copy the brand's rows of every table of `source` (of the `wanted` (schema, table)
    only, '' = any schema, when given) and the shared catalogs into catalog `target`."""
    for schema in _schemas(con, source):
        if schema != "main":
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {qualified(target, schema)}")
    for schema, table in brand_tables(con, source):
        named = wanted is None or bool(
            {(schema.lower(), table.lower()), ("", table.lower())} & wanted
        )
        if named:
            copy_table(con, source, target, schema, table, brand)
    for schema, table in _shared_tables(con, source):
        copy_table(con, source, target, schema, table, None)


def copy_table(
    con: duckdb.DuckDBPyConnection,
    source: str,
    target: str,
    schema: str,
    table: str,
    brand: str | None,
) -> None:
    """Copy one table from catalog `source` to `target`: the brand's rows, or every row
    (brand None), with its comments (the data dictionary)."""
    from brandpulse.publish import copy_comments  # publish imports this module

    columns = con.execute(
        """
        SELECT column_name, data_type FROM duckdb_columns()
        WHERE database_name = ? AND schema_name = ? AND table_name = ?
        ORDER BY column_index
        """,
        [source, schema, table],
    ).fetchall()
    select = ", ".join(_column_expr(name, data_type) for name, data_type in columns)
    sql = (
        f"CREATE TABLE {qualified(target, schema, table)} AS "  # noqa: S608 - catalog names
        f"SELECT {select} FROM {qualified(source, schema, table)}"
    )
    if brand is None:
        con.execute(sql)
    else:
        con.execute(sql + " WHERE CAST(brand_id AS VARCHAR) = ?", [brand])
    copy_comments(con, source, target, schema, table)


def brand_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    """(schema, table) of every table of `catalog` that has a brand_id column."""
    return con.execute(
        """
        SELECT c.schema_name, c.table_name FROM duckdb_columns() AS c
        JOIN duckdb_tables() AS t USING (database_name, schema_name, table_name)
        WHERE c.database_name = ? AND c.column_name = 'brand_id'
        ORDER BY 1, 2
        """,
        [catalog],
    ).fetchall()


def _shared_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    """(schema, table) of the SHARED_TABLES `catalog` holds (an older one may lack them)."""
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ?",
        [catalog],
    ).fetchall()
    return sorted(r for r in rows if (r[0], r[1]) in SHARED_TABLES)


def _schemas(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    rows = con.execute(
        "SELECT schema_name FROM duckdb_schemas() WHERE database_name = ? AND NOT internal "
        "ORDER BY 1",
        [catalog],
    ).fetchall()
    return [r[0] for r in rows]


def _column_expr(name: str, data_type: str) -> str:
    if "ENUM(" not in data_type:
        return ident(name)
    return f"CAST({ident(name)} AS {_ENUM.sub('VARCHAR', data_type)}) AS {ident(name)}"


def _fsync(path: Path, flags: int = 0) -> None:
    fd = os.open(path, os.O_RDONLY | flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
