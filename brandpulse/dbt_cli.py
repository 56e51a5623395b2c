"""How brandpulse calls dbt: the venv's executable, and the project parse.

`make setup` parses the project here, with the settings' environment, rather than with a
bare `dbt parse`. dbt re-parses the whole project (~4-8 s here) whenever the profile it
last parsed with differs from the run's, and the DuckDB profile includes the warehouse
path. dagster-dbt starts every dbt step from the project's `target/partial_parse.msgpack`,
so that file has to be written with the same warehouse path the Dagster runs use
(`get_settings().warehouse_path`): their dbt steps then parse only what changed.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from brandpulse.config import DBT_PROJECT_DIR, get_settings

PROJECT_ARGS = ("--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR))
PROJECT_SOURCES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")
"""What `dbt parse` reads: the manifest is stale when any of it changed after the parse."""


def dbt_executable() -> str:
    """The venv's dbt next to this interpreter, so it is found without PATH set up."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def manifest_is_stale(project_dir: Path, manifest: Path) -> bool:
    """True when `manifest` is missing or older than a file of the project it was parsed
    from: dagster-dbt would otherwise load models, tests and lineage that no longer exist
    (or miss new ones, and fail on their events mid-run)."""
    if not manifest.exists():
        return True
    parsed_at = manifest.stat().st_mtime
    for name in PROJECT_SOURCES:
        path = project_dir / name
        files = path.rglob("*") if path.is_dir() else [path]
        if any(f.is_file() and f.stat().st_mtime > parsed_at for f in files):
            return True
    return False


RUN_TARGET = re.compile(r"^[A-Za-z0-9_]+-[0-9a-f]{7}-[0-9a-f]{7}$")
"""dagster-dbt's per-invocation target folder: `<op name>-<run id[:7]>-<uuid[:7]>`."""
KEEP_RUN_TARGETS = 6


def prune_run_targets(project_dir: Path = DBT_PROJECT_DIR, keep: int = KEEP_RUN_TARGETS) -> int:
    """Remove all but the newest `keep` per-invocation target folders (~16 MB each, one per
    dbt step of every run); the project's own target files are left alone. Returns how many
    were removed. dbt's own log rotates by itself (dbt.log, 10 MB x 5 backups)."""
    target = project_dir / "target"
    if not target.is_dir():
        return 0
    runs = sorted(
        (p for p in target.iterdir() if p.is_dir() and RUN_TARGET.match(p.name)),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in runs[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return len(runs[keep:])


PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def project_target_dir(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """The target folder dagster-dbt copies dbt's parse state from into every step's own
    folder: DBT_TARGET_PATH (relative to the project) or `target`, as dbt resolves it."""
    target = Path(os.environ.get("DBT_TARGET_PATH") or "target")
    return target if target.is_absolute() else project_dir / target


def keep_parse_state(run_target: Path, project_dir: Path = DBT_PROJECT_DIR) -> bool:
    """Make the parse state a dbt step wrote in its own folder the one the next steps start
    from. Returns whether it was copied.

    dagster-dbt starts each step from the project target's partial_parse.msgpack but leaves
    the step's new one in the step's folder. When that state did not fit the step (another
    warehouse path than `make setup` parsed with, changed window variables), every later step
    would re-parse the whole project (~4-8 s) again; with this, only the first one does. The
    file is replaced atomically, so a step starting meanwhile reads the old or the new one.
    """
    source = run_target / PARTIAL_PARSE_FILE
    if not source.is_file():
        return False
    destination = project_target_dir(project_dir) / PARTIAL_PARSE_FILE
    if destination.is_file() and filecmp.cmp(source, destination, shallow=False):
        return False
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{PARTIAL_PARSE_FILE}.{os.getpid()}.tmp")
    shutil.copyfile(source, partial)
    os.replace(partial, destination)
    return True


def parse_project() -> None:
    """`dbt parse` into dbt_project/target: the manifest dagster-dbt loads, and dbt's
    partial-parse state, both for the settings' warehouse."""
    subprocess.run(
        [dbt_executable(), "--quiet", "parse", *PROJECT_ARGS],
        check=True,
        env={**os.environ, **get_settings().env()},
    )


if __name__ == "__main__":
    parse_project()
