"""dbt inside Dagster: every dbt model is an asset, every dbt test an asset check.

Models are keyed `[schema, model]` (e.g. marts/funnel_persons) and dbt sources map onto
the ingest and AI asset keys through their `meta.dagster.asset_key`, so lineage is one
graph. Two dbt steps, both unpartitioned and in the single-writer pool: the warehouse
models (everything but the segment models) in one dbt invocation, then the models that
read what the analytics assets write (the `ml` source), after those assets.

The dbt models are not per-day tables: identity merges and late events change any day,
and the change set (int_changed_keys) decides what an incremental model rebuilds. So the
per-day status belongs to the ingest assets, which stay daily-partitioned with a
single-run backfill policy, and the dbt step runs once per run (or backfill) after the
ingested days. The event-window models (tag `partitioned`: int_events_resolved and its
change detection) take the run's partition or partition range as their window
(BRANDPULSE_WINDOW_MIN_DATE/_MAX_DATE environment variables, not `--vars`, whose every
new value re-parses the whole project); a run without a partition admits every event.
"""

import os
import signal
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from assets.dbt.row_counts import with_row_counts
from brandpulse.config import (
    DBT_FULL_TEST_PASS_ONLY,
    DBT_PRODUCTION_BUILD_FLAGS,
    DBT_WINDOW_ENV,
    TEST_PASS_TAG,
    dbt_window_env,
    get_settings,
)
from brandpulse.dbt_cli import keep_parse_state, prune_run_targets
from brandpulse.resources import WAREHOUSE_POOL, WarehouseResource, daily_partitions
from brandpulse.resources.dbt import check_manifest, dbt_project

# `make setup` parses the project; a missing or stale manifest is an error naming it
check_manifest(dbt_project)

DOMAIN_GROUPS = {"core": "warehouse", "funnels": "funnels", "ai": "ai_analytics"}


class BrandpulseTranslator(DagsterDbtTranslator):
    """Keys `[schema, name]`, groups by domain folder, team owners."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props["schema"]
        return AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "reference_data"
        domain = fqn[2] if len(fqn) > 3 else (fqn[1] if len(fqn) > 1 else "warehouse")
        return DOMAIN_GROUPS.get(domain, domain)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return ["team:analytics-engineering"]


translator = BrandpulseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def stream_dbt(
    dbt: DbtCliResource,
    args: list[str],
    context: AssetExecutionContext,
    warehouse: WarehouseResource | None = None,
) -> Iterator[Any]:
    """dagster-dbt's event stream of `dbt <args>`, stopping dbt when the stream fails.

    dagster-dbt forwards only an interrupt to dbt: on any other error while reading its
    events the dbt process would run on and keep the warehouse's write lock, so the step's
    retry could not open it. dbt gets SIGINT (it cancels its queries and closes the
    connection), then is killed if it does not exit in time. With `warehouse`, table
    models get their row counts once dbt has exited (assets/dbt/row_counts.py). The step's
    parse state is kept for the next steps (`keep_parse_state`).
    """
    invocation = dbt.cli(args, context=context)
    events = invocation.stream()
    if warehouse is not None and get_settings().engine == "spark":
        events = then_load_spark_marts(events, context, warehouse)
    try:
        if warehouse is None:
            yield from events
        else:
            yield from with_row_counts(events, invocation.manifest, warehouse.resolved_path)
    finally:
        process = invocation.process
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=invocation.termination_timeout_seconds)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        keep_parse_state(invocation.target_path)
        prune_run_targets()


def then_load_spark_marts(
    events: Iterator[Any], context: AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[Any]:
    """dbt's events, then (once dbt succeeded on Spark) the Spark marts it exported loaded
    into the DuckDB warehouse, so the assets that read marts there see this build."""
    yield from events
    from brandpulse.spark_marts import load_marts

    with warehouse.connect() as con:
        loaded = load_marts(con, get_settings().spark_dir)
    context.log.info(
        f"Loaded {len(loaded)} Spark tables into the DuckDB serving copy "
        f"({sum(m.rows for m in loaded)} rows)"
    )


@contextmanager
def dbt_env(warehouse: WarehouseResource, extra: Mapping[str, str] | None = None) -> Iterator[None]:
    """Point dbt (profiles.yml reads BRANDPULSE_WAREHOUSE) at the resource's warehouse, with
    `extra` variables (the partition window).

    dagster-dbt hands the process environment to the dbt subprocess; the variables are
    set only around the call and restored after, so nothing leaks into later processes.
    A window variable not in `extra` is unset around the call: a run without a partition
    admits every event, whatever the calling process's environment holds.
    """
    settings = get_settings()
    wanted = {
        "BRANDPULSE_WAREHOUSE": warehouse.resolved_path,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **(extra or {}),
        # profiles.yml picks the engine's output; Spark reads the lake, builds in spark_dir
        "BRANDPULSE_ENGINE": settings.engine,
        "BRANDPULSE_LAKE_DIR": str(settings.lake_dir),
        "BRANDPULSE_SPARK_WAREHOUSE": str(settings.spark_dir),
    }
    unset = [name for name in DBT_WINDOW_ENV.values() if name not in wanted]
    saved = {k: os.environ.get(k) for k in [*wanted, *unset]}
    os.environ.update(wanted)
    for name in unset:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def prepare_engine(context: AssetExecutionContext, warehouse: WarehouseResource) -> None:
    """Before dbt: wait for the warehouse file; on Spark, export the raw layer (validated
    and quarantined by ingest in raw.*) to the Parquet lake dbt's sources read there."""
    warehouse.wait_until_writable()
    settings = get_settings()
    if settings.engine != "spark":
        return
    from brandpulse.lake import export_lake

    with warehouse.connect(read_only=True) as con:
        exported = export_lake(con, settings.lake_dir)
    rows = {f"{t.schema}.{t.table}": t.rows for t in exported}
    context.log.info(f"Exported the raw layer to {settings.lake_dir} for Spark: {rows}")


def run_window(tags: Mapping[str, str]) -> tuple[str, str] | None:
    """The arrival days [min_date, max_date) (ISO) of a run's partition or partition range,
    read from its tags; none for a run without a partition.

    The dbt assets are unpartitioned, so the run's tags (not the step's partition context)
    carry the days: `dagster/partition` for one day (the schedule, the landing sensor),
    `dagster/asset_partition_range_start/_end` for a range (`make run`, a job backfill, an
    asset backfill's range run). An asset backfill materializes the unpartitioned dbt
    assets in a run of their own without partition tags, after the ingested days.
    """
    start, end = tags.get(ASSET_PARTITION_RANGE_START_TAG), tags.get(ASSET_PARTITION_RANGE_END_TAG)
    if not (start or end):
        start = end = tags.get(PARTITION_NAME_TAG)
    if not (start and end):
        return None
    try:
        first = daily_partitions.time_window_for_partition_key(start).start
        after_last = daily_partitions.time_window_for_partition_key(end).end
    except ValueError as exc:
        raise ValueError(
            f"The run's partition tags {start!r}..{end!r} are not days of the daily partitions"
        ) from exc
    return first.strftime("%Y-%m-%d"), after_last.strftime("%Y-%m-%d")


def window_env(context: AssetExecutionContext) -> dict[str, str]:
    """The window variables handed to the event-window models: the run's partition days,
    none (every event admitted) for a run without a partition."""
    window = run_window(context.run.tags)
    if window is None:
        context.log.info("No partition in this run: dbt admits every ingested event")
        return {}
    context.log.info(
        f"dbt window from the run's partitions: arrival days [{window[0]}, {window[1]})"
    )
    return dbt_window_env(*window)


def test_scope_args(context: AssetExecutionContext) -> list[str]:
    """`--exclude` of the tests left to the weekly full pass when the run is a day run.
    (Their asset checks are then reported as not executed in that run.)"""
    if context.run.tags.get(TEST_PASS_TAG) != "day":
        return []
    return ["--exclude", " ".join(DBT_FULL_TEST_PASS_ONLY)]


PREDICTION_SELECTION = "source:ml+"
"""Models that read a table the analytics assets write (the `ml` source: person_predictions)
and everything built on them (person_segments, segment_sizes, segments). They run in a
second step after those assets, which themselves read models of the first step: in one
step, the graph would be a cycle. (One subsettable step letting Dagster split it around
the analytics assets made 9 steps of warehouse_job, bench/README.md.)"""


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=PREDICTION_SELECTION,
    name="dbt_warehouse_models",
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
)
def warehouse_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """Every warehouse model from the events to the marts, in one dbt invocation per run.

    Unpartitioned: identity merges and late events change persons, sessions, funnels and
    cohorts retroactively, so a model is not a set of days and one materialization covers
    all of them. The event-window models admit the events of the run's partition days
    (`window_env`); the change set they write tells the person-level incremental models
    which keys to recompute; the rest are full tables. One process instead of two saves a
    dbt start-up, manifest load and run hooks, and the per-day events of a range run.
    Tests run here when every model they read is built here or before (`buildable`); a
    test that also reads a segment model runs in the prediction step, after it.
    """
    prepare_engine(context, warehouse)
    with dbt_env(warehouse, window_env(context)):
        args = [
            "build",
            *DBT_PRODUCTION_BUILD_FLAGS,
            "--indirect-selection",
            "buildable",
            *test_scope_args(context),
        ]
        yield from stream_dbt(dbt, args, context, warehouse)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=PREDICTION_SELECTION,
    name="dbt_prediction_models",
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
)
def prediction_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """Segments, whose rules may use model-made features (purchase_propensity from
    ml.person_predictions), after the analytics assets; unpartitioned, like the rest."""
    warehouse.wait_until_writable()
    with dbt_env(warehouse):
        args = ["build", *DBT_PRODUCTION_BUILD_FLAGS, *test_scope_args(context)]
        yield from stream_dbt(dbt, args, context, warehouse)
