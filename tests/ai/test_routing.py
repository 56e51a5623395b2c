"""Routing by the catalog's provider column, fallback pricing, rate limits and the circuit
breaker, through real HTTP against fake OpenAI-compatible servers."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from assets.ai.processing import PartitionProcessor, ProcessingOptions
from brandpulse.ai.limits import CircuitBreaker, TokenBucket
from brandpulse.ai.providers.openai_http import OpenAIHTTPProvider
from brandpulse.ai.retry import RetryPolicy
from brandpulse.ai.routing import ProviderSettings, ProviderSlot, Router
from brandpulse.resources.ai_providers import (
    AIProvidersResource,
    ProviderConfig,
    build_router,
    settings_from_dict,
)
from tests.ai.conftest import D1
from tests.ai.fake_openai import FakeOpenAI


class FakeTime:
    """A clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def openai(name: str, server: FakeOpenAI, **kw) -> ProviderSettings:
    return settings_from_dict({"name": name, "kind": "openai", "base_url": server.base_url, **kw})


def process(warehouse, router, catalog, ledger, sleeper, attempts: int = 3, workers: int = 1):
    options = ProcessingOptions(retry=RetryPolicy(max_attempts=attempts), max_workers=workers)
    return PartitionProcessor(
        warehouse.open, router, catalog, ledger, options, sleep=sleeper
    ).process(D1)


def gens(warehouse) -> dict[str, tuple]:
    rows = warehouse.query(
        "SELECT request_id, status, model, served_model, provider, cost_usd, status_reason FROM ai.generations"
    )
    return {r[0]: r[1:] for r in rows}


@pytest.fixture
def servers():
    with ExitStack() as stack:
        yield {
            "openai": stack.enter_context(FakeOpenAI(fail_models=frozenset({"gpt-4.1-mini"}))),
            "vllm": stack.enter_context(FakeOpenAI()),
        }


def test_each_model_goes_to_its_provider_and_unconfigured_ones_are_rejected(
    warehouse, catalog, ledger, sleeper, servers
):
    warehouse.add_brand("b1")
    warehouse.add_request("a", "tagline [ok]", model="gpt-4o-mini")
    warehouse.add_request("b", "summary [ok]", model="llama-3.1-8b-instruct")
    warehouse.add_request("c", "local one", model="local-text-small")
    # only openai and local configured: llama's provider (vllm) is not
    router = build_router(
        [
            openai("openai", servers["openai"]),
            ProviderSettings("local", "local", local_failure_rate=0),
        ],
        catalog,
    )
    process(warehouse, router, catalog, ledger, sleeper)
    got = gens(warehouse)
    assert got["a"][:4] == ("completed", "gpt-4o-mini", "gpt-4o-mini", "openai")
    assert got["c"][:4] == ("completed", "local-text-small", "local-text-small", "local")
    assert got["b"][0] == "rejected" and got["b"][5].startswith(
        "no_provider: model llama-3.1-8b-instruct is served by provider 'vllm', which is not configured"
    )
    assert servers["openai"].models == {"gpt-4o-mini": 1}
    assert not servers["vllm"].models  # never sent anywhere
    assert (
        ledger.get(
            warehouse.query("SELECT idempotency_key FROM ai.generations WHERE request_id = 'b'")[0][
                0
            ]
        )
        is None
    )


def test_fallback_is_recorded_on_the_attempt_and_priced_with_the_model_used(
    warehouse, catalog, ledger, sleeper, servers
):
    warehouse.add_brand("b1", budget=1.0)
    # gpt-4.1-mini (openai) is down; its fallback gpt-4o-mini is on the same provider
    warehouse.add_request("x", "write [ok]", model="gpt-4.1-mini")
    router = build_router(
        [openai("openai", servers["openai"], breaker_failures=0), openai("vllm", servers["vllm"])],
        catalog,
    )
    process(warehouse, router, catalog, ledger, sleeper, attempts=2)
    status, model, served, provider, cost, _ = gens(warehouse)["x"]
    assert (status, model, served, provider) == (
        "completed",
        "gpt-4.1-mini",
        "gpt-4o-mini",
        "openai",
    )
    # 10 input x 0.00015/1k + 20 output x 0.0006/1k: gpt-4o-mini's price, not gpt-4.1-mini's (0.0000360)
    assert cost == pytest.approx(0.0000135)
    attempts = warehouse.query(
        "SELECT attempt_number, model, provider, is_fallback, http_status FROM ai.generation_attempts ORDER BY 1"
    )
    assert attempts == [
        (1, "gpt-4.1-mini", "openai", False, 500),
        (2, "gpt-4.1-mini", "openai", False, 500),
        (3, "gpt-4o-mini", "openai", True, 200),
    ]
    assert ledger.spent("b1", "2026-08") == pytest.approx(0.0000135)
    assert warehouse.query("SELECT attempts FROM ai.generations")[0][0] == 3


def test_open_circuit_sends_requests_to_the_fallback_without_spending_retries(
    warehouse, catalog, ledger, sleeper, servers
):
    warehouse.add_brand("b1")
    for i in range(4):
        warehouse.add_request(f"r{i}", f"prompt {i} [ok]", model="gpt-4.1-mini")
    router = build_router(
        [
            openai("openai", servers["openai"], breaker_failures=2, breaker_cooldown_s=600),
            openai("vllm", servers["vllm"]),
        ],
        catalog,
    )
    process(warehouse, router, catalog, ledger, sleeper, attempts=3)
    # request 1: two 500s open the breaker, it then goes to the fallback; requests 2-4 skip the
    # paused provider at once: gpt-4o-mini (also on openai) is paused too, so llama (vllm) answers
    assert servers["openai"].models == {"gpt-4.1-mini": 2}
    assert servers["vllm"].models == {"llama-3.1-8b-instruct": 4}
    assert router.slots["openai"].breaker.state == "open"
    served = warehouse.query("SELECT DISTINCT status, served_model FROM ai.generations")
    assert served == [("completed", "llama-3.1-8b-instruct")]


def test_circuit_breaker_states():
    t = FakeTime()
    breaker = CircuitBreaker(failure_threshold=3, cooldown_s=10, clock=t.clock)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # a success resets the count
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == "closed" and breaker.wait_s() == 0
    breaker.record_failure()
    assert breaker.state == "open" and breaker.wait_s() == pytest.approx(10)
    t.now = 10
    assert breaker.wait_s() == 0  # half-open: this caller is the probe
    assert breaker.wait_s() > 0  # everyone else waits for the probe
    breaker.record_failure()  # probe failed: open again for a full cooldown
    assert breaker.state == "open" and breaker.wait_s() == pytest.approx(10)
    t.now = 20
    assert breaker.wait_s() == 0
    breaker.record_success()
    assert breaker.state == "closed" and breaker.times_opened == 2
    assert CircuitBreaker(0).state == "closed"  # threshold 0: disabled


def test_token_bucket_paces_rpm_and_tpm():
    t = FakeTime()
    rpm = TokenBucket(60, clock=t.clock, sleep=t.sleep)  # 1 a second, burst 60
    for _ in range(60):
        assert rpm.acquire() == 0
    assert rpm.acquire() == pytest.approx(1.0)
    tpm = TokenBucket(600, clock=t.clock, sleep=t.sleep)  # 10 tokens a second
    assert tpm.acquire(500) == 0
    assert tpm.acquire(300) == pytest.approx(20.0)  # 100 left, 200 more at 10/s
    tpm.give_back(150)
    assert tpm.try_acquire(150) == 0
    assert tpm.acquire(10_000) > 0  # larger than a minute's limit: waits for a full bucket
    assert TokenBucket(None).acquire(10**9) == 0


def test_router_honours_rpm_limits_and_retry_after_together(catalog, fake_server):
    t = FakeTime()
    settings = ProviderSettings("openai", "openai", fake_server.base_url, rpm=2, breaker_failures=0)
    client = OpenAIHTTPProvider(fake_server.base_url, name="openai")
    router = Router(
        {"openai": ProviderSlot(settings, client, clock=t.clock, sleep=t.sleep)}, catalog
    )
    from brandpulse.ai.providers.base import GenerationCall

    policy = RetryPolicy(max_attempts=3)
    try:
        outcomes = [
            router.call(
                GenerationCall(f"k{i}", "gpt-4o-mini", "text", f"p{i} [ok]"), policy, sleep=t.sleep
            )
            for i in range(3)
        ]
        # the 4th call is rate limited by the server once: Retry-After (250 ms) and then the RPM bucket
        limited = router.call(
            GenerationCall("k3", "gpt-4o-mini", "text", "p [429ms]"), policy, sleep=t.sleep
        )
    finally:
        router.close()
    assert all(o.succeeded for o in outcomes) and limited.succeeded
    # 2 a minute, burst 2: call 3 waits 30 s, call 4 another 30 s, its retry 0.25 s + 29.75 s
    assert t.sleeps == [30.0, 30.0, 0.25, 29.75]
    assert [a.http_status for a in limited.attempts] == [429, 200]
    assert limited.attempts[0].retry_after_ms == 250


def test_provider_resource_validates_and_reads_keys_from_the_environment(
    catalog, fake_server, monkeypatch
):
    monkeypatch.setenv("TEST_PROVIDER_KEY", "sk-secret-value")
    resource = AIProvidersResource(
        providers=[
            ProviderConfig(
                name="openai", base_url=fake_server.base_url, api_key_env="TEST_PROVIDER_KEY"
            ),
            ProviderConfig(name="local", kind="local"),
        ]
    )
    router = resource.router(catalog)
    try:
        from brandpulse.ai.providers.base import GenerationCall

        router.call(GenerationCall("k", "gpt-4o-mini", "text", "hi [ok]"), RetryPolicy(1))
    finally:
        router.close()
    assert fake_server.headers[-1]["Authorization"] == "Bearer sk-secret-value"
    assert "sk-secret" not in repr(resource)
    with pytest.raises(ValueError, match="'broken': kind 'grpc'"):
        settings_from_dict({"name": "broken", "kind": "grpc"})
    with pytest.raises(ValueError, match="needs base_url"):
        settings_from_dict({"name": "x", "kind": "openai"})
