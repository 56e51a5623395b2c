"""Publish the marts, ml and ai schemas as a read-only snapshot, switched in atomically.

Readers (`brandpulse query`, notebooks, BI tools) never open the warehouse a run is
writing: they open the current snapshot. A snapshot is a new DuckDB file, written
completely, checkpointed and closed before the pointer `CURRENT` is replaced
(temp file + `os.replace`), so a reader sees either the old snapshot or the new one,
never half of one. A failure midway deletes the half-written file and leaves
`CURRENT` as it was. Old snapshots are pruned, keeping the newest few and never the
one that was current until now (a reader may have just resolved it).

Layout under the published dir:
    CURRENT                              "snapshots/<name>.duckdb"
    current.duckdb -> snapshots/<name>.duckdb   (symlink, for the DuckDB CLI and BI tools)
    snapshots/<name>.duckdb              the snapshot
    snapshots/<name>.json                its manifest: tables, row counts, brands, source
    snapshots/<name>.brands/<hash>.duckdb  one brand's rows of every table (brandpulse.brand_files)

Tables with a `brand_id` are written sorted by it, so a brand's rows sit in their own
row groups: `WHERE brand_id = ?` and the per-brand files read only those.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from brandpulse import db
from brandpulse.brand_files import MANIFEST_KEY, brands_dir, write_brand_files
from brandpulse.config import get_settings
from brandpulse.snapshot_macros import create_macros
from brandpulse.sql_text import ident, literal, qualified

DEFAULT_SCHEMAS: tuple[str, ...] = ("marts", "ml", "ai")
KEEP_SNAPSHOTS = 3
POINTER = "CURRENT"
SYMLINK = "current.duckdb"
SNAPSHOT_DIR = "snapshots"
_RESERVED_CATALOGS = {"memory", "system", "temp", "main"}


class PublishError(RuntimeError):
    """The snapshot could not be published; the previous one is still current."""


def publish_snapshot(
    warehouse_path: Path | str | None = None,
    published_dir: Path | str | None = None,
    schemas: tuple[str, ...] | list[str] = DEFAULT_SCHEMAS,
    keep: int = KEEP_SNAPSHOTS,
    descriptions: Mapping[str, str] | None = None,
    column_descriptions: Mapping[str, Mapping[str, str]] | None = None,
) -> Path:
    """Copy `schemas` of the warehouse into a new snapshot file and make it current.

    Every table keeps its comments (dbt writes them from the model docs); a table without
    one gets `descriptions["schema.table"]` (the Python assets' descriptions) and a column
    without one `column_descriptions["schema.table"][column]` (their declared columns), so the data
    dictionary travels with the snapshot. Returns the path of the new snapshot. Raises
    PublishError (or the underlying error) with `CURRENT` untouched when anything fails
    before the switch.
    """
    settings = get_settings()
    warehouse = Path(warehouse_path or settings.warehouse_path).resolve()
    published = Path(published_dir or settings.published_dir).resolve()
    if not warehouse.is_file():
        raise PublishError(f"no warehouse at {warehouse}: nothing to publish")
    snapshots = published / SNAPSHOT_DIR
    snapshots.mkdir(parents=True, exist_ok=True)

    with _publish_lock(published):
        previous = current_snapshot(published)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"
        target = snapshots / f"{name}.duckdb"
        manifest_path = snapshots / f"{name}.json"
        try:
            manifest = _build_snapshot(
                warehouse, target, list(schemas), descriptions or {}, column_descriptions or {}
            )
            manifest["snapshot"] = target.name
            _write_atomic(manifest_path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
            _switch_current(published, target)
        except BaseException:
            for leftover in (target, _wal(target), manifest_path):
                leftover.unlink(missing_ok=True)
            shutil.rmtree(brands_dir(target), ignore_errors=True)
            raise
        _prune(snapshots, keep=keep, protect={target, previous})
    return target


def current_snapshot(published_dir: Path | str | None = None) -> Path | None:
    """The snapshot `CURRENT` points at, or None when nothing was published yet.

    Resolve it once and open that path: a later publish switches `CURRENT`, not the
    file already resolved.
    """
    published = Path(published_dir or get_settings().published_dir).resolve()
    try:
        relative = (published / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not relative:
        return None
    path = (published / relative).resolve()
    return path if path.is_file() else None


def read_manifest(snapshot: Path) -> dict[str, Any] | None:
    """The manifest written beside `snapshot`, or None when it is missing or unreadable."""
    try:
        return json.loads(snapshot.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _build_snapshot(
    warehouse: Path,
    target: Path,
    schemas: list[str],
    descriptions: Mapping[str, str],
    column_descriptions: Mapping[str, Mapping[str, str]],
) -> dict[str, Any]:
    """Write the snapshot file: every table and view of `schemas` as a table.

    The warehouse is attached READ_ONLY under its own catalog name (the file stem),
    because dbt-duckdb writes views that name their catalog explicitly.
    """
    source = warehouse.stem
    if source.lower() in _RESERVED_CATALOGS:
        raise PublishError(f"warehouse file name {warehouse.name!r} clashes with a DuckDB catalog")
    con = db.connect(target)
    try:
        con.execute(f"ATTACH {literal(warehouse)} AS {ident(source)} (READ_ONLY)")
        relations = _source_relations(con, source, schemas)
        tables: list[dict[str, Any]] = []
        for schema in sorted({s for s, _, _ in relations} | _source_schemas(con, source, schemas)):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {ident(schema)}")
        for schema, table, kind in relations:
            tables.append(_copy_relation(con, source, schema, table, kind))
            copy_comments(
                con,
                source,
                target.stem,
                schema,
                table,
                descriptions.get(f"{schema}.{table}"),
                column_descriptions.get(f"{schema}.{table}"),
            )
        macros = create_macros(con, target.stem)
        brands = _brands(con, source, tables)
        con.execute(f"DETACH {ident(source)}")
        con.execute("CHECKPOINT")
        brand_files = write_brand_files(con, target.stem, target, brands)
    finally:
        con.close()
    _fsync(target)
    return {
        "published_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z",
        "source_warehouse": str(warehouse),
        "schemas": schemas,
        "tables": tables,
        "macros": macros,
        "brands": brands,
        MANIFEST_KEY: brand_files,
    }


def _source_schemas(con: duckdb.DuckDBPyConnection, source: str, schemas: list[str]) -> set[str]:
    rows = con.execute(
        "SELECT schema_name FROM duckdb_schemas() WHERE database_name = ? AND list_contains(?, schema_name)",
        [source, schemas],
    ).fetchall()
    return {r[0] for r in rows}


def _source_relations(
    con: duckdb.DuckDBPyConnection, source: str, schemas: list[str]
) -> list[tuple[str, str, str]]:
    """(schema, name, 'table' | 'view') of the warehouse's relations in `schemas`."""
    return con.execute(
        """
        SELECT schema_name, table_name, 'table' FROM duckdb_tables()
        WHERE database_name = ? AND list_contains(?, schema_name) AND NOT temporary
        UNION ALL
        SELECT schema_name, view_name, 'view' FROM duckdb_views()
        WHERE database_name = ? AND list_contains(?, schema_name) AND NOT internal AND NOT temporary
        ORDER BY 1, 2
        """,
        [source, schemas, source, schemas],
    ).fetchall()


def _copy_relation(
    con: duckdb.DuckDBPyConnection, source: str, schema: str, name: str, kind: str
) -> dict[str, Any]:
    """Materialise one warehouse table or view as a table of the snapshot, sorted by
    brand_id when it has one (each brand's rows in their own row groups)."""
    has_brand = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ? AND column_name = 'brand_id'",
        [source, schema, name],
    ).fetchone()[0]
    order = " ORDER BY brand_id" if has_brand else ""
    con.execute(
        f"CREATE TABLE {qualified(schema, name)} AS SELECT * FROM {qualified(source, schema, name)}{order}"  # noqa: S608 - catalog names, quoted
    )
    rows = con.execute(f"SELECT count(*) FROM {qualified(schema, name)}").fetchone()[0]  # noqa: S608
    columns = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = ? AND table_name = ? ORDER BY column_index",
            [schema, name],
        ).fetchall()
    ]
    return {
        "schema": schema,
        "table": name,
        "source_kind": kind,
        "rows": int(rows),
        "has_brand_id": "brand_id" in columns,
        "columns": columns,
    }


def copy_comments(
    con: duckdb.DuckDBPyConnection,
    source: str,
    target: str,
    schema: str,
    table: str,
    fallback: str | None = None,
    column_fallbacks: Mapping[str, str] | None = None,
) -> None:
    """Copy the table (or view) comment and the column comments of source.schema.table
    onto target.schema.table; `fallback` when the source has no table comment,
    `column_fallbacks[column]` for a column without one."""
    row = con.execute(
        "SELECT comment FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ? UNION ALL SELECT comment FROM duckdb_views() "
        "WHERE database_name = ? AND schema_name = ? AND view_name = ?",
        [source, schema, table] * 2,
    ).fetchone()
    comment = (row[0] if row else None) or fallback
    name = qualified(target, schema, table)
    if comment:
        con.execute(f"COMMENT ON TABLE {name} IS {literal(comment)}")
    columns = con.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE database_name = ? "
        "AND schema_name = ? AND table_name = ? AND comment IS NOT NULL AND comment <> ''",
        [source, schema, table],
    ).fetchall()
    for column, text in columns:
        con.execute(f"COMMENT ON COLUMN {name}.{ident(column)} IS {literal(text)}")
    if column_fallbacks:
        uncommented = con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
            "AND schema_name = ? AND table_name = ? AND coalesce(comment, '') = ''",
            [target, schema, table],
        ).fetchall()
        for (column,) in uncommented:
            text = column_fallbacks.get(column)
            if text:
                con.execute(f"COMMENT ON COLUMN {name}.{ident(column)} IS {literal(text)}")


def _brands(con: duckdb.DuckDBPyConnection, source: str, tables: list[dict[str, Any]]) -> list[str]:
    """Every brand the snapshot knows: raw.brands of the warehouse plus any brand with rows."""
    parts = [
        f"SELECT CAST(brand_id AS VARCHAR) AS b FROM {qualified(t['schema'], t['table'])}"  # noqa: S608
        for t in tables
        if t["has_brand_id"]
    ]
    has_brands = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'raw' "
        "AND table_name = 'brands'",
        [source],
    ).fetchone()[0]
    if has_brands:
        brands_table = qualified(source, "raw", "brands")
        parts.append(f"SELECT CAST(brand_id AS VARCHAR) AS b FROM {brands_table}")  # noqa: S608
    if not parts:
        return []
    union = " UNION ".join(parts)
    sql = f"SELECT DISTINCT b FROM ({union}) WHERE b IS NOT NULL ORDER BY b"  # noqa: S608
    rows = con.execute(sql).fetchall()
    return [r[0] for r in rows]


def _switch_current(published: Path, target: Path) -> None:
    """Point CURRENT (and the convenience symlink) at `target`, each in one rename."""
    relative = target.relative_to(published).as_posix()
    _write_atomic(published / POINTER, relative + "\n")
    tmp_link = published / f".{SYMLINK}.{uuid.uuid4().hex}"
    os.symlink(relative, tmp_link)
    os.replace(tmp_link, published / SYMLINK)
    _fsync_dir(published)


def _write_atomic(path: Path, text: str) -> None:
    """Write `text` to a temp file beside `path`, flush it to disk, then rename over `path`."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _prune(snapshots: Path, keep: int, protect: set[Path | None]) -> list[Path]:
    """Delete all but the newest `keep` snapshots, never one in `protect`."""
    protected = {p.resolve() for p in protect if p is not None}
    files = sorted(snapshots.glob("*.duckdb"), key=lambda p: p.name, reverse=True)
    removed: list[Path] = []
    for old in files[max(keep, 1) :]:
        if old.resolve() in protected:
            continue
        for path in (old, _wal(old), old.with_suffix(".json")):
            path.unlink(missing_ok=True)
        shutil.rmtree(brands_dir(old), ignore_errors=True)
        removed.append(old)
    return removed


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _publish_lock(published: Path) -> Iterator[None]:
    """One publisher at a time per published dir (readers take no lock)."""
    published.mkdir(parents=True, exist_ok=True)
    with open(published / ".publish.lock", "a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--warehouse", type=Path, help="warehouse file (default: configured)")
    parser.add_argument("--published-dir", type=Path, help="published dir (default: configured)")
    parser.add_argument(
        "--schema",
        action="append",
        dest="schemas",
        help=f"schema to publish, repeatable (default: {', '.join(DEFAULT_SCHEMAS)})",
    )
    parser.add_argument("--keep", type=int, default=KEEP_SNAPSHOTS, help="snapshots to keep")


def run(args: argparse.Namespace) -> int:
    try:
        path = publish_snapshot(
            args.warehouse,
            args.published_dir,
            tuple(args.schemas or DEFAULT_SCHEMAS),
            keep=args.keep,
        )
    except (PublishError, duckdb.Error) as exc:
        print(f"publish failed: {exc}", file=sys.stderr)
        return 1
    manifest = read_manifest(path) or {}
    tables = manifest.get("tables", [])
    print(f"published {path}")
    for t in tables:
        print(f"  {t['schema']}.{t['table']}: {t['rows']} rows")
    print(f"{len(tables)} tables, {len(manifest.get('brands', []))} brands")
    return 0
