"""The AI budget ledger and journal (a SQLite file beside the warehouse) as a Dagster resource."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource

from brandpulse.ai.budget import BudgetLedger
from brandpulse.config import get_settings


def default_ledger_path() -> Path:
    """The budget ledger lives beside the warehouse data, outside the DuckDB file."""
    return get_settings().data_dir / "ai" / "budget_ledger.sqlite"


class AILedgerResource(ConfigurableResource):
    """The AI ledger and journal (SQLite, WAL): reservations, outcomes, plans between steps.
    Empty `path` = $BRANDPULSE_DATA_DIR/ai/budget_ledger.sqlite."""

    path: str = ""

    def ledger(self) -> BudgetLedger:
        return BudgetLedger(self.path or default_ledger_path())
