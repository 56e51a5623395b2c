"""Dagster resources shared by every asset: the DuckDB warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from dagster import ConfigurableResource

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

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = db.connect(self.resolved_path, read_only=read_only)
        try:
            yield con
        finally:
            con.close()
