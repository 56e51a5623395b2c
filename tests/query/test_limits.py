"""Hardened `brandpulse query`: timeout, memory and spill caps (spill removed), `--` and
SQL that starts with '-', safe --output, CSV formula escaping."""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
from pathlib import Path

import pytest

from brandpulse.cli import main
from brandpulse.query import parse_size, prepare_argv

LONG = "SELECT sum(a.range * b.range) FROM range(200000) AS a, range(200000) AS b"


def _spill_dirs() -> set[str]:
    return {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("brandpulse-query-")}


def test_timeout_stops_a_long_query(published: Path, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    code = main(["query", "--published-dir", str(published), "--timeout", "0.5", LONG])
    assert code == 1
    assert time.monotonic() - started < 20
    assert "timed out" in capsys.readouterr().err


def test_runaway_sort_hits_the_spill_cap_and_leaves_no_files(
    published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _spill_dirs()
    code = main(
        [
            "query",
            "--published-dir",
            str(published),
            "--memory-limit",
            "64MB",
            "--max-temp-size",
            "8MB",
            "--max-rows",
            "1",
            # ~9M rows sorted by a random key: far more than 64 MB, so it spills (~240 MB)
            "SELECT a.range AS x, b.range AS y, random() AS k "
            "FROM range(3000) AS a, range(3000) AS b ORDER BY k",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "spill files passed the 8,000,000 byte cap" in err
    assert _spill_dirs() <= before  # the session's spill directory is gone


def test_double_dash_ends_options(published: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = "-- a comment first\nSELECT 1 AS x"
    assert main(["query", "--published-dir", str(published), "--format", "csv", "--", sql]) == 0
    assert capsys.readouterr().out == "x\n1\n"
    # without `--`: an argument starting with '-' that spans lines is SQL, not an option
    assert main(["query", "--published-dir", str(published), "--format", "csv", sql]) == 0
    assert capsys.readouterr().out == "x\n1\n"


def test_sizes_are_parsed_like_duckdb() -> None:
    assert parse_size("4GB") == 4_000_000_000
    assert parse_size("512MiB") == 512 * 1024**2
    assert parse_size("100kb") == 100_000
    with pytest.raises(ValueError, match="not a size"):
        parse_size("lots")


def test_sql_is_never_an_option() -> None:
    assert prepare_argv(["--brand", "b", "--output=/tmp/x\nSELECT 1"]) == [
        "--brand",
        "b",
        "--",
        "--output=/tmp/x\nSELECT 1",
    ]
    assert prepare_argv(["-1 AS x"]) == ["--", "-1 AS x"]
    assert prepare_argv(["--output=my file.csv", "SELECT 1"]) == [
        "--output=my file.csv",
        "SELECT 1",
    ]
    assert prepare_argv(["--", "--brand"]) == ["--", "--brand"]


def test_abbreviated_options_are_not_accepted(published: Path) -> None:
    with pytest.raises(SystemExit):
        main(["query", "--published-dir", str(published), "--out", "x.csv", "SELECT 1"])


@pytest.mark.parametrize("kind", ["symlink", "device", "published", "directory"])
def test_output_refuses_unsafe_targets(
    published: Path, tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    if kind == "symlink":
        target = tmp_path / "link.csv"
        target.symlink_to(victim)
    elif kind == "device":
        target = Path("/dev/null")
    elif kind == "directory":
        target = tmp_path
    else:
        target = published / "CURRENT"
    before = (published / "CURRENT").read_text()
    code = main(
        [
            "query",
            "--published-dir",
            str(published),
            "--output",
            str(target),
            "--format",
            "csv",
            "SELECT 1",
        ]
    )
    assert code == 2
    assert "query:" in capsys.readouterr().err
    assert victim.read_text() == "keep me"
    assert (published / "CURRENT").read_text() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_output_is_written_atomically(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    assert (
        main(
            [
                "query",
                "--published-dir",
                str(published),
                "--output",
                str(out),
                "--format",
                "csv",
                "SELECT 1 AS x",
            ]
        )
        == 0
    )
    assert out.read_text() == "x\n1\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["out.csv"]


def test_csv_escapes_formula_text_unless_raw(
    published: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = """SELECT '=1+1' AS "=f", '-x' AS b, -5 AS n, '@h' AS c, '+1' AS d, 'ok' AS e"""
    assert main(["query", "--published-dir", str(published), "--format", "csv", sql]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["'=f", "b", "n", "c", "d", "e"], ["'=1+1", "'-x", "-5", "'@h", "'+1", "ok"]]
    assert main(["query", "--published-dir", str(published), "--format", "csv", "--raw", sql]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["=f", "b", "n", "c", "d", "e"], ["=1+1", "-x", "-5", "@h", "+1", "ok"]]
