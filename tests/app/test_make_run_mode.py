"""`make run` with BRANDPULSE_APP_DATABASE_URL set: no demo files, days from the app's rows."""

from __future__ import annotations

from datetime import timedelta

import psycopg

from tests.app.appdb import T0, brand, event


def test_app_mode_extracts_instead_of_generating(app_url: str, tmp_path, monkeypatch) -> None:
    from pipelines import run

    landing = tmp_path / "data" / "landing"
    monkeypatch.setenv("BRANDPULSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("BRANDPULSE_LANDING", raising=False)
    monkeypatch.setenv("BRANDPULSE_APP_DATABASE_URL", app_url)
    with psycopg.connect(app_url, autocommit=True) as pg:
        brand(pg)
        event(pg, "e1", T0)
        event(pg, "e2", T0 + timedelta(days=2), occurredAt=T0)
    assert run.ensure_landing_zone() == ["2026-08-01", "2026-08-03"]
    assert not landing.exists()  # nothing generated
    assert (tmp_path / "data" / "warehouse.duckdb").exists()
