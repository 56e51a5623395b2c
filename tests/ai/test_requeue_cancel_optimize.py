"""Failed is not forever: re-queue (function, CLI, Dagster job), cancel before sending, and the
standalone prompt-optimization request type."""

from __future__ import annotations

import pytest

from assets.ai.jobs import ai_requeue_job
from assets.ai.processing import PartitionProcessor, ProcessingOptions, idempotency_key
from assets.ai.prompt_optimizer import optimize_rules
from brandpulse.ai.budget import BudgetLedger
from brandpulse.ai.retry import RetryPolicy
from brandpulse.cli import main as cli
from brandpulse.resources import AILedgerResource, WarehouseResource, default_ledger_path
from tests.ai.conftest import D1, D2


@pytest.fixture
def env_ledger(warehouse, monkeypatch) -> BudgetLedger:
    """The CLI's own ledger and warehouse (from the environment), shared with the processor."""
    monkeypatch.setenv("BRANDPULSE_WAREHOUSE", str(warehouse.path))
    return BudgetLedger(default_ledger_path())


def run(warehouse, provider, catalog, ledger, sleeper, day=D1):
    options = ProcessingOptions(retry=RetryPolicy(max_attempts=1))
    return PartitionProcessor(
        warehouse.open, provider, catalog, ledger, options, sleep=sleeper
    ).process(day)


def statuses(warehouse) -> dict[str, str]:
    return dict(warehouse.query("SELECT request_id, status FROM ai.generations"))


def test_requeue_by_error_type_and_brand_then_the_rerun_sends_only_those(
    warehouse, http_provider, catalog, env_ledger, sleeper, fake_server, capsys
):
    warehouse.add_brand("b1")
    warehouse.add_brand("b2")
    warehouse.add_request("flaky", "a [500once]")  # 500 on its first call only
    warehouse.add_request("denied", "b [401]")  # permanent
    warehouse.add_request("fine", "c [ok]")
    warehouse.add_request("other", "d [500once]", brand_id="b2")
    warehouse.add_request("later", "e [500once]", partition=D2)
    run(warehouse, http_provider, catalog, env_ledger, sleeper)
    run(warehouse, http_provider, catalog, env_ledger, sleeper, D2)
    assert statuses(warehouse) == {"flaky": "failed", "denied": "failed", "fine": "completed",
                                   "other": "failed", "later": "failed"}  # fmt: skip

    assert cli(["ai", "requeue", "--brand", "b1", "--error-type", "server_error", "--dry-run"]) == 0
    assert "would re-queue 2 failed generation(s) {'server_error': 2}" in capsys.readouterr().out
    assert statuses(warehouse)["flaky"] == "failed"  # a dry run changes nothing

    assert (
        cli(
            [
                "ai",
                "requeue",
                "--brand",
                "b1",
                "--error-type",
                "server_error",
                "--day",
                "2026-08-03",
            ]
        )
        == 0
    )
    assert (
        "re-queued 1 failed generation(s) {'server_error': 1}; days: 2026-08-03"
        in capsys.readouterr().out
    )
    assert statuses(warehouse)["flaky"] == "pending"
    assert warehouse.query("SELECT status_reason FROM ai.generations WHERE request_id = 'flaky'")[
        0
    ][0].startswith("requeued after: server_error")

    report = run(warehouse, http_provider, catalog, env_ledger, sleeper)
    assert report.provider_calls == 1 and report.replayed_from_journal == 0
    assert statuses(warehouse) == {"flaky": "completed", "denied": "failed", "fine": "completed",
                                   "other": "failed", "later": "failed"}  # fmt: skip
    calls = fake_server.calls
    assert (
        calls[idempotency_key("b1", "flaky")] == 2 and calls[idempotency_key("b1", "denied")] == 1
    )
    assert calls[idempotency_key("b2", "other")] == 1  # another brand: not re-queued
    assert env_ledger.spent("b1", "2026-08") == pytest.approx(
        2 * 0.0000135
    )  # flaky + fine, once each
    attempts = warehouse.query(
        "SELECT http_status FROM ai.generation_attempts a JOIN ai.generations g USING (generation_id) "
        "WHERE g.request_id = 'flaky'"
    )
    assert attempts == [(200,)]


def test_requeue_job_with_run_config(warehouse, http_provider, catalog, ledger, sleeper, tmp_path):
    warehouse.add_brand("b1")
    warehouse.add_request("x", "x [500once]", model="gpt-4o-mini")
    warehouse.add_request("y", "y [500once]", model="gpt-4o")
    run(warehouse, http_provider, catalog, ledger, sleeper)
    result = ai_requeue_job.execute_in_process(
        run_config={"ops": {"requeue_failed_generations": {"config": {"model": "gpt-4o"}}}},
        resources={
            "warehouse": WarehouseResource(path=str(warehouse.path)),
            "ai_ledger": AILedgerResource(path=str(ledger.path)),
        },
    )
    assert result.success and result.output_for_node("requeue_failed_generations") == 1
    assert statuses(warehouse) == {"x": "failed", "y": "pending"}
    run(warehouse, http_provider, catalog, ledger, sleeper)
    assert statuses(warehouse) == {"x": "failed", "y": "completed"}


def test_cancel_before_sending(
    warehouse, http_provider, catalog, env_ledger, sleeper, fake_server, capsys
):
    warehouse.add_brand("b1")
    warehouse.add_request("keep", "a [ok]")
    warehouse.add_request("drop", "b [ok]")
    processor = PartitionProcessor(
        warehouse.open, http_provider, catalog, env_ledger, ProcessingOptions(), sleep=sleeper
    )
    processor.plan_partition(D1)
    assert (
        cli(["ai", "cancel", "--brand", "b1", "--request", "drop", "--reason", "user withdrew it"])
        == 0
    )
    processor.call_partition(D1)
    processor.write_partition(D1)
    rows = dict(
        warehouse.query(
            "SELECT request_id, status || ' / ' || coalesce(status_reason, '') FROM ai.generations"
        )
    )
    assert rows == {"keep": "completed / ", "drop": "cancelled / cancelled: user withdrew it"}
    assert idempotency_key("b1", "drop") not in fake_server.calls  # never sent
    assert warehouse.query("SELECT cost_usd FROM ai.generations WHERE request_id = 'drop'") == [
        (None,)
    ]
    capsys.readouterr()
    assert cli(["ai", "cancel", "--brand", "b1", "--request", "keep"]) == 1  # its call is done
    assert "already_sent" in capsys.readouterr().out
    # a rerun keeps the cancellation (final) and sends nothing
    again = PartitionProcessor(
        warehouse.open, http_provider, catalog, env_ledger, ProcessingOptions(), sleep=sleeper
    )
    assert again.process(D1).skipped_final == 2


def test_standalone_prompt_optimization_generates_nothing(
    warehouse, http_provider, catalog, ledger, sleeper, fake_server, capsys
):
    warehouse.add_brand("b1")
    warehouse.add_request("opt", "a red shoe", model="local-image", type_="optimize")
    warehouse.add_request("opt2", "sales email", model="nope", type_="optimize")
    report = run(warehouse, http_provider, catalog, ledger, sleeper)
    got = warehouse.query(
        "SELECT request_id, status, optimized_prompt, output, cost_usd, attempts FROM ai.generations ORDER BY 1"
    )
    expected = optimize_rules("a red shoe", "image")
    assert expected != "a red shoe"
    assert got[0] == ("opt", "completed", expected, expected, 0.0, 0)
    assert got[1][1] == "rejected"  # unknown target model
    assert report.provider_calls == 0 and not fake_server.calls
    assert cli(["ai", "optimize-prompt", "--type", "image", "a red shoe"]) == 0
    assert capsys.readouterr().out.strip() == expected
