"""AI providers: the protocol, the offline `local` provider and the OpenAI-compatible client."""

from __future__ import annotations

from assets.ai.providers.base import GenerationCall, Provider, ProviderError, ProviderResult
from assets.ai.providers.local import LocalProvider
from assets.ai.providers.openai_http import OpenAIHTTPProvider
from brandpulse.config import Settings


def build_provider(settings: Settings, local_failure_rate: float = 0.1) -> Provider:
    """The provider named by `BRANDPULSE_AI_PROVIDER` (`local` or `openai`)."""
    if settings.ai_provider == "local":
        return LocalProvider(failure_rate=local_failure_rate)
    if settings.ai_provider in ("openai", "http", "openai_compatible"):
        return OpenAIHTTPProvider(
            settings.ai_base_url or "", settings.ai_api_key, settings.ai_timeout_seconds
        )
    raise ValueError(
        f"unknown BRANDPULSE_AI_PROVIDER {settings.ai_provider!r} (expected local or openai)"
    )


__all__ = [
    "GenerationCall",
    "LocalProvider",
    "OpenAIHTTPProvider",
    "Provider",
    "ProviderError",
    "ProviderResult",
    "build_provider",
]
