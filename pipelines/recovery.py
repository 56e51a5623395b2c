"""Recovery from runs that died without ending: find them, fail them, free their pool slots.

A run executed in the calling process (`make run`, `dagster asset materialize`, `dagster job
execute`) that is killed (OOM, reboot, `kill -9`) stays STARTED in the instance, and its claim
on the `duckdb_warehouse` pool slot is never released: every later warehouse step would wait
on it forever. Every run records the process that executes it (the executor's first engine
event carries its pid; `pipelines/executor.py` also tags the host), so a run whose process is
gone can be told from one that is still working:

- same host: the pid no longer exists, is a zombie, or was started after the run (reused);
- another host (shared run storage): no event for `stale_after_seconds`.

Such a run is marked FAILED with a one-line message and its slots are freed. This runs before
every run starts (the executor), while a step waits on the pool, and every minute under the
daemon (`dead_run_sensor`).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import psutil
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

HOST_TAG = "brandpulse/host"
PID_TAG = "brandpulse/pid"
UNFINISHED = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
START_GRACE_SECONDS = 120.0
"""A started run that has recorded no process yet is given this long to start executing
(the executor records it first thing; a run not yet started is left to run monitoring)."""


@dataclass(frozen=True)
class RunProcess:
    """Where a run executes: the host and pid its executor recorded (None when not yet known)."""

    run_id: str
    host: str | None
    pid: int | None
    started_at: float | None
    last_event_at: float | None

    def describe(self) -> str:
        where = f"pid {self.pid}" if self.pid else "no process recorded yet"
        if self.host and self.host != socket.gethostname():
            where += f" on {self.host}"
        return f"run {self.run_id[:8]} ({where})"


def run_process(instance: DagsterInstance, run_id: str) -> RunProcess | None:
    """The process of `run_id`, from its tags or the first engine event that names a pid."""
    record = instance.get_run_record_by_id(run_id)
    if record is None:
        return None
    tags = record.dagster_run.tags
    pid = int(tags[PID_TAG]) if PID_TAG in tags else None
    if pid is None:
        events = instance.get_records_for_run(
            run_id, of_type=DagsterEventType.ENGINE_EVENT, limit=20
        ).records
        for event in events:
            data = event.event_log_entry.dagster_event.engine_event_data
            value = data.metadata.get("pid") if data and data.metadata else None
            if value is not None:
                pid = int(value.value)
                break
    last = instance.get_records_for_run(run_id, limit=1, ascending=False).records
    return RunProcess(
        run_id=run_id,
        host=tags.get(HOST_TAG),
        pid=pid,
        started_at=record.start_time,
        last_event_at=last[0].event_log_entry.timestamp if last else None,
    )


def _pid_alive(pid: int, started_at: float | None) -> bool:
    """True when `pid` is a live process that existed when the run started (not a reuse)."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return started_at is None or proc.create_time() <= started_at + 5
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def death_reason(process: RunProcess, stale_after_seconds: float, now: float) -> str | None:
    """Why the run's process is gone, or None while it may still be working."""
    if process.host and process.host != socket.gethostname():
        if process.last_event_at and now - process.last_event_at > stale_after_seconds:
            idle = now - process.last_event_at
            return f"no event from {process.host} for {idle:.0f} s"
        return None
    if process.pid is None:
        # not started yet (queued or being launched): Dagster's run monitoring owns start-up
        if process.started_at is None:
            return None
        if now - process.started_at > START_GRACE_SECONDS:
            return f"never recorded a process in {now - process.started_at:.0f} s"
        return None
    if not _pid_alive(process.pid, process.started_at):
        return f"its process (pid {process.pid}) is gone"
    return None


def fail_dead_runs(
    instance: DagsterInstance,
    *,
    stale_after_seconds: float = 3600.0,
    exclude: str | None = None,
    only: set[str] | None = None,
    log: Callable[[str], None] = print,
) -> list[str]:
    """Mark the unfinished runs whose process is gone FAILED and free their pool slots.

    `only` limits the check to those run ids (e.g. the holders of a pool); `exclude` is the
    calling run. Returns the run ids failed.
    """
    records = instance.get_run_records(
        RunsFilter(statuses=UNFINISHED, run_ids=list(only) if only else None)
    )
    failed = []
    now = time.time()
    for record in records:
        run = record.dagster_run
        if run.run_id == exclude:
            continue
        process = run_process(instance, run.run_id)
        reason = process and death_reason(process, stale_after_seconds, now)
        if not reason:
            continue
        message = (
            f"Run {run.run_id} ({run.job_name}) marked failed by brandpulse recovery: {reason}; "
            "its pool slots were freed."
        )
        instance.report_run_failed(run, message=message)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        log(message)
        failed.append(run.run_id)
    return failed


def free_slots_of_ended_runs(
    instance: DagsterInstance, pool: str, log: Callable[[str], None] = print
) -> list[str]:
    """Free the slots of `pool` still claimed by runs that already ended (or were deleted)."""
    info = instance.event_log_storage.get_concurrency_info(pool)
    ended = []
    for run_id in sorted({slot.run_id for slot in info.claimed_slots}):
        record = instance.get_run_record_by_id(run_id)
        if record is None or record.dagster_run.is_finished:
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
            log(f"Freed the {pool} slot of run {run_id}, which had already ended.")
            ended.append(run_id)
    return ended


def recover(
    instance: DagsterInstance,
    pool: str,
    *,
    exclude: str | None = None,
    only: set[str] | None = None,
    log: Callable[[str], None] = print,
) -> list[str]:
    """Fail the dead unfinished runs and free `pool`'s slots of ended ones; the run ids freed."""
    return fail_dead_runs(instance, exclude=exclude, only=only, log=log) + free_slots_of_ended_runs(
        instance, pool, log=log
    )


@dataclass(frozen=True)
class PoolHolder:
    """A run holding a slot of a pool, with the step and process, for wait messages."""

    run_id: str
    step_key: str
    process: RunProcess | None

    def describe(self) -> str:
        who = self.process.describe() if self.process else f"run {self.run_id[:8]} (unknown)"
        return f"{who}, step {self.step_key}"


def pool_holders(
    instance: DagsterInstance, pool: str, exclude: str | None = None
) -> list[PoolHolder]:
    """The runs holding a slot of `pool` (other than `exclude`)."""
    info = instance.event_log_storage.get_concurrency_info(pool)
    return [
        PoolHolder(slot.run_id, slot.step_key, run_process(instance, slot.run_id))
        for slot in info.claimed_slots
        if slot.run_id != exclude
    ]
