"""The partition window reaches int_events_resolved from the environment without a re-parse.

Dagster and the bench pass a run's window as BRANDPULSE_WINDOW_MIN_DATE/_MAX_DATE
(macros/core/partition_window.sql): a new `--vars` value made dbt parse the whole project
on every daily run. Checked on the compiled SQL of the model, whose `_admitted_before`
is the window's max_date (far in the future without a window).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from warehouse import create_warehouse, run_dbt

from brandpulse.config import dbt_window_env

FULL_PARSE = "Unable to do partial parsing"
NO_WINDOW = "cast('9999-12-31' as timestamp)"


def bound(day: str) -> str:
    return f"(cast('{day}' as timestamptz) at time zone 'UTC')"


def test_window_from_env_compiles_without_a_full_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "window.duckdb"
    create_warehouse(warehouse, {})
    compiled = (
        tmp_path
        / f"target-{warehouse.stem}"
        / "compiled/brandpulse/models/intermediate/core/int_events_resolved.sql"
    )

    def compile_model(*extra: str) -> tuple[str, str]:
        proc = run_dbt(
            warehouse, "compile", "--select", "int_events_resolved", *extra, data_dir=tmp_path
        )
        return compiled.read_text(), proc.stdout

    run_dbt(warehouse, "parse", data_dir=tmp_path)
    sql, _ = compile_model()
    assert NO_WINDOW in sql

    for day, next_day in (("2026-08-09", "2026-08-10"), ("2026-08-10", "2026-08-11")):
        for name, value in dbt_window_env(day, next_day).items():
            monkeypatch.setenv(name, value)
        sql, out = compile_model()
        assert bound(next_day) in sql and NO_WINDOW not in sql
        assert FULL_PARSE not in out, out[-3000:]

    # `--vars` still win over the environment (the dbt tests' partition runs pass vars)
    sql, _ = compile_model("--vars", '{"max_date": "2026-09-01"}')
    assert bound("2026-09-01") in sql and bound("2026-08-11") not in sql
