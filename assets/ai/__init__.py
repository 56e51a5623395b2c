"""AI Studio: partitioned generation job, providers, retries, budgets, sensor and checks.

Import `ai_assets`, `ai_sensors` and `ai_checks` into the Definitions.
"""

from __future__ import annotations

from assets.ai.assets import (
    AILedgerResource,
    ai_generation_plan,
    ai_generations,
    ai_provider_calls,
)
from assets.ai.checks import ai_checks
from assets.ai.providers.resource import AIProvidersResource
from assets.ai.sensors import ai_sensors

ai_assets = [ai_generation_plan, ai_provider_calls, ai_generations]


def ai_resources() -> dict[str, object]:
    """The AI assets' resources with their defaults (from the environment when run)."""
    return {"ai_ledger": AILedgerResource(), "ai_providers": AIProvidersResource()}


__all__ = ["ai_assets", "ai_checks", "ai_resources", "ai_sensors"]
