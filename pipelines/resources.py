"""Dagster resources shared by every asset: the DuckDB warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from dagster import ConfigurableResource, Failure, get_dagster_logger

from brandpulse import db
from brandpulse.config import get_settings

WAREHOUSE_POOL = "duckdb_warehouse"
"""Concurrency pool of every asset that writes the warehouse (limit 1: one writer)."""


class WarehouseResource(ConfigurableResource):
    """The DuckDB warehouse file. Empty `path` means the configured default."""

    path: str = ""

    @property
    def resolved_path(self) -> str:
        return self.path or str(get_settings().warehouse_path)

    def open(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open the file, waiting a bounded time for another process's lock (named in the
        log and the error). A lock held past the bound is a final failure of the step, not
        retried: a retry would only wait again on the same holder."""
        try:
            return db.connect(
                self.resolved_path,
                read_only=read_only,
                wait_seconds=get_settings().lock_wait_seconds,
                on_wait=get_dagster_logger().warning,
            )
        except db.WarehouseLocked as exc:
            raise Failure(description=str(exc), allow_retries=False) from None

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self.open(read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    def wait_until_writable(self) -> None:
        """Block (bounded) until no other process holds the file: before dbt opens it."""
        self.open().close()


class AppDatabaseResource(ConfigurableResource):
    """The app's PostgreSQL. Empty `url` means BRANDPULSE_APP_DATABASE_URL (brandpulse.config),
    so the password never sits in run config or the UI."""

    url: str = ""

    @property
    def resolved_url(self) -> str | None:
        return self.url or get_settings().app_database_url

    @property
    def configured(self) -> bool:
        return bool(self.resolved_url)

    def describe(self) -> str:
        from brandpulse.app.connection import describe

        return describe(self.resolved_url) if self.resolved_url else "(not configured)"

    @contextmanager
    def connect(self):
        """A psycopg connection (retries with backoff; a one-line error naming the host)."""
        from brandpulse.app.connection import connect

        if not self.resolved_url:
            raise RuntimeError("BRANDPULSE_APP_DATABASE_URL is not set: there is no app database")
        con = connect(self.resolved_url, attempts=get_settings().app_connect_attempts)
        try:
            yield con
        finally:
            con.close()


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
