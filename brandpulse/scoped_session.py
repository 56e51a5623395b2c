"""Sessions on a published snapshot: read-only, and optionally holding one brand only.

Both kinds are a fresh in-memory DuckDB that attaches the snapshot READ_ONLY and is
then locked down: no external access (files, ATTACH, COPY, extensions), no Python
replacement scans, configuration locked. A brand-scoped session attaches that brand's
own file instead (brandpulse.brand_files: written at publish, holding only the brand's
rows of every table and the catalogs every brand shares), never the snapshot, so no
other brand's data, and no path to it, exists in the session at all, whatever SQL
arrives later; nothing is copied per query. A snapshot published before per-brand
files existed is served the old way: the brand's rows of the tables the query names are
copied into memory (`brand_id = ?`) and the snapshot is detached before locking.

A fresh in-memory database per session also avoids DuckDB's per-process cache of
file databases, which refuses a second connection with different settings.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from brandpulse.brand_files import SHARED_TABLES, brand_file, brand_tables, copy_brand
from brandpulse.config import get_settings
from brandpulse.publish import read_manifest
from brandpulse.snapshot_macros import create_macros
from brandpulse.sql_text import ident, literal, qualified

__all__ = ["DEFAULT_MAX_TEMP_SIZE", "LOCKDOWN", "SHARED_TABLES", "UnknownBrand", "open_session"]

SNAPSHOT_ALIAS = "snapshot"
BRAND_ALIAS = "brand"

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

    `tables` (brand-scoped sessions on a snapshot without per-brand files): the (schema,
    table) a one-shot query names ('' = any schema); only those are copied (a table it
    does not name cannot be read, so a missed name is an error, never an empty answer).
    None copies every table: a session for many queries, or a query of the catalog.
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
        if brand is None:
            con.execute(f"ATTACH {literal(snapshot)} AS {ident(SNAPSHOT_ALIAS)} (READ_ONLY)")
            con.execute(f"USE {ident(SNAPSHOT_ALIAS)}")
        else:
            _open_brand(con, snapshot, brand, tables)
        for statement in LOCKDOWN:
            con.execute(statement)
        yield con
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def _open_brand(
    con: duckdb.DuckDBPyConnection,
    snapshot: Path,
    brand: str,
    tables: set[tuple[str, str]] | None,
) -> None:
    """Make the brand's rows, and nothing else, what the session's queries read."""
    manifest = read_manifest(snapshot)
    own_file = brand_file(snapshot, manifest, brand)
    if own_file is not None:
        con.execute(f"ATTACH {literal(own_file)} AS {ident(BRAND_ALIAS)} (READ_ONLY)")
        con.execute(f"USE {ident(BRAND_ALIAS)}")
        return
    # a snapshot without per-brand files: copy the brand's rows of the tables named
    con.execute(f"ATTACH {literal(snapshot)} AS {ident(SNAPSHOT_ALIAS)} (READ_ONLY)")
    _check_brand(con, manifest, brand)
    copy_brand(con, SNAPSHOT_ALIAS, "memory", brand, tables)
    con.execute(f"DETACH {ident(SNAPSHOT_ALIAS)}")
    # the snapshot's table macros, over this session's copies of the brand's rows
    create_macros(con, "memory")


def _check_brand(con: duckdb.DuckDBPyConnection, manifest: dict | None, brand: str) -> None:
    """Refuse a brand the snapshot does not know, without naming the ones it does."""
    if manifest is not None and isinstance(manifest.get("brands"), list):
        if brand in manifest["brands"]:
            return
    else:
        for schema, table in brand_tables(con, SNAPSHOT_ALIAS):
            found = con.execute(
                f"SELECT 1 FROM {qualified(SNAPSHOT_ALIAS, schema, table)} "  # noqa: S608 - catalog names
                "WHERE CAST(brand_id AS VARCHAR) = ? LIMIT 1",
                [brand],
            ).fetchone()
            if found:
                return
    raise UnknownBrand(f"unknown brand {brand!r}: it has no data in the published snapshot")
