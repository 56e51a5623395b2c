"""Kill-and-rerun never re-sends or double-charges; concurrent partitions never overspend."""

from __future__ import annotations

import multiprocessing
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from assets.ai.processing import PartitionProcessor, ProcessingOptions
from brandpulse import db
from brandpulse.ai.budget import BudgetLedger, Limits
from brandpulse.ai.providers.local import LocalProvider
from brandpulse.ai.retry import RetryPolicy
from tests.ai.conftest import D1, D2


class Killed(Exception):
    pass


def kill_after(k: int):
    def hook(done: int) -> None:
        if done == k:
            raise Killed(f"killed after {k} requests")

    return hook


def test_kill_midway_then_rerun_sends_nothing_twice(
    warehouse, http_provider, catalog, ledger, sleeper, fake_server
):
    warehouse.add_brand("b1", budget=10.0)
    for i in range(8):
        warehouse.add_request(f"r{i}", f"prompt {i} [ok]", requested_at=datetime(2026, 8, 3, 9, i))
    options = ProcessingOptions(batch_size=3, retry=RetryPolicy(max_attempts=3))
    first = PartitionProcessor(
        warehouse.open,
        http_provider,
        catalog,
        ledger,
        options,
        sleep=sleeper,
        after_request=kill_after(5),
    )
    with pytest.raises(Killed):
        first.process(D1)
    # the calls step died after 5 calls: the warehouse holds the planned rows only (the calls
    # step never opens it); the 5 finished calls are journaled in the ledger
    statuses = dict(warehouse.query("SELECT status, count(*) FROM ai.generations GROUP BY 1"))
    assert statuses == {"pending": 8}
    assert sum(fake_server.calls.values()) == 5
    assert ledger.states() == {"settled": 5}

    rerun = PartitionProcessor(
        warehouse.open, http_provider, catalog, ledger, options, sleep=sleeper
    )
    report = rerun.process(D1)
    assert (
        report.skipped_final == 0
        and report.replayed_from_journal == 5
        and report.provider_calls == 3
    )
    assert len(fake_server.calls) == 8 and set(fake_server.calls.values()) == {
        1
    }  # each key sent once
    assert dict(warehouse.query("SELECT status, count(*) FROM ai.generations GROUP BY 1")) == {
        "completed": 8
    }
    # charged exactly once per request: 8 x 0.0000135 USD
    assert ledger.spent("b1", "2026-08") == pytest.approx(8 * 0.0000135)
    assert warehouse.query("SELECT sum(cost_usd) FROM ai.generations")[0][0] == pytest.approx(
        8 * 0.0000135
    )
    assert warehouse.query("SELECT count(*) FROM ai.generation_attempts")[0][0] == 8

    third = PartitionProcessor(
        warehouse.open, http_provider, catalog, ledger, options, sleep=sleeper
    ).process(D1)
    assert (
        third.provider_calls == 0
        and third.skipped_final == 8
        and sum(fake_server.calls.values()) == 8
    )


def test_two_partitions_in_parallel_never_exceed_the_budget(warehouse, catalog, ledger, sleeper):
    budget = 0.05  # gpt-4o: each request reserves ~0.008 USD (512 output tokens at 0.015/1k)
    warehouse.add_brand("b1", budget=budget)
    for day in (D1, D2):
        for i in range(10):
            warehouse.add_request(f"{day}-{i}", f"Write tagline {i}", model="gpt-4o", partition=day,
                                  requested_at=datetime(day.year, day.month, day.day, 8, i))  # fmt: skip
    options = ProcessingOptions(batch_size=2, retry=RetryPolicy(max_attempts=5))
    errors: list[BaseException] = []
    # One database instance, a cursor per write: two threads racing duckdb.connect() on the
    # same file can trip DuckDB's instance cache (the Dagster asset opens serially).
    base = db.connect(warehouse.path)

    @contextmanager
    def cursor():
        cur = base.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def run(day) -> None:
        try:
            PartitionProcessor(
                cursor,
                LocalProvider(0.2),
                catalog,
                BudgetLedger(ledger.path),
                options,
                sleep=sleeper,
            ).process(day)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d,)) for d in (D1, D2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    base.close()
    assert not errors
    spent = warehouse.query("SELECT sum(cost_usd) FROM ai.generations WHERE status = 'completed'")[
        0
    ][0]
    statuses = dict(warehouse.query("SELECT status, count(*) FROM ai.generations GROUP BY 1"))
    assert spent <= budget and ledger.spent("b1", "2026-08") <= budget
    assert statuses.get("completed", 0) >= 5 and statuses.get("rejected", 0) >= 1
    assert statuses.get("completed", 0) + statuses.get("rejected", 0) == 20
    reasons = warehouse.query(
        "SELECT DISTINCT split_part(status_reason, ':', 1) FROM ai.generations WHERE status = 'rejected'"
    )
    assert reasons == [("budget_exceeded",)]


def _reserve_many(path: str, prefix: str, out) -> None:
    ledger = BudgetLedger(path)
    granted = 0
    for i in range(40):
        r = ledger.reserve(f"{prefix}{i}", brand_id="b1", generation_id=f"g{prefix}{i}", model="m", month="2026-08",
                           day="2026-08-03", amount_usd=0.1, limits=Limits(3.0, None))  # fmt: skip
        granted += r.state == "reserved"
    out.put(granted)


def test_reservations_are_atomic_across_processes(tmp_path: Path):
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    path = str(tmp_path / "ledger.sqlite")
    BudgetLedger(path)
    procs = [ctx.Process(target=_reserve_many, args=(path, p, out)) for p in ("a", "b", "c")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    granted = sum(out.get(timeout=5) for _ in procs)
    assert granted == 30  # 3.0 USD / 0.1 USD, no matter how the processes interleave
    assert BudgetLedger(path).spent("b1", "2026-08") == pytest.approx(3.0)


def test_ledger_is_idempotent_and_settles_once(ledger):
    kw = dict(
        brand_id="b1",
        generation_id="g",
        model="m",
        month="2026-08",
        day="2026-08-03",
        limits=Limits(1.0, 2),
    )
    first = ledger.reserve("k1", amount_usd=0.6, **kw)
    again = ledger.reserve("k1", amount_usd=0.6, **kw)
    assert (
        first.state == "reserved"
        and first.created
        and again.state == "reserved"
        and not again.created
    )
    assert ledger.reserve("k2", amount_usd=0.6, **kw).state == "rejected"  # 0.6 + 0.6 > 1.0
    ledger.settle("k1", 0.25, {"status": "completed"})
    ledger.settle("k1", 0.25, {"status": "completed"})
    assert ledger.spent("b1", "2026-08") == pytest.approx(0.25)
    assert ledger.reserve("k3", amount_usd=0.6, **kw).state == "reserved"  # 0.25 + 0.6 <= 1.0
    ledger.release("k3", "failed", {"status": "failed"})
    assert ledger.spent("b1", "2026-08") == pytest.approx(0.25)
    quota = ledger.reserve("k4", amount_usd=0.1, **kw)  # k1 settled + k4 = 2 <= quota 2
    assert quota.state == "reserved"
    assert ledger.reserve("k5", amount_usd=0.1, **kw).reason.startswith("quota_exceeded")
    assert (
        ledger.get("k2").state == "rejected"
    )  # the rejected decision is journaled (k2 stays rejected)
