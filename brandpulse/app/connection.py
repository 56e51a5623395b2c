"""Connecting to the app's PostgreSQL without ever hurting it or leaking its password.

Reads run in one read-only REPEATABLE READ transaction (a consistent snapshot, no locks
beyond ACCESS SHARE) with a statement timeout. Connecting retries with exponential
backoff; the final error is one line naming host, port and database, never the password.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
from psycopg import IsolationLevel


class AppDatabaseUnavailable(RuntimeError):
    """The app database cannot be reached (after retries); the message names the host."""


def describe(url: str) -> str:
    """`host:port/dbname` of a libpq URL, for logs and errors (no user, no password)."""
    if "://" not in url:  # key=value conninfo
        info = psycopg.conninfo.conninfo_to_dict(url)
        return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or ''}"


def _scrub(message: str, url: str) -> str:
    """First line of a driver error with the URL's password removed, should it appear."""
    line = (message.strip().splitlines() or [""])[0]
    password = urlsplit(url).password if "://" in url else None
    return line.replace(password, "***") if password else line


def connect(
    url: str, *, attempts: int = 4, base_delay_s: float = 0.5, connect_timeout_s: int = 5
) -> psycopg.Connection:
    """Open a connection, retrying with exponential backoff; AppDatabaseUnavailable at the end."""
    last = ""
    for attempt in range(1, attempts + 1):
        try:
            return psycopg.connect(url, connect_timeout=connect_timeout_s, autocommit=False)
        except psycopg.OperationalError as exc:
            last = _scrub(str(exc), url)
            if attempt < attempts:
                time.sleep(base_delay_s * 2 ** (attempt - 1))
    raise AppDatabaseUnavailable(
        f"app database {describe(url)} unreachable after {attempts} attempts: {last}"
    )


@contextmanager
def read_snapshot(
    con: psycopg.Connection, statement_timeout_ms: int
) -> Iterator[psycopg.Connection]:
    """One read-only REPEATABLE READ transaction with a statement timeout (rolled back at the end)."""
    con.isolation_level = IsolationLevel.REPEATABLE_READ
    con.read_only = True
    with con.transaction(force_rollback=True):
        con.execute("SELECT set_config('statement_timeout', %s, true)", [str(statement_timeout_ms)])
        yield con
