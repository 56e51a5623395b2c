"""The OpenAI-compatible client against a fake server: parsing, headers, error classes, retries."""

from __future__ import annotations

import pytest

from brandpulse.ai.providers.base import GenerationCall, ProviderError
from brandpulse.ai.retry import RetryPolicy, call_with_retries

POLICY = RetryPolicy(max_attempts=3, base_delay_s=0.5, max_delay_s=30, jitter=0.5)


def call(prompt: str, key: str = "k1", type_: str = "text", **params) -> GenerationCall:
    model = "gpt-image-1" if type_ == "image" else "gpt-4o-mini"
    return GenerationCall(key, model, type_, prompt, params)


def test_success_parses_usage_and_sends_idempotency_key(http_provider, fake_server):
    result = http_provider.generate(call("hello [ok]", key="abc", max_tokens=50), 1)
    assert (result.input_tokens, result.output_tokens, result.images, result.http_status) == (
        10,
        20,
        0,
        200,
    )
    assert result.output.startswith("answer to: hello")
    sent = fake_server.headers[-1]
    assert sent["Idempotency-Key"] == "abc"
    assert sent["Authorization"] == "Bearer sk-test"


def test_image_endpoint(http_provider):
    result = http_provider.generate(call("a shoe", key="img", type_="image", n=2), 1)
    assert result.images == 2
    assert result.output.count("https://img.test/") == 2


def test_429_with_retry_after_is_honoured(http_provider, sleeper):
    outcome = call_with_retries(http_provider, call("x [429]"), POLICY, sleep=sleeper)
    assert outcome.succeeded
    assert [a.http_status for a in outcome.attempts] == [429, 429, 200]
    assert [a.error_type for a in outcome.attempts] == ["rate_limited", "rate_limited", None]
    assert sleeper.waits == [7.0, 7.0]  # the server's Retry-After, not the backoff
    assert outcome.attempts[0].retry_after_ms == 7000


def test_retry_after_ms_header_wins(http_provider, sleeper):
    outcome = call_with_retries(http_provider, call("x [429ms]"), POLICY, sleep=sleeper)
    assert outcome.succeeded and sleeper.waits == [0.25]


def test_500_retries_until_the_limit_with_backoff(http_provider, sleeper):
    outcome = call_with_retries(http_provider, call("x [500]"), POLICY, sleep=sleeper)
    assert not outcome.succeeded
    assert [a.http_status for a in outcome.attempts] == [500, 500, 500]
    assert outcome.error.transient and outcome.error.error_type == "server_error"
    # delays before retry 1 and 2: 0.5 and 1.0 scaled by a jitter factor in [0.5, 1]
    assert len(sleeper.waits) == 2
    assert 0.25 <= sleeper.waits[0] <= 0.5 and 0.5 <= sleeper.waits[1] <= 1.0


def test_timeout_is_transient(http_provider, sleeper):
    outcome = call_with_retries(
        http_provider, call("x [timeout]"), RetryPolicy(max_attempts=2), sleep=sleeper
    )
    assert [a.error_type for a in outcome.attempts] == ["timeout", "timeout"]
    assert [a.http_status for a in outcome.attempts] == [None, None]


@pytest.mark.parametrize(
    ("marker", "error_type", "status"),
    [
        ("[malformed]", "malformed_response", 200),
        ("[quota]", "insufficient_quota", 429),
        ("[401]", "unauthorized", 401),
        ("[nousage]", "malformed_response", 200),
    ],
)
def test_permanent_errors_fail_at_once(http_provider, sleeper, marker, error_type, status):
    outcome = call_with_retries(http_provider, call(f"x {marker}"), POLICY, sleep=sleeper)
    assert len(outcome.attempts) == 1 and sleeper.waits == []
    assert outcome.error.error_type == error_type and not outcome.error.transient
    assert outcome.attempts[0].http_status == status


def test_connection_refused_is_transient():
    from brandpulse.ai.providers.openai_http import OpenAIHTTPProvider

    provider = OpenAIHTTPProvider("http://127.0.0.1:9/v1", timeout_seconds=0.2)
    with pytest.raises(ProviderError) as info:
        provider.generate(call("x"), 1)
    assert info.value.transient and info.value.error_type == "connection_error"
