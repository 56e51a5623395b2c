"""What every AI provider looks like to the generation job.

The job only knows this protocol: one call, with its idempotency key and attempt
number, returns a `ProviderResult` or raises `ProviderError`. Whether the error is worth
retrying is decided by the provider (it knows its HTTP codes), not by the caller, so
the retry loop in `retry.py` works the same for HTTP and local providers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class GenerationCall:
    """One provider call as the job sends it; `idempotency_key` is stable across reruns."""

    idempotency_key: str
    model: str
    type: str  # "text" | "image"
    prompt: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderResult:
    """A successful answer: output text (or image reference) and metered usage."""

    output: str
    input_tokens: int
    output_tokens: int
    images: int
    latency_ms: int
    http_status: int | None = 200


class ProviderError(Exception):
    """A failed attempt. `transient` errors are retried; permanent ones end the request."""

    def __init__(
        self,
        error_type: str,
        message: str,
        *,
        transient: bool,
        http_status: int | None = None,
        retry_after_s: float | None = None,
        latency_ms: int = 0,
    ) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.transient = transient
        self.http_status = http_status
        self.retry_after_s = retry_after_s
        self.latency_ms = latency_ms


@runtime_checkable
class Provider(Protocol):
    """An AI backend. `attempt` is 1-based; providers may use it (the local one does)."""

    name: str

    def generate(self, call: GenerationCall, attempt: int) -> ProviderResult: ...
