"""After a crash the next run must run: real processes, real `kill -9`, a real instance.

The instance is a fresh DAGSTER_HOME with the repository's dagster.yaml (the single-writer
pool of limit 1); the warehouse is built from a tiny generated landing zone by the same
entry point as `make run` (`python -m pipelines.run`).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, DagsterRunStatus, build_sensor_context
from dagster._core.instance.ref import InstanceRef

from brandpulse.config import REPO_ROOT
from brandpulse.generator import generate
from brandpulse.resources import WAREHOUSE_POOL

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("crash")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    generate(root / "landing", seed=11, brands=1, persons=80, days=6)
    env = {
        **os.environ,
        "BRANDPULSE_DATA_DIR": str(root / "data"),
        "BRANDPULSE_LANDING": str(root / "landing"),
        "DAGSTER_HOME": str(home),
        "PYTHONPATH": str(REPO_ROOT),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
    yield {"root": root, "env": env, "instance": instance}
    instance.dispose()


def _claimed(instance: DagsterInstance) -> list:
    return instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots


def _start(args: list[str], env: dict, **extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env={**env, **extra},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _wait_for_claim(instance: DagsterInstance, proc: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        slots = _claimed(instance)
        if slots:
            return slots[0].run_id
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.1)
    raise AssertionError("no step claimed the warehouse pool in time")


def _materialize(env: dict, select: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "pipelines.definitions"]
        + ["--select", select],
        cwd=REPO_ROOT,
        env={**env, **extra},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_after_a_killed_run_the_next_make_run_succeeds(site) -> None:
    instance, env = site["instance"], site["env"]
    first = _start(["-m", "pipelines.run"], env)
    killed_run = _wait_for_claim(instance, first, timeout=300)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    # the bug's precondition: the dead run is still STARTED and holds its pool slot
    assert instance.get_run_by_id(killed_run).status == DagsterRunStatus.STARTED
    assert [s.run_id for s in _claimed(instance)] == [killed_run]

    second = subprocess.run(
        [sys.executable, "-m", "pipelines.run"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = second.stdout + second.stderr
    assert second.returncode == 0, output[-4000:]
    assert f"Run {killed_run}" in output and "marked failed by brandpulse recovery" in output
    assert "its process (pid " in output
    assert instance.get_run_by_id(killed_run).status == DagsterRunStatus.FAILURE
    assert _claimed(instance) == []


def test_a_step_waiting_on_a_live_holder_gives_up_naming_it(site) -> None:
    instance, env = site["instance"], site["env"]
    holder = _start(
        ["-m", "dagster", "asset", "materialize", "-m", "tests.orchestration.pool_holder_defs"]
        + ["--select", "holds_the_warehouse_pool"],
        env,
    )
    try:
        holder_run = _wait_for_claim(instance, holder, timeout=120)
        started = time.monotonic()
        waiter = _materialize(env, "raw/brands", BRANDPULSE_POOL_WAIT_SECONDS="6")
        elapsed = time.monotonic() - started
        output = waiter.stdout + waiter.stderr
        assert waiter.returncode != 0
        assert "gave up after waiting" in output and f"pool {WAREHOUSE_POOL}" in output
        assert f"run {holder_run[:8]} (pid {holder.pid})" in output
        assert "step holds_the_warehouse_pool" in output
        assert elapsed < 120  # the bound (6 s) plus start-up, not forever
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()

    # the holder is now dead: the daemon's sensor fails it and frees the slot
    from pipelines.sensors import dead_run_sensor

    result = dead_run_sensor(build_sensor_context(instance=instance))
    assert holder_run in str(result.skip_message)
    assert instance.get_run_by_id(holder_run).status == DagsterRunStatus.FAILURE
    assert _claimed(instance) == []


def test_a_held_reader_lock_fails_the_run_within_the_bound_naming_the_reader(site) -> None:
    env = site["env"]
    warehouse = site["root"] / "data" / "warehouse.duckdb"
    if not warehouse.exists():  # run alone: any warehouse file will do
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        duckdb.connect(str(warehouse)).close()
    reader = _start(
        [
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1], read_only=True); "
            "print('open', flush=True); time.sleep(300)",
            str(warehouse),
        ],
        env,
    )
    try:
        assert reader.stdout.readline().strip() == "open"
        started = time.monotonic()
        run = _materialize(env, "raw/brands", BRANDPULSE_WAREHOUSE_LOCK_WAIT_SECONDS="5")
        elapsed = time.monotonic() - started
    finally:
        os.kill(reader.pid, signal.SIGKILL)
        reader.wait()
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert f"is locked by PID {reader.pid}" in output and "gave up after" in output
    assert "published snapshot" in output
    assert output.count("STEP_FAILURE") == 1  # final: not retried against the same holder
    assert elapsed < 120
