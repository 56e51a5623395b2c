"""The layers import downwards only: `brandpulse` (the leaf layer: resources, partitions,
the writer pool, and everything shared) imports nothing of `assets/` or `pipelines/`;
`assets/` imports nothing of `pipelines/`; `pipelines/` assembles both.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from brandpulse.config import REPO_ROOT


def imported_packages(path: Path) -> set[str]:
    """Top-level names of every module `path` imports, at module level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def offenders(package: str, forbidden: set[str]) -> dict[str, list[str]]:
    return {
        str(path.relative_to(REPO_ROOT)): sorted(hits)
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
        if (hits := imported_packages(path) & forbidden)
    }


def test_the_leaf_layer_imports_nothing_of_assets_or_pipelines() -> None:
    assert offenders("brandpulse", {"assets", "pipelines"}) == {}


def test_assets_import_nothing_of_pipelines() -> None:
    assert offenders("assets", {"pipelines"}) == {}


def test_importing_every_resource_loads_no_asset_or_pipeline_module() -> None:
    """The same at run time, through every transitive import of the resources."""
    code = (
        "import json, sys\n"
        "import brandpulse.resources, brandpulse.resources.dbt\n"
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('assets', 'pipelines'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_the_scan_sees_function_level_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "def f():\n    from pipelines.definitions import defs\n    import assets.ai\n"
    )
    assert imported_packages(module) >= {"pipelines", "assets"}
