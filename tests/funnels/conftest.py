"""One warehouse for all funnel tests: every hand-worked case and the random worlds
are loaded into their own brands, and dbt builds the funnel models once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.funnels.cases import Case, extra_funnels, hand_cases, random_world, timezone_case
from tests.funnels.reference import Event, Funnel
from tests.funnels.warehouse import FUNNEL_SELECTOR, load_raw, run_dbt

RANDOM_SEEDS = (1, 2, 3, 4)


@dataclass
class FunnelWarehouse:
    path: Path
    cases: list[Case]
    events: list[Event]
    funnels: list[Funnel]
    dbt_output: str


@pytest.fixture(scope="session")
def funnel_warehouse(tmp_path_factory: pytest.TempPathFactory) -> FunnelWarehouse:
    work = tmp_path_factory.mktemp("funnels")
    cases = hand_cases()
    tz_case, tz = timezone_case()
    cases.append(tz_case)
    events = [e for c in cases for e in c.events]
    funnels = [c.funnel for c in cases] + extra_funnels()
    for seed in RANDOM_SEEDS:
        ev, fu = random_world(seed)
        events += ev
        funnels += fu
    timezones = {f.brand_id: "UTC" for f in funnels} | {tz_case.brand: tz}
    path = work / "funnels.duckdb"
    load_raw(path, events, funnels, timezones)
    proc = run_dbt(path, "build", "--select", FUNNEL_SELECTOR, "--indirect-selection", "cautious")
    return FunnelWarehouse(path, cases, events, funnels, proc.stdout)
