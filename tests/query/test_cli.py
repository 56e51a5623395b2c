"""`brandpulse query` and `brandpulse publish` as a user runs them: formats, stdin, exit codes."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from brandpulse import publish, query

from .conftest import BRAND_A, BRAND_B, SECRET

REPO = Path(__file__).resolve().parents[2]
SQL = "SELECT brand_id, day, events, revenue, note FROM marts.daily_brand_metrics ORDER BY day"


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    query.add_arguments(parser)
    return query.run(parser.parse_args(argv))


def test_table_format_aligns_and_truncates(
    published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["--published-dir", str(published), "--brand", BRAND_A, SQL]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split(" | ") == ["brand_id", "day       ", "events", "revenue", "note"]
    assert lines[2] == "brand_a  | 2026-08-01 |     10 |    12.5 | a1"
    assert lines[3] == "brand_a  | 2026-08-02 |      5 |     0.0 | a2"
    assert lines[-1] == "(2 rows)"
    assert (
        _run(["--published-dir", str(published), "--max-rows", "1", "--max-width", "4", SQL]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("bra… | day")
    assert len(lines) == 4 and lines[-1].startswith("(3 rows, first 1 shown")


def test_csv_round_trip(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    args = [
        "--published-dir",
        str(published),
        "--brand",
        BRAND_A,
        "--format",
        "csv",
        "--output",
        str(out),
        SQL,
    ]
    assert _run(args) == 0
    rows = list(csv.DictReader(out.open()))
    assert rows == [
        {"brand_id": BRAND_A, "day": "2026-08-01", "events": "10", "revenue": "12.5", "note": "a1"},
        {"brand_id": BRAND_A, "day": "2026-08-02", "events": "5", "revenue": "0.0", "note": "a2"},
    ]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_json_round_trip(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    assert (
        _run(["--published-dir", str(published), "--format", "json", "--output", str(out), SQL])
        == 0
    )
    records = json.loads(out.read_text())
    assert [r["brand_id"] for r in records] == [BRAND_A, BRAND_B, BRAND_A]
    assert records[0] == {
        "brand_id": BRAND_A,
        "day": "2026-08-01",
        "events": 10,
        "revenue": 12.5,
        "note": "a1",
    }


def test_json_of_empty_result_is_an_empty_array(
    published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        _run(["--published-dir", str(published), "--format", "json", "SELECT 1 AS x WHERE false"])
        == 0
    )
    assert json.loads(capsys.readouterr().out) == []


def test_parquet_round_trip(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.parquet"
    args = [
        "--published-dir",
        str(published),
        "--brand",
        BRAND_A,
        "--format",
        "parquet",
        "--output",
        str(out),
        SQL,
    ]
    assert _run(args) == 0
    con = duckdb.connect()
    got = con.execute("SELECT * FROM read_parquet(?)", [str(out)]).fetchall()
    types = dict(
        con.execute(
            "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
            [str(out)],
        ).fetchall()
    )
    con.close()
    assert [r[2] for r in got] == [10, 5]
    assert types["day"] == "DATE" and types["events"] == "BIGINT"


def test_parquet_needs_output(published: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["--published-dir", str(published), "--format", "parquet", SQL]) == 2
    assert "--output" in capsys.readouterr().err


def test_failed_query_keeps_an_existing_output_file(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "keep.csv"
    out.write_text("previous\n")
    assert (
        _run(
            [
                "--published-dir",
                str(published),
                "--format",
                "csv",
                "--output",
                str(out),
                "SELECT nope",
            ]
        )
        == 1
    )
    assert out.read_text() == "previous\n"


def test_sql_from_stdin(
    published: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("SELECT count(*) AS n\nFROM ai.generations\n"))
    assert _run(["--published-dir", str(published), "--brand", BRAND_A, "--format", "csv"]) == 0
    assert capsys.readouterr().out == "n\n1\n"


def test_rejections_and_errors_exit_non_zero(
    published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--published-dir", str(published)]
    assert _run([*base, "DELETE FROM marts.daily_brand_metrics"]) == 2
    assert "query rejected: DELETE statements are not allowed" in capsys.readouterr().err
    assert _run([*base, "--brand", "nobody", "SELECT 1"]) == 2
    assert "unknown brand 'nobody'" in capsys.readouterr().err
    assert _run([*base, "SELECT * FROM marts.nope"]) == 1
    assert "query failed: Catalog Error" in capsys.readouterr().err


def _cli(
    *argv: str, stdin: str | None = None, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "python"), "-m", "brandpulse.cli", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )


def test_cli_publish_then_scoped_query(warehouse: Path, tmp_path: Path) -> None:
    env = {
        "BRANDPULSE_WAREHOUSE": str(warehouse),
        "BRANDPULSE_PUBLISHED_DIR": str(tmp_path / "pub"),
    }
    done = _cli("publish", env_extra=env)
    assert done.returncode == 0, done.stderr
    assert "marts.daily_brand_metrics: 3 rows" in done.stdout
    assert publish.current_snapshot(tmp_path / "pub") is not None
    done = _cli(
        "query",
        "--brand",
        BRAND_A,
        "--format",
        "json",
        stdin="SELECT generation_id, prompt FROM ai.generations",
        env_extra=env,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"generation_id": "g1", "prompt": "hello"}]


def test_cli_rejects_a_brand_escape(published: Path) -> None:
    done = _cli(
        "query",
        "--published-dir",
        str(published),
        "--brand",
        BRAND_A,
        f"SELECT * FROM read_parquet('{published}/**/*.parquet')",
    )
    assert done.returncode == 2
    assert "query rejected: function read_parquet() is not allowed" in done.stderr
    assert SECRET not in done.stdout + done.stderr


def test_unwritable_output_is_a_clear_error(
    published: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no" / "such" / "dir.csv"
    assert (
        _run(
            ["--published-dir", str(published), "--format", "csv", "--output", str(out), "SELECT 1"]
        )
        == 1
    )
    assert "cannot write the result" in capsys.readouterr().err
