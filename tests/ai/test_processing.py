"""Processing a partition through the fake HTTP server: statuses, attempts, costs, prices,
versions, prompt optimization, validation and quotas."""

from __future__ import annotations

from datetime import datetime

import pytest

from assets.ai.processing import PartitionProcessor, ProcessingOptions, generation_id_for
from assets.ai.prompt_optimizer import optimize_rules
from brandpulse.ai.retry import RetryPolicy
from tests.ai.conftest import D1, D2


def processor(warehouse, provider, catalog, ledger, sleeper, **kw) -> PartitionProcessor:
    options = ProcessingOptions(
        batch_size=kw.pop("batch_size", 2), retry=RetryPolicy(max_attempts=3)
    )
    return PartitionProcessor(
        warehouse.open, provider, catalog, ledger, options, sleep=sleeper, **kw
    )


def by_request(warehouse) -> dict[str, tuple]:
    rows = warehouse.query(
        "SELECT request_id, status, status_reason, attempts, input_tokens, output_tokens, cost_usd FROM ai.generations"
    )
    return {r[0]: r[1:] for r in rows}


def assert_created_before_attempts_and_completion(warehouse) -> None:
    """created_at is when the generation was planned: never after its first attempt
    or its completion (it used to be the time the rows were written, after both)."""
    assert warehouse.query(
        """SELECT count(*) FROM ai.generations AS g
           WHERE g.created_at IS NULL
              OR g.created_at > g.completed_at
              OR g.created_at > (SELECT min(a.started_at) FROM ai.generation_attempts AS a
                                 WHERE a.generation_id = g.generation_id)"""
    ) == [(0,)]


def test_statuses_attempts_and_costs(warehouse, http_provider, catalog, ledger, sleeper):
    warehouse.add_brand("b1")
    for rid, prompt in [
        ("ok", "a [ok]"),
        ("r429", "b [429]"),
        ("e500", "c [500]"),
        ("bad", "d [malformed]"),
        ("quota", "e [quota]"),
    ]:
        warehouse.add_request(rid, prompt)
    report = processor(warehouse, http_provider, catalog, ledger, sleeper).process(D1)
    got = by_request(warehouse)
    # gpt-4o-mini: 10 input tokens x 0.00015/1k + 20 output x 0.0006/1k = 0.0000135 USD
    assert got["ok"][:2] == ("completed", None) and got["ok"][2:] == (
        1,
        10,
        20,
        pytest.approx(0.0000135),
    )
    assert (
        got["r429"][0] == "completed"
        and got["r429"][2] == 3
        and got["r429"][5] == pytest.approx(0.0000135)
    )
    assert got["e500"][0] == "failed" and got["e500"][1].startswith(
        "server_error: retries_exhausted after 3"
    )
    assert got["e500"][2] == 3 and got["e500"][5] == 0
    assert (
        got["bad"][0] == "failed"
        and got["bad"][1].startswith("malformed_response: permanent_error")
        and got["bad"][2] == 1
    )
    assert (
        got["quota"][0] == "failed"
        and got["quota"][1].startswith("insufficient_quota")
        and got["quota"][2] == 1
    )
    attempts = warehouse.query(
        """SELECT g.request_id, list(a.http_status ORDER BY a.attempt_number), list(a.error_type ORDER BY a.attempt_number)
           FROM ai.generation_attempts a JOIN ai.generations g USING (generation_id) GROUP BY 1"""
    )
    attempts = {r[0]: (r[1], r[2]) for r in attempts}
    assert attempts["r429"] == ([429, 429, 200], ["rate_limited", "rate_limited", None])
    assert attempts["e500"][0] == [500, 500, 500]
    assert sleeper.waits.count(7.0) == 2
    assert report.statuses["completed"] == 2 and report.statuses["failed"] == 3
    assert_created_before_attempts_and_completion(warehouse)
    # failed calls are released: only the two completions are charged
    assert warehouse.query(
        "SELECT state, count(*), sum(actual_usd) FROM ai.budget_ledger GROUP BY 1 ORDER BY 1"
    ) == [
        ("released", 3, 0.0),
        ("settled", 2, pytest.approx(0.000027)),
    ]


def test_price_change_applies_from_its_brand_local_day(
    warehouse, http_provider, catalog, ledger, sleeper
):
    # gpt-4o costs 0.005/0.015 per 1k until 2026-08-14 and 0.0025/0.01 from 2026-08-15 (seed)
    warehouse.add_brand("b1", tz="America/Los_Angeles")
    day = datetime(2026, 8, 15).date()
    warehouse.add_request(
        "before", "x", model="gpt-4o", partition=day, requested_at=datetime(2026, 8, 15, 6, 59)
    )
    warehouse.add_request(
        "after", "y", model="gpt-4o", partition=day, requested_at=datetime(2026, 8, 15, 7, 0)
    )
    processor(warehouse, http_provider, catalog, ledger, sleeper).process(day)
    got = by_request(warehouse)
    assert got["before"][5] == pytest.approx(
        10 * 0.005 / 1000 + 20 * 0.015 / 1000
    )  # 08-14 in Los Angeles
    assert got["after"][5] == pytest.approx(10 * 0.0025 / 1000 + 20 * 0.01 / 1000)


def test_versions_collections_and_validation(warehouse, http_provider, catalog, ledger, sleeper):
    warehouse.add_brand("b1")
    warehouse.add_brand("b2")
    warehouse.add_request("r1", "first", collection="c1")
    warehouse.add_request(
        "r2", "second", parent="r1", collection="c1", requested_at=datetime(2026, 8, 3, 13)
    )
    warehouse.add_request("orphan", "x", parent="gen_nope")
    warehouse.add_request(
        "other", "x", brand_id="b2", parent=generation_id_for("b1", "r1")
    )  # another brand's
    warehouse.add_request("nomodel", "x", model="gpt-9")
    warehouse.add_request("wrongtype", "x", model="gpt-image-1", type_="text")
    warehouse.add_request("nobrand", "x", brand_id="zz")
    proc = processor(warehouse, http_provider, catalog, ledger, sleeper)
    proc.process(D1)
    warehouse.add_request("r3", "third", parent=generation_id_for("b1", "r2"), partition=D2)
    warehouse.add_request(
        "r4", "fourth", parent="gen_r3", partition=D2, requested_at=datetime(2026, 8, 4, 13)
    )
    proc.process(D2)
    rows = warehouse.query(
        "SELECT request_id, status, version, parent_generation_id, root_generation_id, collection_id, status_reason FROM ai.generations"
    )
    got = {r[0]: r[1:] for r in rows}
    g1, g2 = generation_id_for("b1", "r1"), generation_id_for("b1", "r2")
    assert got["r1"][:4] == ("completed", 1, None, g1)
    assert got["r2"][:5] == ("completed", 2, g1, g1, "c1")
    assert got["r3"][:4] == ("completed", 3, g2, g1)
    assert got["r4"][:4] == (
        "completed",
        4,
        generation_id_for("b1", "r3"),
        g1,
    )  # generator's "gen_<request_id>"
    assert got["orphan"][0] == "rejected" and got["orphan"][5].startswith("unknown_parent")
    assert got["other"][0] == "rejected" and got["other"][5].startswith("unknown_parent")
    assert got["nomodel"][0] == "rejected" and got["nomodel"][5].startswith("unknown_model: gpt-9")
    assert got["wrongtype"][5].startswith("invalid_request")
    assert got["nobrand"][5].startswith("unknown_brand")


def test_optimized_prompt_is_sent_and_both_are_stored(
    warehouse, http_provider, catalog, ledger, sleeper, fake_server
):
    warehouse.add_brand("b1")
    warehouse.add_request(
        "r1", "  summer   sale banner  ", model="gpt-image-1", type_="image", optimize=True
    )
    warehouse.add_request("r2", "plain prompt kept as it is written", optimize=False)
    processor(warehouse, http_provider, catalog, ledger, sleeper).process(D1)
    rows = dict(warehouse.query("SELECT request_id, optimized_prompt FROM ai.generations"))
    expected = (
        "Summer sale banner. Style: clean, photorealistic product photography. Lighting: soft natural light. "
        "Composition: centered subject, uncluttered background. Highly detailed."
    )
    assert rows["r1"] == expected and rows["r2"] is None
    assert (
        warehouse.query("SELECT prompt FROM ai.generations WHERE request_id = 'r1'")[0][0]
        == "  summer   sale banner  "
    )


def test_rule_optimizer_rules():
    assert optimize_rules("write a tweet", "text") == (
        "Write a tweet. Audience: the brand's customers. Tone: clear and friendly. "
        "Format: concise, under 120 words. Be specific and concrete."
    )
    detailed = "Write a friendly 50 words paragraph for customers about our new eco bottles"
    assert optimize_rules(detailed, "text") == detailed + "."
    assert len(optimize_rules("word " * 2000, "text")) <= 4001 + 200


def test_daily_quota_rejects_before_sending(
    warehouse, http_provider, catalog, ledger, sleeper, fake_server
):
    warehouse.add_brand("b1", quota=2)
    for i in range(4):
        warehouse.add_request(f"r{i}", f"p{i}", requested_at=datetime(2026, 8, 3, 10, i))
    processor(warehouse, http_provider, catalog, ledger, sleeper).process(D1)
    got = by_request(warehouse)
    assert [got[f"r{i}"][0] for i in range(4)] == ["completed", "completed", "rejected", "rejected"]
    assert got["r3"][1].startswith("quota_exceeded: daily generation quota 2")
    assert sum(fake_server.calls.values()) == 2  # rejected requests were never sent
    assert_created_before_attempts_and_completion(warehouse)
