"""Backoff arithmetic with a scripted provider, and the deterministic local provider."""

from __future__ import annotations

from brandpulse.ai.providers.base import GenerationCall, ProviderError, ProviderResult
from brandpulse.ai.providers.local import LocalProvider
from brandpulse.ai.retry import RetryPolicy, call_with_retries


class Scripted:
    name = "scripted"

    def __init__(self, script: list[ProviderError | None]) -> None:
        self.script = script
        self.seen: list[int] = []

    def generate(self, call: GenerationCall, attempt: int) -> ProviderResult:
        self.seen.append(attempt)
        step = self.script[len(self.seen) - 1]
        if step is not None:
            raise step
        return ProviderResult("ok", 1, 1, 0, 5)


def transient(retry_after: float | None = None) -> ProviderError:
    return ProviderError(
        "server_error", "boom", transient=True, http_status=503, retry_after_s=retry_after
    )


def test_exponential_backoff_without_jitter_is_doubling_and_capped(sleeper):
    policy = RetryPolicy(max_attempts=6, base_delay_s=1, max_delay_s=5, jitter=0)
    outcome = call_with_retries(
        Scripted([transient()] * 5 + [None]),
        GenerationCall("k", "m", "text", "p"),
        policy,
        sleep=sleeper,
    )
    assert outcome.succeeded and len(outcome.attempts) == 6
    assert sleeper.waits == [1, 2, 4, 5, 5]


def test_retry_after_overrides_backoff_and_is_capped(sleeper):
    policy = RetryPolicy(max_attempts=3, base_delay_s=1, jitter=0, max_retry_after_s=10)
    call_with_retries(
        Scripted([transient(3), transient(60), None]),
        GenerationCall("k", "m", "text", "p"),
        policy,
        sleep=sleeper,
    )
    assert sleeper.waits == [3, 10]


def test_permanent_error_is_not_retried(sleeper):
    provider = Scripted(
        [ProviderError("bad_request", "no", transient=False, http_status=400), None]
    )
    outcome = call_with_retries(
        provider, GenerationCall("k", "m", "text", "p"), RetryPolicy(), sleep=sleeper
    )
    assert provider.seen == [1] and not outcome.succeeded and sleeper.waits == []


def test_local_provider_is_deterministic_and_fails_by_key_and_attempt():
    provider = LocalProvider(failure_rate=0.5)
    call = GenerationCall(
        "key-1", "local-text-small", "text", "Write a tagline", {"max_tokens": 100}
    )
    results = []
    for attempt in range(1, 6):
        try:
            results.append(provider.generate(call, attempt))
        except ProviderError as exc:
            results.append(exc.error_type)
    again = []
    for attempt in range(1, 6):
        try:
            again.append(provider.generate(call, attempt))
        except ProviderError as exc:
            again.append(exc.error_type)
    assert results == again
    ok = LocalProvider(failure_rate=0.0).generate(call, 1)
    assert 1 <= ok.output_tokens <= 100 and ok.input_tokens == 4 + 7 and ok.latency_ms > 0
    image = LocalProvider(0.0).generate(
        GenerationCall("k2", "local-image", "image", "a shoe", {"n": 2}), 1
    )
    assert image.images == 2 and image.output.count("local://images/") == 2


def test_local_failure_rate_is_about_right():
    provider = LocalProvider(failure_rate=0.2)
    fails = 0
    for i in range(500):
        try:
            provider.generate(GenerationCall(f"k{i}", "local-text-small", "text", "p"), 1)
        except ProviderError:
            fails += 1
    assert 60 <= fails <= 140
