"""Loading one landing partition (or snapshot) into `raw.*` in one transaction.

Validation and de-duplication run into temp tables first; the write that replaces the
partition (rows, rejected rows, audit) is one short transaction, so a failure at any
point leaves the previous contents intact and a rerun gives the same tables.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from brandpulse.config import get_settings
from brandpulse.db import transaction
from brandpulse.ingest import key_digest
from brandpulse.ingest.definitions import PARSERS, DefinitionError
from brandpulse.ingest.reader import UnreadableFile, landing_name, list_files, read_lines
from brandpulse.ingest.sources import SOURCES, Source
from brandpulse.ingest.validate import validation_sql
from brandpulse.raw_schema import RAW_TABLES, ensure_ai_schema, ensure_raw_schema


@dataclass
class FileReport:
    file: str
    partition: date | None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_duplicate + self.rows_rejected


@dataclass
class LoadReport:
    source: str
    partitions: list[date | None]
    files: list[FileReport] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    replaced_later_copies: int = 0
    seconds: float = 0.0

    def total(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files)

    @property
    def balanced(self) -> bool:
        return all(f.balanced for f in self.files)

    def merge(self, other: LoadReport) -> None:
        self.partitions += other.partitions
        self.files += other.files
        for reason, n in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + n
        self.replaced_later_copies += other.replaced_later_copies
        self.seconds += other.seconds

    def as_metadata(self) -> dict[str, object]:
        return {
            "partitions": len(self.partitions),
            "files": len(self.files),
            "rows_read": self.total("rows_read"),
            "rows_loaded": self.total("rows_loaded"),
            "rows_duplicate": self.total("rows_duplicate"),
            "rows_rejected": self.total("rows_rejected"),
            "balanced": self.balanced,
            "rejected_by_reason": dict(sorted(self.reasons.items())),
            "seconds": round(self.seconds, 3),
        }


CHILD_TABLES = {
    "funnels": ("funnel_steps", "funnel_step_filters", "funnel_exclusions"),
    "segments": ("segment_rule_nodes",),
}
"""Rows derived from a definition, replaced together with their definition table."""

BATCH_BYTES = 256 * 1024 * 1024
"""Landing bytes loaded per transaction in a multi-day load: bounds memory at any scale."""


def _before_commit(con: duckdb.DuckDBPyConnection) -> None:
    """Hook called inside the write transaction, before COMMIT (tests inject failures here)."""


def _key_match(source: Source, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{k} IS NOT DISTINCT FROM {right}.{k}" for k in source.dedup_key)


def _validate(con: duckdb.DuckDBPyConnection, source: Source, lines: pa.Table) -> None:
    """Fill temp table `_validated` with typed rows and their reason (NULL = good).

    A good row's line text is not kept (only rejected rows and definitions, parsed again in
    Python, need it): copying every line once more cost as much as the typed columns.
    """
    validation = validation_sql(source)
    if not source.definition:
        validation = f"SELECT * REPLACE (CASE WHEN reason IS NOT NULL THEN raw END AS raw) FROM ({validation})"
    con.register("lines", lines)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _validated AS {validation}")
    con.unregister("lines")


def _apply_definitions(con: duckdb.DuckDBPyConnection, source: Source) -> dict[str, pa.Table]:
    """Validate definitions in Python (few rows); failures become reasons in `_validated`."""
    rows = con.execute(
        "SELECT file, line, raw FROM _validated WHERE reason IS NULL ORDER BY file, line"
    ).fetchall()
    parser = PARSERS[source.name]
    id_col = source.dedup_key[1]
    main: list[dict] = []
    children: dict[str, list[dict]] = {}
    failures: list[tuple[str, int, str]] = []
    seen: set[tuple[str, str]] = set()
    for file, line, raw in rows:
        doc = json.loads(raw)
        key = (doc["brand_id"], doc[id_col])
        if key in seen:  # the duplicate is accounted by the generic de-duplication
            continue
        seen.add(key)
        try:
            parsed = parser(doc)
        except DefinitionError as exc:
            failures.append((file, line, f"invalid_definition: {exc}"))
            continue
        ids = {"brand_id": doc["brand_id"], id_col: doc[id_col]}
        main.append({**ids, **parsed.row, "definition": raw, "_source_file": file, "_line": line})
        for table, child_rows in parsed.children.items():
            children.setdefault(table, []).extend({**ids, **r} for r in child_rows)
    if failures:
        con.executemany(
            "UPDATE _validated SET reason = ? WHERE file = ? AND line = ?",
            [(reason, file, line) for file, line, reason in failures],
        )
    tables = {source.name: _to_arrow(source.name, main)} if main else {}
    for table, child_rows in children.items():
        if child_rows:
            tables[table] = _to_arrow(table, child_rows)
    return tables


def _to_arrow(table: str, rows: list[dict]) -> pa.Table:
    """Rows of raw.<table> as Arrow typed by its declaration (brandpulse/raw_schema.py), with
    the declared columns any row has (a row without one holds null there)."""
    declared = RAW_TABLES[table]
    present = {k for row in rows for k in row}
    return declared.to_arrow(rows, [c for c in declared.column_names if c in present])


def data_columns(table: str) -> list[str]:
    """The declared columns of raw.<table> that hold data, not lineage (`_...`)."""
    return [c for c in RAW_TABLES[table].column_names if not c.startswith("_")]


def insert_definitions_sql(
    table: str, main: str, rows: pa.Table, skip: tuple[str, ...] = ()
) -> str:
    """INSERT of the registered `_defs` rows into raw.<table>; the definition table itself
    (`main`) also gets its load time."""
    names = [c for c in rows.column_names if c not in skip]
    if table == main:
        names.append("_loaded_at")
    return RAW_TABLES[table].insert_sql("_defs", names, {"_loaded_at": "now()"})


def insert_fresh_sql(table: str, line: str = "line", source: str = "_fresh") -> str:
    """INSERT of the validated, de-duplicated rows of `source` (default the `_fresh` temp
    table; a subquery in parentheses works too) into raw.<table>, with lineage."""
    names = [*data_columns(table), "_partition_date", "_source_file", "_line", "_loaded_at"]
    lineage = {"_source_file": "file", "_line": line, "_loaded_at": "now()"}
    return RAW_TABLES[table].insert_sql(source, names, lineage)


APP_ORIGIN_PREFIX = key_digest.APP_PREFIX
"""`_source_file` / `file` prefix of rows extracted from the app database (brandpulse/app):
a landing load never replaces them, nor does an extraction replace landing rows."""


def _in_scope(source: Source, alias: str, file_column: str = "_source_file") -> str:
    """SQL condition: the row of `alias` belongs to the partitions this load replaces."""
    from_landing = f"NOT starts_with(coalesce({alias}.{file_column}, ''), '{APP_ORIGIN_PREFIX}')"
    if source.partitioned:
        return f"(list_contains($days, {alias}._partition_date) AND {from_landing})"
    return f"({alias}._partition_date IS NULL AND {from_landing})"


def _dedupe(con: duckdb.DuckDBPyConnection, source: Source, days: list[date]) -> None:
    """Find the duplicates among the good rows (temp table `_duplicates`: their rowid in
    `_validated` and file) and define `_fresh`, the good rows to insert, as a view: the
    rows are not copied once more, and leaving the duplicates out is an anti join on one
    integer.

    A key seen earlier in this load (by arrival day, file, line) or held by an earlier
    partition outside this load is a duplicate. A copy held by a later partition is
    replaced (see `_write`): the earliest arrival wins, whatever order days load in.
    Only rows whose key hash is seen more than once in this load are ordered, by their
    key itself (a window over every row cost more than the rest of it; grouping the
    integer hash instead of the key's strings halved the rest); the warehouse is searched
    through the key digest (`_held_earlier`).
    """
    keys = ", ".join(source.dedup_key)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _duplicates AS
            WITH good AS (
                SELECT rowid AS row_id, {key_digest.key_hash(source, "_validated")} AS key_hash
                FROM _validated WHERE reason IS NULL
            ),
            repeated AS (SELECT key_hash FROM good GROUP BY ALL HAVING count(*) > 1),
            candidates AS (SELECT g.row_id FROM good g SEMI JOIN repeated r USING (key_hash))
            SELECT row_id, file FROM (
                SELECT v.rowid AS row_id, v.file, v.line, v._partition_date, {keys}
                FROM _validated v SEMI JOIN candidates c ON c.row_id = v.rowid
                WHERE v.reason IS NULL
                QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY _partition_date, file, line) > 1
            )"""
    )
    if source.partitioned and days:
        _held_earlier(con, source, days)
    con.execute(
        """CREATE OR REPLACE TEMP VIEW _fresh AS
           SELECT * EXCLUDE (raw, field_reason, reason) FROM _validated v
           ANTI JOIN _duplicates d ON d.row_id = v.rowid
           WHERE v.reason IS NULL"""
    )


def _held_earlier(con: duckdb.DuckDBPyConnection, source: Source, days: list[date]) -> None:
    """Add to `_duplicates` the good rows whose key raw holds in an earlier partition
    outside this load.

    Landing rows are found in the key digest (a join on the key's hash), each match then
    confirmed against raw's row on the day the digest names: only those days' row groups
    are read. The app extraction's rows (not in the digest) are searched in raw, only
    when raw holds one before the load's last day.
    """
    last = max(days)
    not_yet = "g.rowid NOT IN (SELECT row_id FROM _duplicates)"
    if key_digest.holds_earlier(con, source, days):
        hits_keys = ", ".join(f"g.{k}" for k in source.dedup_key)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _digest_hits AS
                SELECT g.rowid AS row_id, g.file, k._partition_date AS held_day, {hits_keys}
                FROM _validated g JOIN {key_digest.digest_table(source).qualified} k
                    ON k.key_hash = {key_digest.key_hash(source, "g")}
                WHERE g.reason IS NULL AND k._partition_date < g._partition_date
                  AND NOT list_contains($days, k._partition_date) AND {not_yet}""",
            {"days": days},
        )
        first_held, last_held = con.execute(
            "SELECT min(held_day), max(held_day) FROM _digest_hits"
        ).fetchone()
        if first_held is not None:
            con.execute(
                f"""INSERT INTO _duplicates
                    SELECT DISTINCT h.row_id, h.file FROM _digest_hits h WHERE EXISTS (
                        SELECT 1 FROM raw.{source.name} e
                        WHERE e._partition_date BETWEEN $first AND $last
                          AND e._partition_date = h.held_day
                          AND {key_digest.landing_row("e")} AND {_key_match(source, "e", "h")})""",
                {"first": first_held, "last": last_held},
            )
        con.execute("DROP TABLE _digest_hits")
    if key_digest.holds_app_rows(con, source, last):
        con.execute(
            f"""INSERT INTO _duplicates
                SELECT g.rowid, g.file FROM _validated g
                WHERE g.reason IS NULL AND {not_yet} AND EXISTS (
                    SELECT 1 FROM raw.{source.name} e
                    WHERE {key_digest.app_row("e")} AND e._partition_date < $last
                      AND e._partition_date < g._partition_date AND {_key_match(source, "e", "g")})""",
            {"last": last},
        )


def _holds_outside(
    con: duckdb.DuckDBPyConnection, source: Source, days: list[date], op: str, bound: date
) -> bool:
    """Whether raw.<source> holds a row outside this load's scope whose partition is `op`
    (`<` or `>`) `bound`: a cheap look (the date filter skips row groups by their min/max)
    that spares a join against the whole table when the answer is no, as when days load
    in order."""
    return bool(
        con.execute(
            f"""SELECT EXISTS (SELECT 1 FROM raw.{source.name} t
                WHERE t._partition_date {op} $bound AND NOT {_in_scope(source, "t")})""",
            {"days": days, "bound": bound},
        ).fetchone()[0]
    )


def _write(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    days: list[date],
    unreadable: list[UnreadableFile],
    definition_tables: dict[str, pa.Table],
    files_read: list[tuple[str, date | None]],
) -> int:
    """The one write transaction: replace this load's partitions (or the snapshot) everywhere."""
    name = source.name
    params = {"days": days, "source": name}
    replaced = 0
    with transaction(con):
        if source.partitioned:
            con.execute(
                f"""DELETE FROM raw.{name} t WHERE t._partition_date BETWEEN $first AND $last
                    AND {_in_scope(source, "t")}""",
                {"days": days, "first": min(days, default=None), "last": max(days, default=None)},
            )
            if days and _holds_outside(con, source, days, ">", min(days)):
                gone = con.execute(
                    f"""DELETE FROM raw.{name} t WHERE t._partition_date > $first
                        AND NOT {_in_scope(source, "t")}
                        AND EXISTS (SELECT 1 FROM _fresh r WHERE t._partition_date > r._partition_date
                                    AND {_key_match(source, "t", "r")})
                        RETURNING t._partition_date""",
                    {"days": days, "first": min(days)},
                ).fetchall()
                replaced = len(gone)
                key_digest.refresh(con, source, (day for (day,) in gone))
        else:
            con.execute(f"DELETE FROM raw.{name} t WHERE {_in_scope(source, 't')}")
        if source.definition:
            id_col = source.dedup_key[1]
            for table in CHILD_TABLES.get(name, ()):  # the rows of definitions now gone
                con.execute(
                    f"""DELETE FROM raw.{table} c WHERE NOT EXISTS (SELECT 1 FROM raw.{name} p
                        WHERE p.brand_id = c.brand_id AND p.{id_col} = c.{id_col})"""
                )
            for table, rows in definition_tables.items():
                con.register("_defs", rows)
                con.execute(insert_definitions_sql(table, name, rows))
                con.unregister("_defs")
        else:
            con.execute(insert_fresh_sql(name))
            if source.partitioned:
                key_digest.replace_days(con, source, days, "_fresh")
        scope = _in_scope(source, "t", "file")
        scope_params = params if source.partitioned else {"source": name}
        con.execute(
            f"DELETE FROM raw.rejected_rows t WHERE source = $source AND {scope}", scope_params
        )
        con.execute(
            """INSERT INTO raw.rejected_rows (source, file, line, reason, raw, rejected_at, brand_id, _partition_date)
               SELECT $source, file, line, reason, raw, now(),
                      CASE WHEN json_valid(raw) AND json_type(raw) = 'OBJECT' THEN json_extract_string(raw, '$.brand_id') END,
                      _partition_date
               FROM _validated WHERE reason IS NOT NULL""",
            {"source": name},
        )
        con.execute(
            f"DELETE FROM raw.load_audit t WHERE source = $source AND {scope}", scope_params
        )
        # per-file counts on each side, then joined by file (not row by row); the rows
        # loaded are the good ones that are not duplicates
        con.execute(
            """INSERT INTO raw.load_audit
               SELECT $source, v._partition_date, v.file, v.rows_read,
                      v.rows_good - coalesce(d.rows_duplicate, 0), coalesce(d.rows_duplicate, 0),
                      v.rows_read - v.rows_good, now()
               FROM (
                   SELECT _partition_date, file, count(*) AS rows_read,
                          count(*) FILTER (WHERE reason IS NULL) AS rows_good
                   FROM _validated GROUP BY ALL
               ) AS v
               LEFT JOIN (SELECT file, count(*) AS rows_duplicate FROM _duplicates GROUP BY file) AS d
                   ON d.file = v.file""",
            {"source": name},
        )
        if unreadable:
            con.executemany(
                "INSERT INTO raw.rejected_rows (source, file, line, reason, raw, rejected_at, brand_id, "
                "_partition_date) VALUES (?, ?, NULL, ?, NULL, now(), NULL, ?)",
                [(name, u.file, u.reason, u.partition) for u in unreadable],
            )
            con.executemany(
                "INSERT INTO raw.load_audit VALUES (?, ?, ?, 1, 0, 0, 1, now())",
                [(name, u.partition, u.file) for u in unreadable],
            )
        # a file without rows (empty, or blank lines only) gets its audit row too: 0 = 0 + 0 + 0
        if files_read:  # one statement for all files (one each cost ~1 ms a file)
            con.register("_files_read", _files_table(files_read))
            con.execute(
                """INSERT INTO raw.load_audit SELECT $source, f.day, f.file, 0, 0, 0, 0, now()
                   FROM _files_read f WHERE NOT EXISTS (SELECT 1 FROM raw.load_audit a
                                                        WHERE a.source = $source AND a.file = f.file)""",
                {"source": name},
            )
            con.unregister("_files_read")
        _before_commit(con)
    return replaced


def _files_table(files_read: list[tuple[str, date | None]]) -> pa.Table:
    return pa.table(
        {
            "file": pa.array([file for file, _ in files_read], pa.string()),
            "day": pa.array([day for _, day in files_read], pa.date32()),
        }
    )


def _report(
    con: duckdb.DuckDBPyConnection, source: Source, days: list[date], replaced: int, started: float
) -> LoadReport:
    scope = _in_scope(source, "t", "file")
    params = (
        {"days": days, "source": source.name} if source.partitioned else {"source": source.name}
    )
    report = LoadReport(
        source.name, list(days) if source.partitioned else [None], replaced_later_copies=replaced
    )
    for file, day, read, loaded, dup, rejected in con.execute(
        f"""SELECT file, _partition_date, rows_read, rows_loaded, rows_duplicate, rows_rejected
            FROM raw.load_audit t WHERE source = $source AND {scope} ORDER BY _partition_date, file""",
        params,
    ).fetchall():
        report.files.append(FileReport(file, day, read, loaded, dup, rejected))
    report.reasons = dict(
        con.execute(
            f"""SELECT split_part(reason, ':', 1), count(*) FROM raw.rejected_rows t
            WHERE source = $source AND {scope} GROUP BY 1""",
            params,
        ).fetchall()
    )
    report.seconds = time.perf_counter() - started
    return report


def _load(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    files: list[tuple[Path, date | None]],
    landing_dir: Path,
    days: list[date],
    read: Future[tuple[pa.Table, list[UnreadableFile]]] | None = None,
) -> LoadReport:
    """Load one batch of files; `read` is their lines when already being read (see
    `load_partitions`), else they are read here."""
    started = time.perf_counter()
    ensure_raw_schema(con)
    ensure_ai_schema(con)
    if read is None:
        lines, unreadable = read_lines(files, landing_dir, get_settings().max_line_bytes)
    else:
        lines, unreadable = read.result()
    _validate(con, source, lines)
    del lines
    definition_tables = _apply_definitions(con, source) if source.definition else {}
    _dedupe(con, source, days)
    if source.definition:  # only definitions that survived de-duplication are written
        keep = {tuple(r) for r in con.execute("SELECT file, line FROM _fresh").fetchall()}
        main = definition_tables.get(source.name)
        if main is not None:
            mask = [
                (f, ln) in keep
                for f, ln in zip(
                    main["_source_file"].to_pylist(), main["_line"].to_pylist(), strict=True
                )
            ]
            definition_tables[source.name] = main.filter(pa.array(mask))
    files_read = [(landing_name(path, landing_dir), day) for path, day in files]
    replaced = _write(con, source, days, unreadable, definition_tables, files_read)
    con.execute("DROP VIEW IF EXISTS _fresh")
    for temp in ("_validated", "_duplicates"):
        con.execute(f"DROP TABLE IF EXISTS {temp}")
    return _report(con, source, days, replaced, started)


def _batches(
    landing_dir: Path, source_name: str, days: list[date]
) -> Iterator[tuple[list[date], list[tuple[Path, date]]]]:
    """Consecutive groups of days whose files add up to at most BATCH_BYTES (at least one day)."""
    batch_days: list[date] = []
    batch_files: list[tuple[Path, date]] = []
    size = 0
    for day in sorted(days):
        files = list_files(landing_dir / source_name / f"date={day.isoformat()}")
        day_size = sum(p.stat().st_size for p in files)
        if batch_days and size + day_size > BATCH_BYTES:
            yield batch_days, batch_files
            batch_days, batch_files, size = [], [], 0
        batch_days.append(day)
        batch_files += [(p, day) for p in files]
        size += day_size
    if batch_days:
        yield batch_days, batch_files


def load_partitions(
    con: duckdb.DuckDBPyConnection,
    source_name: str,
    days: list[date],
    landing_dir: Path,
    progress: Callable[[LoadReport], None] | None = None,
) -> LoadReport:
    """Replace partitions `days` (arrival days) of a partitioned source from their files.

    Days are loaded in batches of bounded size; each batch replaces its days in one
    transaction. A day without files is replaced by nothing (its rows are removed).
    The next batch's files are read in a thread while DuckDB works on the current one
    (reading is Python, DuckDB releases the GIL): at most two batches are in memory.
    """
    source = SOURCES[source_name]
    if not source.partitioned:
        raise ValueError(f"{source_name} is a snapshot source: use load_snapshot")
    total = LoadReport(source_name, [])
    batches = list(_batches(landing_dir, source_name, days))
    ensure_raw_schema(con)
    key_digest.sync(con, source)
    max_line_bytes = get_settings().max_line_bytes
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-read") as reader:

        def read(files: list[tuple[Path, date]]) -> Future[tuple[pa.Table, list[UnreadableFile]]]:
            return reader.submit(read_lines, files, landing_dir, max_line_bytes)

        upcoming = read(batches[0][1]) if batches else None
        for i, (batch_days, files) in enumerate(batches):
            current, upcoming = upcoming, read(batches[i + 1][1]) if i + 1 < len(batches) else None
            report = _load(con, source, files, landing_dir, batch_days, current)
            total.merge(report)
            if progress:
                progress(report)
    return total


def load_partition(
    con: duckdb.DuckDBPyConnection, source_name: str, partition: date, landing_dir: Path
) -> LoadReport:
    """Replace one partition (arrival day) of a partitioned source from its files."""
    return load_partitions(con, source_name, [partition], landing_dir)


def newest_snapshot_file(folder: Path) -> Path | None:
    """The snapshot file that wins: newest modification time, then name."""
    files = list_files(folder)
    return max(files, key=lambda p: (p.stat().st_mtime_ns, p.name)) if files else None


def load_snapshot(
    con: duckdb.DuckDBPyConnection, source_name: str, landing_dir: Path
) -> LoadReport:
    """Replace a snapshot source (brands, funnels, cohorts, segments) from its newest file."""
    source = SOURCES[source_name]
    if source.partitioned:
        raise ValueError(f"{source_name} is partitioned: use load_partitions")
    newest = newest_snapshot_file(landing_dir / source_name)
    return _load(con, source, [(newest, None)] if newest else [], landing_dir, [])


def partitions_with_files(landing_dir: Path, source_name: str) -> list[date]:
    """Arrival days that have a `date=YYYY-MM-DD` folder with files for a source."""
    days = []
    for folder in sorted((landing_dir / source_name).glob("date=*")):
        try:
            day = date.fromisoformat(folder.name.removeprefix("date="))
        except ValueError:
            continue
        if list_files(folder):
            days.append(day)
    return days


def landing_fingerprints(landing_dir: Path, source_names: Iterable[str]) -> dict[str, str]:
    """Arrival day -> sha256 of that day's landing files (name, size, mtime) of the sources.

    The same file set always gives the same digest and any added or changed file a new
    one: sensors use it as the run key, so the same files never launch twice. Files are
    the ones ingestion reads (`list_files`).
    """
    entries: dict[str, list[str]] = {}
    for name in source_names:
        for folder in sorted((landing_dir / name).glob("date=*")):
            for path in list_files(folder):
                stat = path.stat()
                entries.setdefault(folder.name.removeprefix("date="), []).append(
                    f"{name}/{path.name}\x1f{stat.st_size}\x1f{stat.st_mtime_ns}"
                )
    return {
        day: hashlib.sha256("\n".join(sorted(files)).encode()).hexdigest()
        for day, files in sorted(entries.items())
    }
