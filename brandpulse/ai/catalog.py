"""The model catalog, date-ranged prices and per-model limits, read from the dbt seeds.

Python and dbt read the same CSVs (dbt_project/seeds/ai/), so the cost the job
reserves before a call and the cost the marts report come from one price list.
A price row applies from its `valid_from` day until the next row of that model; the
"day" of a generation is the brand-local day of its `requested_at`, so a rerun or a
rebuild prices history the same way.
"""

from __future__ import annotations

import bisect
import csv
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from brandpulse.config import DBT_PROJECT_DIR

SEED_DIR = DBT_PROJECT_DIR / "seeds" / "ai"
DEFAULT_MAX_OUTPUT_TOKENS = 512
"""Output budget assumed for a text request that does not set `max_tokens`."""


@dataclass(frozen=True)
class ModelInfo:
    model: str
    provider: str
    type: str
    context_window: int
    max_output_tokens: int
    fallback_models: tuple[str, ...] = ()


@dataclass(frozen=True)
class Price:
    valid_from: date
    usd_per_1k_input_tokens: float
    usd_per_1k_output_tokens: float
    usd_per_image: float

    def cost(self, input_tokens: int, output_tokens: int, images: int) -> float:
        usd = (
            input_tokens / 1000.0 * self.usd_per_1k_input_tokens
            + output_tokens / 1000.0 * self.usd_per_1k_output_tokens
            + images * self.usd_per_image
        )
        return round(usd, 8)


@dataclass(frozen=True)
class ModelLimit:
    max_generations_per_brand_day: int | None
    max_usd_per_brand_month: float | None


def _opt_int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _opt_float(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None


def upper_bound_input_tokens(prompt: str) -> int:
    """A safe ceiling of a prompt's tokens (no BPE tokenizer yields more than one token
    per 3 UTF-8 bytes on ordinary text), plus the chat envelope."""
    return math.ceil(len(prompt.encode("utf-8")) / 3) + 16


class Catalog:
    """Models, prices and limits; `estimate_usd` is the reservation, `cost_usd` the charge."""

    def __init__(self, seed_dir: Path = SEED_DIR) -> None:
        self.seed_dir = seed_dir
        self.models: dict[str, ModelInfo] = {}
        self.prices: dict[str, list[Price]] = {}
        self.limits: dict[str, ModelLimit] = {}
        with open(seed_dir / "ai_models.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                self.models[row["model"]] = ModelInfo(
                    row["model"],
                    row["provider"],
                    row["type"],
                    int(row["context_window"]),
                    int(row.get("max_output_tokens") or 0),
                    tuple(
                        m.strip()
                        for m in (row.get("fallback_models") or "").split("|")
                        if m.strip()
                    ),
                )
        with open(seed_dir / "ai_model_prices.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                self.prices.setdefault(row["model"], []).append(
                    Price(
                        date.fromisoformat(row["valid_from"]),
                        float(row["usd_per_1k_input_tokens"] or 0),
                        float(row["usd_per_1k_output_tokens"] or 0),
                        float(row["usd_per_image"] or 0),
                    )
                )
        for prices in self.prices.values():
            prices.sort(key=lambda p: p.valid_from)
        limits_file = seed_dir / "ai_model_limits.csv"
        if limits_file.exists():
            with open(limits_file, newline="") as fh:
                for row in csv.DictReader(fh):
                    self.limits[row["model"]] = ModelLimit(
                        _opt_int(row.get("max_generations_per_brand_day")),
                        _opt_float(row.get("max_usd_per_brand_month")),
                    )

    def model(self, name: str) -> ModelInfo | None:
        return self.models.get(name)

    def fallbacks(self, name: str) -> tuple[str, ...]:
        """The model's ordered fallbacks that exist in the catalog with the same type."""
        info = self.models.get(name)
        if info is None:
            return ()
        return tuple(
            m for m in info.fallback_models if m in self.models and self.models[m].type == info.type
        )

    def price_on(self, model: str, day: date) -> Price | None:
        """The price row valid on `day` (the latest `valid_from` <= day), or None."""
        prices = self.prices.get(model) or []
        index = bisect.bisect_right([p.valid_from for p in prices], day)
        return prices[index - 1] if index else None

    def cost_usd(
        self, model: str, day: date, input_tokens: int, output_tokens: int, images: int
    ) -> float | None:
        price = self.price_on(model, day)
        return None if price is None else price.cost(input_tokens, output_tokens, images)

    def max_output_tokens(self, model: str, parameters: dict) -> int:
        info = self.models.get(model)
        requested = parameters.get("max_tokens")
        ceiling = (
            info.max_output_tokens if info and info.max_output_tokens else DEFAULT_MAX_OUTPUT_TOKENS
        )
        if requested is None:
            return min(DEFAULT_MAX_OUTPUT_TOKENS, ceiling)
        return max(1, min(int(requested), ceiling))

    def estimate_usd(
        self, model: str, type_: str, day: date, prompt: str, parameters: dict
    ) -> float | None:
        """Upper bound of what a request can cost: the amount reserved before the call."""
        price = self.price_on(model, day)
        if price is None:
            return None
        input_tokens = upper_bound_input_tokens(prompt)
        if type_ == "image":
            # gpt-image style endpoints may report output tokens; the per-image price covers them.
            return price.cost(input_tokens, 0, int(parameters.get("n") or 1))
        return price.cost(input_tokens, self.max_output_tokens(model, parameters), 0)
