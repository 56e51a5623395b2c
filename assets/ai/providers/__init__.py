"""AI providers: the protocol, the offline `local` provider and the OpenAI-compatible client."""

from __future__ import annotations

from assets.ai.providers.base import GenerationCall, Provider, ProviderError, ProviderResult
from assets.ai.providers.local import LocalProvider
from assets.ai.providers.openai_http import OpenAIHTTPProvider

__all__ = [
    "GenerationCall",
    "LocalProvider",
    "OpenAIHTTPProvider",
    "Provider",
    "ProviderError",
    "ProviderResult",
]
