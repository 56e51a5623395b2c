"""Fast checks of the recovery pieces: pool membership, dead-process rules, target pruning."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from dagster import AssetsDefinition

from brandpulse.dbt_cli import prune_run_targets
from brandpulse.resources import WAREHOUSE_POOL
from pipelines.recovery import RunProcess, death_reason


def test_every_step_that_opens_the_warehouse_is_in_the_writer_pool() -> None:
    from pipelines.definitions import defs

    nodes = [a for a in defs.assets if isinstance(a, AssetsDefinition) and a.is_executable]
    nodes += list(defs.asset_checks)
    users = [n for n in nodes if "warehouse" in n.required_resource_keys]
    assert len(users) > 20
    outside = [n.node_def.name for n in users if n.node_def.pool != WAREHOUSE_POOL]
    assert outside == []


def _process(pid: int | None, started_at: float | None, host: str | None = None) -> RunProcess:
    return RunProcess("r" * 36, host, pid, started_at, last_event_at=started_at)


def test_a_live_process_that_started_before_the_run_is_alive() -> None:
    assert death_reason(_process(os.getpid(), time.time()), 3600, time.time()) is None


def test_a_gone_or_reused_pid_is_dead() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert "is gone" in death_reason(_process(child.pid, time.time()), 3600, time.time())
    # our own pid, but the run "started" an hour before this process existed: a reused pid
    reused = _process(os.getpid(), time.time() - 10 * 24 * 3600)
    assert "is gone" in death_reason(reused, 3600, time.time())


def test_no_recorded_process_gets_a_grace_period() -> None:
    now = time.time()
    assert death_reason(_process(None, now - 10), 3600, now) is None
    assert "never recorded a process" in death_reason(_process(None, now - 600), 3600, now)
    # not started at all (queued, or its worker still launching): run monitoring's business
    assert death_reason(_process(None, None), 3600, now) is None


def test_a_run_on_another_host_is_judged_by_its_last_event() -> None:
    now = time.time()
    other = "not-" + socket.gethostname()
    assert death_reason(_process(1, now - 60, host=other), 3600, now) is None
    assert "no event from" in death_reason(_process(1, now - 7200, host=other), 3600, now)


def test_only_old_per_invocation_targets_are_pruned(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text("{}")
    (target / "compiled").mkdir()
    for i in range(9):
        run = target / f"dbt_warehouse_models-{i:07x}-abcdef{i}"
        run.mkdir()
        os.utime(run, (1000 + i, 1000 + i))
    assert prune_run_targets(tmp_path, keep=6) == 3
    left = sorted(p.name for p in target.iterdir())
    assert "manifest.json" in left and "compiled" in left
    assert [n for n in left if n.startswith("dbt_")] == [
        f"dbt_warehouse_models-{i:07x}-abcdef{i}" for i in range(3, 9)
    ]
