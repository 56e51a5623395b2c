"""The published read-only snapshots (what readers open) as a Dagster resource."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from brandpulse.config import get_settings


class PublishedStoreResource(ConfigurableResource):
    """The folder of published snapshots. Empty `path` = BRANDPULSE_PUBLISHED_DIR
    (brandpulse.config), resolved when used, never when the definitions load."""

    path: str = Field(
        default="", description="Published snapshots folder; empty = BRANDPULSE_PUBLISHED_DIR."
    )

    @property
    def resolved_path(self) -> Path:
        return Path(self.path).resolve() if self.path else get_settings().published_dir
