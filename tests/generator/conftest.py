"""A small generated landing zone shared by the generator tests (about 10k events)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from brandpulse.generator import generate

SMALL = dict(seed=11, brands=8, persons=500, days=45, start_date=date(2026, 8, 1))


@pytest.fixture(scope="session")
def small_landing(tmp_path_factory) -> tuple[Path, dict]:
    landing = tmp_path_factory.mktemp("gen") / "landing"
    manifest = generate(landing, **SMALL)
    return landing, manifest
