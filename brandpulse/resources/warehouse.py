"""The DuckDB warehouse as a Dagster resource, and the pool of every step that writes it."""

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
