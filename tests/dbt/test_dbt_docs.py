"""`make docs` builds dbt's static docs site, with the catalog of the warehouse, under
<data dir>/docs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import Warehouse

from brandpulse import dbt_docs


def test_make_docs_builds_the_static_site(
    core_warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(core_warehouse.path, warehouse)
    monkeypatch.setenv("BRANDPULSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BRANDPULSE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("BRANDPULSE_DUCKDB_MEMORY_LIMIT", "1GB")
    assert dbt_docs.main() == 0
    docs = tmp_path / "docs"
    assert (docs / "static_index.html").stat().st_size > 100_000
    catalog = json.loads((docs / "catalog.json").read_text())
    brands = next(n for n in catalog["nodes"].values() if n["metadata"]["name"] == "brands")
    assert "currency" in brands["columns"]


def test_make_docs_without_a_warehouse_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BRANDPULSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BRANDPULSE_WAREHOUSE", raising=False)
    assert dbt_docs.main() == 1
    assert "make run" in capsys.readouterr().err
