"""The app's PostgreSQL as a Dagster resource (extraction and write-back)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster import ConfigurableResource

from brandpulse.config import get_settings


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
    def connect(self) -> Iterator[Any]:
        """A psycopg connection (retries with backoff; a one-line error naming the host)."""
        from brandpulse.app.connection import connect

        if not self.resolved_url:
            raise RuntimeError("BRANDPULSE_APP_DATABASE_URL is not set: there is no app database")
        con = connect(self.resolved_url, attempts=get_settings().app_connect_attempts)
        try:
            yield con
        finally:
            con.close()
