"""Deterministic demo data generator: a realistic, messy landing zone from a seed.

`generate()` writes every landing source of CONTRACTS.md section 1, plus ground
truth (anomalies, daily metrics) and a manifest under `<landing>/_generator/`.
"""

from brandpulse.generator.pipeline import generate

__all__ = ["generate"]
