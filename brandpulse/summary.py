"""What the warehouse holds, printed after `make run`: loads, rejects, marts, how to query."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

import duckdb

from brandpulse import db
from brandpulse.config import get_settings
from brandpulse.sql_text import qualified

BRANDPULSE = ".venv/bin/brandpulse"

EXAMPLE_QUERY = (
    "SELECT f.funnel_name, c.step_number, c.event_name, c.persons, "
    "round(c.conversion_from_start, 3) AS conv "
    "FROM marts.funnel_conversion AS c JOIN marts.funnels AS f USING (brand_id, funnel_id) "
    "ORDER BY f.funnel_name, c.step_number LIMIT 10"
)


def example_command(con: duckdb.DuckDBPyConnection) -> str:
    """A `brandpulse query` command that runs when pasted into a shell from the repository
    root: a real brand id (shell-quoted), never a placeholder like <brand_id>."""
    brand = _first_brand(con)
    scope = f"--brand {shlex.quote(brand)} " if brand else ""
    return f"{BRANDPULSE} query {scope}{shlex.quote(EXAMPLE_QUERY)}"


def _first_brand(con: duckdb.DuckDBPyConnection) -> str | None:
    for schema, table in (("marts", "brands"), ("raw", "brands")):
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
        if exists:
            row = con.execute(
                f"SELECT min(brand_id) FROM {qualified(schema, table)}"  # noqa: S608 - fixed names
            ).fetchone()
            if row and row[0] is not None:
                return str(row[0])
    return None


def load_totals(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Per source: rows read, loaded, duplicates, rejected (from raw.load_audit)."""
    return con.execute(
        """SELECT source, count(DISTINCT _partition_date), sum(rows_read), sum(rows_loaded),
                  sum(rows_duplicate), sum(rows_rejected)
           FROM raw.load_audit GROUP BY source ORDER BY source"""
    ).fetchall()


def schema_relations(
    con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]
) -> list[tuple[str, str, int, str]]:
    """(schema, name, rows, kind) of every table and view of `schemas`: a table's row
    count is DuckDB's estimate (free); a view's is counted (marts such as funnel_persons
    are views on an intermediate table)."""
    marks = ", ".join("?" for _ in schemas)
    tables = con.execute(
        "SELECT schema_name, table_name, estimated_size FROM duckdb_tables() "
        f"WHERE schema_name IN ({marks})",
        list(schemas),
    ).fetchall()
    views = con.execute(
        f"SELECT schema_name, view_name FROM duckdb_views() WHERE schema_name IN ({marks})",
        list(schemas),
    ).fetchall()
    counted = [
        (s, v, con.execute(f"SELECT count(*) FROM {qualified(s, v)}").fetchone()[0], "view")
        for s, v in views
    ]
    return sorted([(s, t, n, "table") for s, t, n in tables] + counted)


def render(warehouse: Path) -> str:
    lines: list[str] = []
    with db.connect(warehouse, read_only=True) as con:
        lines.append(
            f"{'source':<24}{'days':>6}{'read':>12}{'loaded':>12}{'duplicates':>12}{'rejected':>10}  balanced"
        )
        for source, days, read, loaded, dup, rejected in load_totals(con):
            ok = "yes" if read == loaded + dup + rejected else "NO"
            lines.append(
                f"{source:<24}{days:>6}{read:>12,}{loaded:>12,}{dup:>12,}{rejected:>10,}  {ok}"
            )
        reasons = con.execute(
            "SELECT source, split_part(reason, ':', 1) AS code, count(*) FROM raw.rejected_rows "
            "GROUP BY ALL ORDER BY 1, 2"
        ).fetchall()
        if reasons:
            lines.append("\nrejected rows by reason (raw.rejected_rows):")
            lines += [f"  {source:<22}{code:<28}{n:>8,}" for source, code, n in reasons]
        relations = schema_relations(con, ("marts", "ml", "ai"))
        if relations:
            lines.append("\ntables (approximate rows) and views:")
            lines += [
                f"  {s}.{t:<40}{n:>10,}{'  (view)' if kind == 'view' else ''}"
                for s, t, n, kind in relations
            ]
        command = example_command(con)
    lines.append(f"\nwarehouse: {warehouse}")
    lines.append("example query (published snapshot, one brand only; paste it as it is):")
    lines.append(f"  {command}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse", type=Path, default=None, help="warehouse file (default: configured)"
    )


def run(args: argparse.Namespace) -> int:
    warehouse = args.warehouse or get_settings().warehouse_path
    if not warehouse.exists():
        print(f"No warehouse at {warehouse}: run `make run` first.")
        return 1
    print(render(warehouse))
    return 0
