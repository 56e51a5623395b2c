"""Route each generation to the provider its catalog model names, within that provider's limits.

A model's provider is the catalog's `provider` column (dbt_project/seeds/ai/ai_models.csv);
providers are configured by name (`ProviderSettings`, built by the `ai_providers`
resource). A call goes through, in order:

* per-model and per-provider concurrency (semaphores: at most N calls in flight),
* the provider's circuit breaker (open: wait, or go to the next fallback model),
* the provider's RPM and TPM token buckets (waits, not errors),
* the provider itself, with retries (`RetryPolicy`: backoff, Retry-After honoured; the
  wait before a retry happens outside the concurrency slots).

When a model's retries end on transient errors, or its provider's breaker is open, the
next model of its ordered `fallback_models` list is tried. Every attempt records the
model and provider it used and whether it was a fallback; the outcome names the model
that answered, and the job prices the generation with that model.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from brandpulse.ai.catalog import Catalog, upper_bound_input_tokens
from brandpulse.ai.limits import CircuitBreaker, TokenBucket
from brandpulse.ai.providers.base import GenerationCall, Provider, ProviderError
from brandpulse.ai.retry import AttemptRecord, CallOutcome, RetryPolicy, utcnow


@dataclass(frozen=True)
class ProviderSettings:
    """One configured provider. `kind` is `local` (built in) or `openai` (OpenAI-compatible)."""

    name: str
    kind: str = "local"
    base_url: str = ""
    api_key_env: str = ""  # the NAME of the environment variable holding the key, never the key
    max_concurrency: int = 8
    rpm: int | None = None
    tpm: int | None = None
    timeout_seconds: float = 30.0
    local_failure_rate: float = 0.1
    breaker_failures: int = 5
    breaker_cooldown_s: float = 10.0


class ProviderSlot:
    """A provider client with its concurrency, rate limits and circuit breaker."""

    def __init__(
        self,
        settings: ProviderSettings,
        client: Provider,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.name = settings.name
        self.client = client
        self.semaphore = threading.BoundedSemaphore(max(1, settings.max_concurrency))
        self.rpm = TokenBucket(settings.rpm, clock=clock, sleep=sleep)
        self.tpm = TokenBucket(settings.tpm, clock=clock, sleep=sleep)
        self.breaker = CircuitBreaker(
            settings.breaker_failures, settings.breaker_cooldown_s, clock=clock
        )

    def close(self) -> None:
        if callable(getattr(self.client, "close", None)):
            self.client.close()


def estimated_tokens(call: GenerationCall) -> int:
    """Tokens a call may use, for the TPM bucket (settled down to the real usage after)."""
    output = 0 if call.type == "image" else int(call.parameters.get("max_tokens") or 512)
    return upper_bound_input_tokens(call.prompt) + output


class Router:
    """Sends calls to the provider of their model; see the module docstring."""

    def __init__(
        self,
        slots: dict[str, ProviderSlot],
        catalog: Catalog,
        *,
        model_concurrency: dict[str, int] | None = None,
        serve_all: str | None = None,
        use_fallbacks: bool = True,
    ) -> None:
        self.slots = slots
        self.use_fallbacks = use_fallbacks
        self.catalog = catalog
        self.serve_all = serve_all
        self._model_limits = dict(model_concurrency or {})
        self._model_semaphores: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    @classmethod
    def single(cls, provider: Provider, catalog: Catalog, max_concurrency: int = 1) -> Router:
        """One provider for every model, as before routing existed: no fallbacks (they would
        reach the same endpoint) and no circuit breaker (retries alone decide)."""
        name = getattr(provider, "name", "provider")
        settings = ProviderSettings(name, max_concurrency=max_concurrency, breaker_failures=0)
        slot = ProviderSlot(settings, provider)
        return cls({name: slot}, catalog, serve_all=name, use_fallbacks=False)

    @property
    def max_in_flight(self) -> int:
        return sum(s.settings.max_concurrency for s in self.slots.values())

    def slot_for(self, model: str) -> ProviderSlot | None:
        if self.serve_all is not None:
            return self.slots[self.serve_all]
        info = self.catalog.model(model)
        return None if info is None else self.slots.get(info.provider)

    def unrouted_reason(self, model: str) -> str | None:
        """Why a model cannot be sent (its provider is not configured), or None."""
        if self.slot_for(model) is not None:
            return None
        info = self.catalog.model(model)
        provider = info.provider if info else "?"
        configured = ", ".join(sorted(self.slots)) or "none"
        return (
            f"no_provider: model {model} is served by provider {provider!r}, which is not configured "
            f"(configured providers: {configured})"
        )

    def candidates(self, model: str) -> list[tuple[str, ProviderSlot]]:
        """The model and its fallbacks that have a configured provider, in order."""
        out: list[tuple[str, ProviderSlot]] = []
        fallbacks = self.catalog.fallbacks(model) if self.use_fallbacks else ()
        for name in (model, *fallbacks):
            slot = self.slot_for(name)
            if slot is not None and name not in [m for m, _ in out]:
                out.append((name, slot))
        return out

    @contextmanager
    def _model_slot(self, model: str) -> Iterator[None]:
        limit = self._model_limits.get(model)
        if not limit:
            yield
            return
        with self._lock:
            sem = self._model_semaphores.setdefault(model, threading.BoundedSemaphore(limit))
        with sem:
            yield

    def call(
        self,
        call: GenerationCall,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> CallOutcome:
        """Call the model's provider (then its fallbacks) until success or a permanent error."""
        outcome = CallOutcome(result=None, error=None)
        candidates = self.candidates(call.model)
        attempt_number = 0
        for index, (model, slot) in enumerate(candidates):
            last = index == len(candidates) - 1
            rng = random.Random(f"{call.idempotency_key}|{model}")
            routed = replace(call, model=model)
            tries = 0
            while tries < policy.max_attempts:
                wait = slot.breaker.wait_s()
                if wait > 0:
                    if not last:
                        break  # provider paused: go to the fallback without spending attempts
                    sleep(wait)
                    continue
                tokens = estimated_tokens(routed)
                attempt_number += 1
                with self._model_slot(model), slot.semaphore:
                    slot.rpm.acquire(1)
                    slot.tpm.acquire(tokens)
                    started = utcnow()
                    try:
                        result = slot.client.generate(routed, attempt_number)
                        error = None
                    except ProviderError as exc:
                        result, error = None, exc
                if error is None:
                    slot.breaker.record_success()
                    slot.tpm.give_back(tokens - result.input_tokens - result.output_tokens)
                    outcome.attempts.append(
                        AttemptRecord(
                            attempt_number, started, result.http_status, None, None,
                            result.latency_ms, None, model, slot.name, index > 0,
                        )
                    )  # fmt: skip
                    outcome.result, outcome.error = result, None
                    outcome.served_model, outcome.provider = model, slot.name
                    return outcome
                outcome.attempts.append(
                    AttemptRecord(
                        attempt_number, started, error.http_status, error.error_type,
                        error.message[:500], error.latency_ms,
                        None if error.retry_after_s is None else int(error.retry_after_s * 1000),
                        model, slot.name, index > 0,
                    )
                )  # fmt: skip
                outcome.error = error
                if not error.transient:
                    slot.breaker.record_success()  # the provider answered: it is up
                    outcome.served_model, outcome.provider = model, slot.name
                    return outcome
                slot.breaker.record_failure()
                tries += 1
                if tries >= policy.max_attempts:
                    break
                delay = policy.delay(tries, error, rng)
                outcome.slept_s.append(delay)
                sleep(delay)
        if not candidates:
            outcome.error = ProviderError(
                "no_provider", f"no configured provider for {call.model}", transient=False
            )
        return outcome

    def close(self) -> None:
        for slot in self.slots.values():
            slot.close()


def local_settings(name: str = "local", failure_rate: float = 0.1) -> ProviderSettings:
    """The built-in offline provider (unlimited rate, generous concurrency: it does no I/O)."""
    return ProviderSettings(name, "local", max_concurrency=16, local_failure_rate=failure_rate)
