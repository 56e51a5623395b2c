"""The landing zone (files dropped by event collectors) as a Dagster resource."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from brandpulse.config import get_settings


class LandingZoneResource(ConfigurableResource):
    """The landing zone's root folder. Empty `path` = BRANDPULSE_LANDING (brandpulse.config),
    resolved when an asset or sensor reads it, never when the definitions load."""

    path: str = Field(default="", description="Landing zone root; empty = BRANDPULSE_LANDING.")

    @property
    def resolved_path(self) -> Path:
        return Path(self.path).resolve() if self.path else get_settings().landing_dir
