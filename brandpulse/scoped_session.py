"""Sessions on a published snapshot: read-only, and optionally holding one brand only.

Both kinds are a fresh in-memory DuckDB that attaches the snapshot READ_ONLY and is
then locked down: no external access (files, ATTACH, COPY, extensions), no Python
replacement scans, configuration locked. A brand-scoped session goes further: it
copies only that brand's rows (`brand_id = ?`) of every table into memory and detaches
the snapshot before locking, so no other brand's data, and no path to it, exists in
the session at all, whatever SQL arrives later. Tables without `brand_id` are not
copied (nothing says whose rows they are), except the catalogs every brand shares and
may read whole (SHARED_TABLES: the AI model catalog with its prices and limits).

A fresh in-memory database per session also avoids DuckDB's per-process cache of
file databases, which refuses a second connection with different settings.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from brandpulse.config import get_settings
from brandpulse.publish import copy_comments, read_manifest
from brandpulse.snapshot_macros import create_macros
from brandpulse.sql_text import ident, literal, qualified

SNAPSHOT_ALIAS = "snapshot"
# Tables without brand_id that hold no brand's data: copied whole into scoped sessions.
SHARED_TABLES: frozenset[tuple[str, str]] = frozenset({("marts", "ai_models")})
_ENUM = re.compile(r"ENUM\((?:\s*'(?:[^']|'')*'\s*,?)*\)")

LOCKDOWN = (
    "SET enable_external_access = false",
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    "SET allow_community_extensions = false",
    "SET allow_persistent_secrets = false",
    "SET lock_configuration = true",
)


class UnknownBrand(LookupError):
    """The brand has no rows in the snapshot and is not in its brand list."""


DEFAULT_MAX_TEMP_SIZE = "4GB"
"""Spill space a query may use (a runaway sort fails instead of filling the disk)."""


@contextmanager
def open_session(
    snapshot: Path,
    brand: str | None = None,
    memory_limit: str | None = None,
    max_temp_size: str | None = None,
    tables: set[tuple[str, str]] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A locked-down connection on `snapshot`; with `brand`, holding that brand's rows only.

    `tables` (brand-scoped sessions): the (schema, table) a one-shot query names ('' =
    any schema); only those are copied (a table it does not name cannot be read, so a
    missed name is an error, never an empty answer). None copies every table: a session
    for many queries, or a query of the catalog.
    Queries see the snapshot's names (marts.x, ml.x, ai.x) either way. Memory is capped
    at `memory_limit` (default: the settings'), spill files at `max_temp_size` in a
    private directory that is removed when the session closes, whatever happened.
    """
    spill = Path(tempfile.mkdtemp(prefix="brandpulse-query-"))
    settings = get_settings()
    try:
        con = duckdb.connect(
            ":memory:",
            config={
                "threads": settings.duckdb_threads,
                "memory_limit": memory_limit or settings.duckdb_memory_limit,
                "max_temp_directory_size": max_temp_size or DEFAULT_MAX_TEMP_SIZE,
                # spill files go to a private dir: the only one a locked session may touch
                "temp_directory": str(spill),
                # never let `FROM some_name` read a Python variable of the caller
                "python_enable_replacements": False,
            },
        )
    except BaseException:
        shutil.rmtree(spill, ignore_errors=True)
        raise
    try:
        # TimeZone in the config of an in-memory database fails before ICU is loaded
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"ATTACH {literal(snapshot)} AS {ident(SNAPSHOT_ALIAS)} (READ_ONLY)")
        if brand is None:
            con.execute(f"USE {ident(SNAPSHOT_ALIAS)}")
        else:
            _check_brand(con, snapshot, brand)
            _copy_brand(con, brand, tables)
            con.execute(f"DETACH {ident(SNAPSHOT_ALIAS)}")
            # the snapshot's table macros, over this session's copies of the brand's rows
            create_macros(con, "memory")
        for statement in LOCKDOWN:
            con.execute(statement)
        yield con
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def _brand_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(schema, table) of every snapshot table that has a brand_id column."""
    return con.execute(
        """
        SELECT schema_name, table_name FROM duckdb_columns()
        WHERE database_name = ? AND column_name = 'brand_id'
        ORDER BY schema_name, table_name
        """,
        [SNAPSHOT_ALIAS],
    ).fetchall()


def _check_brand(con: duckdb.DuckDBPyConnection, snapshot: Path, brand: str) -> None:
    """Refuse a brand the snapshot does not know, without naming the ones it does."""
    manifest = read_manifest(snapshot)
    if manifest is not None and isinstance(manifest.get("brands"), list):
        if brand in manifest["brands"]:
            return
    else:
        for schema, table in _brand_tables(con):
            found = con.execute(
                f"SELECT 1 FROM {qualified(SNAPSHOT_ALIAS, schema, table)} "  # noqa: S608 - catalog names
                "WHERE CAST(brand_id AS VARCHAR) = ? LIMIT 1",
                [brand],
            ).fetchone()
            if found:
                return
    raise UnknownBrand(f"unknown brand {brand!r}: it has no data in the published snapshot")


def _copy_brand(
    con: duckdb.DuckDBPyConnection, brand: str, wanted: set[tuple[str, str]] | None = None
) -> None:
    """Copy the brand's rows of every table (of the `wanted` ones only, when given) into
    memory under the same schema.table names.

    ENUM columns become VARCHAR: an ENUM type would carry every brand's values.
    """
    schemas = con.execute(
        "SELECT schema_name FROM duckdb_schemas() WHERE database_name = ? AND NOT internal",
        [SNAPSHOT_ALIAS],
    ).fetchall()
    for (schema,) in schemas:
        if schema != "main":
            con.execute(f"CREATE SCHEMA IF NOT EXISTS memory.{ident(schema)}")
    for schema, table in _brand_tables(con):
        named = wanted is None or bool(
            {(schema.lower(), table.lower()), ("", table.lower())} & wanted
        )
        if named:
            _copy_table(con, schema, table, brand)
    for schema, table in _shared_tables(con):
        _copy_table(con, schema, table, None)


def _shared_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(schema, table) of the SHARED_TABLES the snapshot holds (an older one may lack them)."""
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ?",
        [SNAPSHOT_ALIAS],
    ).fetchall()
    return sorted(r for r in rows if (r[0], r[1]) in SHARED_TABLES)


def _copy_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, brand: str | None) -> None:
    """Copy one snapshot table into memory: the brand's rows, or every row (brand None)."""
    columns = con.execute(
        """
        SELECT column_name, data_type FROM duckdb_columns()
        WHERE database_name = ? AND schema_name = ? AND table_name = ?
        ORDER BY column_index
        """,
        [SNAPSHOT_ALIAS, schema, table],
    ).fetchall()
    select = ", ".join(_column_expr(name, data_type) for name, data_type in columns)
    sql = (
        f"CREATE TABLE {qualified('memory', schema, table)} AS "  # noqa: S608 - catalog names
        f"SELECT {select} FROM {qualified(SNAPSHOT_ALIAS, schema, table)}"
    )
    if brand is None:
        con.execute(sql)
    else:
        con.execute(sql + " WHERE CAST(brand_id AS VARCHAR) = ?", [brand])
    copy_comments(con, SNAPSHOT_ALIAS, "memory", schema, table)  # the data dictionary


def _column_expr(name: str, data_type: str) -> str:
    if "ENUM(" not in data_type:
        return ident(name)
    return f"CAST({ident(name)} AS {_ENUM.sub('VARCHAR', data_type)}) AS {ident(name)}"
