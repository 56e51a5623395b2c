"""`ai_providers`: the Dagster resource that configures AI providers by name.

Each provider has a name (what the model catalog's `provider` column says), a kind
(`local`: the built-in offline provider; `openai`: any OpenAI-compatible endpoint), a
base URL, the NAME of the environment variable that holds its key (the key itself is
never in config, logs or errors), a concurrency limit and optional RPM/TPM limits.

Without explicit `providers` the resource reads the environment:

* `BRANDPULSE_AI_PROVIDERS`: a JSON list of provider objects (or a path to a JSON file
  holding one), e.g. `[{"name": "openai", "kind": "openai", "base_url": "https://...",
  "api_key_env": "OPENAI_API_KEY", "max_concurrency": 32, "rpm": 3000, "tpm": 1000000}]`;
  `local` is always added when absent;
* otherwise the legacy single-endpoint settings: `BRANDPULSE_AI_PROVIDER=openai` configures
  `openai` from `BRANDPULSE_AI_BASE_URL` / `BRANDPULSE_AI_API_KEY` beside `local`;
  `BRANDPULSE_AI_PROVIDER=local` (the default, the offline demo) lets the local provider
  stand in for every provider the catalog names, each with its own limits.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from dagster import Config, ConfigurableResource

from brandpulse.ai.catalog import Catalog
from brandpulse.ai.providers.base import Provider
from brandpulse.ai.providers.local import LocalProvider
from brandpulse.ai.providers.openai_http import OpenAIHTTPProvider
from brandpulse.ai.routing import ProviderSettings, ProviderSlot, Router
from brandpulse.config import get_settings

PROVIDER_KINDS = ("local", "openai")


class ProviderConfig(Config):
    """One provider, as configured in the resource (0 = no limit for rpm/tpm)."""

    name: str
    kind: str = "openai"
    base_url: str = ""
    api_key_env: str = ""
    max_concurrency: int = 8
    rpm: int = 0
    tpm: int = 0
    timeout_seconds: float = 30.0
    local_failure_rate: float = 0.1
    breaker_failures: int = 5
    breaker_cooldown_s: float = 10.0

    def to_settings(self) -> ProviderSettings:
        return settings_from_dict(self.model_dump())


def settings_from_dict(raw: dict) -> ProviderSettings:
    """Validate one provider definition; a bad one is an error naming the provider."""
    name = str(raw.get("name") or "").strip()
    if not name:
        raise ValueError("an AI provider definition has no name")
    kind = str(raw.get("kind") or "openai")
    if kind not in PROVIDER_KINDS:
        raise ValueError(f"AI provider {name!r}: kind {kind!r} is not one of {PROVIDER_KINDS}")
    if kind == "openai" and not raw.get("base_url"):
        raise ValueError(f"AI provider {name!r}: an openai provider needs base_url")
    concurrency = int(raw.get("max_concurrency") or 8)
    if concurrency < 1:
        raise ValueError(f"AI provider {name!r}: max_concurrency must be >= 1")
    return ProviderSettings(
        name=name,
        kind=kind,
        base_url=str(raw.get("base_url") or ""),
        api_key_env=str(raw.get("api_key_env") or ""),
        max_concurrency=concurrency,
        rpm=int(raw.get("rpm") or 0) or None,
        tpm=int(raw.get("tpm") or 0) or None,
        timeout_seconds=float(raw.get("timeout_seconds") or 30.0),
        local_failure_rate=float(raw.get("local_failure_rate", 0.1)),
        breaker_failures=int(raw.get("breaker_failures") or 5),
        breaker_cooldown_s=float(raw.get("breaker_cooldown_s", 10.0)),
    )


def settings_from_env(catalog: Catalog) -> list[ProviderSettings]:
    """Provider settings from the environment (see the module docstring)."""
    raw = os.environ.get("BRANDPULSE_AI_PROVIDERS", "").strip()
    if raw:
        text = raw if raw.startswith("[") else Path(raw).read_text()
        found = [settings_from_dict(item) for item in json.loads(text)]
        if not any(s.name == "local" for s in found):
            found.append(ProviderSettings("local", "local", max_concurrency=16))
        return found
    settings = get_settings()
    if settings.ai_provider == "local":
        names = sorted({m.provider for m in catalog.models.values()} | {"local"})
        return [ProviderSettings(n, "local", max_concurrency=16) for n in names]
    if settings.ai_provider in ("openai", "http", "openai_compatible"):
        if not settings.ai_base_url:
            raise ValueError("BRANDPULSE_AI_PROVIDER=openai needs BRANDPULSE_AI_BASE_URL")
        concurrency = int(os.environ.get("BRANDPULSE_AI_CONCURRENCY", "16"))
        return [
            ProviderSettings("local", "local", max_concurrency=16),
            ProviderSettings(
                "openai", "openai", settings.ai_base_url, "BRANDPULSE_AI_API_KEY",
                max_concurrency=concurrency, timeout_seconds=settings.ai_timeout_seconds,
            ),
        ]  # fmt: skip
    raise ValueError(
        f"unknown BRANDPULSE_AI_PROVIDER {settings.ai_provider!r} (expected local or openai)"
    )


def build_client(settings: ProviderSettings, local_failure_rate: float | None = None) -> Provider:
    if settings.kind == "local":
        rate = settings.local_failure_rate if local_failure_rate is None else local_failure_rate
        client = LocalProvider(failure_rate=rate)
        client.name = settings.name
        return client
    key = os.environ.get(settings.api_key_env) if settings.api_key_env else None
    return OpenAIHTTPProvider(
        settings.base_url,
        key,
        settings.timeout_seconds,
        name=settings.name,
        max_connections=settings.max_concurrency,
    )


def build_router(
    settings: list[ProviderSettings],
    catalog: Catalog,
    *,
    model_concurrency: dict[str, int] | None = None,
    local_failure_rate: float | None = None,
) -> Router:
    names = [s.name for s in settings]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"AI providers configured twice: {duplicated}")
    slots = {s.name: ProviderSlot(s, build_client(s, local_failure_rate)) for s in settings}
    return Router(slots, catalog, model_concurrency=model_concurrency)


class AIProvidersResource(ConfigurableResource):
    """The AI providers the generation job routes to (empty `providers` = from environment)."""

    providers: list[ProviderConfig] = []
    model_concurrency: dict[str, int] = {}

    def provider_settings(self, catalog: Catalog) -> list[ProviderSettings]:
        if self.providers:
            return [p.to_settings() for p in self.providers]
        return settings_from_env(catalog)

    def router(self, catalog: Catalog, local_failure_rate: float | None = None) -> Router:
        """A router with fresh clients, limits and breakers (close it when done)."""
        return build_router(
            self.provider_settings(catalog),
            catalog,
            model_concurrency=self.model_concurrency,
            local_failure_rate=local_failure_rate,
        )
