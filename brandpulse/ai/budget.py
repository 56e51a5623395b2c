"""Budget and quota ledger: reserve before a provider call, settle after it.

Why a separate SQLite file and not a warehouse table: reservations happen while the
provider calls run, outside the warehouse write pool, possibly from several
processes (two partitions processed at once). DuckDB allows one writing process per
file and the warehouse pool has size 1, so a ledger in the warehouse would either
serialise every call behind the pool or fail to open. SQLite's `BEGIN IMMEDIATE`
takes the file's write lock across processes, so "check the budget, then insert the
reservation" is atomic: two partitions can never both see the same headroom.

The ledger is also the job's journal. One row per idempotency key holds the
decision (`reserved`, `settled`, `released`, `rejected`) and, once a call finished,
its full outcome as JSON. A run killed after a call but before the warehouse write
finds the outcome here on rerun: the request is never sent again and never charged
twice. Spending of a brand-month = settled actual cost + open reservations.

Calls run concurrently, in threads and in several processes, so a reservation names its
owner (host:pid). A reservation whose owner died (kill -9 mid-batch) is abandoned: the
next run releases it (`release_abandoned`) before it reserves again, so every
reservation ends settled or released. A live owner's reservation is `in_flight`
elsewhere and is left alone (never sent twice at once).

The `plans` table holds each partition's planned generations between the job's steps
(plan -> provider calls -> warehouse write), so the calls step needs no warehouse.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from brandpulse.ai.retry import utcnow

SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger (
    idempotency_key TEXT PRIMARY KEY,
    brand_id TEXT NOT NULL,
    generation_id TEXT NOT NULL,
    model TEXT NOT NULL,
    budget_month TEXT NOT NULL,
    budget_day TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('reserved', 'settled', 'released', 'rejected')),
    reserved_usd REAL NOT NULL,
    actual_usd REAL,
    reason TEXT,
    outcome_json TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_brand_month ON ledger (brand_id, budget_month);
CREATE INDEX IF NOT EXISTS ledger_brand_day ON ledger (brand_id, budget_day);
CREATE TABLE IF NOT EXISTS plans (
    idempotency_key TEXT PRIMARY KEY,
    partition_date TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS plans_partition ON plans (partition_date);
CREATE TABLE IF NOT EXISTS cancellations (
    idempotency_key TEXT PRIMARY KEY,
    brand_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    cancelled_at TEXT NOT NULL
);
"""
MIGRATIONS = ("ALTER TABLE ledger ADD COLUMN owner TEXT",)


def this_owner() -> str:
    """host:pid of the calling process: who holds a reservation while its call runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str | None) -> bool:
    """False only when the owner is a process of this host that no longer exists."""
    if not owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another host's process: cannot tell, assume alive
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Limits:
    """What a brand may spend/generate; None = unlimited."""

    monthly_budget_usd: float | None
    daily_quota: int | None
    model_daily_limit: int | None = None
    model_monthly_usd: float | None = None


@dataclass(frozen=True)
class Reservation:
    """The ledger's answer for a key: the current state and, when finished, the outcome."""

    state: str
    reserved_usd: float
    actual_usd: float | None
    reason: str | None
    outcome: dict[str, Any] | None
    created: bool  # False when the key was already in the ledger (a rerun)


@dataclass(frozen=True)
class LedgerRow:
    idempotency_key: str
    brand_id: str
    generation_id: str
    model: str
    budget_month: str
    budget_day: str
    state: str
    reserved_usd: float
    actual_usd: float | None
    reason: str | None
    created_at: str
    updated_at: str

    def mirrored(self) -> dict[str, Any]:
        """The row as ai.budget_ledger holds it (typed day and timestamps, not ISO text)."""
        return {
            **self.__dict__,
            "budget_day": date.fromisoformat(self.budget_day) if self.budget_day else None,
            "created_at": datetime.fromisoformat(self.created_at) if self.created_at else None,
            "updated_at": datetime.fromisoformat(self.updated_at) if self.updated_at else None,
        }


_SPENT_SQL = """SELECT COALESCE(SUM(CASE state WHEN 'settled' THEN actual_usd WHEN 'reserved' THEN reserved_usd
                                      ELSE 0 END), 0)
FROM ledger WHERE brand_id = ? AND idempotency_key <> ? AND budget_month = ? AND (? IS NULL OR model = ?)"""
_COUNT_SQL = """SELECT COALESCE(SUM(CASE WHEN state IN ('settled', 'reserved') THEN 1 ELSE 0 END), 0)
FROM ledger WHERE brand_id = ? AND idempotency_key <> ? AND budget_day = ? AND (? IS NULL OR model = ?)"""
_ALL_ROWS_SQL = """SELECT idempotency_key, brand_id, generation_id, model, budget_month, budget_day, state,
    reserved_usd, actual_usd, reason, created_at, updated_at FROM ledger"""
_ROWS_BY_KEYS_SQL = """SELECT idempotency_key, brand_id, generation_id, model, budget_month, budget_day, state,
    reserved_usd, actual_usd, reason, created_at, updated_at FROM ledger
WHERE idempotency_key IN (SELECT value FROM json_each(?))"""


class BudgetLedger:
    """A SQLite ledger file shared by every process that processes AI requests."""

    def __init__(self, path: Path | str, timeout_s: float = 60.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.timeout_s = timeout_s
        with self._connect() as con:
            con.executescript(SCHEMA)
            columns = {r[1] for r in con.execute("PRAGMA table_info(ledger)").fetchall()}
            if "owner" not in columns:
                for statement in MIGRATIONS:
                    con.execute(statement)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            yield con
        finally:
            con.close()

    @contextmanager
    def _immediate(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that holds SQLite's write lock from its first statement."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    @staticmethod
    def _reservation(row: tuple, created: bool) -> Reservation:
        state, reserved, actual, reason, outcome = row
        return Reservation(
            state, reserved, actual, reason, json.loads(outcome) if outcome else None, created
        )

    def get(self, key: str) -> Reservation | None:
        with self._connect() as con:
            row = con.execute(
                "SELECT state, reserved_usd, actual_usd, reason, outcome_json FROM ledger WHERE idempotency_key = ?",
                (key,),
            ).fetchone()
        return None if row is None else self._reservation(row, created=False)

    def reserve(
        self,
        key: str,
        *,
        brand_id: str,
        generation_id: str,
        model: str,
        month: str,
        day: str,
        amount_usd: float,
        limits: Limits,
    ) -> Reservation:
        """Reserve `amount_usd` for `key` unless a budget or quota would be exceeded.

        Idempotent: a key already in the ledger returns its existing state unchanged
        (a `released` key, whose earlier call failed, may be reserved again). A refusal
        is recorded as `rejected` with its reason, so a rerun decides the same way.
        """
        now = utcnow().isoformat()
        me = this_owner()
        with self._immediate() as con:
            cancelled = con.execute(
                "SELECT reason FROM cancellations WHERE idempotency_key = ?", (key,)
            ).fetchone()
            if cancelled is not None:
                return Reservation("cancelled", 0.0, None, cancelled[0], None, created=False)
            row = con.execute(
                "SELECT state, reserved_usd, actual_usd, reason, outcome_json, owner FROM ledger WHERE idempotency_key = ?",
                (key,),
            ).fetchone()
            if row is not None and row[0] == "reserved" and row[5] != me and owner_alive(row[5]):
                return Reservation("in_flight", row[1], None, row[3], None, created=False)
            abandoned = row is not None and row[0] == "reserved" and row[5] != me
            if row is not None and row[0] != "released" and not abandoned:
                return self._reservation(row[:5], created=False)
            reason = self._refusal(con, key, brand_id, model, month, day, amount_usd, limits)
            state = "rejected" if reason else "reserved"
            con.execute(
                """INSERT INTO ledger (idempotency_key, brand_id, generation_id, model, budget_month, budget_day,
                       state, reserved_usd, actual_usd, reason, outcome_json, created_at, updated_at, owner)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, ?, ?, ?)
                   ON CONFLICT (idempotency_key) DO UPDATE SET state = excluded.state,
                       reserved_usd = excluded.reserved_usd, reason = excluded.reason, owner = excluded.owner,
                       outcome_json = NULL, actual_usd = NULL, updated_at = excluded.updated_at""",
                (
                    key,
                    brand_id,
                    generation_id,
                    model,
                    month,
                    day,
                    state,
                    amount_usd if not reason else 0.0,
                    reason,
                    now,
                    now,
                    me,
                ),
            )
            return Reservation(
                state, amount_usd if not reason else 0.0, None, reason, None, created=True
            )

    @staticmethod
    def _refusal(
        con: sqlite3.Connection,
        key: str,
        brand_id: str,
        model: str,
        month: str,
        day: str,
        amount: float,
        limits: Limits,
    ) -> str | None:
        def spent(model: str | None) -> float:
            return con.execute(_SPENT_SQL, (brand_id, key, month, model, model)).fetchone()[0]

        def count(model: str | None) -> int:
            return con.execute(_COUNT_SQL, (brand_id, key, day, model, model)).fetchone()[0]

        if limits.monthly_budget_usd is not None:
            used = spent(None)
            if used + amount > limits.monthly_budget_usd + 1e-12:
                return (
                    f"budget_exceeded: monthly AI budget {limits.monthly_budget_usd:.2f} USD for {month}, "
                    f"{used:.6f} used or reserved, request needs up to {amount:.6f}"
                )
        if limits.daily_quota is not None and count(None) + 1 > limits.daily_quota:
            return f"quota_exceeded: daily generation quota {limits.daily_quota} reached for {day}"
        if limits.model_daily_limit is not None and count(model) + 1 > limits.model_daily_limit:
            return f"model_quota_exceeded: {model} limit of {limits.model_daily_limit} generations a day reached for {day}"
        if (
            limits.model_monthly_usd is not None
            and spent(model) + amount > limits.model_monthly_usd + 1e-12
        ):
            return f"model_budget_exceeded: {model} limit of {limits.model_monthly_usd:.2f} USD a month reached for {month}"
        return None

    def settle(self, key: str, actual_usd: float, outcome: dict[str, Any]) -> Reservation:
        """Charge the actual cost and journal the outcome. Settling twice charges once."""
        with self._immediate() as con:
            row = con.execute(
                "SELECT state, reserved_usd, actual_usd, reason, outcome_json FROM ledger WHERE idempotency_key = ?",
                (key,),
            ).fetchone()
            if row is None:
                raise KeyError(f"no reservation for {key}")
            if row[0] == "settled":
                return self._reservation(row, created=False)
            con.execute(
                "UPDATE ledger SET state = 'settled', actual_usd = ?, outcome_json = ?, updated_at = ? WHERE idempotency_key = ?",
                (actual_usd, json.dumps(outcome), utcnow().isoformat(), key),
            )
        return Reservation("settled", row[1], actual_usd, None, outcome, created=False)

    def release(self, key: str, reason: str, outcome: dict[str, Any]) -> None:
        """Free a reservation whose call failed (nothing billed) and journal why."""
        with self._immediate() as con:
            con.execute(
                """UPDATE ledger SET state = 'released', actual_usd = 0, reason = ?, outcome_json = ?, updated_at = ?
                   WHERE idempotency_key = ? AND state = 'reserved'""",
                (reason, json.dumps(outcome), utcnow().isoformat(), key),
            )

    def cancel(self, key: str, brand_id: str, reason: str) -> str:
        """Cancel a request before it is sent: `cancelled` (or `already_cancelled`), else why not
        (`already_sent`: a call is in flight or done; `already_final`: it was rejected).
        Atomic with `reserve`: a request is either cancelled or sent, never both."""
        with self._immediate() as con:
            if con.execute(
                "SELECT 1 FROM cancellations WHERE idempotency_key = ?", (key,)
            ).fetchone():
                return "already_cancelled"
            row = con.execute(
                "SELECT state FROM ledger WHERE idempotency_key = ?", (key,)
            ).fetchone()
            if row is not None and row[0] in ("reserved", "settled"):
                return "already_sent"
            if row is not None and row[0] == "rejected":
                return "already_final"
            con.execute(
                "INSERT INTO cancellations (idempotency_key, brand_id, reason, cancelled_at) VALUES (?, ?, ?, ?)",
                (key, brand_id, reason, utcnow().isoformat()),
            )
            return "cancelled"

    def get_many(self, keys: list[str]) -> dict[str, Reservation]:
        """`get` for many keys in one query (the write step reads a whole partition)."""
        with self._connect() as con:
            found = con.execute(
                """SELECT idempotency_key, state, reserved_usd, actual_usd, reason, outcome_json FROM ledger
                   WHERE idempotency_key IN (SELECT value FROM json_each(?))""",
                (json.dumps(keys),),
            ).fetchall()
        return {row[0]: self._reservation(row[1:], created=False) for row in found}

    def cancellations(self, keys: list[str]) -> dict[str, str]:
        """Cancellation reasons of the cancelled keys among `keys`."""
        with self._connect() as con:
            found = con.execute(
                """SELECT idempotency_key, reason FROM cancellations
                   WHERE idempotency_key IN (SELECT value FROM json_each(?))""",
                (json.dumps(keys),),
            ).fetchall()
        return dict(found)

    def cancellation(self, key: str) -> str | None:
        """The reason a request was cancelled, or None."""
        with self._connect() as con:
            row = con.execute(
                "SELECT reason FROM cancellations WHERE idempotency_key = ?", (key,)
            ).fetchone()
        return None if row is None else row[0]

    def requeue(self, keys: list[str], reason: str) -> int:
        """Forget the journaled outcome of failed (released) calls so they are sent again."""
        with self._immediate() as con:
            return con.execute(
                """UPDATE ledger SET outcome_json = NULL, reason = ?, updated_at = ?
                   WHERE state = 'released' AND idempotency_key IN (SELECT value FROM json_each(?))""",
                (reason, utcnow().isoformat(), json.dumps(keys)),
            ).rowcount

    def release_abandoned(self, keys: list[str] | None = None) -> int:
        """Release reservations whose owning process died mid-call (nothing was charged:
        the call's outcome was never journaled). Returns how many were released."""
        with self._connect() as con:
            sql = "SELECT idempotency_key, owner FROM ledger WHERE state = 'reserved'"
            found = con.execute(sql).fetchall()
        wanted = None if keys is None else set(keys)
        dead = [(k, o) for k, o in found if (wanted is None or k in wanted) and not owner_alive(o)]
        released = 0
        for key, owner in dead:
            with self._immediate() as con:
                released += con.execute(
                    """UPDATE ledger SET state = 'released', actual_usd = 0, updated_at = ?,
                           reason = 'abandoned: the process that reserved it (' || coalesce(owner, '?') || ') died'
                       WHERE idempotency_key = ? AND state = 'reserved' AND owner IS ?""",
                    (utcnow().isoformat(), key, owner),
                ).rowcount
        return released

    def states(self) -> dict[str, int]:
        """Ledger rows per state (a finished, healthy ledger has no `reserved` left)."""
        with self._connect() as con:
            return dict(con.execute("SELECT state, count(*) FROM ledger GROUP BY 1").fetchall())

    def save_plans(self, partition_date: str, plans: dict[str, dict[str, Any]]) -> None:
        """Store (replace) planned generations of a partition, keyed by idempotency key."""
        now = utcnow().isoformat()
        with self._immediate() as con:
            con.execute("DELETE FROM plans WHERE partition_date = ?", (partition_date,))
            con.executemany(
                """INSERT INTO plans (idempotency_key, partition_date, plan_json, updated_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (idempotency_key) DO UPDATE SET partition_date = excluded.partition_date,
                       plan_json = excluded.plan_json, updated_at = excluded.updated_at""",
                [(k, partition_date, json.dumps(v), now) for k, v in plans.items()],
            )

    def load_plans(self, partition_date: str) -> list[dict[str, Any]]:
        with self._connect() as con:
            found = con.execute(
                "SELECT plan_json FROM plans WHERE partition_date = ? ORDER BY rowid",
                (partition_date,),
            ).fetchall()
        return [json.loads(r[0]) for r in found]

    def rows(self, keys: list[str] | None = None) -> list[LedgerRow]:
        """Ledger rows (all, or those of `keys`) for mirroring into ai.budget_ledger."""
        with self._connect() as con:
            if keys is None:
                found = con.execute(_ALL_ROWS_SQL).fetchall()
            else:
                found = con.execute(_ROWS_BY_KEYS_SQL, (json.dumps(keys),)).fetchall()
        return [LedgerRow(*row) for row in found]

    def spent(self, brand_id: str, month: str) -> float:
        """Settled plus reserved USD of a brand-month."""
        with self._connect() as con:
            return con.execute(_SPENT_SQL, (brand_id, "", month, None, None)).fetchone()[0]
