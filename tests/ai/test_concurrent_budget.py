"""Reserve-then-settle under concurrency: two processes with many calls in flight against one
small budget; the first is killed with SIGKILL while its calls hang at the provider, the
second runs meanwhile, then the killed day is rerun. Spend never exceeds the budget and
every reservation ends settled or released."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime

import pytest

from assets.ai.processing import PartitionProcessor, ProcessingOptions
from brandpulse.ai.retry import RetryPolicy
from brandpulse.config import REPO_ROOT
from brandpulse.resources.ai_providers import build_router, settings_from_dict
from tests.ai.conftest import D1, D2
from tests.ai.fake_openai import FakeOpenAI

BUDGET = 0.0002
"""gpt-4o-mini with max_tokens 20 reserves ~0.0000152 USD and costs 0.0000135 (10 in, 20 out):
the 15th reservation never fits, whatever the interleaving (14 x 0.0000135 + 0.0000152 > 0.0002),
so at most 14 generations complete."""
PER_DAY = 20


def start_worker(ledger_path, base_url: str, day) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.ai.calls_worker", str(ledger_path), base_url, day.isoformat(), "8"],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )  # fmt: skip


def in_flight(ledger, pid: int) -> int:
    """Reservations a process holds right now (calls it has in flight)."""
    with ledger._connect() as con:
        return con.execute(
            "SELECT count(*) FROM ledger WHERE state = 'reserved' AND owner LIKE ?", (f"%:{pid}",)
        ).fetchone()[0]


def test_two_processes_small_budget_and_a_kill_9(warehouse, catalog, ledger):
    warehouse.add_brand("b1", budget=BUDGET)
    for day in (D1, D2):
        # day 1's first calls hang at the provider: its process is killed with them in flight
        marker = "[hang1]" if day == D1 else "[ok]"
        for i in range(PER_DAY):
            warehouse.add_request(
                f"{day}-{i}", f"tagline {i} {marker}", partition=day, parameters={"max_tokens": 20},
                requested_at=datetime(day.year, day.month, day.day, 9, i),
            )  # fmt: skip
    with FakeOpenAI(slow_seconds=120, latency_s=0.05) as server:
        settings = settings_from_dict(
            {"name": "openai", "kind": "openai", "base_url": server.base_url}
        )
        options = ProcessingOptions(retry=RetryPolicy(max_attempts=3, base_delay_s=0.01))

        def processor() -> PartitionProcessor:
            return PartitionProcessor(
                warehouse.open, build_router([settings], catalog), catalog, ledger, options
            )

        for day in (D1, D2):
            processor().plan_partition(day)
        victim = start_worker(ledger.path, server.base_url, D1)
        deadline = time.monotonic() + 60
        while in_flight(ledger, victim.pid) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        survivor = start_worker(ledger.path, server.base_url, D2)
        assert survivor.wait(90) == 0  # ran while the victim's reservations were held
        held = in_flight(ledger, victim.pid)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        server.slow_seconds = 0  # the provider recovers: the rerun's calls answer at once
        # the killed process left its in-flight reservations behind
        assert held >= 3 and ledger.states().get("reserved", 0) == held, ledger.states()
        assert ledger.spent("b1", "2026-08") <= BUDGET + 1e-12

        rerun = processor().call_partition(D1)  # releases the dead process's reservations first
        for day in (D1, D2):
            processor().write_partition(day)

    states = ledger.states()
    assert "reserved" not in states, states
    assert set(states) <= {"settled", "released", "rejected"}
    spent = ledger.spent("b1", "2026-08")
    completed_cost = warehouse.query(
        "SELECT coalesce(sum(cost_usd), 0), count(*) FROM ai.generations WHERE status = 'completed'"
    )[0]
    assert spent <= BUDGET + 1e-12 and spent == pytest.approx(completed_cost[0])
    assert 1 <= completed_cost[1] <= 14
    assert rerun.provider_calls + rerun.replayed_from_journal >= 1
    statuses = dict(warehouse.query("SELECT status, count(*) FROM ai.generations GROUP BY 1"))
    assert set(statuses) <= {"completed", "rejected"} and sum(statuses.values()) == 2 * PER_DAY
    reasons = warehouse.query(
        "SELECT DISTINCT split_part(status_reason, ':', 1) FROM ai.generations WHERE status = 'rejected'"
    )
    assert reasons == [("budget_exceeded",)]
    # the warehouse mirror agrees with the ledger file
    mirror = warehouse.query(
        "SELECT coalesce(sum(actual_usd), 0) FROM ai.budget_ledger WHERE state = 'settled'"
    )[0][0]
    assert mirror == pytest.approx(spent)


def test_a_live_owners_reservation_is_left_alone(ledger):
    from brandpulse.ai.budget import Limits

    kw = dict(brand_id="b1", generation_id="g", model="m", month="2026-08", day="2026-08-03",
              amount_usd=0.1, limits=Limits(1.0, None))  # fmt: skip
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        ledger.reserve("k", **kw)
        # pretend another live process holds it: a rerun must not send it again
        with ledger._immediate() as con:
            con.execute(
                "UPDATE ledger SET owner = ? WHERE idempotency_key = 'k'",
                (f"{os.uname().nodename}:{holder.pid}",),
            )
        assert ledger.reserve("k", **kw).state == "in_flight"
        assert ledger.release_abandoned() == 0
    finally:
        holder.kill()
        holder.wait()
    assert ledger.release_abandoned() == 1  # its owner is gone now
    assert ledger.get("k").state == "released"
    assert ledger.reserve("k", **kw).state == "reserved"
