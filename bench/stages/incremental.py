"""Incremental cost: one new arrival day built incrementally against the full build.

From a copy of the freshly ingested warehouse, the last two arrival days are removed
(re-loading a partition from a landing folder without files replaces it by nothing),
the rest is built in full, then the last full day is loaded again and `dbt build` runs
with the window `min_date`/`max_date` = that day only, as the weekday Dagster partition run
calls it: the window in environment variables (no re-parse) and the day's test scope
(`DBT_FULL_TEST_PASS_ONLY` excluded; `empty_day_full_tests_seconds` is the Sunday call with
every test).
The very last arrival day is only the UTC tail of the range (west-of-UTC brands' last
hours and clamped late events), so the new day is the last full day before it.
The ratio is that incremental build over the full build of every day (dbt_build
stage); the same ratio over model execution time only (no dbt start-up) is reported
next to it, and so is the ratio of both beyond dbt's fixed cost (`dbt_fixed_seconds`: the
same call with no node selected and `--no-partial-parse`, start-up plus the full parse),
which no incremental design can go below. The fixed cost is split into the parse
(`dbt_parse_seconds`: the floor minus the same call once more, now with dbt's partial
parse) and the rest (Python imports, manifest, artifacts). `day_full_parse` says whether
the day's call parsed the whole project (it did on every day when the window was `--vars`). dbt's whole cost of
such a run is measured too (`empty_day_build_seconds`): the same day's call on a
warehouse whose event sources are empty (every node, test and hook runs, on no rows);
the day beyond it is the part that processes data.

The day's model time is also split by layer: the incremental models (events and the
person-level tables kept over a watermark, `incremental_layer_*`) against their own
time in the full build, and the models every run rebuilds in full (person-level marts
whose windows end at the brand's last day, so every person's row can change).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bench.measure import timed
from bench.stages import BenchContext, StageSkipped, copy_database
from bench.stages.dbt_build import DbtRun, run_dbt
from brandpulse.config import DBT_FULL_TEST_PASS_ONLY, DBT_PRODUCTION_BUILD_FLAGS, dbt_window_env

NO_NODES = "tag:bench_selects_nothing"
"""A selector no node matches: the floor run starts dbt, parses and stops."""


def split_days(days: list) -> tuple[list, object, list]:
    """(base days, new day, left-out days): the new day is the last full day before the tail."""
    if len(days) < 3:
        raise StageSkipped(f"needs at least 3 arrival days, the landing zone has {len(days)}")
    return days[:-2], days[-2], days[-1:]


def layer_seconds(per_model: dict[str, float], incremental: set[str]) -> tuple[float, float]:
    """(seconds of the incremental models, seconds of every other model) of one build."""
    inc = sum(v for k, v in per_model.items() if k in incremental)
    return inc, sum(per_model.values()) - inc


def data_work_by_node(
    day: dict[str, float], empty: dict[str, float], top: int = 15
) -> dict[str, float]:
    """The nodes whose day took longest beyond the same node on empty tables: where the
    day's data work goes (largest first)."""
    work = {name: seconds - empty.get(name, 0.0) for name, seconds in day.items()}
    ranked = sorted(work.items(), key=lambda kv: -kv[1])[:top]
    return {name: round(seconds, 3) for name, seconds in ranked}


def node_seconds(run: DbtRun) -> dict[str, float]:
    """Execution seconds of every model and data test of a run, by node name."""
    return {**run.seconds_by("model"), **run.seconds_by("test")}


def load_days(warehouse: Path, days: list, landing: Path) -> int:
    """Replace `days` of every partitioned source of `warehouse` from `landing` (a landing
    folder without files empties them); the rows loaded."""
    from brandpulse import db
    from brandpulse.ingest import PARTITIONED_SOURCES, load_partitions

    con = db.connect(warehouse)
    try:
        return sum(
            load_partitions(con, s.name, days, landing).total("rows_loaded")
            for s in PARTITIONED_SOURCES
        )
    finally:
        con.close()


def run_empty_day(
    ctx: BenchContext, build_args: list[str], window: dict[str, str], empty_landing: Path
) -> tuple[DbtRun | None, DbtRun | None]:
    """The same day's `dbt build` on a warehouse whose event sources are empty (same
    brands and definitions, every model built once before): dbt's whole cost of a run of
    this project (start-up, parse, every node's and test's overhead, the hooks) with
    no data to process; then the same with every test (the weekly full test pass).
    None for a build that fails."""
    warehouse = ctx.warehouse("incremental_empty")
    copy_database(ctx.state["raw_only"], warehouse)
    load_days(warehouse, ctx.all_days(), empty_landing)
    try:
        setup = run_dbt(ctx, warehouse, ["build", "--full-refresh", *DBT_PRODUCTION_BUILD_FLAGS])
        if not setup.ok:
            return None, None
        day = run_dbt(ctx, warehouse, build_args, extra_env=window)
        all_tests = run_dbt(ctx, warehouse, full_test_pass(build_args), extra_env=window)
    finally:
        warehouse.unlink(missing_ok=True)
    return (day if day.ok else None), (all_tests if all_tests.ok else None)


DAY_TEST_SCOPE = ("--exclude", *DBT_FULL_TEST_PASS_ONLY)
"""The weekday Dagster run's test scope (assets/dbt/assets.py test_scope_args)."""


def full_test_pass(build_args: list[str]) -> list[str]:
    """The same call with every test (the Sunday run)."""
    n = len(DAY_TEST_SCOPE)
    for i in range(len(build_args) - n + 1):
        if tuple(build_args[i : i + n]) == DAY_TEST_SCOPE:
            return [*build_args[:i], *build_args[i + n :]]
    return list(build_args)


def run(ctx: BenchContext) -> dict:
    full = ctx.state.get("full_build")
    if ctx.state.get("raw_only") is None or full is None:
        raise StageSkipped("needs the ingest and dbt build stages")
    base, new_day, left_out = split_days(ctx.all_days())
    notes: list[str] = []
    warehouse = ctx.warehouse("incremental")
    copy_database(ctx.state["raw_only"], warehouse)
    empty = ctx.work / "empty_landing"
    empty.mkdir(exist_ok=True)
    load_days(warehouse, [new_day, *left_out], empty)

    base_build = run_dbt(ctx, warehouse, ["build", "--full-refresh", *DBT_PRODUCTION_BUILD_FLAGS])
    if not base_build.ok:
        raise RuntimeError(
            "full build of the base days failed: "
            + (", ".join(f["node"] for f in base_build.failures()) or base_build.output_tail)
        )

    with timed() as load:
        rows = load_days(warehouse, [new_day], ctx.landing)
    window = dbt_window_env(new_day.isoformat(), (new_day + timedelta(days=1)).isoformat())
    build_args = ["build", *DBT_PRODUCTION_BUILD_FLAGS, *DAY_TEST_SCOPE]
    incremental = run_dbt(ctx, warehouse, build_args, timeout=ctx.dbt_timeout, extra_env=window)
    # dbt's fixed cost of that same call: start-up and a full parse, with no node selected.
    floor = run_dbt(
        ctx, warehouse, [*build_args, "--no-partial-parse", "--select", NO_NODES], extra_env=window
    )
    floor_parsed = run_dbt(ctx, warehouse, [*build_args, "--select", NO_NODES], extra_env=window)
    warehouse.unlink(missing_ok=True)
    empty_day, empty_day_all_tests = run_empty_day(ctx, build_args, window, empty)

    inc = incremental.summary()
    if incremental.timed_out:
        notes.append(
            f"incremental build stopped after {ctx.dbt_timeout:.0f} s: its seconds and the ratio are "
            f"lower bounds ({incremental.output_tail.splitlines()[-1] if incremental.output_tail else ''})"
        )
    full_models = sum(full.seconds_by("model").values())
    incremental_models = set(ctx.state.get("incremental_models") or ())
    layer_day, rebuilt_day = layer_seconds(incremental.seconds_by("model"), incremental_models)
    layer_full, _ = layer_seconds(full.seconds_by("model"), incremental_models)
    parse = floor.seconds - floor_parsed.seconds if floor.ok and floor_parsed.ok else None
    return {
        "metrics": {
            "base_days": len(base),
            "new_day": new_day.isoformat(),
            "new_day_rows_loaded": rows,
            "new_day_ingest_seconds": round(load.seconds, 3),
            "base_full_build_seconds": round(base_build.seconds, 3),
            "full_build_seconds": round(full.seconds, 3),
            "full_build_model_seconds": round(full_models, 3),
            "incremental_build_seconds": inc["wall_seconds"],
            "dbt_fixed_seconds": round(floor.seconds, 3) if floor.ok else None,
            "dbt_parse_seconds": round(parse, 3) if parse is not None else None,
            "day_full_parse": incremental.full_parse,
            "empty_day_build_seconds": round(empty_day.seconds, 3) if empty_day else None,
            "empty_day_full_parse": empty_day.full_parse if empty_day else None,
            "empty_day_full_tests_seconds": (
                round(empty_day_all_tests.seconds, 3) if empty_day_all_tests else None
            ),
            "day_tests_run": len(incremental.seconds_by("test")),
            "day_data_work_top_nodes": (
                data_work_by_node(node_seconds(incremental), node_seconds(empty_day))
                if empty_day and not incremental.timed_out
                else None
            ),
            "incremental_layer_models": sorted(incremental_models),
            "incremental_layer_day_seconds": None if incremental.timed_out else round(layer_day, 3),
            "incremental_layer_full_seconds": round(layer_full, 3) if incremental_models else None,
            "rebuilt_models_day_seconds": None if incremental.timed_out else round(rebuilt_day, 3),
            # a killed build wrote no run_results: no model time to report (not 0)
            "incremental_model_seconds": None if incremental.timed_out else inc["model_seconds"],
            "incremental_test_seconds": None if incremental.timed_out else inc["test_seconds"],
            "incremental_ok": incremental.ok,
            "incremental_timed_out": incremental.timed_out,
            "incremental_top_models": inc["top_models"],
            "incremental_failures": inc["failures"],
        },
        "notes": notes
        + [
            f"base = {len(base)} arrival days built with --full-refresh; new day {new_day} loaded, then "
            f"`{' '.join(build_args)}` with {window}; ratio denominator = full build of all "
            f"{len(base) + 1 + len(left_out)} arrival days"
        ],
        "ok": incremental.ok,
        **({"lower_bound": True} if incremental.timed_out else {}),
        "error_detail": incremental.output_tail or None,
    }
