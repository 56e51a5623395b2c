"""Reading app-table batches through DuckDB's postgres scanner (the fast bulk path).

The `duckdb-extension-postgres-scanner` package ships the extension built for the pinned
DuckDB; it is LOADed from the package's file (never downloaded). A throwaway in-memory
DuckDB (one per process, the extension LOADed once) attaches the app database READ_ONLY under
an alias of its own and holds ONE DuckDB transaction for the whole
extraction: the scanner maps it onto one PostgreSQL transaction, REPEATABLE READ and read
only, so every batch reads the same snapshot. The statement timeout and read-only default
travel in libpq's `options`, so the server enforces them (the extension's own
`pg_statement_timeout_millis` does not reach `postgres_query`).

Batch SQL is built by psycopg: names from the code-defined table specs, values (cursor,
id, limit) quoted by psycopg's client-side binding (`ClientCursor.mogrify`); the text then
reaches DuckDB as a bound parameter of `postgres_query`. The connection string can only
be an ATTACH literal (DuckDB takes no parameter there): libpq quotes its values
(`make_conninfo`) and the literal doubles its quotes. No error from here carries it.
"""

from __future__ import annotations

import functools
import itertools
import threading
from contextlib import suppress
from pathlib import Path
from types import TracebackType

import duckdb
import psycopg
import pyarrow as pa
from psycopg.conninfo import make_conninfo

from brandpulse.app.connection import AppDatabaseUnavailable


def extension_path() -> Path:
    """The postgres extension file the pip package ships for the running DuckDB version."""
    import duckdb_extension_postgres_scanner as package

    path = (
        Path(package.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / "postgres_scanner.duckdb_extension"
    )
    if not path.is_file():
        raise RuntimeError(
            f"duckdb-extension-postgres-scanner has no build for DuckDB {duckdb.__version__} "
            f"({path.parent} missing): pin both to the same version in pyproject.toml"
        )
    return path


@functools.cache
def _scanner_database() -> duckdb.DuckDBPyConnection:
    """The process's in-memory DuckDB with the extension loaded (LOAD costs ~0.25 s, so it
    is paid once per process, not per table). Each snapshot works in its own connection
    to it (`cursor()`): its own transaction, so its own PostgreSQL snapshot."""
    # one thread: postgres_query is one stream; more threads only spin beside the writer
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "threads": 1})
    con.execute(f"LOAD {_sql_literal(str(extension_path()))}")
    return con


_aliases = itertools.count(1)
_aliases_lock = threading.Lock()


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def scanner_conninfo(pg: psycopg.Connection, statement_timeout_ms: int) -> str:
    """The libpq connection string of `pg`'s database, with the server-side read guards."""
    params = pg.info.get_parameters()
    params.pop("options", None)
    options = (
        f"-c statement_timeout={int(statement_timeout_ms)} -c default_transaction_read_only=on"
    )
    return make_conninfo(**params, password=pg.info.password or "", options=options)


class ScannerSnapshot:
    """One read-only REPEATABLE READ snapshot of the app database, read via the scanner."""

    def __init__(self, pg: psycopg.Connection, statement_timeout_ms: int) -> None:
        self._pg = pg
        self._where = f"{pg.info.host}:{pg.info.port}/{pg.info.dbname}"
        self._password = pg.info.password or ""
        self._timeout = statement_timeout_ms
        self._con: duckdb.DuckDBPyConnection | None = None
        with _aliases_lock:
            self._alias = f"app_{next(_aliases)}"

    def _fail(self, exc: Exception, doing: str) -> AppDatabaseUnavailable:
        line = (str(exc).strip().splitlines() or [""])[0]
        if 'Unable to connect to Postgres at "' in line:  # the extension quotes the conninfo
            line = "unable to connect" + line.split('":', 1)[-1]
        if self._password:
            line = line.replace(self._password, "***")
        return AppDatabaseUnavailable(f"app database {self._where} failed while {doing}: {line}")

    def __enter__(self) -> ScannerSnapshot:
        con = _scanner_database().cursor()
        try:
            conninfo = scanner_conninfo(self._pg, self._timeout)
            con.execute(
                f"ATTACH {_sql_literal(conninfo)} AS {self._alias} (TYPE postgres, READ_ONLY)"
            )
            con.execute("BEGIN TRANSACTION")
        except duckdb.Error as exc:
            self._detach(con)
            raise self._fail(exc, "opening the scanner") from None
        self._con = con
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        con, self._con = self._con, None
        if con is not None:
            with suppress(duckdb.Error):  # the server may be gone; detaching drops it anyway
                con.execute("ROLLBACK")
            self._detach(con)

    def _detach(self, con: duckdb.DuckDBPyConnection) -> None:
        with suppress(duckdb.Error):
            con.execute(f"DETACH DATABASE IF EXISTS {self._alias}")
        con.close()

    def query(self, sql: str, params: list, doing: str) -> pa.Table:
        """Run `sql` (psycopg placeholders, values bound client-side) in the snapshot."""
        assert self._con is not None, "use ScannerSnapshot as a context manager"
        text = psycopg.ClientCursor(self._pg).mogrify(sql, params)
        try:
            result = self._con.execute("SELECT * FROM postgres_query(?, ?)", [self._alias, text])
            return result.to_arrow_table()
        except duckdb.Error as exc:
            raise self._fail(exc, doing) from None
