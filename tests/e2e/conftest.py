"""The demo warehouse, built once per test session the way `make run` builds it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import DagsterInstance, ExecuteInProcessResult


@dataclass
class DemoWarehouse:
    root: Path
    warehouse: Path
    landing: Path
    result: ExecuteInProcessResult
    instance: DagsterInstance


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWarehouse]:
    """The demo landing zone at `make run` size (pipelines.run.DEMO_SIZE), then one
    `warehouse_job` run over every landing day: ingest, dbt, ml.*, AI, publication.
    The environment points at it only while the fixture is alive."""
    from brandpulse.generator import generate
    from pipelines.run import DEMO_SIZE

    root = tmp_path_factory.mktemp("demo")
    env = {"BRANDPULSE_DATA_DIR": str(root), "BRANDPULSE_LANDING": str(root / "landing")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        generate(root / "landing", **DEMO_SIZE)
        from pipelines.definitions import defs
        from pipelines.run import landing_days

        days = landing_days()
        with DagsterInstance.ephemeral() as instance:
            result = defs.resolve_job_def("warehouse_job").execute_in_process(
                instance=instance,
                tags={
                    "dagster/asset_partition_range_start": days[0],
                    "dagster/asset_partition_range_end": days[-1],
                },
                raise_on_error=False,
            )
            yield DemoWarehouse(root, root / "warehouse.duckdb", root / "landing", result, instance)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
