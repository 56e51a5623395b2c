"""Every notebook runs top to bottom on the demo snapshot, with no error, and shows charts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.notebooks.runner import (
    SharedKernel,
    images,
    notebook_paths,
    read_notebook,
    run_once,
    text,
)
from tests.report.demo_snapshot import BRANDS

EXPECTED = [
    "01_brand_overview.py",
    "02_funnel_explorer.py",
    "03_retention_lifecycle.py",
    "04_segments_rfm.py",
    "05_revenue_forecast.py",
    "06_anomalies.py",
    "07_correlations.py",
    "08_ai_studio.py",
]

# charts each notebook must show on the demo snapshot (two funnels, two cohort definitions)
MIN_IMAGES = {
    "01_brand_overview.py": 1,
    "02_funnel_explorer.py": 10,
    "03_retention_lifecycle.py": 5,
    "04_segments_rfm.py": 3,
    "05_revenue_forecast.py": 2,
    "06_anomalies.py": 1,
    "07_correlations.py": 4,
    "08_ai_studio.py": 5,
}


def test_every_notebook_is_here() -> None:
    assert [p.name for p in notebook_paths()] == EXPECTED


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_notebook_has_a_parameters_cell(path: Path) -> None:
    nb = read_notebook(path)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert "BRAND = None" in tagged[0].source


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_notebook_runs(path: Path, kernel: SharedKernel) -> None:
    nb = kernel.run(path)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    assert images(nb) >= MIN_IMAGES[path.name]
    shown = text(nb)
    assert f"`{BRANDS[0]}`" in shown  # no parameter, no env var: the first brand
    assert "required table" not in shown


def test_brand_comes_from_the_environment(notebook_env: dict[str, str], tmp_path: Path) -> None:
    path = next(p for p in notebook_paths() if p.name.startswith("01_"))
    nb = run_once(path, tmp_path, {**notebook_env, "BRANDPULSE_NOTEBOOK_BRAND": BRANDS[1]})
    assert f"`{BRANDS[1]}`" in text(nb)
    assert images(nb) >= 1
