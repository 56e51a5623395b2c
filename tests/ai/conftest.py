"""Shared fixtures of the AI tests: a tiny temp warehouse with brands and requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from brandpulse import db
from brandpulse.ai.budget import BudgetLedger
from brandpulse.ai.catalog import Catalog
from brandpulse.raw_schema import ensure_ai_schema, ensure_raw_schema

D1 = date(2026, 8, 3)
D2 = date(2026, 8, 4)


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRANDPULSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BRANDPULSE_DUCKDB_THREADS", "1")
    monkeypatch.setenv("BRANDPULSE_DUCKDB_MEMORY_LIMIT", "512MB")
    monkeypatch.setenv("BRANDPULSE_AI_PROVIDER", "local")
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


class Warehouse:
    """A temp warehouse file with helpers to add brands and requests."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self.open() as con:
            ensure_raw_schema(con)
            ensure_ai_schema(con)

    @contextmanager
    def open(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = db.connect(self.path)
        try:
            yield con
        finally:
            con.close()

    def add_brand(
        self, brand_id: str, tz: str = "UTC", budget: float | None = None, quota: int | None = None
    ) -> None:
        with self.open() as con:
            con.execute(
                "INSERT INTO raw.brands (brand_id, name, timezone, ai_monthly_budget_usd, ai_daily_generation_quota, _loaded_at) VALUES (?, ?, ?, ?, ?, now())",
                [brand_id, brand_id, tz, budget, quota],
            )

    def add_request(
        self,
        request_id: str,
        prompt: str,
        *,
        brand_id: str = "b1",
        partition: date = D1,
        model: str = "gpt-4o-mini",
        type_: str = "text",
        requested_at: datetime | None = None,
        parameters: dict | None = None,
        parent: str | None = None,
        collection: str | None = None,
        optimize: bool = False,
    ) -> None:
        requested_at = requested_at or datetime(
            partition.year, partition.month, partition.day, 12, 0
        )
        with self.open() as con:
            con.execute(
                """INSERT INTO raw.ai_generation_requests (request_id, brand_id, user_id, type, model, prompt,
                   parameters, collection_id, parent_generation_id, optimize_prompt, requested_at, _partition_date,
                   _source_file, _line, _loaded_at) VALUES (?, ?, 'u1', ?, ?, ?, ?, ?, ?, ?, ?, ?, 'f.jsonl', 1, now())""",
                [request_id, brand_id, type_, model, prompt, json.dumps(parameters or {}), collection, parent,
                 optimize, requested_at, partition],
            )  # fmt: skip

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with self.open() as con:
            return con.execute(sql, params or []).fetchall()


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "wh.duckdb")


@pytest.fixture
def ledger(tmp_path: Path) -> BudgetLedger:
    return BudgetLedger(tmp_path / "ledger.sqlite")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog()


@pytest.fixture
def fake_server():
    from tests.ai.fake_openai import FakeOpenAI

    with FakeOpenAI(slow_seconds=0.5) as server:
        yield server


@pytest.fixture
def http_provider(fake_server):
    from brandpulse.ai.providers.openai_http import OpenAIHTTPProvider

    provider = OpenAIHTTPProvider(fake_server.base_url, api_key="sk-test", timeout_seconds=0.2)
    yield provider
    provider.close()


class SleepRecorder:
    """Injected instead of time.sleep: records the waits, never sleeps."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeper() -> SleepRecorder:
    return SleepRecorder()
