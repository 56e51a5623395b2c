"""The two-engine build is made once per session (it is the slow part: a Spark JVM), and
the tests that use Spark in this process share one local session."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def spark_session() -> Iterator[object]:
    """One local Spark session (two cores, 1 GiB) for every in-process Spark test."""
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="the spark dependency group")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("brandpulse-tests")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    yield session
    session.stop()
