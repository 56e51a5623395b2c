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

from assets.dbt.assets import dbt_env
from brandpulse import dbt_cli
from brandpulse.resources import WarehouseResource


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


def test_manifest_is_stale_when_missing_or_older_than_a_project_file(tmp_path: Path) -> None:
    project = tmp_path / "dbt_project"
    (project / "models" / "core").mkdir(parents=True)
    model = project / "models" / "core" / "m.sql"
    model.write_text("select 1")
    (project / "dbt_project.yml").write_text("name: x")
    manifest = project / "target" / "manifest.json"
    assert dbt_cli.manifest_is_stale(project, manifest)  # missing

    manifest.parent.mkdir()
    manifest.write_text("{}")
    os.utime(model, (1_000, 1_000))
    os.utime(project / "dbt_project.yml", (1_000, 1_000))
    os.utime(manifest, (2_000, 2_000))
    assert not dbt_cli.manifest_is_stale(project, manifest)

    os.utime(model, (3_000, 3_000))  # a model edited after the parse
    assert dbt_cli.manifest_is_stale(project, manifest)


def test_a_failed_event_stream_stops_the_dbt_process(tmp_path: Path) -> None:
    """An error while reading dbt's events must not leave dbt running (holding the
    warehouse's write lock the step's retry needs)."""
    from assets.dbt.assets import stream_dbt

    class Invocation:
        termination_timeout_seconds = 10.0
        target_path = tmp_path / "step-target"

        def __init__(self) -> None:
            self.process = subprocess.Popen(["sleep", "60"])

        def stream(self):
            yield "first event"
            raise KeyError("model.brandpulse.unknown")

    invocation = Invocation()

    class Dbt:
        def cli(self, args, context):
            return invocation

    events = stream_dbt(Dbt(), ["build"], context=None)
    assert next(events) == "first event"
    with pytest.raises(KeyError):
        next(events)
    assert invocation.process.poll() is not None


def test_a_missing_or_stale_manifest_is_an_error_naming_the_parse_command(tmp_path: Path) -> None:
    from dagster_dbt import DbtProject

    from brandpulse.resources.dbt import PARSE_COMMAND, StaleManifest, check_manifest

    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "m.sql"
    model.write_text("select 1")
    (tmp_path / "dbt_project.yml").write_text("name: x\n")
    project = DbtProject(project_dir=tmp_path, profiles_dir=tmp_path)
    with pytest.raises(StaleManifest, match="does not exist") as missing:
        check_manifest(project)
    assert PARSE_COMMAND in str(missing.value)

    project.manifest_path.parent.mkdir()
    project.manifest_path.write_text("{}")
    for path in (model, tmp_path / "dbt_project.yml"):
        os.utime(path, (1_000, 1_000))
    os.utime(project.manifest_path, (2_000, 2_000))
    check_manifest(project)  # current: no error, and nothing parsed

    os.utime(model, (3_000, 3_000))  # a model edited after the parse
    with pytest.raises(StaleManifest, match="older than") as stale:
        check_manifest(project)
    assert PARSE_COMMAND in str(stale.value)


def test_a_steps_parse_state_becomes_the_one_the_next_steps_start_from(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The state dbt wrote in a step's own folder replaces the project target's (which
    dagster-dbt copies into the next step's folder), once, and only when it differs."""
    project = tmp_path / "dbt_project"
    step = project / "target" / "dbt_step-abcdef0-1234567"
    step.mkdir(parents=True)
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)
    shared = project / "target" / dbt_cli.PARTIAL_PARSE_FILE

    assert not dbt_cli.keep_parse_state(step, project)  # the step wrote none: nothing kept
    assert not shared.exists()

    (step / dbt_cli.PARTIAL_PARSE_FILE).write_bytes(b"state parsed by the step")
    assert dbt_cli.keep_parse_state(step, project)
    assert shared.read_bytes() == b"state parsed by the step"
    assert not dbt_cli.keep_parse_state(step, project)  # the same state: not copied again
    assert sorted(p.name for p in shared.parent.iterdir()) == [
        "dbt_step-abcdef0-1234567",
        dbt_cli.PARTIAL_PARSE_FILE,
    ]  # no temporary file left

    elsewhere = tmp_path / "bench-target"  # DBT_TARGET_PATH set (absolute), as the bench does
    monkeypatch.setenv("DBT_TARGET_PATH", str(elsewhere))
    assert dbt_cli.keep_parse_state(step, project)
    assert (elsewhere / dbt_cli.PARTIAL_PARSE_FILE).read_bytes() == b"state parsed by the step"


def test_the_dbt_resource_starts_no_version_subprocess_and_no_adapter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """dagster-dbt would run `dbt --version` and build a dbt adapter (loading dbt's macros)
    in the Dagster process before every step; brandpulse uses neither."""
    import dagster_dbt.core.resource as dagster_dbt_resource
    from dagster_dbt.compat import DBT_PYTHON_VERSION

    from brandpulse.resources.dbt import dbt_resource

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"unexpected subprocess: {args}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_subprocess)
    resource = dbt_resource()
    assert resource._cli_version == DBT_PYTHON_VERSION
    assert resource._cli_version.major == 1  # dbt Core: dagster-dbt streams its CLI events
    assert resource._initialize_dbt_core_adapter(["build"]) is None
