"""The landing zone's layout and the guard against overwriting one by accident."""

from __future__ import annotations

import shutil
from pathlib import Path

PARTITIONED_SOURCES = (
    "events",
    "ai_generation_requests",
    "shared_resources",
    "comments",
    "ai_collections",
    "ai_collection_memberships",
)
SNAPSHOT_SOURCES = ("brands", "funnels", "cohorts", "segments")
GENERATOR_DIR = "_generator"
OWNED = (*PARTITIONED_SOURCES, *SNAPSHOT_SOURCES, GENERATOR_DIR)


class LandingExistsError(RuntimeError):
    """The landing zone already holds data and --force was not given."""


def existing_sources(landing: Path) -> list[str]:
    return [name for name in OWNED if (landing / name).exists() and any((landing / name).iterdir())]


def prepare_landing(landing: Path, force: bool) -> None:
    """Refuse to write over existing data unless forced; then clear only our folders."""
    found = existing_sources(landing)
    if found and not force:
        raise LandingExistsError(
            f"landing zone {landing} already has data ({', '.join(found)}); "
            "pass --force to replace it, or choose another --landing"
        )
    for name in OWNED:
        target = landing / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    landing.mkdir(parents=True, exist_ok=True)
