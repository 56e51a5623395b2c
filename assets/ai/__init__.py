"""AI Studio: the partitioned generation job's assets, sensor and checks.

Import `ai_assets`, `ai_sensors` and `ai_checks` into the Definitions; their resources
(`ai_ledger`, `ai_providers`) are in brandpulse.resources.
"""

from __future__ import annotations

from assets.ai.assets import ai_generation_plan, ai_generations, ai_provider_calls
from assets.ai.checks import ai_checks
from assets.ai.sensors import ai_sensors

ai_assets = [ai_generation_plan, ai_provider_calls, ai_generations]

__all__ = ["ai_assets", "ai_checks", "ai_sensors"]
