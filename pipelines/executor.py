"""The executor of every brandpulse job: in-process, with recovery and a bounded pool wait.

Dagster's in-process executor (one process for the warehouse chain: the multiprocess one
pays 1.5-1.8 s a step) with three additions an operator needs after a crash:

- before the first step it fails the runs of this instance whose process is gone and frees
  their pool slots (`pipelines/recovery.py`), and tags the run with its host and pid;
- a step waiting on a pool says, every `report_every` seconds, how long it has waited and
  which run, step and process hold the slot; a holder found dead meanwhile is failed and its
  slot freed;
- it gives up after `pool_wait_seconds` (BRANDPULSE_POOL_WAIT_SECONDS) with an error naming
  the holder, instead of waiting forever.

It is built on Dagster's own in-process machinery (pinned dagster<1.14; tests in
tests/orchestration fail if that machinery changes).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator

from dagster import DagsterInstance, executor
from dagster._core.definitions.executor_definition import (
    IN_PROC_CONFIG,
    _core_in_process_executor_creation,
)
from dagster._core.events import DagsterEvent, EngineEventData
from dagster._core.execution.api import ExecuteRunWithPlanIterable
from dagster._core.execution.context.system import PlanExecutionContext, PlanOrchestrationContext
from dagster._core.execution.context_creation_job import PlanExecutionContextManager
from dagster._core.execution.plan.execute_plan import inner_plan_execution_iterator
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext
from dagster._core.execution.plan.plan import ExecutionPlan
from dagster._core.executor.in_process import InProcessExecutor
from dagster._core.storage.dagster_run import DagsterRun

from brandpulse.config import get_settings
from brandpulse.resources import WAREHOUSE_POOL
from pipelines.recovery import HOST_TAG, PID_TAG, pool_holders, recover


class PoolWaitTimeout(Exception):
    """A step waited longer than the configured bound for a pool slot."""


class BoundedPoolWait(InstanceConcurrencyContext):
    """Pool claims that report their wait, recover dead holders and give up after a bound."""

    def __init__(
        self,
        instance: DagsterInstance,
        dagster_run: DagsterRun,
        job_context: PlanExecutionContext,
        wait_seconds: float,
        report_every: float = 30.0,
    ):
        super().__init__(instance, dagster_run)
        self._run = dagster_run
        self._log = job_context.log
        self._wait_seconds = wait_seconds
        self._report_every = report_every
        self._blocked_since: dict[str, float] = {}
        self._next_report: dict[str, float] = {}

    def claim(self, concurrency_key: str, step_key: str, step_priority: int = 0) -> bool:
        if super().claim(concurrency_key, step_key, step_priority):
            self._blocked_since.pop(step_key, None)
            return True
        now = time.monotonic()
        since = self._blocked_since.setdefault(step_key, now)
        if now < self._next_report.get(step_key, since + 2.0) and now - since < self._wait_seconds:
            return False
        self._next_report[step_key] = now + self._report_every
        holders = pool_holders(self._instance, concurrency_key, exclude=self._run.run_id)
        if holders and recover(
            self._instance,
            concurrency_key,
            exclude=self._run.run_id,
            only={h.run_id for h in holders},
            log=self._log.warning,
        ):
            self._pending_timeouts[step_key] = 0.0  # the slot was freed: claim again at once
            return False
        waited = now - since
        holder_text = (
            "; ".join(h.describe() for h in holders)
            or "no run holds it now (slot freed, claiming again)"
        )
        if waited >= self._wait_seconds:
            raise PoolWaitTimeout(
                f"Step {step_key} gave up after waiting {waited:.0f} s for pool {concurrency_key}, "
                f"held by {holder_text}. Wait for that run to finish or cancel it "
                f"(`dagster run list`, the UI's Runs page); the bound is "
                f"BRANDPULSE_POOL_WAIT_SECONDS={self._wait_seconds:.0f}."
            )
        self._log.info(
            f"Step {step_key} waiting {waited:.0f} s (of at most {self._wait_seconds:.0f} s) "
            f"for pool {concurrency_key}, held by {holder_text}"
        )
        return False


class WarehouseExecutor(InProcessExecutor):
    """Dagster's in-process executor with recovery before the run and a bounded pool wait."""

    def execute(
        self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan
    ) -> Iterator[DagsterEvent]:
        instance = plan_context.instance
        run = plan_context.dagster_run
        instance.add_run_tags(
            run.run_id, {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}
        )
        recover(instance, WAREHOUSE_POOL, exclude=run.run_id, log=plan_context.log.warning)
        wait_seconds = get_settings().pool_wait_seconds
        step_keys = execution_plan.step_keys_to_execute
        yield DagsterEvent.engine_event(
            plan_context,
            f"Executing steps in process (pid: {os.getpid()})",
            event_specific_data=EngineEventData.in_process(os.getpid(), step_keys),
        )

        def iterate(
            job_context: PlanExecutionContext,
            execution_plan: ExecutionPlan,
            instance_concurrency_context: InstanceConcurrencyContext | None = None,
        ) -> Iterator[DagsterEvent]:
            with BoundedPoolWait(
                job_context.instance, job_context.dagster_run, job_context, wait_seconds
            ) as concurrency:
                yield from inner_plan_execution_iterator(job_context, execution_plan, concurrency)

        yield from ExecuteRunWithPlanIterable(
            execution_plan=plan_context.execution_plan,
            iterator=iterate,
            execution_context_manager=PlanExecutionContextManager(
                job=plan_context.job,
                retry_mode=plan_context.retry_mode,
                execution_plan=plan_context.execution_plan,
                run_config=plan_context.run_config,
                dagster_run=plan_context.dagster_run,
                instance=instance,
                raise_on_error=plan_context.raise_on_error,
                output_capture=plan_context.output_capture,
                step_dependency_config=self.step_dependency_config,
            ),
        )


@executor(name="warehouse_in_process", config_schema=IN_PROC_CONFIG)
def warehouse_executor(init_context) -> WarehouseExecutor:
    """In-process execution with crash recovery and a bounded pool wait (see module doc)."""
    base = _core_in_process_executor_creation(init_context.executor_config)
    return WarehouseExecutor(
        retries=base.retries,
        step_dependency_config=base.step_dependency_config,
        marker_to_close=base.marker_to_close,
    )
