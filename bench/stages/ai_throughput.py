"""AI Studio throughput: concurrent, routed provider calls against one-call-at-a-time, and how
long the warehouse writer is held meanwhile.

A fake OpenAI-compatible server runs in its own process (tests/ai/fake_openai.py): every
call takes 300 ms, every 5th call overall answers 429 with `Retry-After: 1`, every 7th
answers 500. Both sides run the AI job's own three steps (assets/ai/processing.py:
`plan_partition`, `call_partition`, `write_partition`, exactly what the Dagster assets
call) on a fresh warehouse and ledger, routed to provider `openai` by the model catalog:

* serial: SERIAL_SAMPLE generations with one call in flight (max_concurrency 1): the
  job as it was, one call at a time;
* concurrent: GENERATIONS generations with the provider's max_concurrency CONCURRENCY.

Reported: generations per second of each side and their ratio (target >= 20x), the
seconds the warehouse was open for writing (the plan and write steps' connections)
against the concurrent side's wall time (target <= 5 %), duplicate completions seen by
the server (target 0), and spend beyond any brand's budget (target 0).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from bench.stages import BenchContext, remove_database
from brandpulse.config import REPO_ROOT

GENERATIONS = 2000
SERIAL_SAMPLE = 40
CONCURRENCY = 64
LATENCY_S = 0.3
DAY = date(2026, 8, 3)
BRANDS = 4
BUDGET_USD = 5.0


class FakeServer:
    """The fake provider in a subprocess; `stats()` asks it for its counters."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.ai.fake_openai", "--latency", str(LATENCY_S),
             "--every-429", "5", "--every-500", "7"],
            cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.base_url = self.proc.stdout.readline().strip()
        if not self.base_url.startswith("http"):
            raise RuntimeError(f"fake provider did not start: {self.base_url!r}")

    def stats(self) -> dict:
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class TimedWarehouse:
    """The warehouse connection the steps use, timing how long it is held open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seconds = 0.0
        self.opened = 0

    @contextmanager
    def __call__(self) -> Iterator:
        from brandpulse import db

        started = time.perf_counter()
        con = db.connect(self.path)
        try:
            yield con
        finally:
            con.close()
            self.seconds += time.perf_counter() - started
            self.opened += 1


def seed_requests(path: Path, n: int, prefix: str) -> None:
    """`n` gpt-4o-mini requests spread over BRANDS brands, all in partition DAY. Request ids
    start with `prefix` so the two sides never share an idempotency key at the server."""
    from brandpulse import db
    from brandpulse.raw_schema import ensure_ai_schema, ensure_raw_schema

    remove_database(path)
    con = db.connect(path)
    try:
        ensure_raw_schema(con)
        ensure_ai_schema(con)
        con.execute(
            """INSERT INTO raw.brands (brand_id, name, timezone, ai_monthly_budget_usd, _loaded_at)
               SELECT 'brand_' || i, 'Brand ' || i, 'UTC', ?, now() FROM range(?) t(i)""",
            [BUDGET_USD, BRANDS],
        )
        con.execute(
            """INSERT INTO raw.ai_generation_requests (request_id, brand_id, user_id, type, model, prompt,
                   parameters, optimize_prompt, requested_at, _partition_date, _source_file, _line, _loaded_at)
               SELECT ? || '_' || i, 'brand_' || (i % ?), 'u1', 'text', 'gpt-4o-mini',
                      'Write tagline number ' || i, '{"max_tokens": 64}', false,
                      ?::TIMESTAMP + to_seconds(i), ?, 'bench.jsonl', i + 1, now()
               FROM range(?) t(i)""",
            [prefix, BRANDS, DAY.isoformat(), DAY, n],
        )
    finally:
        con.close()


def run_side(work: Path, name: str, base_url: str, n: int, concurrency: int) -> dict:
    from assets.ai.processing import PartitionProcessor, ProcessingOptions
    from brandpulse.ai.budget import BudgetLedger
    from brandpulse.ai.catalog import Catalog
    from brandpulse.ai.retry import RetryPolicy
    from brandpulse.resources.ai_providers import build_router, settings_from_dict

    path = work / f"ai_{name}.duckdb"
    ledger_path = work / f"ai_{name}_ledger.sqlite"
    for p in (ledger_path, Path(f"{ledger_path}-wal"), Path(f"{ledger_path}-shm")):
        p.unlink(missing_ok=True)
    seed_requests(path, n, name)
    catalog = Catalog()
    settings = settings_from_dict(
        {"name": "openai", "kind": "openai", "base_url": base_url, "max_concurrency": concurrency}
    )
    router = build_router([settings], catalog)
    warehouse = TimedWarehouse(path)
    ledger = BudgetLedger(ledger_path)
    processor = PartitionProcessor(
        warehouse, router, catalog, ledger, ProcessingOptions(retry=RetryPolicy(max_attempts=5))
    )
    started = time.perf_counter()
    try:
        processor.plan_partition(DAY)
        calls_started = time.perf_counter()
        called = processor.call_partition(DAY)
        calls_seconds = time.perf_counter() - calls_started
        written = processor.write_partition(DAY)
    finally:
        router.close()
    wall = time.perf_counter() - started
    from brandpulse import db

    con = db.connect(path, read_only=True)
    try:
        attempts = con.execute("SELECT count(*) FROM ai.generation_attempts").fetchone()[0]
        over = con.execute(
            """SELECT coalesce(sum(greatest(spent - ?, 0)), 0) FROM (
                   SELECT brand_id, budget_month, sum(actual_usd) AS spent FROM ai.budget_ledger
                   WHERE state = 'settled' GROUP BY ALL)""",
            [BUDGET_USD],
        ).fetchone()[0]
    finally:
        con.close()
    completed = written.statuses.get("completed", 0)
    return {
        "generations": n,
        "completed": completed,
        "failed": written.statuses.get("failed", 0),
        "provider_calls_recorded": attempts,
        "requests_sent": called.provider_calls,
        "wall_seconds": round(wall, 2),
        "calls_seconds": round(calls_seconds, 2),
        "generations_per_second": round(completed / wall, 2) if wall else None,
        "writer_seconds": round(warehouse.seconds, 3),
        "writer_share": round(warehouse.seconds / wall, 4) if wall else None,
        "warehouse_opened": warehouse.opened,
        "overspend_usd": float(over),
        "unsettled_reservations": ledger.states().get("reserved", 0),
    }


def run(ctx: BenchContext) -> dict:
    n = 200 if ctx.quick else GENERATIONS
    sample = 10 if ctx.quick else SERIAL_SAMPLE
    server = FakeServer()
    try:
        serial = run_side(ctx.work, "serial", server.base_url, sample, 1)
        concurrent = run_side(ctx.work, "concurrent", server.base_url, n, CONCURRENCY)
        stats = server.stats()
    finally:
        server.close()
    speedup = (
        concurrent["generations_per_second"] / serial["generations_per_second"]
        if serial["generations_per_second"]
        else None
    )
    metrics = {
        "serial_generations_per_second": serial["generations_per_second"],
        "concurrent_generations_per_second": concurrent["generations_per_second"],
        "concurrent_vs_serial": round(speedup, 1) if speedup else None,
        "concurrent_wall_seconds": concurrent["wall_seconds"],
        "writer_seconds": concurrent["writer_seconds"],
        "writer_share": concurrent["writer_share"],
        "duplicate_completions": stats["duplicate_completions"],
        "overspend_usd": concurrent["overspend_usd"] + serial["overspend_usd"],
        "unsettled_reservations": concurrent["unsettled_reservations"],
        "provider_calls_total": stats["total_calls"],
        "generations": n,
        "concurrency": CONCURRENCY,
    }
    ok = (
        (speedup or 0) >= 20
        and (concurrent["writer_share"] or 1) <= 0.05
        and stats["duplicate_completions"] == 0
        and metrics["overspend_usd"] == 0
    )
    return {
        "ok": ok,
        "metrics": metrics,
        "serial": serial,
        "concurrent": concurrent,
        "notes": [
            f"fake provider: {LATENCY_S * 1000:.0f} ms a call, 429 (Retry-After: 1) every 5th call, "
            f"500 every 7th; serial side {sample} generations, concurrent side {n}"
        ],
    }
