"""The durable alert ledger: every alert once per destination, across runs and restarts.

A SQLite file next to the warehouse data (not the warehouse: the sensor must never wait
for the one DuckDB writer). An alert key enters once per destination (`INSERT OR
IGNORE`); delivery marks it sent, a failure schedules a retry with backoff. A crash
between a delivery and its mark can repeat that one alert (at-least-once), never drop it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    alert_key TEXT NOT NULL,
    destination TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at REAL NOT NULL,
    created_at REAL NOT NULL,
    sent_at REAL,
    PRIMARY KEY (alert_key, destination)
)
"""
BASE_BACKOFF_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 3600.0


@dataclass(frozen=True)
class Pending:
    alert_key: str
    destination: str
    payload: dict
    attempts: int


class AlertLedger:
    """One SQLite file; short transactions, safe to open from every sensor tick."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=10)
        try:
            with con:
                yield con
        finally:
            con.close()

    def enqueue(self, alerts: list[dict], destinations: list[str], now: float | None = None) -> int:
        """Add each alert for each destination unless its key is already there; returns
        how many (alert, destination) rows are new."""
        now = time.time() if now is None else now
        rows = [
            (a["key"], d, json.dumps(a, sort_keys=True, default=str), now, now)
            for a in alerts
            for d in destinations
        ]
        with self._connect() as con:
            before = con.total_changes
            con.executemany(
                "INSERT OR IGNORE INTO alerts (alert_key, destination, payload, next_attempt_at, "
                "created_at) VALUES (?, ?, ?, ?, ?)",
                rows,
            )
            return con.total_changes - before

    def due(self, destination: str, now: float | None = None, limit: int = 200) -> list[Pending]:
        now = time.time() if now is None else now
        with self._connect() as con:
            rows = con.execute(
                "SELECT alert_key, destination, payload, attempts FROM alerts "
                "WHERE destination = ? AND status = 'pending' AND next_attempt_at <= ? "
                "ORDER BY created_at, alert_key LIMIT ?",
                (destination, now, limit),
            ).fetchall()
        return [Pending(k, d, json.loads(p), a) for k, d, p, a in rows]

    def mark_sent(self, item: Pending, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._connect() as con:
            con.execute(
                "UPDATE alerts SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
                "last_error = NULL WHERE alert_key = ? AND destination = ?",
                (now, item.alert_key, item.destination),
            )

    def mark_failed(self, item: Pending, error: str, now: float | None = None) -> float:
        """Schedule the next attempt (30 s, 60 s, ... at most an hour); returns its delay."""
        now = time.time() if now is None else now
        delay = min(BASE_BACKOFF_SECONDS * 2**item.attempts, MAX_BACKOFF_SECONDS)
        with self._connect() as con:
            con.execute(
                "UPDATE alerts SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
                "WHERE alert_key = ? AND destination = ?",
                (error[:500], now + delay, item.alert_key, item.destination),
            )
        return delay

    def counts(self) -> dict[str, int]:
        with self._connect() as con:
            return dict(con.execute("SELECT status, count(*) FROM alerts GROUP BY 1").fetchall())
