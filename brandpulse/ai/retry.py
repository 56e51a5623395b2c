"""Retry loop for provider calls: exponential backoff with jitter, Retry-After honoured.

Every attempt, failed or not, becomes an `AttemptRecord` (a row of
ai.generation_attempts). Sleeping and the clock are injected so tests run without
real waiting. Jitter is drawn from a generator seeded by the idempotency key, so a
rerun waits the same way (and tests can predict the delays).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from brandpulse.ai.providers.base import GenerationCall, Provider, ProviderError, ProviderResult


def utcnow() -> datetime:
    """Naive UTC now: the warehouse stores naive UTC timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class RetryPolicy:
    """`max_attempts` counts the first try. Delay before retry n (1-based) is
    `min(max_delay, base_delay * 2**(n-1))` scaled by a jitter factor in
    [1 - jitter, 1]; a server's Retry-After wins when given (capped at `max_retry_after`)."""

    max_attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    jitter: float = 0.5
    max_retry_after_s: float = 120.0

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        raw = min(self.max_delay_s, self.base_delay_s * 2 ** (retry_number - 1))
        return raw * (1.0 - self.jitter * rng.random())

    def delay(self, retry_number: int, error: ProviderError, rng: random.Random) -> float:
        computed = self.backoff(retry_number, rng)
        if error.retry_after_s is not None:
            return min(self.max_retry_after_s, error.retry_after_s)
        return computed


@dataclass(frozen=True)
class AttemptRecord:
    attempt_number: int
    started_at: datetime
    http_status: int | None
    error_type: str | None
    error_message: str | None
    latency_ms: int
    retry_after_ms: int | None
    model: str | None = None  # the model actually called (a fallback differs from the request's)
    provider: str | None = None
    is_fallback: bool = False


@dataclass
class CallOutcome:
    """Final result (or last error) of a request and all its attempts."""

    result: ProviderResult | None
    error: ProviderError | None
    attempts: list[AttemptRecord] = field(default_factory=list)
    slept_s: list[float] = field(default_factory=list)
    served_model: str | None = None  # set by the router: the model whose answer this is
    provider: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.result is not None


def call_with_retries(
    provider: Provider,
    call: GenerationCall,
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = utcnow,
    first_attempt: int = 1,
) -> CallOutcome:
    """Call until success, a permanent error, or `policy.max_attempts` attempts."""
    rng = random.Random(call.idempotency_key)
    outcome = CallOutcome(result=None, error=None)
    for attempt in range(first_attempt, first_attempt + policy.max_attempts):
        started = now()
        try:
            result = provider.generate(call, attempt)
        except ProviderError as error:
            outcome.attempts.append(
                AttemptRecord(
                    attempt,
                    started,
                    error.http_status,
                    error.error_type,
                    error.message[:500],
                    error.latency_ms,
                    None if error.retry_after_s is None else int(error.retry_after_s * 1000),
                )
            )
            outcome.error = error
            if not error.transient or attempt == first_attempt + policy.max_attempts - 1:
                return outcome
            wait = policy.delay(attempt - first_attempt + 1, error, rng)
            outcome.slept_s.append(wait)
            sleep(wait)
            continue
        outcome.attempts.append(
            AttemptRecord(attempt, started, result.http_status, None, None, result.latency_ms, None)
        )
        outcome.result = result
        outcome.error = None
        return outcome
    return outcome
