"""dbt's partial-parse state from `make setup` must match what the Dagster dbt steps run with.

dbt re-parses the whole project when the profile differs from the one it last parsed
with, and the DuckDB profile holds the warehouse path: so `make setup`'s parse has to
hand dbt exactly the warehouse string the Dagster steps hand it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from brandpulse import dbt_cli
from pipelines.dbt import dbt_env
from pipelines.resources import WarehouseResource


def test_setup_parses_with_the_warehouse_the_dagster_dbt_steps_use(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BRANDPULSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("BRANDPULSE_WAREHOUSE", raising=False)
    calls: list[dict] = []
    monkeypatch.setattr(
        subprocess, "run", lambda cmd, **kwargs: calls.append({"cmd": cmd, **kwargs})
    )

    dbt_cli.parse_project()
    with dbt_env(WarehouseResource()):
        at_run = os.environ["BRANDPULSE_WAREHOUSE"]

    (call,) = calls
    assert call["cmd"][1:3] == ["--quiet", "parse"]
    assert call["env"]["BRANDPULSE_WAREHOUSE"] == at_run
    assert at_run == str(tmp_path / "data" / "warehouse.duckdb")
