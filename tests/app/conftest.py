"""A real PostgreSQL 15 for the app-database tests: one throwaway cluster per session.

The cluster (brandpulse.app.local_cluster) runs as `postgres` in a temp dir on a
loopback port and is stopped and removed when the session ends; each test gets its own
database. Without server binaries the tests fail (they never skip): `.ci/run` installs
Debian's postgresql package first.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from brandpulse.app.local_cluster import LocalCluster, start_cluster
from brandpulse.app.schema import apply_schema

_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[LocalCluster]:
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def app_url(pg_cluster: LocalCluster) -> str:
    """A fresh database holding the app schema."""
    url = pg_cluster.create_database(f"app_{next(_names)}")
    with psycopg.connect(url) as pg:
        apply_schema(pg)
    return url


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated demo world (2 brands, 20 days) as landing files."""
    from brandpulse.generator import generate

    landing = tmp_path_factory.mktemp("app-demo") / "landing"
    generate(landing, seed=11, brands=2, persons=240, days=20)
    return landing
