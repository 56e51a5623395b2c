"""Importing the definitions does no I/O: no landing-zone glob, no dbt parse, no environment
write, no warehouse or ledger connection (the Dagster webserver, the daemon and every run
worker import them, often). Each case runs in a fresh interpreter under import_guard.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from brandpulse.config import DEFAULT_START_DATE, REPO_ROOT

GUARD = Path(__file__).with_name("import_guard.py")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder whose landing zone has a day earlier than the default start."""
    day = tmp_path / "data" / "landing" / "events" / "date=2026-07-01"
    day.mkdir(parents=True)
    (day / "part-0.jsonl").write_text("{}\n")
    (tmp_path / "dagster_home").mkdir()
    return tmp_path


def guarded(statement: str, data_dir: Path) -> list[str]:
    """What `statement` touched (see import_guard.py), run in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRANDPULSE_")}
    env.update(
        BRANDPULSE_DATA_DIR=str(data_dir / "data"),
        DAGSTER_HOME=str(data_dir / "dagster_home"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    done = subprocess.run(
        [sys.executable, str(GUARD), statement],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])["touched"]


def test_importing_the_definitions_touches_nothing(data_dir: Path) -> None:
    statement = (
        "import pipelines.definitions as d\n"
        "assert d.defs.resolve_asset_graph().get_all_asset_keys()\n"
        "from brandpulse.resources import daily_partitions\n"
        f"assert daily_partitions.start.date().isoformat() == {DEFAULT_START_DATE.isoformat()!r}"
    )
    assert guarded(statement, data_dir) == []


def test_the_guard_sees_a_landing_zone_glob_and_an_environment_write(data_dir: Path) -> None:
    """The guard can fail: what `make ui` does before Dagster starts is refused in it."""
    glob = "from brandpulse.config import start_date_for_landing\nstart_date_for_landing()"
    assert any("os.scandir" in t and "landing" in t for t in guarded(glob, data_dir))
    environment = "import os\nos.environ['BRANDPULSE_START_DATE'] = '2026-07-01'"
    assert any(t.startswith("os.putenv") for t in guarded(environment, data_dir))
    connect = "from brandpulse.resources import WarehouseResource\nWarehouseResource().open()"
    assert any(t.startswith("duckdb.connect") for t in guarded(connect, data_dir))
