"""The Spark session resource (the cluster path of the Python assets)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dagster import ConfigurableResource

from brandpulse.config import get_settings


class SparkResource(ConfigurableResource):
    """A Spark session for the Python assets' cluster path (engine `spark`, README).

    Used only when BRANDPULSE_ENGINE=spark; on DuckDB nothing is started and pyspark (the
    optional `spark` group) need not be installed. Empty `master` means
    BRANDPULSE_SPARK_MASTER, else a local Spark on two cores.
    """

    master: str = ""
    driver_memory: str = "2g"

    @property
    def enabled(self) -> bool:
        return get_settings().engine == "spark"

    @contextmanager
    def session(self) -> Iterator[object]:
        import os
        import sys

        from pyspark.sql import SparkSession

        # executors' Python workers run this venv's interpreter (prophet, the project)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        spark = (
            SparkSession.builder.master(
                self.master or os.environ.get("BRANDPULSE_SPARK_MASTER", "local[2]")
            )
            .appName("brandpulse")
            .config("spark.driver.memory", self.driver_memory)
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .getOrCreate()
        )
        try:
            yield spark
        finally:
            spark.stop()
