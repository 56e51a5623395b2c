"""The demo snapshot and one shared kernel for the notebook tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notebooks.runner import SharedKernel, write_kernelspec
from tests.report.demo_snapshot import demo_published_dir


@pytest.fixture(scope="module")
def notebook_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment of the kernels: the demo snapshot, small DuckDB settings, our kernelspec."""
    root = tmp_path_factory.mktemp("jupyter")
    with pytest.MonkeyPatch.context() as mp:
        # the kernelspec is looked up in this process, so JUPYTER_PATH is set here too
        mp.setenv("JUPYTER_PATH", str(write_kernelspec(root / "share")))
        env = {
            "BRANDPULSE_PUBLISHED_DIR": str(demo_published_dir()),
            "BRANDPULSE_DUCKDB_THREADS": "1",
            "BRANDPULSE_DUCKDB_MEMORY_LIMIT": "512MB",
            "MPLBACKEND": "Agg",
            "IPYTHONDIR": str(root / "ipython"),
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
        mp.delenv("BRANDPULSE_NOTEBOOK_BRAND", raising=False)
        yield env


@pytest.fixture(scope="module")
def kernel(
    notebook_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SharedKernel]:
    shared = SharedKernel(tmp_path_factory.mktemp("notebooks"), notebook_env)
    try:
        yield shared
    finally:
        shared.shutdown()
