"""The AI dbt models on a warehouse filled by the generation job (local provider)."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime

import pytest

from assets.ai.processing import PartitionProcessor, ProcessingOptions
from brandpulse.ai.providers.local import LocalProvider
from brandpulse.config import DBT_PROJECT_DIR, REPO_ROOT
from tests.ai.conftest import D1


@pytest.mark.slow
def test_ai_marts_build_and_reprice(warehouse, catalog, ledger, sleeper):
    warehouse.add_brand("b1", tz="America/New_York", budget=1.0)
    # 2026-08-20 02:00 UTC is 08-19 in New York: local-text-large's old price applies
    warehouse.add_request(
        "old", "Write a caption", model="local-text-large", requested_at=datetime(2026, 8, 20, 2)
    )
    warehouse.add_request(
        "new", "Write a caption", model="local-text-large", requested_at=datetime(2026, 8, 20, 5)
    )
    warehouse.add_request("img", "A poster", model="local-image", type_="image", collection="c1")
    warehouse.add_request("bad", "x", model="nope")
    PartitionProcessor(
        warehouse.open, LocalProvider(0.0), catalog, ledger, ProcessingOptions(), sleep=sleeper
    ).process(D1)

    env = {
        **os.environ,
        "BRANDPULSE_WAREHOUSE": str(warehouse.path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    # c1 (New York): created, renamed; img added on 08-03 local, a second generation added and
    # removed on 08-04 local (03:00 UTC on 08-05), the removal of img on 08-06
    with warehouse.open() as con:
        con.execute(
            """INSERT INTO raw.ai_collections (collection_id, brand_id, name, owner_id, created_at, updated_at)
               VALUES ('c1', 'b1', 'First', 'u1', '2026-08-03 10:00', '2026-08-03 10:00'),
                      ('c1', 'b1', 'Renamed', 'u1', '2026-08-03 10:00', '2026-08-04 10:00')"""
        )
        con.execute(
            """INSERT INTO raw.ai_collection_memberships (collection_id, generation_id, brand_id, action, occurred_at)
               VALUES ('c1', 'gen_img', 'b1', 'add', '2026-08-03 15:00'),
                      ('c1', 'gen_x', 'b1', 'add', '2026-08-05 02:00'),
                      ('c1', 'gen_x', 'b1', 'remove', '2026-08-05 03:00'),
                      ('c1', 'gen_img', 'b1', 'remove', '2026-08-06 15:00')"""
        )
    selection = [
        "path:seeds/ai",
        "path:models/staging/ai",
        "path:models/marts/ai",
        "stg_raw__brands",
        "stg_raw__ai_collections",
        "stg_raw__ai_collection_memberships",
    ]
    dbt = str(REPO_ROOT / ".venv" / "bin" / "dbt")
    run = subprocess.run(
        [dbt, "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--select", *selection],
        env=env, capture_output=True, text=True, cwd=REPO_ROOT, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:]

    priced = {r[0]: r[1:] for r in warehouse.query(
        """SELECT g.request_id, p.day, p.price_valid_from, p.cost_usd, g.cost_usd FROM marts.ai_generations_priced p
           JOIN ai.generations g USING (generation_id)""")}  # fmt: skip
    assert priced["old"][:2] == (datetime(2026, 8, 19).date(), datetime(2026, 1, 1).date())
    assert priced["new"][:2] == (datetime(2026, 8, 20).date(), datetime(2026, 8, 20).date())
    for rid in ("old", "new", "img"):
        assert priced[rid][2] == pytest.approx(priced[rid][3])  # seeds unchanged: mart = job's cost
    assert priced["img"][2] == pytest.approx(0.01) and priced["bad"][2] == 0
    daily = warehouse.query(
        "SELECT day, model, requests, succeeded, rejected FROM marts.ai_generation_daily ORDER BY 1, 2"
    )
    assert (datetime(2026, 8, 19).date(), "local-text-large", 1, 1, 0) in daily
    assert (datetime(2026, 8, 3).date(), "nope", 1, 0, 1) in daily
    month = warehouse.query(
        "SELECT month, cost_usd, budget_usd, over_budget FROM marts.ai_cost_by_brand_month"
    )
    assert (
        month[0][0] == datetime(2026, 8, 1).date() and month[0][2] == 1.0 and month[0][3] is False
    )
    assert warehouse.query("SELECT collection_id, generations FROM marts.ai_collections") == [
        ("c1", 1)
    ]
    daily = warehouse.query(
        """SELECT collection_name, day, generations_added, generations_removed, generations
           FROM marts.ai_collection_daily ORDER BY day"""
    )
    d = datetime(2026, 8, 3).date()
    assert [r[1:] for r in daily] == [
        (d, 1, 0, 1),
        (d.replace(day=4), 1, 1, 1),
        (d.replace(day=6), 0, 1, 0),
    ]
    assert {r[0] for r in daily} == {"Renamed"}
