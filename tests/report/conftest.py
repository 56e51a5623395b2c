"""The shared demo snapshot (built once per process) and small DuckDB settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import ExecuteInProcessResult, materialize

from tests.report.demo_snapshot import demo_published_dir


@pytest.fixture(autouse=True)
def _small_duckdb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRANDPULSE_DUCKDB_THREADS", "1")
    monkeypatch.setenv("BRANDPULSE_DUCKDB_MEMORY_LIMIT", "512MB")


@pytest.fixture(scope="session")
def published() -> Path:
    return demo_published_dir()


@dataclass
class AssetRun:
    result: ExecuteInProcessResult
    reports_dir: Path


@pytest.fixture(scope="session")
def asset_run(published: Path, tmp_path_factory: pytest.TempPathFactory) -> AssetRun:
    """One materialization of ["reports", "brand_reports"] on the demo snapshot: every
    brand's page and the index, shared by the report tests (rendering is the slow part)."""
    from assets.report import report_assets
    from brandpulse.resources import PublishedStoreResource

    out = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BRANDPULSE_PUBLISHED_DIR", str(published))
        mp.setenv("BRANDPULSE_REPORTS_DIR", str(out))
        mp.setenv("BRANDPULSE_DUCKDB_THREADS", "1")
        mp.setenv("BRANDPULSE_DUCKDB_MEMORY_LIMIT", "512MB")
        result = materialize(report_assets, resources={"published_store": PublishedStoreResource()})
    return AssetRun(result, out)
