"""The key digest: (64-bit hash of a row's de-duplication key, arrival day) of the landing
rows raw holds, one table per partitioned source in schema `ingest_keys`.

Why: a landing row is a duplicate when raw holds its key in an earlier partition outside
the load. Searching `raw.<source>` for it joined every key string raw holds, once per
batch: the part of ingest that grew with the table (19-34 s of a 10M load). The digest
makes that search a join on one integer column; the few rows it matches are confirmed
against raw's own rows on the days the digest names (so a hash collision never makes a
row a duplicate, and the rules stay those of `raw.<source>` itself).

What it holds: exactly one entry per row of `raw.<source>` that came from a landing file
(`_source_file` not `app:...`) and has an arrival day. The app extraction's rows are not
in it (brandpulse/app writes raw without it): they are searched in raw, on the few row
groups that hold them. Ingest updates it in the transaction that writes raw, so a crash
leaves both as they were. `sync` checks it against raw at the start of every multi-day
load (per arrival day, by row count: one scan of two small columns) and rebuilds the
days that differ (a warehouse from before the digest, rows written by another path), and
all of it when DuckDB's `hash` no longer gives the stored probe value (a new version).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import duckdb

from brandpulse.db import transaction
from brandpulse.ingest.sources import Source
from brandpulse.raw_schema import Column, Table

SCHEMA = "ingest_keys"
APP_PREFIX = "app:"
"""`_source_file` prefix of the app extraction's rows (load.APP_ORIGIN_PREFIX)."""
PROBE_SQL = "hash('brandpulse key digest', CAST(42 AS BIGINT), DATE '2026-01-01')"
"""A fixed value hashed the way keys are: a different result means `hash` changed."""

PROBE = Table(SCHEMA, "hash_probe", (Column("probe", "UBIGINT", not_null=True),))


def digest_table(source: Source) -> Table:
    """The digest of one partitioned source (declared here, once)."""
    return Table(
        SCHEMA,
        source.name,
        (
            Column("key_hash", "UBIGINT", not_null=True),
            Column("_partition_date", "DATE", not_null=True),
        ),
    )


def key_hash(source: Source, alias: str) -> str:
    """SQL: the 64-bit hash of the de-duplication key of the row `alias`."""
    return f"hash({', '.join(f'{alias}.{k}' for k in source.dedup_key)})"


def landing_row(alias: str) -> str:
    """SQL: the row of `alias` is one the digest holds (from a landing file, with a day)."""
    return (
        f"({alias}._partition_date IS NOT NULL "
        f"AND NOT starts_with(coalesce({alias}._source_file, ''), '{APP_PREFIX}'))"
    )


def app_row(alias: str) -> str:
    """SQL: the row of `alias` is the app extraction's. A range on the text, not
    `starts_with`, so DuckDB skips row groups of landing rows by their min/max."""
    return (
        f"({alias}._source_file >= '{APP_PREFIX}' "
        f"AND {alias}._source_file < '{APP_PREFIX[:-1]}{chr(ord(APP_PREFIX[-1]) + 1)}')"
    )


def ensure(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(digest_table(source).create_sql())
    con.execute(PROBE.create_sql())


def sync(con: duckdb.DuckDBPyConnection, source: Source) -> list[date]:
    """Make the digest hold exactly raw's landing rows per arrival day (one transaction);
    the days rebuilt."""
    ensure(con, source)
    digest = digest_table(source).qualified
    with transaction(con):
        probe = con.execute(f"SELECT {PROBE_SQL}").fetchone()[0]
        stored = [r[0] for r in con.execute(f"SELECT probe FROM {PROBE.qualified}").fetchall()]
        if stored != [probe]:  # first use, or DuckDB's hash changed: nothing in it holds
            con.execute(f"DELETE FROM {PROBE.qualified}")
            con.execute(f"INSERT INTO {PROBE.qualified} VALUES (?)", [probe])
            for (table,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? AND table_name <> ?",
                [SCHEMA, PROBE.name],
            ).fetchall():
                con.execute(f"DELETE FROM {SCHEMA}.{table}")
        stale = [
            r[0]
            for r in con.execute(
                f"""WITH held AS (SELECT _partition_date, count(*) AS n FROM raw.{source.name} t
                                  WHERE {landing_row("t")} GROUP BY ALL),
                         digested AS (SELECT _partition_date, count(*) AS n FROM {digest} GROUP BY ALL)
                    SELECT _partition_date FROM held FULL JOIN digested USING (_partition_date)
                    WHERE held.n IS DISTINCT FROM digested.n ORDER BY 1"""
            ).fetchall()
        ]
        if stale:
            refresh(con, source, stale)
    return stale


def refresh(con: duckdb.DuckDBPyConnection, source: Source, days: Iterable[date]) -> None:
    """Rebuild the digest of `days` from raw (inside the caller's transaction)."""
    days = sorted(set(days))
    if not days:
        return
    digest = digest_table(source).qualified
    params = {"days": days, "first": days[0], "last": days[-1]}
    con.execute(
        f"""DELETE FROM {digest} WHERE _partition_date BETWEEN $first AND $last
            AND list_contains($days, _partition_date)""",
        params,
    )
    con.execute(
        f"""INSERT INTO {digest} SELECT {key_hash(source, "t")}, t._partition_date
            FROM raw.{source.name} t WHERE t._partition_date BETWEEN $first AND $last
            AND list_contains($days, t._partition_date) AND {landing_row("t")}""",
        params,
    )


def replace_days(
    con: duckdb.DuckDBPyConnection, source: Source, days: list[date], fresh: str
) -> None:
    """The digest of the load's `days` becomes the keys of `fresh` (the rows inserted into
    raw for them), inside the caller's write transaction."""
    digest = digest_table(source).qualified
    if days:
        con.execute(
            f"""DELETE FROM {digest} WHERE _partition_date BETWEEN $first AND $last
                AND list_contains($days, _partition_date)""",
            {"days": days, "first": min(days), "last": max(days)},
        )
    con.execute(
        f"INSERT INTO {digest} SELECT {key_hash(source, 'f')}, f._partition_date FROM {fresh} f"
    )


def holds_earlier(con: duckdb.DuckDBPyConnection, source: Source, days: list[date]) -> bool:
    """Whether the digest holds a day before the load's last one that the load does not
    replace: when not (days load in order into an empty table), no search is needed."""
    return bool(
        con.execute(
            f"""SELECT EXISTS (SELECT 1 FROM {digest_table(source).qualified}
                WHERE _partition_date < $last AND NOT list_contains($days, _partition_date))""",
            {"days": days, "last": max(days)},
        ).fetchone()[0]
    )


def holds_app_rows(con: duckdb.DuckDBPyConnection, source: Source, before: date) -> bool:
    """Whether raw holds an app extraction row of a day before `before`."""
    return bool(
        con.execute(
            f"""SELECT EXISTS (SELECT 1 FROM raw.{source.name} t
                WHERE {app_row("t")} AND t._partition_date < $before)""",
            {"before": before},
        ).fetchone()[0]
    )
