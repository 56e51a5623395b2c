"""The two-engine build is made once per session (it is the slow part: a Spark JVM)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from engines import build_both  # noqa: E402


@pytest.fixture(scope="session")
def engines_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("pyspark", reason="the spark dependency group (make test syncs it)")
    work = tmp_path_factory.mktemp("engines")
    build_both(work)
    return work
