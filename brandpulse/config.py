"""Every path and setting of brandpulse, read from the environment in one place.

Settings are read when `get_settings()` is called (not at import), so tests and the
Makefile can point a process at another landing zone or warehouse by environment.
All paths are made absolute: a relative warehouse path silently creates a second
database when dbt runs from `dbt_project/`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT_PRODUCTION_BUILD_FLAGS = ("--exclude-resource-type", "unit_test")
"""Flags of every warehouse `dbt build` (Dagster runs, the bench): dbt unit tests check
model logic on fixed fixtures, not the data, so they run in `make test` (tests/dbt) and
CI, not on every production build (dbt's own recommendation; ~6 s a build)."""
DBT_FULL_TEST_PASS_ONLY = (
    "test_name:not_null",
    "test_name:core_not_null",
    "test_name:accepted_values",
    "test_name:core_accepted_range",
    "test_name:core_expression_is_true",
    "test_name:relationships",
    "tag:full_test_pass",
)
"""dbt tests a daily partition run leaves to the weekly full test pass (dbt selectors for
`--exclude`): value and shape checks, which a day's run changes no more than any other's and
which cost dbt ~36 ms a node even on no rows (101 of 153 tests), and the whole-table key tests
tagged `full_test_pass`: those of the event-sized incremental models, which a day run checks
on the keys it wrote instead (core_unique_written_keys), and of the views over them. Every
run keeps the other key tests (unique, unique combinations) and the singular ones, which
guard the incremental merges, and every model; the weekly run (daily schedule on Sundays,
and every manual run) runs them all."""
TEST_PASS_TAG = "brandpulse/test_pass"
"""Dagster run tag: `day` limits the run's dbt tests to those not in DBT_FULL_TEST_PASS_ONLY
(the landing sensor's runs and the daily schedule's on weekdays); absent or anything else
runs every test (the schedule's Sunday run, manual runs, `make run`)."""
DBT_WINDOW_ENV = {
    "min_date": "BRANDPULSE_WINDOW_MIN_DATE",
    "max_date": "BRANDPULSE_WINDOW_MAX_DATE",
}
"""Environment variables carrying a run's partition window to dbt (read by
macros/core/partition_window.sql at execution, so a new window re-parses nothing; a new
`--vars` value re-parsed the whole project on every daily run, ~5 s)."""
DEFAULT_START_DATE = date(2026, 8, 1)
"""The first daily partition when BRANDPULSE_START_DATE is unset. The partitions are
built when the definitions are imported, which reads no files: the entry points that
know the landing zone (`make run`, `make ui`) set BRANDPULSE_START_DATE to its first day
(`first_landing_day`) before they load the definitions."""


def dbt_window_env(min_date: str, max_date: str) -> dict[str, str]:
    """The environment of a dbt run over the arrival days [min_date, max_date) (ISO strings)."""
    return {DBT_WINDOW_ENV["min_date"]: min_date, DBT_WINDOW_ENV["max_date"]: max_date}


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    path = Path(value) if value else default
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path.resolve()


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing_dir: Path
    warehouse_path: Path
    published_dir: Path
    reports_dir: Path
    bench_dir: Path
    dagster_home: Path
    start_date: date
    ai_provider: str
    ai_base_url: str | None
    ai_api_key: str | None
    ai_timeout_seconds: float
    ai_max_attempts: int
    duckdb_threads: int
    duckdb_memory_limit: str
    pool_wait_seconds: float
    """How long a step waits for the single-writer pool before it fails naming the holder."""
    lock_wait_seconds: float
    """How long a writer waits for another process's lock on the warehouse file (a reader)."""
    max_line_bytes: int
    """Longest landing line read; a longer one is rejected (line_too_long), not stored."""
    alert_webhook_url: str | None
    """Where alerts are POSTed (Slack-compatible JSON); None = no webhook."""
    alert_file: Path | None
    """JSON Lines file alerts are appended to; None = <data dir>/alerts/alerts.jsonl."""
    dagster_url: str
    """The Dagster UI's address, for links in alerts."""
    app_database_url: str | None = None
    """The app's PostgreSQL (libpq URL); None = the app database is not read."""
    app_statement_timeout_ms: int = 60_000
    app_batch_rows: int = 245_760
    """Two DuckDB row groups (see brandpulse.app.extract.ExtractOptions.batch_rows)."""
    app_overlap_seconds: int = 600
    """How far before its cursor each extraction re-reads, for rows committed late."""
    app_connect_attempts: int = 4
    engine: str = "duckdb"
    """Where dbt builds the models: `duckdb` (the warehouse file) or `spark` (README)."""
    lake_dir: Path = REPO_ROOT / "data" / "lake"
    """The raw layer as partitioned Parquet, written after ingest when the engine is Spark."""
    spark_dir: Path = REPO_ROOT / "data" / "spark"
    """Spark's warehouse directory and metastore (local session)."""

    def env(self) -> dict[str, str]:
        """The settings as environment variables, for subprocesses such as dbt."""
        env = {
            "BRANDPULSE_DATA_DIR": str(self.data_dir),
            "BRANDPULSE_LANDING": str(self.landing_dir),
            "BRANDPULSE_WAREHOUSE": str(self.warehouse_path),
            "BRANDPULSE_PUBLISHED_DIR": str(self.published_dir),
            "BRANDPULSE_START_DATE": self.start_date.isoformat(),
            "BRANDPULSE_AI_PROVIDER": self.ai_provider,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "BRANDPULSE_ENGINE": self.engine,
            "BRANDPULSE_LAKE_DIR": str(self.lake_dir),
            "BRANDPULSE_SPARK_WAREHOUSE": str(self.spark_dir),
        }
        if self.ai_base_url:
            env["BRANDPULSE_AI_BASE_URL"] = self.ai_base_url
        if self.ai_api_key:
            env["BRANDPULSE_AI_API_KEY"] = self.ai_api_key
        return env


def first_landing_day(landing_dir: Path) -> date | None:
    """Earliest `date=YYYY-MM-DD` folder in the landing zone (the first partition with data)."""
    days = []
    for folder in landing_dir.glob("*/date=*"):
        try:
            days.append(date.fromisoformat(folder.name.removeprefix("date=")))
        except ValueError:
            continue
    return min(days) if days else None


ENGINES = ("duckdb", "spark")


def _engine() -> str:
    engine = os.environ.get("BRANDPULSE_ENGINE", "duckdb").strip().lower() or "duckdb"
    if engine not in ENGINES:
        raise ValueError(f"BRANDPULSE_ENGINE={engine!r}: expected one of {', '.join(ENGINES)}")
    return engine


def get_settings() -> Settings:
    """Read the settings from the environment, with the documented defaults."""
    data_dir = _path("BRANDPULSE_DATA_DIR", REPO_ROOT / "data")
    landing_dir = _path("BRANDPULSE_LANDING", data_dir / "landing")
    start = os.environ.get("BRANDPULSE_START_DATE")
    return Settings(
        data_dir=data_dir,
        landing_dir=landing_dir,
        warehouse_path=_path("BRANDPULSE_WAREHOUSE", data_dir / "warehouse.duckdb"),
        published_dir=_path("BRANDPULSE_PUBLISHED_DIR", data_dir / "published"),
        reports_dir=_path("BRANDPULSE_REPORTS_DIR", data_dir / "reports"),
        bench_dir=_path("BRANDPULSE_BENCH_DIR", data_dir / "bench"),
        dagster_home=_path("DAGSTER_HOME", REPO_ROOT / "dagster_home"),
        start_date=date.fromisoformat(start) if start else DEFAULT_START_DATE,
        ai_provider=os.environ.get("BRANDPULSE_AI_PROVIDER", "local"),
        ai_base_url=os.environ.get("BRANDPULSE_AI_BASE_URL") or None,
        ai_api_key=os.environ.get("BRANDPULSE_AI_API_KEY") or None,
        ai_timeout_seconds=float(os.environ.get("BRANDPULSE_AI_TIMEOUT_SECONDS", "30")),
        ai_max_attempts=int(os.environ.get("BRANDPULSE_AI_MAX_ATTEMPTS", "5")),
        duckdb_threads=int(os.environ.get("BRANDPULSE_DUCKDB_THREADS", str(os.cpu_count() or 2))),
        duckdb_memory_limit=os.environ.get("BRANDPULSE_DUCKDB_MEMORY_LIMIT", "6GB"),
        pool_wait_seconds=float(os.environ.get("BRANDPULSE_POOL_WAIT_SECONDS", "1800")),
        lock_wait_seconds=float(os.environ.get("BRANDPULSE_WAREHOUSE_LOCK_WAIT_SECONDS", "120")),
        max_line_bytes=int(os.environ.get("BRANDPULSE_MAX_LINE_BYTES", str(1024 * 1024))),
        alert_webhook_url=os.environ.get("BRANDPULSE_ALERT_WEBHOOK_URL") or None,
        alert_file=_path("BRANDPULSE_ALERT_FILE", Path())
        if os.environ.get("BRANDPULSE_ALERT_FILE")
        else None,
        dagster_url=os.environ.get("BRANDPULSE_DAGSTER_URL", "http://127.0.0.1:3000"),
        app_database_url=os.environ.get("BRANDPULSE_APP_DATABASE_URL") or None,
        app_statement_timeout_ms=int(
            os.environ.get("BRANDPULSE_APP_STATEMENT_TIMEOUT_MS", "60000")
        ),
        app_batch_rows=int(os.environ.get("BRANDPULSE_APP_BATCH_ROWS", "245760")),
        app_overlap_seconds=int(os.environ.get("BRANDPULSE_APP_OVERLAP_SECONDS", "600")),
        app_connect_attempts=int(os.environ.get("BRANDPULSE_APP_CONNECT_ATTEMPTS", "4")),
        engine=_engine(),
        lake_dir=_path("BRANDPULSE_LAKE_DIR", data_dir / "lake"),
        spark_dir=_path("BRANDPULSE_SPARK_WAREHOUSE", data_dir / "spark"),
    )


def start_date_for_landing() -> date:
    """BRANDPULSE_START_DATE, else the landing zone's first `date=` folder, else the default:
    what `make ui` exports as BRANDPULSE_START_DATE before Dagster loads the definitions."""
    start = os.environ.get("BRANDPULSE_START_DATE")
    if start:
        return date.fromisoformat(start)
    return first_landing_day(get_settings().landing_dir) or DEFAULT_START_DATE


if __name__ == "__main__":
    print(start_date_for_landing().isoformat())
