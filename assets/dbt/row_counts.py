"""Row counts of the tables a dbt step built, on their materializations in the UI.

dagster-dbt's own `fetch_row_counts()` queries the warehouse while dbt is still running;
DuckDB allows one writer per file, so those queries would fail on dbt's lock. Here the
step's events are held until dbt has exited, then every table model's row count is read
in one read-only query (DuckDB's exact count of a table, `estimated_size`) and attached
as `dagster/row_count`, as the Python assets do. Views are not counted (counting one runs
its whole query), as in dagster-dbt. A dbt failure still yields the events of the models
built before it, then raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import duckdb
from dagster import AssetMaterialization, MetadataValue, Output

from brandpulse import db

ROW_COUNT = "dagster/row_count"


def with_row_counts(
    events: Iterable[Any], manifest: Mapping[str, Any], warehouse_path: str
) -> Iterator[Any]:
    """`events` of one dbt invocation, with row counts attached once dbt has finished."""
    held: list[Any] = []
    failure: BaseException | None = None
    try:
        for event in events:
            held.append(event)
    except Exception as exc:  # noqa: BLE001 - re-raised below, after the built models
        failure = exc
    counts = _table_rows(warehouse_path) if held else {}
    for event in held:
        yield _attach(event, manifest, counts)
    if failure is not None:
        raise failure


def _table_rows(warehouse_path: str) -> dict[tuple[str, str], int]:
    """(schema, table) -> rows of every table of the warehouse; empty when unreadable."""
    try:
        with db.connect(warehouse_path, read_only=True) as con:
            rows = con.execute(
                "SELECT schema_name, table_name, estimated_size FROM duckdb_tables()"
            ).fetchall()
    except duckdb.Error:
        return {}
    return {(schema.lower(), table.lower()): int(n) for schema, table, n in rows}


def _attach(event: Any, manifest: Mapping[str, Any], counts: dict[tuple[str, str], int]) -> Any:
    if not isinstance(event, Output | AssetMaterialization):
        return event
    unique_id = _metadata_text(event.metadata.get("unique_id"))
    node = manifest.get("nodes", {}).get(unique_id or "")
    if not node or node.get("config", {}).get("materialized") == "view":
        return event
    key = (str(node.get("schema", "")).lower(), str(node.get("alias") or node.get("name")).lower())
    if key not in counts:
        return event
    return event.with_metadata({**event.metadata, ROW_COUNT: MetadataValue.int(counts[key])})


def _metadata_text(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))
