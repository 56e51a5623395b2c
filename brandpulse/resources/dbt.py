"""The dbt project and its Dagster resource, and the check that its manifest is current.

dagster-dbt builds the dbt assets from `target/manifest.json` when the definitions are
imported. Importing parses nothing: `make setup` (`python -m brandpulse.dbt_cli`) writes
the manifest, and a missing or stale one is an error that says to run it. (A manifest
older than the project would load models, tests and lineage that no longer exist, or
miss new ones and fail on their events mid-run.)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.compat import DBT_PYTHON_VERSION

from brandpulse.config import DBT_PROJECT_DIR
from brandpulse.dbt_cli import dbt_executable, manifest_is_stale

PARSE_COMMAND = "make setup  (or: .venv/bin/python -m brandpulse.dbt_cli)"


class StaleManifest(RuntimeError):
    """The dbt manifest is missing or older than the project's files."""


def check_manifest(project: DbtProject) -> None:
    """Raise StaleManifest, naming the command that parses the project, unless the manifest
    exists and is newer than every file `dbt parse` reads. Reads file times only."""
    if not project.manifest_path.exists():
        raise StaleManifest(
            f"the dbt manifest {project.manifest_path} does not exist: run `{PARSE_COMMAND}` "
            "to parse the dbt project before loading the Dagster definitions"
        )
    if manifest_is_stale(project.project_dir, project.manifest_path):
        raise StaleManifest(
            f"the dbt manifest {project.manifest_path} is older than the dbt project's files: "
            f"run `{PARSE_COMMAND}` to parse it again before loading the Dagster definitions"
        )


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class WarehouseDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource without two start-up costs brandpulse does not use.

    Before every `dbt` call dagster-dbt runs `dbt --version` in a subprocess (once per
    resource) and builds a dbt adapter in the Dagster process (loading dbt's macros, ~0.5-1.5 s
    a step). The adapter only serves `fetch_row_counts()`/`fetch_column_metadata()`, which
    brandpulse does not call: row counts are read after dbt exits (assets/dbt/row_counts.py),
    since DuckDB's write lock stops any reader while dbt runs. The executable is the venv's
    dbt, so its version is the installed dbt-core's.
    """

    @cached_property
    def _cli_version(self) -> Any:
        if DBT_PYTHON_VERSION is None:  # no dbt-core in this environment: ask the executable
            return super()._cli_version
        return DBT_PYTHON_VERSION

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None


def dbt_resource() -> DbtCliResource:
    """The `dbt` resource: the venv's dbt on this project (profiles.yml reads the warehouse
    path from the environment the dbt assets set around each call)."""
    return WarehouseDbtCliResource(
        project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
    )
