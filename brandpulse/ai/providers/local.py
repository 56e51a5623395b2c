"""The built-in `local` provider: no network, deterministic, realistic enough for demos.

Output, token counts and latency are functions of the prompt (and model), so a rerun
produces exactly the same rows. A configurable share of attempts fails transiently
(a 429 with Retry-After or a 503), decided by hashing the idempotency key with the
attempt number: the same attempt of the same request always fails or succeeds the
same way, so the demo exercises the retry path reproducibly. Latency is reported,
not slept.
"""

from __future__ import annotations

import hashlib
import math

from brandpulse.ai.providers.base import GenerationCall, ProviderError, ProviderResult

_WORDS = [
    "bold",
    "fresh",
    "vivid",
    "elegant",
    "modern",
    "playful",
    "warm",
    "crisp",
    "clean",
    "bright",
    "seasonal",
    "trusted",
    "launch",
    "story",
    "brand",
    "product",
    "customer",
    "summer",
    "offer",
    "journey",
    "design",
    "detail",
    "colour",
    "texture",
    "quality",
    "community",
    "moment",
    "daily",
    "simple",
    "smart",
    "natural",
    "premium",
    "local",
]


def _unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from the parts."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def estimate_prompt_tokens(prompt: str) -> int:
    """About 4 characters a token plus the chat envelope, like OpenAI's tokenizers."""
    return math.ceil(len(prompt) / 4) + 7


LOCAL_RETRY_AFTER_S = 0.02
"""The local "server" asks to be retried after 20 ms (a Retry-After it sends, which the
retry policy honours over its own backoff): the demo exercises the retry path without
sleeping for seconds on every simulated failure."""


class LocalProvider:
    """Deterministic offline provider. `failure_rate` is the share of failing attempts."""

    name = "local"

    def __init__(self, failure_rate: float = 0.1) -> None:
        if not 0.0 <= failure_rate < 1.0:
            raise ValueError("failure_rate must be in [0, 1)")
        self.failure_rate = failure_rate

    def generate(self, call: GenerationCall, attempt: int) -> ProviderResult:
        roll = _unit("fail", call.idempotency_key, attempt)
        if roll < self.failure_rate:
            if roll < self.failure_rate / 2:
                raise ProviderError(
                    "rate_limited",
                    "local provider simulated rate limit",
                    transient=True,
                    http_status=429,
                    retry_after_s=LOCAL_RETRY_AFTER_S,
                    latency_ms=20,
                )
            raise ProviderError(
                "server_error",
                "local provider simulated outage",
                transient=True,
                http_status=503,
                retry_after_s=LOCAL_RETRY_AFTER_S,
                latency_ms=int(50 + 200 * _unit("lat-fail", call.idempotency_key, attempt)),
            )
        input_tokens = estimate_prompt_tokens(call.prompt)
        if call.type == "image":
            images = int(call.parameters.get("n") or 1)
            size = str(call.parameters.get("size") or "1024x1024")
            digest = hashlib.sha256(f"{call.model}|{call.prompt}|{size}".encode()).hexdigest()
            output = " ".join(f"local://images/{digest[:16]}-{i}.png" for i in range(images))
            latency = int(images * (2500 + 3500 * _unit("lat", call.model, call.prompt)))
            return ProviderResult(output, input_tokens, 0, images, latency)
        max_tokens = int(call.parameters.get("max_tokens") or 400)
        wanted = 40 + int(360 * _unit("len", call.model, call.prompt))
        output_tokens = max(1, min(max_tokens, wanted))
        words = [
            _WORDS[int(len(_WORDS) * _unit("w", call.model, call.prompt, i))]
            for i in range(max(1, int(output_tokens * 0.75)))
        ]
        output = " ".join(words).capitalize() + "."
        latency = int(250 + 18 * output_tokens + 300 * _unit("lat", call.model, call.prompt))
        return ProviderResult(output, input_tokens, output_tokens, 0, latency)
