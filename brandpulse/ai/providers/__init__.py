"""AI providers: the protocol, the offline `local` provider and the OpenAI-compatible client."""

from __future__ import annotations

from brandpulse.ai.providers.base import GenerationCall, Provider, ProviderError, ProviderResult
from brandpulse.ai.providers.local import LocalProvider
from brandpulse.ai.providers.openai_http import OpenAIHTTPProvider

__all__ = [
    "GenerationCall",
    "LocalProvider",
    "OpenAIHTTPProvider",
    "Provider",
    "ProviderError",
    "ProviderResult",
]
