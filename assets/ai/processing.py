"""Process one landing day of AI generation requests in three steps: plan, call, write.

The steps keep provider waits out of the warehouse (and out of its single-writer pool):

1. `plan_partition` (warehouse, short): read the partition's requests, the brands'
   limits and existing generations, plan each request (generation id, version, rule-based
   optimized prompt, validation, routing: a model whose provider is not configured is
   `rejected`), write new requests as `pending` and invalid ones as `rejected`, and store
   the plans in the ledger file (SQLite) for the next step.
2. `call_partition` (no warehouse): the pending plans run concurrently in a thread pool
   (bounded per provider and per model by the router); each reserves its upper-bound
   cost in the ledger, calls its provider (fallbacks, rate limits, circuit breaker,
   retries: routing.py), then settles or releases and journals its outcome in the ledger.
3. `write_partition` (warehouse, short): the journaled outcomes of the partition's plans
   become their final rows in ai.generations, ai.generation_attempts, ai.budget_ledger
   in one transaction.

Completed work is skipped on rerun twice over: a final status in ai.generations, and
the ledger's journal for calls that finished after the last warehouse write. The
idempotency key is sha256(brand_id, request_id), sent with every provider call.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import pyarrow as pa

from assets.ai.prompt_optimizer import ProviderOptimizer, optimize_rules
from brandpulse.ai.budget import BudgetLedger, Limits
from brandpulse.ai.catalog import Catalog
from brandpulse.ai.providers.base import GenerationCall, Provider
from brandpulse.ai.retry import CallOutcome, RetryPolicy, utcnow
from brandpulse.ai.routing import Router
from brandpulse.db import transaction
from brandpulse.raw_schema import AI_TABLES, ensure_ai_schema

FINAL_STATUSES = ("completed", "failed", "rejected", "cancelled")
OPTIMIZE_TYPE = "optimize"
"""Request type of a standalone prompt optimization: the optimized prompt is the answer
(`optimized_prompt` and `output`), nothing is generated, nothing is charged."""
Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


def idempotency_key(brand_id: str, request_id: str) -> str:
    """Stable across reruns and processes; also the provider's Idempotency-Key."""
    return hashlib.sha256(f"{brand_id}\x1f{request_id}".encode()).hexdigest()


def generation_id_for(brand_id: str, request_id: str) -> str:
    return "gen_" + idempotency_key(brand_id, request_id)[:24]


def brand_local_day(ts: datetime, timezone: str) -> date:
    """The brand-local calendar day of a naive-UTC timestamp (UTC for unknown zones)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return ts.replace(tzinfo=UTC).astimezone(zone).date()


@dataclass
class ProcessingOptions:
    batch_size: int = 20
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    optimizer: str = "rules"  # "rules" | "provider"
    optimizer_model: str = "gpt-4o-mini"
    max_workers: int = 0  # concurrent calls; 0 = what the router's providers allow in total


@dataclass
class PlannedGeneration:
    """One request turned into a generation row (before or after its call)."""

    generation_id: str
    idempotency_key: str
    request_id: str
    brand_id: str
    user_id: str | None
    type: str
    model: str
    prompt: str
    optimized_prompt: str | None
    parameters: dict[str, Any]
    collection_id: str | None
    parent_generation_id: str | None
    root_generation_id: str
    version: int
    requested_at: datetime
    day: date
    limits: Limits
    status: str = "pending"
    status_reason: str | None = None
    output: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    images: int | None = None
    cost_usd: float | None = None
    latency_ms: int | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    completed_at: datetime | None = None
    created_at: datetime | None = None
    optimize: bool = False  # optimize with a provider in the calls step (rules: done when planned)
    served_model: str | None = None
    provider: str | None = None

    @property
    def sent_prompt(self) -> str:
        return self.optimized_prompt or self.prompt

    def to_json(self) -> dict[str, Any]:
        """The plan as JSON for the ledger file (between the job's steps)."""
        out = asdict(self)
        out["limits"] = asdict(self.limits)
        for name in ("requested_at", "completed_at", "created_at", "day"):
            value = getattr(self, name)
            out[name] = value.isoformat() if value is not None else None
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlannedGeneration:
        data = dict(data)
        data["limits"] = Limits(**data["limits"])
        data["day"] = date.fromisoformat(data["day"])
        for name in ("requested_at", "completed_at", "created_at"):
            if data.get(name):
                data[name] = datetime.fromisoformat(data[name])
        return cls(**data)


@dataclass
class PartitionReport:
    partition_date: date
    requests: int = 0
    skipped_final: int = 0
    provider_calls: int = 0
    attempts: int = 0
    replayed_from_journal: int = 0
    in_flight_elsewhere: int = 0
    statuses: Counter = field(default_factory=Counter)
    cost_usd: float = 0.0


GENERATIONS = AI_TABLES["generations"]
GENERATION_ATTEMPTS = AI_TABLES["generation_attempts"]
BUDGET_LEDGER = AI_TABLES["budget_ledger"]
"""The ai.* tables this job writes, declared once in brandpulse/raw_schema.py."""


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> Iterator[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    for row in cursor.fetchall():
        yield dict(zip(names, row, strict=True))


def load_partition(
    con: duckdb.DuckDBPyConnection, partition_date: date
) -> tuple[list[dict], dict, dict]:
    """The partition's requests (one per brand/request), brand settings, and existing
    generations that matter (this partition's, and parents named by its requests)."""
    if not _table_exists(con, "raw", "ai_generation_requests"):
        return [], {}, {}
    requests = list(
        _rows(
            con,
            """SELECT * FROM raw.ai_generation_requests WHERE _partition_date = ?
               QUALIFY row_number() OVER (PARTITION BY brand_id, request_id
                                          ORDER BY _loaded_at NULLS LAST, _source_file, _line) = 1
               ORDER BY requested_at, brand_id, request_id""",
            [partition_date],
        )
    )
    brands: dict[str, dict] = {}
    if _table_exists(con, "raw", "brands"):
        for row in _rows(
            con,
            """SELECT brand_id, timezone, ai_monthly_budget_usd, ai_daily_generation_quota FROM raw.brands
               WHERE brand_id IN (SELECT brand_id FROM raw.ai_generation_requests WHERE _partition_date = ?)
               QUALIFY row_number() OVER (PARTITION BY brand_id
                                          ORDER BY _loaded_at DESC NULLS LAST, _source_file DESC NULLS LAST) = 1""",
            [partition_date],
        ):
            brands[row["brand_id"]] = row
    existing: dict[tuple[str, str], dict] = {}
    for row in _rows(
        con,
        """WITH req AS (SELECT DISTINCT brand_id, request_id, parent_generation_id
                        FROM raw.ai_generation_requests WHERE _partition_date = ?)
           SELECT g.generation_id, g.request_id, g.brand_id, g.status, g.version, g.root_generation_id,
                  g.created_at, g._partition_date
           FROM ai.generations g
           WHERE EXISTS (SELECT 1 FROM req r WHERE r.brand_id = g.brand_id
                         AND (r.request_id = g.request_id OR r.parent_generation_id IN (g.generation_id, g.request_id, 'gen_' || g.request_id)))""",
        [partition_date],
    ):
        existing[(row["brand_id"], row["generation_id"])] = row
        existing[(row["brand_id"], "request:" + row["request_id"])] = row
    return requests, brands, existing


class PartitionProcessor:
    """Processes one partition; see the module docstring for the transaction layout."""

    def __init__(
        self,
        connect: Connect,
        provider: Provider | Router,
        catalog: Catalog,
        ledger: BudgetLedger,
        options: ProcessingOptions | None = None,
        *,
        sleep: Callable[[float], None] | None = None,
        after_request: Callable[[int], None] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.connect = connect
        self.catalog = catalog
        self.router = provider if isinstance(provider, Router) else Router.single(provider, catalog)
        self.ledger = ledger
        self.options = options or ProcessingOptions()
        self.sleep = sleep
        self.after_request = after_request
        self.log = log or (lambda _msg: None)
        self._done = 0
        self._lock = threading.Lock()

    # -- planning ---------------------------------------------------------------------------
    def _provider_optimize(self, plan: PlannedGeneration) -> str:
        """Optimize with the optimizer model's provider (calls step); rules when it has none."""
        slot = self.router.slot_for(self.options.optimizer_model)
        if slot is None:
            return optimize_rules(plan.prompt, plan.type)
        with slot.semaphore:
            optimizer = ProviderOptimizer(slot.client, self.options.optimizer_model)
            return optimizer(plan.prompt, plan.type, plan.idempotency_key)

    def plan(
        self, requests: list[dict], brands: dict, existing: dict
    ) -> tuple[list[PlannedGeneration], int]:
        """Plan every request not already final; returns (plans, skipped-final count)."""
        plans: list[PlannedGeneration] = []
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        skipped = 0
        for req in requests:
            brand_id, request_id = req["brand_id"], req["request_id"]
            gen_id = generation_id_for(brand_id, request_id)
            prior = existing.get((brand_id, gen_id))
            if prior and prior["status"] in FINAL_STATUSES:
                skipped += 1
                seen[(brand_id, gen_id)] = seen[(brand_id, "request:" + request_id)] = prior
                continue
            brand = brands.get(brand_id)
            params = req.get("parameters")
            if isinstance(params, str):
                try:
                    params = json.loads(params)
                except ValueError:
                    params = {}
            params = params if isinstance(params, dict) else {}
            tz = (brand or {}).get("timezone") or "UTC"
            model_limit = self.catalog.limits.get(req["model"])
            limits = Limits(
                (brand or {}).get("ai_monthly_budget_usd"),
                (brand or {}).get("ai_daily_generation_quota"),
                model_limit.max_generations_per_brand_day if model_limit else None,
                model_limit.max_usd_per_brand_month if model_limit else None,
            )
            parent_ref = req.get("parent_generation_id")
            version, root, parent_id, reason = 1, gen_id, None, None
            if parent_ref:
                # the app names a parent by generation_id, by request_id, or as "gen_" + request_id
                refs = [
                    parent_ref,
                    "request:" + parent_ref,
                    "request:" + parent_ref.removeprefix("gen_"),
                ]
                parent = next(
                    (
                        m[(brand_id, r)]
                        for r in refs
                        for m in (seen, existing)
                        if (brand_id, r) in m
                    ),
                    None,
                )
                if parent is None:
                    reason = f"unknown_parent: no generation {parent_ref} of brand {brand_id}"
                else:
                    parent_id = parent["generation_id"]
                    version = int(parent["version"]) + 1
                    root = parent["root_generation_id"] or parent_id
            key = idempotency_key(brand_id, request_id)
            info = self.catalog.model(req["model"])
            standalone = req["type"] == OPTIMIZE_TYPE
            wants_optimization = standalone or bool(req.get("optimize_prompt"))
            # a standalone optimization always uses the rules: it must not spend a provider call
            by_provider = (
                wants_optimization and not standalone and self.options.optimizer == "provider"
            )
            target_type = (info.type if info else "text") if standalone else req["type"]
            optimized = (
                optimize_rules(req["prompt"], target_type)
                if wants_optimization and not by_provider
                else None
            )
            plan = PlannedGeneration(
                gen_id, key, request_id, brand_id, req.get("user_id"), req["type"], req["model"], req["prompt"],
                optimized, params, req.get("collection_id"), parent_id, root, version, req["requested_at"],
                brand_local_day(req["requested_at"], tz), limits,
            )  # fmt: skip
            if reason is None and brand is None:
                reason = f"unknown_brand: brand {brand_id} is not in raw.brands"
            if reason is None and info is None:
                reason = f"unknown_model: {req['model']} is not in the AI model catalog"
            if reason is None and standalone:
                plan.status, plan.output, plan.completed_at = "completed", optimized, utcnow()
                plan.cost_usd, plan.input_tokens, plan.output_tokens, plan.images = 0.0, 0, 0, 0
                plan.created_at = prior["created_at"] if prior else utcnow()
                plans.append(plan)
                continue
            if reason is None and info is not None and info.type != req["type"]:
                reason = f"invalid_request: model {req['model']} generates {info.type}, request type is {req['type']}"
            if reason is None and self.catalog.price_on(req["model"], plan.day) is None:
                reason = f"no_price: model {req['model']} has no price valid on {plan.day}"
            if reason is None:
                reason = self.router.unrouted_reason(req["model"])
            plan.optimize = by_provider
            if reason is None and info is not None and info.type == "text":
                plan.parameters = {
                    **params,
                    "max_tokens": self.catalog.max_output_tokens(req["model"], params),
                }
            # created when first planned (a rerun keeps it), so it never follows completed_at
            plan.created_at = prior["created_at"] if prior else utcnow()
            if reason:
                plan.status, plan.status_reason, plan.completed_at = "rejected", reason, utcnow()
            plans.append(plan)
            link = {"generation_id": gen_id, "version": version, "root_generation_id": root}
            seen[(brand_id, gen_id)] = seen[(brand_id, "request:" + request_id)] = link
        return plans, skipped

    # -- one request ------------------------------------------------------------------------
    _OUTCOME_FIELDS = (
        "status", "status_reason", "output", "input_tokens", "output_tokens", "images", "cost_usd",
        "latency_ms", "attempts", "served_model", "provider", "optimized_prompt",
    )  # fmt: skip

    def _outcome_dict(self, plan: PlannedGeneration) -> dict[str, Any]:
        out = {name: getattr(plan, name) for name in self._OUTCOME_FIELDS}
        out["completed_at"] = plan.completed_at.isoformat() if plan.completed_at else None
        return out

    def _apply_outcome(self, plan: PlannedGeneration, outcome: dict[str, Any]) -> None:
        for name in self._OUTCOME_FIELDS:
            if name == "optimized_prompt" and name not in outcome:
                continue  # journaled before the optimized prompt was part of the outcome
            setattr(plan, name, outcome.get(name))
        plan.attempts = plan.attempts or []
        done = outcome.get("completed_at")
        plan.completed_at = datetime.fromisoformat(done) if done else None

    def _reserve_usd(self, plan: PlannedGeneration) -> float:
        """The most the request can cost on its model or any fallback it may be served by."""
        estimates = [
            self.catalog.estimate_usd(model, plan.type, plan.day, plan.sent_prompt, plan.parameters)
            for model, _ in self.router.candidates(plan.model)
        ]
        return max([e for e in estimates if e is not None], default=0.0)

    def run_one(self, plan: PlannedGeneration, report: PartitionReport) -> None:
        """Reserve, call, settle/release. Journaled outcomes are replayed, never re-sent."""
        journal = self.ledger.get(plan.idempotency_key)
        if journal is not None and journal.state in ("settled", "released") and journal.outcome:
            self._apply_outcome(plan, journal.outcome)
            with self._lock:
                report.replayed_from_journal += 1
            return
        if plan.optimize and plan.optimized_prompt is None:
            plan.optimized_prompt = self._provider_optimize(plan)
        reservation = self.ledger.reserve(
            plan.idempotency_key,
            brand_id=plan.brand_id,
            generation_id=plan.generation_id,
            model=plan.model,
            month=plan.day.strftime("%Y-%m"),
            day=plan.day.isoformat(),
            amount_usd=float(self._reserve_usd(plan)),
            limits=plan.limits,
        )
        if reservation.state == "cancelled":
            plan.status, plan.status_reason = "cancelled", f"cancelled: {reservation.reason}"
            plan.completed_at = utcnow()
            return
        if reservation.state == "in_flight":
            with self._lock:
                report.in_flight_elsewhere += 1
            return
        if reservation.state == "rejected":
            plan.status, plan.status_reason, plan.completed_at = (
                "rejected",
                reservation.reason,
                utcnow(),
            )
            return
        call = GenerationCall(
            plan.idempotency_key, plan.model, plan.type, plan.sent_prompt, plan.parameters
        )
        kwargs = {"sleep": self.sleep} if self.sleep is not None else {}
        result: CallOutcome = self.router.call(call, self.options.retry, **kwargs)
        with self._lock:
            report.provider_calls += 1
        plan.attempts = [
            {
                "attempt_number": a.attempt_number, "started_at": a.started_at.isoformat(), "http_status": a.http_status,
                "error_type": a.error_type, "error_message": a.error_message, "latency_ms": a.latency_ms,
                "retry_after_ms": a.retry_after_ms, "model": a.model, "provider": a.provider,
                "is_fallback": a.is_fallback,
            }
            for a in result.attempts
        ]  # fmt: skip
        plan.completed_at = utcnow()
        plan.served_model, plan.provider = result.served_model, result.provider
        if result.result is not None:
            r = result.result
            plan.status, plan.status_reason = "completed", None
            plan.output, plan.input_tokens, plan.output_tokens, plan.images = (
                r.output,
                r.input_tokens,
                r.output_tokens,
                r.images,
            )
            plan.latency_ms = r.latency_ms
            # priced with the model that answered (a fallback's price, not the request's)
            plan.cost_usd = self.catalog.cost_usd(
                result.served_model or plan.model,
                plan.day,
                r.input_tokens,
                r.output_tokens,
                r.images,
            )
            self.ledger.settle(plan.idempotency_key, plan.cost_usd or 0.0, self._outcome_dict(plan))
        else:
            err = result.error
            assert err is not None
            plan.status = "failed"
            kind = "retries_exhausted" if err.transient else "permanent_error"
            plan.status_reason = (
                f"{err.error_type}: {kind} after {len(result.attempts)} attempt(s): {err.message}"[
                    :500
                ]
            )
            plan.latency_ms, plan.cost_usd = err.latency_ms, 0.0
            plan.input_tokens = plan.output_tokens = plan.images = 0
            self.ledger.release(plan.idempotency_key, plan.status_reason, self._outcome_dict(plan))

    # -- warehouse writes --------------------------------------------------------------------
    def _generation_table(self, plans: list[PlannedGeneration], partition_date: date) -> pa.Table:
        return GENERATIONS.to_arrow(
            {
                **{c: getattr(p, c) for c in GENERATIONS.column_names if c != "_partition_date"},
                "attempts": len(p.attempts),
                "_partition_date": partition_date,
            }
            for p in plans
        )

    def write(self, plans: list[PlannedGeneration], partition_date: date) -> None:
        """Replace the plans' generation rows, attempts and ledger mirror in one short transaction."""
        if not plans:
            return
        gens = self._generation_table(plans, partition_date)
        attempts = GENERATION_ATTEMPTS.to_arrow(
            {
                **a,
                "generation_id": p.generation_id,
                "brand_id": p.brand_id,
                "started_at": datetime.fromisoformat(a["started_at"]),
                "is_fallback": bool(a.get("is_fallback")),
            }
            for p in plans
            for a in p.attempts
        )
        ledger_rows = self.ledger.rows([p.idempotency_key for p in plans])
        ledger = BUDGET_LEDGER.to_arrow(r.mirrored() for r in ledger_rows)
        with self.connect() as con, transaction(con):
            con.register("bp_ai_gens", gens)
            con.register("bp_ai_attempts", attempts)
            con.register("bp_ai_ledger", ledger)
            con.execute(
                "DELETE FROM ai.generations WHERE generation_id IN (SELECT generation_id FROM bp_ai_gens)"
            )
            con.execute(GENERATIONS.insert_sql("bp_ai_gens"))
            con.execute(
                """DELETE FROM ai.generation_attempts WHERE generation_id IN
                   (SELECT generation_id FROM bp_ai_gens WHERE status <> 'processing')"""
            )
            con.execute(GENERATION_ATTEMPTS.insert_sql("bp_ai_attempts"))
            con.execute(
                "DELETE FROM ai.budget_ledger WHERE idempotency_key IN (SELECT idempotency_key FROM bp_ai_ledger)"
            )
            con.execute(BUDGET_LEDGER.insert_sql("bp_ai_ledger"))
            for name in ("bp_ai_gens", "bp_ai_attempts", "bp_ai_ledger"):
                con.unregister(name)

    # -- the partition: plan, call, write ------------------------------------------------------
    def plan_partition(self, partition_date: date) -> PartitionReport:
        """Step 1 (warehouse, short): plan, write pending/rejected rows, store the plans."""
        report = PartitionReport(partition_date)
        with self.connect() as con:
            with transaction(con):
                ensure_ai_schema(con)
            requests, brands, existing = load_partition(con, partition_date)
        report.requests = len(requests)
        plans, report.skipped_final = self.plan(requests, brands, existing)
        self.write(plans, partition_date)
        self.ledger.save_plans(
            partition_date.isoformat(), {p.idempotency_key: p.to_json() for p in plans}
        )
        pending = sum(p.status == "pending" for p in plans)
        self.log(
            f"partition {partition_date}: {len(requests)} requests, {pending} to call, "
            f"{report.skipped_final} already final"
        )
        return report

    def _plans(self, partition_date: date) -> list[PlannedGeneration]:
        return [
            PlannedGeneration.from_json(d)
            for d in self.ledger.load_plans(partition_date.isoformat())
        ]

    def _run_counted(self, plan: PlannedGeneration, report: PartitionReport) -> None:
        self.run_one(plan, report)
        with self._lock:
            self._done += 1
            done = self._done
        if self.after_request is not None:
            self.after_request(done)

    def call_partition(self, partition_date: date) -> PartitionReport:
        """Step 2 (no warehouse): call the providers for every pending plan, concurrently."""
        report = PartitionReport(partition_date)
        pending = [p for p in self._plans(partition_date) if p.status == "pending"]
        released = self.ledger.release_abandoned([p.idempotency_key for p in pending])
        if released:
            self.log(f"partition {partition_date}: released {released} abandoned reservation(s)")
        workers = self.options.max_workers or self.router.max_in_flight
        workers = max(1, min(workers, len(pending)))
        if workers == 1:
            for plan in pending:
                self._run_counted(plan, report)
        else:
            with ThreadPoolExecutor(workers, thread_name_prefix="ai-call") as pool:
                for future in [pool.submit(self._run_counted, p, report) for p in pending]:
                    future.result()
        return report

    def finished_plans(self, partition_date: date) -> list[PlannedGeneration]:
        """The partition's plans with their journaled outcomes applied (still pending if none)."""
        plans = self._plans(partition_date)
        pending = [p.idempotency_key for p in plans if p.status == "pending"]
        journals = self.ledger.get_many(pending)
        cancellations = self.ledger.cancellations(pending)
        for plan in plans:
            if plan.status != "pending":
                continue
            journal = journals.get(plan.idempotency_key)
            cancelled = cancellations.get(plan.idempotency_key)
            if cancelled is not None and (journal is None or journal.state == "released"):
                plan.status, plan.status_reason = "cancelled", f"cancelled: {cancelled}"
                plan.completed_at = plan.completed_at or utcnow()
                continue
            if journal is None:
                continue
            if journal.state in ("settled", "released") and journal.outcome:
                self._apply_outcome(plan, journal.outcome)
            elif journal.state == "rejected":
                plan.status, plan.status_reason = "rejected", journal.reason
                plan.completed_at = plan.completed_at or utcnow()
        return plans

    def write_partition(self, partition_date: date) -> PartitionReport:
        """Step 3 (warehouse, short): write the finished outcomes in one transaction."""
        report = PartitionReport(partition_date)
        plans = self.finished_plans(partition_date)
        self.write(plans, partition_date)
        for p in plans:
            report.statuses[p.status] += 1
            report.attempts += len(p.attempts)
            report.cost_usd += p.cost_usd or 0.0
        return report

    def process(self, partition_date: date) -> PartitionReport:
        """All three steps in one go (tests, the bench, a one-process run)."""
        planned = self.plan_partition(partition_date)
        called = self.call_partition(partition_date)
        written = self.write_partition(partition_date)
        return merge_reports(planned, called, written)


def merge_reports(*reports: PartitionReport) -> PartitionReport:
    """One report of a partition's steps (plan: requests; calls: sends; write: statuses)."""
    out = PartitionReport(reports[0].partition_date)
    for r in reports:
        out.requests += r.requests
        out.skipped_final += r.skipped_final
        out.provider_calls += r.provider_calls
        out.attempts += r.attempts
        out.replayed_from_journal += r.replayed_from_journal
        out.in_flight_elsewhere += r.in_flight_elsewhere
        out.statuses.update(r.statuses)
        out.cost_usd += r.cost_usd
    out.statuses["skipped_final"] = out.skipped_final
    return out
