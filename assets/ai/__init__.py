"""AI Studio: partitioned generation job, providers, retries, budgets, sensor and checks.

Import `ai_assets`, `ai_sensors` and `ai_checks` into the Definitions.
"""

from __future__ import annotations

from assets.ai.assets import ai_generations
from assets.ai.checks import ai_checks
from assets.ai.sensors import ai_sensors

ai_assets = [ai_generations]

__all__ = ["ai_assets", "ai_checks", "ai_sensors"]
