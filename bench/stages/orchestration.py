"""Orchestration overhead: a Dagster run of warehouse_job against the same work called directly.

Both sides run in a fresh Python subprocess on a fresh warehouse, so each pays its own
imports: the Dagster side loads `pipelines.definitions` and runs
`execute_in_process` for the whole arrival range (the ingest and dbt assets of
warehouse_job, with their asset checks), the direct side calls the ingest functions
and the same `dbt build` subprocess over the window (BRANDPULSE_WINDOW_* env, as the
Dagster dbt step derives it from the run's partition-range tags). The AI and
publication assets are left out of the selection: they have no direct counterpart here.

    python -m bench.stages.orchestration dagster|direct <first-day> <last-day>
(run by the stage with BRANDPULSE_WAREHOUSE / BRANDPULSE_LANDING set; prints one JSON line)
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from bench.measure import measure
from bench.stages import BenchContext, StageSkipped, remove_database
from brandpulse.config import DBT_PRODUCTION_BUILD_FLAGS, REPO_ROOT, dbt_window_env
from brandpulse.dbt_cli import RUN_TARGET

MARKER = "BENCH_RESULT "


def selected_asset_keys() -> list:
    """The ingest assets and the two dbt steps (the warehouse models, whose window comes from
    the run's partition-range tags, then the segment models that read ml.person_predictions:
    without the propensity asset in the selection they build on the table as it is, or on
    none, as a direct `dbt build` does)."""
    from assets.dbt.assets import prediction_dbt_assets, warehouse_dbt_assets
    from assets.ingest.assets import ingest_assets

    steps = [warehouse_dbt_assets, prediction_dbt_assets]
    return [k for a in [*ingest_assets, *steps] for k in a.keys]


def _dagster(first: str, last: str) -> dict:
    import warnings

    warnings.filterwarnings("ignore")
    t0 = time.perf_counter()
    from dagster import DagsterInstance

    from pipelines.definitions import defs

    job = (
        defs.resolve_job_def("warehouse_job")
        if hasattr(defs, "resolve_job_def")
        else defs.get_job_def("warehouse_job")
    )
    keys = selected_asset_keys()
    imported = time.perf_counter() - t0
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            asset_selection=keys,
            tags={
                "dagster/asset_partition_range_start": first,
                "dagster/asset_partition_range_end": last,
            },
            raise_on_error=False,
        )
        failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        steps = step_seconds(instance.all_logs(result.run_id))
    return {
        "ok": result.success,
        "import_seconds": imported,
        "failed_steps": [e.step_key for e in failures],
        "failure_messages": [
            str(e.event_specific_data.error.message)[:1500]
            for e in failures
            if getattr(e.event_specific_data, "error", None)
        ],
        "assets": len(keys),
        "step_seconds": steps,
    }


def step_seconds(entries) -> dict[str, float]:
    """Seconds from STEP_START to STEP_SUCCESS/STEP_FAILURE per step, from the run's event log."""
    started: dict[str, float] = {}
    done: dict[str, float] = {}
    for entry in entries:
        event = entry.dagster_event
        if event is None or not entry.step_key:
            continue
        if event.event_type_value == "STEP_START":
            started[entry.step_key] = entry.timestamp
        elif (
            event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and entry.step_key in started
        ):
            done[entry.step_key] = round(entry.timestamp - started[entry.step_key], 3)
    return dict(sorted(done.items(), key=lambda kv: -kv[1]))


def _direct(first: str, last: str) -> dict:
    t0 = time.perf_counter()
    from bench.stages.ingest import load_everything
    from brandpulse import db
    from brandpulse.config import get_settings
    from brandpulse.dbt_cli import PROJECT_ARGS, dbt_executable

    t1 = time.perf_counter()
    settings = get_settings()
    con = db.connect(settings.warehouse_path)
    try:
        load_everything(con, settings.landing_dir)
    finally:
        con.close()
    t2 = time.perf_counter()
    window = dbt_window_env(first, (date.fromisoformat(last) + timedelta(days=1)).isoformat())
    proc = subprocess.run(
        [dbt_executable(), "build", *DBT_PRODUCTION_BUILD_FLAGS, *PROJECT_ARGS],
        env={**os.environ, **window},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return {
        "ok": proc.returncode == 0,
        "import_seconds": t1 - t0,
        "ingest_seconds": t2 - t1,
        "dbt_seconds": time.perf_counter() - t2,
        "dbt_tail": "" if proc.returncode == 0 else proc.stdout[-2000:],
    }


def dbt_execution_seconds(target: Path) -> float:
    """Seconds dbt spent executing nodes (run_results.json `elapsed_time`, after its parse and
    start-up), summed over the dbt calls whose artifacts are in `target` or its step folders
    (dagster-dbt gives every step its own). Compared between the two sides, it tells the load
    on the box (the same nodes on the same data) from what orchestration adds around them."""
    found = [target / "run_results.json", *target.glob("*/run_results.json")]
    return round(sum(json.loads(p.read_text())["elapsed_time"] for p in found if p.is_file()), 3)


def _child(mode: str, first: str, last: str) -> None:
    result = _dagster(first, last) if mode == "dagster" else _direct(first, last)
    print(MARKER + json.dumps(result), flush=True)


def _run_side(ctx: BenchContext, mode: str, first: str, last: str) -> tuple[dict, dict]:
    warehouse = ctx.warehouse(f"orchestration_{mode}")
    remove_database(warehouse)
    env = ctx.env(warehouse)
    env["DAGSTER_HOME"] = str(ctx.work / "dagster_home")
    (ctx.work / "dagster_home").mkdir(exist_ok=True)
    target = ctx.work / f"dbt-target-{mode}"
    _remove_step_targets(target)
    env["DBT_TARGET_PATH"] = str(target)
    env["DBT_LOG_PATH"] = str(ctx.work / f"dbt-logs-{mode}")
    cpu_before = _children_cpu_seconds()
    with measure() as m:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.stages.orchestration", mode, first, last],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    cpu = _children_cpu_seconds() - cpu_before
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARKER)]
    result = (
        json.loads(lines[-1][len(MARKER) :])
        if lines
        else {"ok": False, "error": proc.stderr[-2000:]}
    )
    remove_database(warehouse)
    return result, {**m.as_dict(), "cpu_seconds": round(cpu, 3)}


def _remove_step_targets(target: Path) -> None:
    """Drop the per-step dbt folders of earlier runs (dagster-dbt makes one per step and run),
    so `dbt_execution_seconds` counts this run's; dbt's parse state in `target` itself is
    kept on both sides, as a deployment keeps the project's."""
    if target.is_dir():
        for folder in target.iterdir():
            if folder.is_dir() and RUN_TARGET.match(folder.name):
                shutil.rmtree(folder, ignore_errors=True)


def _children_cpu_seconds() -> float:
    """User + system CPU seconds of the waited-for child processes and their descendants
    (the side's Python process, dbt, DuckDB's threads): what a side costs the machine,
    which, unlike its wall time, barely moves with the other load on a shared box."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(ctx: BenchContext) -> dict:
    days = ctx.all_days()
    if not days:
        raise StageSkipped("no arrival days")
    first, last = days[0].isoformat(), days[-1].isoformat()
    direct, direct_m = _run_side(ctx, "direct", first, last)
    dagster, dagster_m = _run_side(ctx, "dagster", first, last)
    notes = []
    for name, side in (("direct", direct), ("dagster", dagster)):
        if not side.get("ok"):
            notes.append(f"{name} side failed: {json.dumps(side)[:1500]}")
    return {
        "metrics": {
            "days": len(days),
            "direct_seconds": direct_m["seconds"],
            "dagster_seconds": dagster_m["seconds"],
            "direct_import_seconds": round(direct.get("import_seconds", 0.0), 3),
            "dagster_import_seconds": round(dagster.get("import_seconds", 0.0), 3),
            "direct_peak_rss_bytes": direct_m["peak_rss_bytes"],
            "dagster_peak_rss_bytes": dagster_m["peak_rss_bytes"],
            "direct_ok": bool(direct.get("ok")),
            "dagster_ok": bool(dagster.get("ok")),
            "dagster_failed_steps": dagster.get("failed_steps", []),
            "dagster_assets_selected": dagster.get("assets"),
            "dagster_step_seconds": dagster.get("step_seconds", {}),
            "direct_cpu_seconds": direct_m["cpu_seconds"],
            "dagster_cpu_seconds": dagster_m["cpu_seconds"],
            "direct_ingest_seconds": round(direct.get("ingest_seconds", 0.0), 3),
            "direct_dbt_seconds": round(direct.get("dbt_seconds", 0.0), 3),
            "direct_dbt_execution_seconds": dbt_execution_seconds(ctx.work / "dbt-target-direct"),
            "dagster_dbt_execution_seconds": dbt_execution_seconds(ctx.work / "dbt-target-dagster"),
        },
        "notes": notes
        + [
            "both sides: fresh subprocess and warehouse; dagster = execute_in_process of warehouse_job's ingest + "
            "dbt assets (with asset checks) for the whole range, in-process executor, ephemeral instance"
        ],
        "ok": bool(direct.get("ok")) and bool(dagster.get("ok")),
    }


if __name__ == "__main__":
    _child(*sys.argv[1:4])
